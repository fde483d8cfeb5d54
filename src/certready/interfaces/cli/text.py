"""The terminal report: a rich table on a terminal, plain text when piped or NO_COLOR."""

from __future__ import annotations

from rich.console import Console

from certready.core.model import Report, Severity, TargetStatus

STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def print_report(report: Report, console: Console) -> None:
    for target in report.targets:
        if target.status is not TargetStatus.OK:
            console.print(
                f"[bold]{target.target}[/]: [red]{target.status.value}[/] {target.reason}"
            )
            continue
        leaf = target.certificates[0].certificate if target.certificates else None
        name = leaf.display_name if leaf else target.target
        verdict = (
            "[green]PASS[/]"
            if not target.findings
            else f"[{STYLE[target.worst or Severity.INFO]}]{(target.worst or Severity.INFO).label.upper()}[/]"
        )
        console.print(f"{verdict} [bold]{target.target}[/] ({name})")
        for f in target.findings:
            console.print(
                f"  [{STYLE[f.severity]}]{f.severity.label:7}[/] {f.rule_id}: {f.message}"
            )
            console.print(f"          fix: {f.remediation}", style="dim")
    console.print(
        f"{len(report.targets)} target(s): "
        f"{report.count(Severity.ERROR)} error(s), {report.count(Severity.WARNING)} warning(s), "
        f"{report.count(Severity.INFO)} info"
    )
