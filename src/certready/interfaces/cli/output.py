"""Writing a report in the format asked for, and the exit status it implies."""

from __future__ import annotations

from pathlib import Path

from certready.adapters.reporting import renderer
from certready.core.errors import UsageError
from certready.core.model import Report, Severity
from certready.interfaces.cli.common import ExitStatus, Streams
from certready.interfaces.cli.text import print_report


def emit_report(report: Report, fmt: str, output: str | None, streams: Streams) -> None:
    """Text goes to the terminal (rich); every other format through its renderer."""
    on_terminal = fmt == "text" and output is None and streams.out.is_terminal
    if not on_terminal:  # on a terminal the text report already shows them
        for target in report.input_errors:
            streams.error(f"{target.target}: {target.reason}")
    if fmt == "text" and output is None:
        print_report(report, streams.out)
        return
    if fmt == "text":
        from io import StringIO

        from rich.console import Console

        buffer = StringIO()
        print_report(
            report, Console(file=buffer, no_color=True, width=120, soft_wrap=True, emoji=False)
        )
        text = buffer.getvalue()
    else:
        try:
            text = renderer(fmt)(report)
        except KeyError:
            raise UsageError(f"unknown --format {fmt!r}") from None
    if output is None or output == "-":
        streams.stdout.write(text)
    else:
        Path(output).write_text(text, "utf-8")


def exit_status(report: Report, fail_on: Severity | None) -> int:
    """2 when an input could not be read, else 1 when a finding reaches ``fail_on``, else 0.

    A scan whose every target was unreachable exits 3 (the scan command decides that itself).
    """
    if report.input_errors:
        return ExitStatus.USAGE
    worst = report.worst
    if fail_on is not None and worst is not None and worst >= fail_on:
        return ExitStatus.FINDINGS
    return ExitStatus.OK
