"""Markdown for tickets and pull-request comments: verdict, a summary table, then the findings.

Certificate values are escaped so a subject cannot inject markup (``<script>``, links, tables):
the punctuation that opens emphasis, code, links, cells or strike-through gets a backslash, ``<``,
``>`` and ``&`` become entities, and line breaks become spaces (so nothing a value holds can start
a heading or a list). Values never begin a line.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from certready.adapters.reporting.common import (
    severity_counts,
    sorted_findings,
    target_state,
    verdict,
)
from certready.adapters.reporting.visible import visible
from certready.core.days import days_left
from certready.core.model import Finding, Report, Rule, Severity
from certready.core.policy import Policy

_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
"""What can start emphasis, code, a link, a table cell or strike-through anywhere in a line."""
_ICON = {Severity.ERROR: "❌", Severity.WARNING: "⚠️", Severity.INFO: "ℹ️"}


def md(text: str) -> str:
    """Plain text safe inside Markdown (and inside a table cell), invisible characters shown."""
    text = visible(" ".join(text.split()))
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _SPECIAL.sub(r"\\\1", text)


def _finding_lines(f: Finding) -> list[str]:
    lines = [f"- {_ICON[f.severity]} **{f.severity.label}** `{f.rule_id}`: {md(f.message)}"]
    lines.append(f"  - at {md(str(f.location))}")
    lines.append(f"  - fix: {md(f.remediation)}")
    return lines


def render(
    report: Report, policy: Policy | None = None, *, rules: Sequence[Rule] | None = None
) -> str:
    del policy, rules  # the summary needs no rule metadata
    title = report.title or f"certready {report.command}"
    counts = severity_counts(report.all_findings())
    now = report.generated_at
    out = [f"## {md(title)}: {verdict(report)}", ""]
    summary = ", ".join(f"{n} {s.label}" for s, n in counts.items())
    out.append(
        f"Profile `{md(report.profile)}` · {now:%Y-%m-%d %H:%M} UTC · "
        f"{len(report.targets)} target(s) · {summary}"
    )
    out += ["", "| target | state | certificate | expires | errors | warnings | info |"]
    out.append("| --- | --- | --- | --- | ---: | ---: | ---: |")
    for t in report.targets:
        tc = severity_counts(t.findings)
        if t.certificates:
            leaf = t.certificates[0].certificate
            days = days_left(leaf.not_valid_after, now)
            cert = md(leaf.display_name)
            when = "expired" if days < 0 else f"{days} d"
            expires = f"{leaf.not_valid_after:%Y-%m-%d} ({when})"
        else:
            cert, expires = "", ""
        out.append(
            f"| {md(t.target)} | {target_state(t)} | {cert} | {expires} | "
            f"{tc[Severity.ERROR]} | {tc[Severity.WARNING]} | {tc[Severity.INFO]} |"
        )
    if report.findings:
        out += ["", "### Deployment", ""]
        for f in sorted_findings(report.findings):
            out += _finding_lines(f)
    for t in report.targets:
        if t.findings or t.reason:
            out += ["", f"### {md(t.target)}"]
            if t.reason:
                label = "not examined" if t.status.value != "ok" or not t.findings else "note"
                out += ["", f"**{label}:** {md(t.reason)}"]
            if t.findings:
                out.append("")
            for f in sorted_findings(t.findings):
                out += _finding_lines(f)
    if not any(True for _ in report.all_findings()) and not report.input_errors:
        out += ["", "No findings: every rule of the profile passed."]
    return "\n".join(out) + "\n"
