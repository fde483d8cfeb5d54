"""What every command shares: exit statuses, the output streams, and common options."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from typing import Annotated, BinaryIO, TextIO

import typer
from rich.console import Console

from certready.adapters.inputs import display_name
from certready.core.model import Severity


class ExitStatus(IntEnum):
    """Exit statuses are an enum, never a count (DESIGN §3)."""

    OK = 0
    FINDINGS = 1
    """Findings at or above ``--fail-on``."""
    USAGE = 2
    """Bad command line or unreadable input."""
    UNREACHABLE = 3
    """Every target of a scan was unreachable."""
    INTERRUPTED = 130


@dataclass
class Streams:
    """The streams a command writes to, and rich consoles over them."""

    stdout: TextIO
    stderr: TextIO
    debug: bool = False
    stdin: BinaryIO | None = None
    """What ``-`` reads (an input file, a targets file): standard input's bytes, or the stream a
    test hands to ``main(stdin=...)``; ``None`` when there is none (pythonw, a service)."""
    _out: Console | None = field(default=None, repr=False)
    _err: Console | None = field(default=None, repr=False)

    @property
    def out(self) -> Console:
        if self._out is None:
            self._out = _console(self.stdout)
        return self._out

    @property
    def err(self) -> Console:
        if self._err is None:
            self._err = _console(self.stderr)
        return self._err

    def error(self, message: str) -> None:
        """One line on stderr: ``certready: error: <message>``."""
        self.stderr.write(f"certready: error: {message}\n")
        self.stderr.flush()

    def warning(self, message: str) -> None:
        self.stderr.write(f"certready: warning: {message}\n")
        self.stderr.flush()

    def traceback(self, error: BaseException) -> None:
        """With ``--debug``: the traceback of an error that is otherwise one line, with the
        library exception it replaced (``raise ... from None`` hides it from everyone else)."""
        if not self.debug:
            return
        import traceback

        error.__suppress_context__ = False
        traceback.print_exception(error, file=self.stderr)

    def note(self, source: str, message: str) -> None:
        """A non-fatal remark about an input, on stderr: ``certready: note: app.pfx: ...``."""
        self.stderr.write(f"certready: note: {display_name(source)}: {message}\n")
        self.stderr.flush()


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _console(stream: TextIO) -> Console:
    tty = _isatty(stream)
    return Console(
        file=stream,
        force_terminal=tty,
        no_color=not tty or "NO_COLOR" in os.environ,
        highlight=False,
        emoji=False,  # ":cd:" in a fingerprint is hex, not a compact disc
        soft_wrap=not tty,
        width=None if tty else 120,
    )


class FailOn(StrEnum):
    """``--fail-on``: the least severe finding that makes the exit status 1."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"
    NEVER = "never"

    def threshold(self) -> Severity | None:
        return None if self is FailOn.NEVER else Severity.parse(self.value)


PathsArgument = Annotated[
    list[str],
    typer.Argument(
        metavar="PATH",
        help="Certificate files or folders (PEM, DER, .p7b, .pfx/.p12, keys); - for stdin.",
        show_default=False,
    ),
]
"""The inputs of ``lint`` and ``show``."""
PasswordEnvOption = Annotated[
    str | None,
    typer.Option(
        "--password-env",
        metavar="VAR",
        help="Read the PKCS#12 / private-key password from this environment variable.",
        show_default=False,
    ),
]
PasswordFileOption = Annotated[
    str | None,
    typer.Option(
        "--password-file",
        metavar="FILE",
        help="Read the password from the first line of FILE. Without either option, "
        "certready asks on the terminal (passwords are never taken from the command line).",
        show_default=False,
    ),
]


# Chain options shared by every command that validates (lint, show, scan...). Use them as
# parameter annotations and pass the values to ``services.chain.make_chain_options``.
TrustOption = Annotated[
    list[str] | None,
    typer.Option(
        "--trust",
        metavar="STORE",
        help="Trust stores: mozilla (default), system, or a file/folder of roots; "
        "comma-separated or repeated.",
    ),
]
ChainFileOption = Annotated[
    list[str] | None,
    typer.Option(
        "--chain",
        metavar="FILE",
        help="A file of intermediates to build the chain with (repeatable).",
    ),
]
AtOption = Annotated[
    str | None,
    typer.Option(
        "--at",
        metavar="TIME",
        help="Validate at this time (ISO 8601, e.g. 2027-03-01); default now.",
    ),
]
CrlOption = Annotated[
    list[str] | None,
    typer.Option(
        "--crl", metavar="FILE", help="A CRL file to check revocation against (repeatable)."
    ),
]
