"""The text report: colour and symbols on a terminal, plain grep-able lines when piped or written.

:func:`print_report` prints to a rich console (the CLI's, with colour on a terminal); :func:`render`
returns the same lines as plain text, 120 columns wide, for ``--output`` and pipes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from io import StringIO

from rich.console import Console
from rich.markup import escape as markup_escape

from certready.adapters.reporting.common import (
    RenderContext,
    private_key_text,
    resolve_context,
    severity_counts,
    sorted_findings,
    verdict,
    verdict_of,
)
from certready.adapters.reporting.spool import Spool
from certready.adapters.reporting.summary import (
    Summary,
    Tally,
    TargetState,
    cause_lines,
    findings_about,
    summarize,
)
from certready.adapters.reporting.visible import visible
from certready.core.days import days_left, days_text
from certready.core.facts import describe_key
from certready.core.model import (
    CertFacts,
    Finding,
    Report,
    Rule,
    Severity,
    TargetResult,
    TargetStatus,
)
from certready.core.policy import Policy

STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
STATE_STYLE = {
    TargetState.READY: "green",
    TargetState.NOT_READY: "bold red",
    TargetState.UNREACHABLE: "bold red",
    TargetState.ATTENTION: "yellow",
    TargetState.SKIPPED: "dim",
}


def escape(text: str) -> str:
    """Rich markup escaped, invisible characters (a bidi override) shown as ``<U+202E>``."""
    return markup_escape(visible(text))


def _expiry(cert: CertFacts, now: dt.datetime) -> str:
    date = cert.not_valid_after.strftime("%Y-%m-%d")
    days = days_left(cert.not_valid_after, now)
    if cert.not_valid_after < now:
        return f"expired {date} ({days_text(-days)} ago)"
    return f"expires {date} ({days_text(days)})"


_MARK = {
    TargetState.READY: "[green]✓[/]",
    TargetState.NOT_READY: "[bold red]✗[/]",
    TargetState.UNREACHABLE: "[bold red]✗[/]",
    TargetState.ATTENTION: "[yellow]![/]",
    TargetState.SKIPPED: "[dim]-[/]",
}


def _target_line(target: TargetResult, now: dt.datetime, state: TargetState) -> str:
    """``✗ name  NOT READY  leaf · key · expiry · issuer``, or the reason it was not examined."""
    head = (
        f"{_MARK[state]} [bold]{escape(target.target)}[/]  [{STATE_STYLE[state]}]{state.badge}[/]"
    )
    if target.status.failed:
        return f"{head}: {escape(target.reason or '')}"
    if not target.certificates:
        return head
    leaf = target.certificates[0].certificate
    parts = [describe_key(leaf.public_key), _expiry(leaf, now), f"issuer {leaf.issuer}"]
    if target.tls is not None:
        parts.insert(0, f"{target.tls.protocol} {target.tls.address}")
    key = private_key_text(target)
    if key:
        parts.append(key)
    detail = " · ".join(escape(p) for p in parts)
    return f"{head}  {escape(leaf.display_name)}  [dim]{detail}[/]"


def render(
    report: Report, policy: Policy | None = None, *, rules: Sequence[Rule] | None = None
) -> str:
    """The report as plain text: no colour, no wrapping of long lines."""
    buffer = StringIO()
    print_report(
        report,
        Console(file=buffer, no_color=True, width=120, soft_wrap=True, emoji=False),
        policy,
        rules=rules,
    )
    return buffer.getvalue()


def print_report(
    report: Report,
    console: Console,
    policy: Policy | None = None,
    *,
    rules: Sequence[Rule] | None = None,
) -> None:
    """The report on ``console``: what to fix first, the deployment, each target, a summary line.
    ``policy`` words the rule titles (the report's built-in profile when not given)."""
    now = report.generated_at
    summary = summarize(report)
    context = resolve_context(report, policy, rules)
    _print_head(console, report, summary, context)
    about = findings_about(report)
    for target, state in zip(report.targets, summary.states, strict=True):
        console.print(_target_line(target, now, state))
        if target.status is TargetStatus.OK and target.reason:
            console.print(f"    [dim]{escape(target.reason)}[/]")
        attached = about.get(target.target, ())
        shared: dict[int, str] = {}
        for f in sorted_findings((*target.findings, *attached)):
            number = summary.number(f)
            if number is not None and (summary.said_once(f) or f in attached):
                shared[number] = f.rule_id
                continue
            where = str(f.location) if f.location != target.location else None
            _print_finding(console, f, summary, where)
        _print_shared(console, shared)
    console.print()
    console.print(
        _summary_line(
            len(report.targets),
            summary,
            [report.count(s) for s in (Severity.ERROR, Severity.WARNING, Severity.INFO)],
            verdict(report),
        )
    )


def _print_head(console: Console, report: Report, summary: Summary, context: RenderContext) -> None:
    """The header, "What to fix first" and the deployment's own findings."""
    now = report.generated_at
    header = f"certready {report.command} · profile {report.profile}"
    if report.title:
        header = f"{report.title} · {header}"
    console.print(f"[bold]{escape(header)}[/] · {now:%Y-%m-%d %H:%M} UTC")
    console.print()
    if summary.problems:
        console.print("[bold]What to fix first[/]")
        for rank, p in enumerate(summary.problems, 1):
            names = list(p.targets)
            if p.target_count > len(names):  # a long run: how many first
                names[0] = f"{p.target_count} targets: {names[0]}"
                names.append(f"+ {p.target_count - len(p.targets)} more")
            if p.deployment:
                names.insert(0, "the deployment")
            title = context.title(p.rule_id) or p.rule_id
            console.print(
                f"{rank:>3}. [{STYLE[p.severity]}]{p.severity.label:<7}[/] [bold]{escape(title)}[/]"
                f"  [dim]{p.rule_id}[/]"
            )
            causes = cause_lines(p)
            if p.deployment and causes:
                console.print("            on the deployment")
            for line in causes:
                console.print(f"            {escape(line)}")
            if not causes:
                console.print(f"            on {escape(', '.join(names))}")
            if p.said_once and p.message is not None:
                console.print(f"            {escape(p.message)}")
            console.print(f"            [dim]fix: {escape(p.remediation)}[/]")
        console.print()
    if report.findings:
        console.print("[bold]Deployment[/] (most severe first)")
        for finding in sorted_findings(report.findings):
            _print_finding(console, finding, summary, str(finding.location))
        console.print()


def _print_shared(console: Console, shared: dict[int, str]) -> None:
    if shared:
        also = "; ".join(f"fix {n} {rule_id}" for n, rule_id in sorted(shared.items()))
        console.print(f"    [dim]also: {escape(also)}[/]")


def _summary_line(targets: int, summary: Summary, counts: Sequence[int], the_verdict: str) -> str:
    errors, warnings, infos = counts
    states = " · ".join(f"{n} {state.badge.lower()}" for state, n in summary.counts.items() if n)
    line = f"{targets} target(s)"
    if states:
        line += f" ({states})"
    line += f" · {errors} error(s) · {warnings} warning(s) · {infos} info"
    if summary.unreadable:
        line += f" · {summary.unreadable} unreadable"
    style = "bold green" if the_verdict == "READY" else "bold red"
    return f"{escape(line)} → [{style}]{the_verdict}[/]"


def _finding_line(f: Finding) -> str:
    """A finding's line without its "(fix n)" reference."""
    return f"    [{STYLE[f.severity]}]{f.severity.label:<7}[/] [bold]{f.rule_id}[/]  {escape(f.message)}"


def _ref(number: int | None) -> str:
    return f" [dim](fix {number})[/]" if number is not None else ""


def _where_line(where: str) -> str:
    return f"            [dim]at {escape(where)}[/]"


def _print_finding(console: Console, f: Finding, summary: Summary, where: str | None) -> None:
    console.print(_finding_line(f) + _ref(summary.number(f)))
    if where:
        console.print(_where_line(where))


_Block = tuple[tuple[str, ...], tuple[tuple[int, bool, str, str, str | None], ...]]
"""One target as spooled: its first lines, then each finding as (problem opened, attached to it
from the deployment, rule id, line without its fix reference, where)."""


class TextStreamWriter:
    """The text report from targets as they come, in memory bounded by the distinct problems:
    :meth:`add` each target (its lines are spooled to a temporary file, their fix numbers left
    open), then :meth:`print_to` a console or :meth:`chunks` for a file, once. The text is the one
    :func:`print_report` prints for the same report."""

    def __init__(
        self,
        header: Report,
        policy: Policy | None = None,
        *,
        rules: Sequence[Rule] | None = None,
    ) -> None:
        self._header = header
        self._context = resolve_context(header, policy, rules)
        self._tally = Tally(header.findings)
        self._about = findings_about(header)
        self._counts = severity_counts(header.findings)
        self._targets = 0
        self._spool = Spool()

    def add(self, target: TargetResult) -> None:
        state = self._tally.add(target)
        self._targets += 1
        for f in target.findings:
            self._counts[f.severity] += 1
        head = [_target_line(target, self._header.generated_at, state)]
        if target.status is TargetStatus.OK and target.reason:
            head.append(f"    [dim]{escape(target.reason)}[/]")
        attached = self._about.get(target.target, ())
        findings = tuple(
            (
                self._tally.opened(f),
                f in attached,
                f.rule_id,
                _finding_line(f),
                str(f.location) if f.location != target.location else None,
            )
            for f in sorted_findings((*target.findings, *attached))
        )
        block: _Block = (tuple(head), findings)
        self._spool.write(block)

    def print_to(self, console: Console) -> None:
        """The whole report on ``console`` (the terminal's, or a pipe's)."""
        for _ in self._printed(console):
            pass

    def chunks(self) -> Iterator[bytes]:
        """The report as plain text (as :func:`render`), a target's lines at a time."""
        buffer = StringIO()
        console = Console(file=buffer, no_color=True, width=120, soft_wrap=True, emoji=False)
        for _ in self._printed(console):
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
        yield buffer.getvalue().encode("utf-8")

    def _printed(self, console: Console) -> Iterator[None]:
        summary = self._tally.summary()
        with self._spool:
            _print_head(console, self._header, summary, self._context)
            yield
            for head, findings in self._spool.records():
                for line in head:
                    console.print(line)
                shared: dict[int, str] = {}
                for opened, attached, rule_id, line, where in findings:
                    number = summary.rank_of(opened)
                    # a problem said once has one message: Summary.said_once of each finding
                    if attached or summary.problems[number - 1].said_once:
                        shared[number] = rule_id
                        continue
                    console.print(line + _ref(number))
                    if where:
                        console.print(_where_line(where))
                _print_shared(console, shared)
                yield
        console.print()
        counts = [self._counts[s] for s in (Severity.ERROR, Severity.WARNING, Severity.INFO)]
        worst = max((s for s, n in self._counts.items() if n), default=None)
        the_verdict = verdict_of(
            self._tally.states[TargetState.UNREACHABLE], summary.unreadable, worst
        )
        console.print(_summary_line(self._targets, summary, counts, the_verdict))
