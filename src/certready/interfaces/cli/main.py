"""``main()`` maps exceptions to exit statuses; the commands in :mod:`.app` do the work."""

from __future__ import annotations

import sys
import traceback
import warnings
from collections.abc import Sequence
from typing import TextIO

import click
import typer.main
from cryptography.utils import CryptographyDeprecationWarning

from certready.core.errors import CertReadyError
from certready.interfaces.cli.common import ExitStatus, Streams

_STREAMS: list[Streams] = []


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
) -> int:
    """Run one command line; return its exit status. Never raises for a user's mistake."""
    from certready.interfaces.cli.app import build_app

    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    args = [a for a in args if a != "--debug"]
    streams = Streams(stdout or sys.stdout, stderr or sys.stderr, debug=debug)
    _STREAMS.append(streams)
    try:
        cli = typer.main.get_command(build_app())
        try:
            with warnings.catch_warnings():
                if not debug:  # e.g. "serial number which wasn't positive": not for the terminal
                    warnings.simplefilter("ignore", CryptographyDeprecationWarning)
                result = cli.main(
                    args=args,
                    prog_name="certready",
                    standalone_mode=False,
                    windows_expand_args=False,
                )
        except click.exceptions.Exit as exc:
            return int(exc.exit_code)
        except click.exceptions.Abort:
            streams.stderr.write("\ninterrupted\n")
            return ExitStatus.INTERRUPTED
        except click.ClickException as exc:
            _print_click_error(exc, streams)
            return ExitStatus.USAGE
        if isinstance(result, int):
            return result
        return ExitStatus.OK
    except KeyboardInterrupt:
        streams.stderr.write("\ninterrupted\n")
        return ExitStatus.INTERRUPTED
    except CertReadyError as exc:
        if debug:
            traceback.print_exc(file=streams.stderr)
        streams.error(str(exc))
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


def _print_click_error(exc: click.ClickException, streams: Streams) -> None:
    ctx = getattr(exc, "ctx", None)
    if ctx is not None and isinstance(exc, click.UsageError):
        streams.stderr.write(ctx.get_usage() + "\n")
        streams.stderr.write(f"Try '{ctx.command_path} --help' for help.\n")
    streams.error(exc.format_message())
