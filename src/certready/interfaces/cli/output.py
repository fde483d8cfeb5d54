"""Writing a report in the format asked for, and the exit status it implies.

``--output FILE`` writes the report there, replacing an existing file: reports are outputs, not
keys, and a scheduled job rewrites the same ``report.html`` every day. The file is written to a
temporary name beside it and renamed, so a reader never sees half a report; a character device or
FIFO (``-o /dev/null``, a named pipe) is written into, never replaced.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from certready.adapters.reporting import renderer
from certready.adapters.reporting.text_report import print_report
from certready.adapters.writes import write_output
from certready.core.errors import CertReadyError, UsageError
from certready.core.model import Finding, Report, Severity, TargetResult, TargetStatus
from certready.core.policy import Policy
from certready.interfaces.cli.common import ExitStatus, Streams
from certready.interfaces.cli.options import FORMAT_HELP

if TYPE_CHECKING:  # imported when a page is written: Jinja is not needed before
    from certready.adapters.reporting.html_report import HtmlStreamWriter


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


def emit_and_judge(
    report: Report,
    fmt: str,
    output: str | None,
    streams: Streams,
    *,
    policy: Policy | None,
    fail_on: Severity | None,
) -> int:
    """Write the report as :func:`emit_report` does and return its :func:`exit_status`: the tail
    of every command that judges and reports (``lint``, ``scan``, ``audit``, ``doctor``)."""
    emit_report(report, fmt, output, streams, policy=policy, fail_on=fail_on)
    return exit_status(report, fail_on)


@dataclass(slots=True)
class StreamTally:
    """What a streamed run's exit status needs, counted as its targets go by."""

    statuses: set[TargetStatus] = field(default_factory=set)
    worst: Severity | None = None

    def add(self, target: TargetResult) -> None:
        self.statuses.add(target.status)
        if target.worst is not None and (self.worst is None or target.worst > self.worst):
            self.worst = target.worst


STREAMED = ("jsonl", "json", "text", "html")
"""Formats a streamed run writes without keeping its targets (JSON, text and HTML through
temporary files: their heads depend on every target)."""


def emit_stream(
    header: Report,
    results: Iterable[TargetResult],
    fmt: str,
    output: str | None,
    streams: Streams,
    tally: StreamTally,
    *,
    keep: list[TargetResult] | None = None,
    findings: Callable[[], tuple[Finding, ...]] | None = None,
    policy: Policy | None = None,
) -> None:
    """A format of :data:`STREAMED` from targets as they come, without keeping them (``keep``: a
    list to collect them in, e.g. for ``--record``): ``jsonl`` writes each target's line at once
    and the summary line last; ``json``, ``text`` and ``html`` spool targets to temporary files
    and write the report at the end, byte for byte what :func:`emit_report` writes.
    ``findings``: the run's own findings when they are known only once its targets are through
    (audit's deployment findings; ``jsonl`` only), instead of ``header.findings``: they go to the
    summary line. ``policy`` words the text and HTML reports (as in :func:`emit_report`)."""
    from certready.adapters.reporting.json_stream import JsonStreamWriter
    from certready.adapters.reporting.jsonl_report import JsonlWriter
    from certready.adapters.reporting.text_report import TextStreamWriter

    if output == "-":
        output = None
    # on a terminal the text report says which inputs failed
    on_terminal = fmt == "text" and output is None and streams.out.is_terminal

    if findings is not None and fmt != "jsonl":
        raise ValueError("findings known after the targets stream only to jsonl")
    whole: list[tuple[Finding, ...]] = []

    def counted() -> Iterator[TargetResult]:
        for target in results:
            tally.add(target)
            if keep is not None:
                keep.append(target)
            if target.status.failed and not on_terminal:
                streams.error(f"{target.target}: {target.reason}")
            yield target
        whole.append(header.findings if findings is None else findings())
        for finding in whole[0]:
            if tally.worst is None or finding.severity > tally.worst:
                tally.worst = finding.severity

    def jsonl() -> Iterator[bytes]:
        writer = JsonlWriter(
            header.command, header.profile, header.generated_at, header.title, header.findings
        )
        for target in counted():
            yield writer.target(target).encode("utf-8")
        writer.findings = whole[0]
        yield writer.summary().encode("utf-8")

    def spooled(writer: JsonStreamWriter | TextStreamWriter | HtmlStreamWriter) -> Iterator[bytes]:
        for target in counted():
            writer.add(target)
        yield from writer.chunks()

    if fmt == "text" and output is None:  # the CLI's console: colour on a terminal
        text = TextStreamWriter(header, policy)
        for target in counted():
            text.add(target)
        text.print_to(streams.out)
        return
    if fmt == "jsonl":
        chunks = jsonl()
    elif fmt == "json":
        chunks = spooled(JsonStreamWriter(header))
    elif fmt == "text":
        chunks = spooled(TextStreamWriter(header, policy))
    else:  # Jinja is imported only for the page
        from certready.adapters.reporting.html_report import HtmlStreamWriter

        chunks = spooled(HtmlStreamWriter(header, policy))
    if output is None:
        for chunk in chunks:
            streams.stdout.write(chunk.decode("utf-8"))
            streams.stdout.flush()
    else:
        try:
            write_output(Path(output), chunks)
        except CertReadyError as exc:
            raise UsageError(
                f"cannot write the report: {exc.message}", location=str(output)
            ) from None


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
    return status_of([t.status for t in report.targets], report.worst, fail_on)


def status_of(
    statuses: Collection[TargetStatus], worst: Severity | None, fail_on: Severity | None
) -> int:
    """:func:`exit_status` from the targets' statuses and the worst finding of the run."""
    if statuses and all(s is TargetStatus.UNREACHABLE for s in statuses):
        return ExitStatus.UNREACHABLE
    if TargetStatus.INPUT_ERROR in statuses:
        return ExitStatus.USAGE
    if TargetStatus.UNREACHABLE in statuses:
        worst = Severity.ERROR
    if fail_on is not None and worst is not None and worst >= fail_on:
        return ExitStatus.FINDINGS
    return ExitStatus.OK
