"""What every command shares: exit statuses and the output streams (options: :mod:`.options`)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from enum import IntEnum
from typing import TYPE_CHECKING, BinaryIO, TextIO

if TYPE_CHECKING:  # rich is imported when a command first prints (not for --version/--help)
    from rich.console import Console


class ExitStatus(IntEnum):
    """Exit statuses are an enum, never a count (DESIGN §3)."""

    OK = 0
    FINDINGS = 1
    """Findings at or above ``--fail-on``."""
    USAGE = 2
    """Bad command line or unreadable input."""
    UNREACHABLE = 3
    """Every target of a scan was unreachable."""
    RECORDING_FAILED = 4
    """The run was judged (and its report printed) but recording it into the inventory failed."""
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
        from certready.adapters.inputs import display_name

        self.stderr.write(f"certready: note: {display_name(source)}: {message}\n")
        self.stderr.flush()


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _console(stream: TextIO) -> Console:
    from rich.console import Console

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
