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
    resolve_context,
    severity_counts,
    sorted_findings,
    verdict,
)
from certready.adapters.reporting.summary import Summary, findings_about, summarize
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


def _finding_lines(f: Finding, summary: Summary) -> list[str]:
    number = summary.number(f)
    ref = f" (fix {number})" if number is not None else ""
    lines = [f"- {_ICON[f.severity]} **{f.severity.label}** `{f.rule_id}`: {md(f.message)}{ref}"]
    lines.append(f"  - at {md(str(f.location))}")
    return lines


def render(
    report: Report, policy: Policy | None = None, *, rules: Sequence[Rule] | None = None
) -> str:
    context = resolve_context(report, policy, rules)
    summary = summarize(report)
    title = report.title or f"certready {report.command}"
    counts = severity_counts(report.all_findings())
    now = report.generated_at
    out = [f"## {md(title)}: {verdict(report)}", ""]
    findings = ", ".join(f"{n} {s.label}" for s, n in counts.items())
    states = ", ".join(f"{n} {s.badge.lower()}" for s, n in summary.counts.items() if n)
    unreadable = f", {summary.unreadable} unreadable" if summary.unreadable else ""
    out.append(
        f"Profile `{md(report.profile)}` · {now:%Y-%m-%d %H:%M} UTC · "
        f"{len(report.targets)} target(s) ({states}{unreadable}) · {findings}"
    )
    if summary.problems:
        out += ["", "### What to fix first", ""]
        for number, p in enumerate(summary.problems, 1):
            names = [md(n) for n in p.targets]
            if p.target_count > len(p.targets):
                names.append(f"+ {p.target_count - len(p.targets)} more")
            if p.deployment:
                names.insert(0, "the deployment")
            title_text = md(context.title(p.rule_id) or p.rule_id)
            out.append(
                f"{number}. {_ICON[p.severity]} **{title_text}** `{p.rule_id}`: {', '.join(names)}"
            )
            if p.said_once and p.message is not None:
                out.append(f"   - {md(p.message)}")
            out.append(f"   - fix: {md(p.remediation)}")
    about = findings_about(report)
    out += ["", "| target | state | certificate | expires | errors | warnings | info |"]
    out.append("| --- | --- | --- | --- | ---: | ---: | ---: |")
    for t, state in zip(report.targets, summary.states, strict=True):
        tc = severity_counts((*t.findings, *about.get(t.target, ())))
        if t.certificates:
            leaf = t.certificates[0].certificate
            days = days_left(leaf.not_valid_after, now)
            cert = md(leaf.display_name)
            when = "expired" if days < 0 else f"{days} d"
            expires = f"{leaf.not_valid_after:%Y-%m-%d} ({when})"
        else:
            cert, expires = "", ""
        out.append(
            f"| {md(t.target)} | {state.badge} | {cert} | {expires} | "
            f"{tc[Severity.ERROR]} | {tc[Severity.WARNING]} | {tc[Severity.INFO]} |"
        )
    if report.findings:
        out += ["", "### Deployment", ""]
        for f in sorted_findings(report.findings):
            out += _finding_lines(f, summary)
    for t in report.targets:
        attached = about.get(t.target, ())
        own = [f for f in sorted_findings(t.findings) if not summary.said_once(f)]
        shared = sorted(
            {
                n: f.rule_id
                for f in (*t.findings, *attached)
                if (n := summary.number(f)) is not None and (summary.said_once(f) or f in attached)
            }.items()
        )
        if own or t.reason:
            out += ["", f"### {md(t.target)}"]
            if t.reason:
                label = "not examined" if t.status.value != "ok" or not t.findings else "note"
                out += ["", f"**{label}:** {md(t.reason)}"]
            if own:
                out.append("")
            for f in own:
                out += _finding_lines(f, summary)
            if shared:
                also = "; ".join(f"fix {n} `{rule_id}`" for n, rule_id in shared)
                out += ["", f"Also: {also}"]
    if not any(True for _ in report.all_findings()) and not report.input_errors:
        out += ["", "No findings: every rule of the profile passed."]
    return "\n".join(out) + "\n"
