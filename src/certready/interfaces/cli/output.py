"""Writing a report in the format asked for, and the exit status it implies.

``--output FILE`` writes the report there, replacing an existing file: reports are outputs, not
keys, and a scheduled job rewrites the same ``report.html`` every day. The file is written to a
temporary name beside it and renamed, so a reader never sees half a report; a character device or
FIFO (``-o /dev/null``, a named pipe) is written into, never replaced.
"""

from __future__ import annotations

from pathlib import Path

from certready.adapters.reporting import renderer
from certready.adapters.reporting.text_report import print_report
from certready.adapters.writes import write_output
from certready.core.errors import CertReadyError, UsageError
from certready.core.model import Report, Severity, TargetStatus
from certready.core.policy import Policy
from certready.interfaces.cli.common import ExitStatus, Streams
from certready.interfaces.cli.options import FORMAT_HELP


def emit_report(
    report: Report,
    fmt: str,
    output: str | None,
    streams: Streams,
    *,
    policy: Policy | None = None,
    fail_on: Severity | None = Severity.ERROR,
) -> None:
    """Text to stdout is printed on the terminal console (colour when it is one); every other case
    goes through the format's renderer.

    ``policy`` is the policy the report was made with (JUnit lists the rules it ran, SARIF
    describes them, HTML takes its expiry window); without it the report's built-in profile is used.
    ``fail_on`` is the command's ``--fail-on`` (JUnit's failures are the findings that set the exit
    status).
    """
    fmt = str(fmt)
    if output == "-":
        output = None
    on_terminal = fmt == "text" and output is None and streams.out.is_terminal
    if not on_terminal:  # on a terminal the text report already shows them
        for target in report.input_errors:
            streams.error(f"{target.target}: {target.reason}")
    if fmt == "text" and output is None:
        print_report(report, streams.out, policy)
        return
    try:
        render = renderer(fmt, policy, fail_on=fail_on)
    except KeyError:
        raise UsageError(f"unknown --format {fmt!r} (choose one of {FORMAT_HELP})") from None
    text = render(report)
    if output is None:
        streams.stdout.write(text)
        streams.stdout.flush()
    else:
        write_report(Path(output), text)


def write_report(path: Path, text: str) -> None:
    """Write ``text`` as UTF-8 bytes (no newline translation) to ``path``: a file atomically, a
    device or FIFO directly (:func:`certready.adapters.writes.write_output`)."""
    try:
        write_output(path, text.encode("utf-8"))
    except CertReadyError as exc:
        raise UsageError(f"cannot write the report: {exc.message}", location=str(path)) from None


def exit_status(report: Report, fail_on: Severity | None) -> int:
    """3 when every target was unreachable (a scan), 2 when an input could not be read, else 1 when
    a finding reaches ``fail_on`` or some target was unreachable (an error), else 0."""
    statuses = [t.status for t in report.targets]
    if statuses and all(s is TargetStatus.UNREACHABLE for s in statuses):
        return ExitStatus.UNREACHABLE
    if TargetStatus.INPUT_ERROR in statuses:
        return ExitStatus.USAGE
    worst = report.worst
    if TargetStatus.UNREACHABLE in statuses:
        worst = Severity.ERROR
    if fail_on is not None and worst is not None and worst >= fail_on:
        return ExitStatus.FINDINGS
    return ExitStatus.OK
