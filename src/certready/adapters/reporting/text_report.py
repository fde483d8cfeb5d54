"""The text report: colour and symbols on a terminal, plain grep-able lines when piped or written.

:func:`print_report` prints to a rich console (the CLI's, with colour on a terminal); :func:`render`
returns the same lines as plain text, 120 columns wide, for ``--output`` and pipes.
"""

from __future__ import annotations

import datetime as dt
from io import StringIO

from rich.console import Console
from rich.markup import escape as markup_escape

from certready.adapters.reporting.common import verdict
from certready.adapters.reporting.visible import visible
from certready.core.days import days_left, days_text
from certready.core.facts import describe_key
from certready.core.model import CertFacts, Report, Severity, TargetResult

STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def escape(text: str) -> str:
    """Rich markup escaped, invisible characters (a bidi override) shown as ``<U+202E>``."""
    return markup_escape(visible(text))


def _expiry(cert: CertFacts, now: dt.datetime) -> str:
    date = cert.not_valid_after.strftime("%Y-%m-%d")
    days = days_left(cert.not_valid_after, now)
    if cert.not_valid_after < now:
        return f"expired {date} ({days_text(-days)} ago)"
    return f"expires {date} ({days_text(days)})"


def _target_line(target: TargetResult, now: dt.datetime) -> str:
    if target.status.failed:
        return f"[bold red]✗ {escape(target.target)}[/]  [red]{target.status.value}[/]: {escape(target.reason or '')}"
    worst = target.worst
    mark = (
        "[green]✓[/]"
        if worst is None or worst < Severity.WARNING
        else f"[{STYLE[worst]}]{'✗' if worst is Severity.ERROR else '!'}[/]"
    )
    if not target.certificates:
        return f"{mark} [bold]{escape(target.target)}[/]"
    leaf = target.certificates[0].certificate
    parts = [describe_key(leaf.public_key), _expiry(leaf, now), f"issuer {leaf.issuer}"]
    if target.tls is not None:
        parts.insert(0, f"{target.tls.protocol} {target.tls.address}")
    detail = " · ".join(escape(p) for p in parts)
    return f"{mark} [bold]{escape(target.target)}[/]  {escape(leaf.display_name)}  [dim]{detail}[/]"


def render(report: Report) -> str:
    """The report as plain text: no colour, no wrapping of long lines."""
    buffer = StringIO()
    print_report(
        report, Console(file=buffer, no_color=True, width=120, soft_wrap=True, emoji=False)
    )
    return buffer.getvalue()


def print_report(report: Report, console: Console) -> None:
    now = report.generated_at
    header = f"certready {report.command} · profile {report.profile}"
    if report.title:
        header = f"{report.title} · {header}"
    console.print(f"[bold]{escape(header)}[/] · {now:%Y-%m-%d %H:%M} UTC")
    console.print()
    for finding in report.findings:
        _print_finding(
            console,
            finding.severity,
            finding.rule_id,
            finding.message,
            finding.remediation,
            str(finding.location),
        )
    if report.findings:
        console.print()
    for target in report.targets:
        console.print(_target_line(target, now))
        if not target.status.failed and target.reason:
            console.print(f"    [dim]{escape(target.reason)}[/]")
        for f in sorted(target.findings, key=lambda f: (-f.severity, f.rule_id)):
            where = str(f.location) if f.location != target.location else None
            _print_finding(console, f.severity, f.rule_id, f.message, f.remediation, where)
    console.print()
    errors, warnings, infos = (
        report.count(s) for s in (Severity.ERROR, Severity.WARNING, Severity.INFO)
    )
    summary = f"{len(report.targets)} target(s) · {errors} error(s) · {warnings} warning(s) · {infos} info"
    if report.input_errors:
        summary += f" · {len(report.input_errors)} unreadable"
    style = "bold green" if verdict(report) == "READY" else "bold red"
    console.print(f"{summary} → [{style}]{verdict(report)}[/]")


def _print_finding(
    console: Console,
    severity: Severity,
    rule_id: str,
    message: str,
    remediation: str,
    where: str | None,
) -> None:
    console.print(
        f"    [{STYLE[severity]}]{severity.label:<7}[/] [bold]{rule_id}[/]  {escape(message)}"
    )
    if where:
        console.print(f"            [dim]at {escape(where)}[/]")
    console.print(f"            [dim]fix: {escape(remediation)}[/]")
