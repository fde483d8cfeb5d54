"""``main()`` maps exceptions to exit statuses; the commands in :mod:`.app` do the work."""

from __future__ import annotations

import sys
import traceback
import warnings
from collections.abc import Sequence
from typing import BinaryIO, TextIO

import typer
import typer.main
from cryptography.utils import CryptographyDeprecationWarning

from certready.core.errors import CertReadyError
from certready.interfaces.cli.common import ExitStatus, Streams

_STREAMS: list[Streams] = []


def _click_errors() -> tuple[type[Exception], ...]:
    """The ``ClickException`` base of typer's public ``BadParameter``: click's own before typer
    0.29, the copy typer vendors since. Found through the public class, so certready imports no
    ``click`` (no declared dependency provides it) and no private typer module."""
    return tuple(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")


_CLICK_ERRORS = _click_errors()
_EXITS: tuple[type[Exception], ...] = (typer.Exit,)
_ABORTS: tuple[type[BaseException], ...] = (typer.Abort,)


def current_streams() -> Streams:
    """The streams of the ``main()`` call in progress (commands write only through these)."""
    if not _STREAMS:
        return Streams(sys.stdout, sys.stderr)
    return _STREAMS[-1]


def main(
    argv: Sequence[str] | None = None,
    *,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    stdin: BinaryIO | None = None,
) -> int:
    """Run one command line; return its exit status. Never raises for a user's mistake.

    ``stdin`` is what ``-`` reads (default: standard input's bytes)."""
    from certready.interfaces.cli.app import build_app, plain_help

    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    args = [a for a in args if a != "--debug"]
    streams = Streams(
        stdout or sys.stdout,
        stderr or sys.stderr,
        debug=debug,
        stdin=stdin if stdin is not None else getattr(sys.stdin, "buffer", None),
    )
    _STREAMS.append(streams)
    try:
        cli = typer.main.get_command(build_app())
        plain_help(cli)
        try:
            with warnings.catch_warnings():
                _route_warnings(streams)
                result = cli.main(
                    args=args,
                    prog_name="certready",
                    standalone_mode=False,
                    windows_expand_args=False,
                )
        except _EXITS as exc:
            return int(getattr(exc, "exit_code", 0))
        except SystemExit as exc:  # typer >= 0.29 exits 1 on EPIPE (`certready rules | head -1`)
            if isinstance(exc.__context__, BrokenPipeError):
                return ExitStatus.OK
            raise
        except _ABORTS:
            streams.stderr.write("\ninterrupted\n")
            return ExitStatus.INTERRUPTED
        except _CLICK_ERRORS as exc:
            _print_click_error(exc, streams)
            return ExitStatus.USAGE
        if result == ExitStatus.INTERRUPTED:  # typer >= 0.29 turns Ctrl-C into a silent 130
            streams.stderr.write("\ninterrupted\n")
            return ExitStatus.INTERRUPTED
        if isinstance(result, int):
            return result
        return ExitStatus.OK
    except KeyboardInterrupt:
        streams.stderr.write("\ninterrupted\n")
        return ExitStatus.INTERRUPTED
    except CertReadyError as exc:
        if debug:
            traceback.print_exc(file=streams.stderr)
        for line in str(exc).splitlines():  # a manifest's errors: one line each
            streams.error(line)
        return ExitStatus.USAGE
    except BrokenPipeError:
        return ExitStatus.OK
    except Exception:
        if debug:
            traceback.print_exc(file=streams.stderr)
        else:
            exc_type, exc_value, _ = sys.exc_info()
            name = exc_type.__name__ if exc_type else "error"
            streams.error(f"unexpected {name}: {exc_value} (rerun with --debug for a traceback)")
        return ExitStatus.USAGE
    finally:
        _STREAMS.pop()


def _route_warnings(streams: Streams) -> None:
    """Inside ``warnings.catch_warnings()``: a library's warning while reading or judging an input
    (cryptography on a 100-character CN, on a BER-encoded PKCS#12) becomes one note line on the
    command's stderr, each distinct message once, instead of Python's two-line
    ``file:line: UserWarning`` print. Deprecation notices about the inputs (``serial number which
    wasn't positive``, given by some certifi roots on every run) are not for the terminal at all.
    With ``--debug`` every warning is printed whole, with its file and line."""
    if streams.debug:
        warnings.simplefilter("always", CryptographyDeprecationWarning)

        def show(
            message: Warning | str,
            category: type[Warning],
            filename: str,
            lineno: int,
            file: TextIO | None = None,
            line: str | None = None,
        ) -> None:
            streams.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))

        warnings.showwarning = show
        return
    warnings.simplefilter("ignore", CryptographyDeprecationWarning)
    seen: set[str] = set()

    def note(
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: TextIO | None = None,
        line: str | None = None,
    ) -> None:
        text = " ".join(str(message).split())
        if len(text) > 200:
            text = text[:197] + "..."
        if text in seen:
            return
        seen.add(text)
        streams.stderr.write(f"certready: note: {text} (rerun with --debug for where)\n")
        streams.stderr.flush()

    warnings.showwarning = note


def _print_click_error(exc: Exception, streams: Streams) -> None:
    ctx = getattr(exc, "ctx", None)
    if ctx is not None and hasattr(ctx, "get_usage"):
        streams.stderr.write(ctx.get_usage() + "\n")
        streams.stderr.write(f"Try '{ctx.command_path} --help' for help.\n")
    format_message = getattr(exc, "format_message", None)
    message = format_message() if callable(format_message) else str(exc)
    # typer >= 0.29 coerces with pydantic: "Value error, 'xml' is not one of ..."
    streams.error(str(message).replace("Value error, ", ""))
