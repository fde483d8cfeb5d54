"""``certready rules``: the rule catalogue, without running anything."""

from __future__ import annotations

import difflib
import json
from typing import Annotated, Any

import typer
from rich.markup import escape

from certready.adapters.profiles import load_policy
from certready.core.errors import UsageError
from certready.core.model import ParamValue, Rule, Severity
from certready.core.policy import Policy
from certready.core.rules import catalogue, get_rule
from certready.core.rules.params import as_mapping
from certready.interfaces.cli.main import current_streams
from certready.interfaces.cli.options import DEFAULT_PROFILE, profile_option


def _param_text(value: ParamValue) -> str:
    if isinstance(value, Severity):
        return value.label
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


DOC_INTRO = """# certready rules

Every rule certready applies, what it checks, why, and how to fix what it reports. This file is
generated from the rule catalogue (`make readme`); `certready rules -v` prints the same.

Two built-in profiles set severities and parameters:

- **homecare** (default): the home-health EHR install guide ("Security Certificate
  configuration"): the exact FQDN in the subjectAltName, RSA >= 2048 or EC >= 256 bits, SHA-256,
  Key Usage "a0", Extended Key Usage Server + Client Authentication, full chain, one certificate
  with its private key per host.
- **webpki**: what the CA/Browser Forum Baseline Requirements and RFC 5280 demand of a public TLS
  certificate (used for conformance tests). The install guide's extras are off: clientAuth, the
  private key, expiry warnings, Apple's 825-day limit and the STS rules; a CN missing from the SAN
  is an error.

Write your own profile with `extends = "homecare"` and override `severity`, `enabled` or a
rule's parameters (see the README).

## Three things administrators ask about

**Key Usage "a0".** Windows shows Key Usage as words and a hex value: "a0" is the first byte of
the Key Usage bit string with digitalSignature (bit 0, 0x80) and keyEncipherment (bit 2, 0x20)
set. It is right for an RSA key. An EC key cannot encrypt, so RFC 8813 forbids keyEncipherment
on it: the EC equivalent is Digital Signature alone ("80"). certready asks for that instead of
the impossible "a0" (`usage.key-usage-rsa`, `usage.key-usage-ec`).

**Client Authentication on public certificates.** The install guide asks for Server and Client
Authentication. Public CAs are removing Client Authentication from TLS certificates (Chrome Root
Program policy, June 2026; Let's Encrypt's default profile since 2026-02-11; DigiCert from
2027-03-01), so a new public certificate cannot meet the rule. For such certificates
`usage.eku-client-auth` explains the conflict (a warning by default) and the options: issue the
server certificates from a private CA, or confirm with the vendor that serverAuth alone works and
disable the rule in your profile.

**Names.** Clients match the name they connect to against the subjectAltName only, never the CN.
A wildcard covers exactly one left-most label: `*.mycompany.com` covers `app.mycompany.com`, not
`mycompany.com` nor `a.b.mycompany.com`. Give the names users type with `--host`.
"""


def rules_document() -> str:
    """docs/rules.md: the catalogue explained for administrators, grouped by area."""
    homecare, webpki = load_policy("homecare"), load_policy("webpki")
    lines = [DOC_INTRO]
    area = ""
    for r in catalogue():
        if r.area != area:
            area = r.area
            lines.append(f"## {area}\n")
        lines.append(f"### `{r.id}`\n")
        lines.append(f"{r.title}.\n")
        settings = []
        for policy in (homecare, webpki):
            s = policy.setting(r.id)
            settings.append(f"{policy.name}: {s.severity.label if s.enabled else 'off'}")
        roles = ", ".join(sorted(role.value for role in r.roles))
        lines.append(f"- **Severity**: {'; '.join(settings)} · **applies to**: {roles}")
        params = as_mapping(homecare.setting(r.id).parameters)
        if params:
            shown = ", ".join(f"`{k} = {_param_text(v)}`" for k, v in params.items())
            lines.append(f"- **Parameters** (homecare): {shown}")
        lines.append(f"- **Why**: {r.rationale}")
        lines.append(f"- **Fix**: {r.remediation}")
        lines.append(f"- **Sources**: {'; '.join(r.references)}\n")
    return "\n".join(lines)


BUILT_IN_PROFILES = ("homecare", "webpki")


def find_rule(rule_id: str) -> Rule:
    """The rule with this id; a :class:`UsageError` with the closest ids when there is none."""
    try:
        return get_rule(rule_id)
    except KeyError:
        ids = [r.id for r in catalogue()]
        close = difflib.get_close_matches(rule_id, ids, n=3, cutoff=0.5)
        if not close:  # a bare area or a last word: `rsa-size`, `names`
            close = [i for i in ids if rule_id.lower() in i][:3]
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise UsageError(f"no rule {rule_id!r}{hint}; `certready rules` lists every rule") from None


def _severity(policy: Policy, rule: Rule) -> str:
    setting = policy.setting(rule.id)
    return setting.severity.label if setting.enabled else "off"


def _policies(policy: Policy) -> list[Policy]:
    """The built-in profiles, and ``policy`` when it is another (``--profile site.toml``)."""
    shown = [load_policy(name) for name in BUILT_IN_PROFILES]
    if policy.name not in BUILT_IN_PROFILES:
        shown.append(policy)
    return shown


def rule_data(rule: Rule, policy: Policy) -> dict[str, Any]:
    """One rule as ``certready rules --format json`` lists it (severity as ``policy`` sets it)."""
    s = policy.setting(rule.id)
    return {
        "id": rule.id,
        "title": rule.title,
        "severity": s.severity.label,
        "enabled": s.enabled,
        "roles": sorted(role.value for role in rule.roles),
        "parameters": {k: _param_text(v) for k, v in as_mapping(s.parameters).items()},
        "rationale": rule.rationale,
        "remediation": rule.remediation,
        "references": list(rule.references),
    }


def rule_text(rule: Rule, policy: Policy) -> str:
    """``certready rules RULE_ID``: one rule explained (plain text, no markup)."""
    severities = "; ".join(f"{p.name}: {_severity(p, rule)}" for p in _policies(policy))
    lines = [
        rule.id,
        f"  {rule.title}",
        "",
        f"  severity:   {severities} (default {rule.severity.label})",
        f"  scope:      {rule.scope.value}; applies to "
        + ", ".join(sorted(role.value for role in rule.roles)),
    ]
    params = as_mapping(policy.setting(rule.id).parameters)
    if params:
        shown = ", ".join(f"{k} = {_param_text(v)}" for k, v in params.items())
        lines.append(f"  parameters: {shown} ({policy.name})")
    lines += [
        "",
        f"  why:  {rule.rationale}",
        f"  fix:  {rule.remediation}",
        f"  see:  {'; '.join(rule.references)}",
    ]
    if rule.supersedes:
        lines.append(f"  supersedes: {', '.join(rule.supersedes)}")
    return "\n".join(lines) + "\n"


EPILOG = """\
\b
Examples:
  certready rules                         every rule, homecare severities
  certready rules key.rsa-size            one rule: severities, parameters, why, fix, sources
  certready rules --profile webpki -v     with rationale, fix and sources
  certready rules --profile site.toml     as your own profile sets them
  certready rules --format json
"""


def register(app: typer.Typer) -> None:
    @app.command("rules", epilog=EPILOG)
    def rules_command(
        rule_id: Annotated[
            str | None,
            typer.Argument(
                metavar="[RULE_ID]",
                help="Explain this one rule (key.rsa-size): severity per profile, parameters, "
                "why, how to fix, sources.",
                show_default=False,
            ),
        ] = None,
        profile: Annotated[
            str, profile_option("Show severities and parameters as this profile sets them.")
        ] = DEFAULT_PROFILE,
        fmt: Annotated[
            str, typer.Option("--format", "-f", metavar="FORMAT", help="text, json or markdown.")
        ] = "text",
        verbose: Annotated[
            bool,
            typer.Option("--verbose", "-v", help="Also print rationale, remediation, sources."),
        ] = False,
    ) -> int:
        """List every rule: id, severity, parameters, what it checks and why.

        With RULE_ID, explain that one rule. Exit status: 0, or 2 for an unknown rule id.
        """
        streams = current_streams()
        policy = load_policy(profile)
        if rule_id is not None:
            rule = find_rule(rule_id)
            if fmt == "json":
                one = rule_data(rule, policy) | {"profile": policy.name}
                streams.stdout.write(json.dumps(one, indent=2) + "\n")
            elif fmt == "text":
                streams.stdout.write(rule_text(rule, policy))
            else:
                raise UsageError(f"unknown --format {fmt!r} with a RULE_ID (text or json)")
            return 0
        if fmt == "markdown":
            streams.stdout.write(markdown_table(profile))
            return 0
        if fmt == "json":
            data = [rule_data(r, policy) for r in catalogue()]
            streams.stdout.write(
                json.dumps({"profile": policy.name, "rules": data}, indent=2) + "\n"
            )
            return 0
        if fmt != "text":
            raise UsageError(f"unknown --format {fmt!r} (text, json or markdown)")
        out = streams.out
        out.print(
            f"[bold]{len(catalogue())} rules[/] · profile {escape(policy.name)} ({escape(policy.source)})"
        )
        for r in catalogue():
            s = policy.setting(r.id)
            sev = s.severity.label if s.enabled else "off"
            params = " ".join(f"{k}={_param_text(v)}" for k, v in as_mapping(s.parameters).items())
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
