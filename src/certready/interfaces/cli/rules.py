"""``certready rules``: the rule catalogue, without running anything."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.markup import escape

from certready.core.model import ParamValue
from certready.core.policy import load_policy
from certready.core.rules import catalogue
from certready.interfaces.cli.main import current_streams


def _param_text(value: ParamValue) -> str:
    if isinstance(value, tuple):
        return ",".join(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def markdown_table(profile: str = "homecare") -> str:
    """The README's rule table: id, severity in this profile, roles, title."""
    policy = load_policy(profile)
    lines = ["| rule | severity | applies to | checks |", "| --- | --- | --- | --- |"]
    for r in catalogue():
        s = policy.setting(r.id)
        severity = s.severity.label if s.enabled else "off"
        roles = ", ".join(sorted(role.value for role in r.roles))
        lines.append(f"| `{r.id}` | {severity} | {roles} | {r.title} |")
    return "\n".join(lines) + "\n"


def register(app: typer.Typer) -> None:
    @app.command("rules")
    def rules_command(
        profile: Annotated[
            str, typer.Option(help="Show severities and parameters as this profile sets them.")
        ] = "homecare",
        fmt: Annotated[
            str, typer.Option("--format", "-f", help="text, json or markdown.")
        ] = "text",
        verbose: Annotated[
            bool,
            typer.Option("--verbose", "-v", help="Also print rationale, remediation, sources."),
        ] = False,
    ) -> int:
        """List every rule: id, severity, parameters, what it checks and why."""
        streams = current_streams()
        policy = load_policy(profile)
        if fmt == "markdown":
            streams.stdout.write(markdown_table(profile))
            return 0
        if fmt == "json":
            data = []
            for r in catalogue():
                s = policy.setting(r.id)
                data.append(
                    {
                        "id": r.id,
                        "title": r.title,
                        "severity": s.severity.label,
                        "enabled": s.enabled,
                        "roles": sorted(role.value for role in r.roles),
                        "parameters": {k: _param_text(v) for k, v in s.parameters.items()},
                        "rationale": r.rationale,
                        "remediation": r.remediation,
                        "references": list(r.references),
                    }
                )
            streams.stdout.write(
                json.dumps({"profile": policy.name, "rules": data}, indent=2) + "\n"
            )
            return 0
        if fmt != "text":
            from certready.core.errors import UsageError

            raise UsageError(f"unknown --format {fmt!r} (text, json or markdown)")
        out = streams.out
        out.print(
            f"[bold]{len(catalogue())} rules[/] · profile {escape(policy.name)} ({escape(policy.source)})"
        )
        for r in catalogue():
            s = policy.setting(r.id)
            sev = s.severity.label if s.enabled else "off"
            params = " ".join(f"{k}={_param_text(v)}" for k, v in s.parameters.items())
            out.print(
                f"[bold]{r.id:<34}[/] {sev:<8} {escape(r.title)}"
                + (f"  [dim]({escape(params)})[/]" if params else "")
            )
            if verbose:
                out.print(f"    why: {escape(r.rationale)}")
                out.print(f"    fix: {escape(r.remediation)}")
                out.print(f"    see: {escape('; '.join(r.references))}")
        return 0

    del rules_command
