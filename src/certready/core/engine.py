"""evaluate(): run a policy's rules over one target's facts and collect findings.

A rule that raises does not abort the batch: it becomes an ``engine.rule-failed`` finding that names
the rule, so one bug never hides the other verdicts.
"""

from __future__ import annotations

from collections.abc import Iterable

from certready.core.location import Location
from certready.core.model import (
    CertFacts,
    Finding,
    Role,
    Rule,
    RuleContext,
    Severity,
    Violation,
)
from certready.core.policy import Policy, RuleSetting
from certready.core.rules import catalogue, get_rule
from certready.core.rules.registry import analysed_elsewhere

ENGINE_RULE_FAILED = "engine.rule-failed"


def evaluate(
    ctx: RuleContext, policy: Policy, rules: Iterable[Rule] | None = None
) -> tuple[Finding, ...]:
    """Every finding of every enabled rule that applies to ``ctx.role``, in catalogue order."""
    findings: list[Finding] = []
    planned = _plan(policy, ctx.role) if rules is None else _applicable(rules, policy, ctx.role)
    for rule, setting in planned:
        try:
            for violation in rule.check(ctx, setting.parameters):
                findings.append(_finding(rule, setting.severity, violation, ctx))
        except Exception as exc:
            findings.append(
                Finding(
                    rule_id=ENGINE_RULE_FAILED,
                    severity=Severity.ERROR,
                    message=f"rule {rule.id} failed: {type(exc).__name__}: {exc}",
                    location=ctx.location,
                    remediation="This is a bug in certready; please report it with --debug output.",
                    subject=ctx.leaf.subject,
                    fingerprint_sha256=ctx.leaf.fingerprint_sha256,
                )
            )
    return tuple(findings)


def _applicable(
    rules: Iterable[Rule], policy: Policy, role: Role
) -> list[tuple[Rule, RuleSetting]]:
    """The rules to run for ``role`` with their settings, in order (a rule an analyser reports
    itself finds nothing here, so it is left out)."""
    out = []
    for rule in rules:
        setting = policy.setting(rule.id)
        if setting.enabled and role in rule.roles and rule.check is not analysed_elsewhere:
            out.append((rule, setting))
    return out


_PLANS: dict[tuple[int, Role], tuple[Policy, tuple[Rule, ...], list[tuple[Rule, RuleSetting]]]] = {}
""":func:`_applicable` over the catalogue per policy (by identity; the policy is kept alive, so
its id is not reused) and role: a lint asks it again for every target."""
_PLANS_MAX = 64


def _plan(policy: Policy, role: Role) -> list[tuple[Rule, RuleSetting]]:
    rules = catalogue()
    entry = _PLANS.get((id(policy), role))
    if entry is not None and entry[0] is policy and entry[1] is rules:
        return entry[2]
    planned = _applicable(rules, policy, role)
    if len(_PLANS) >= _PLANS_MAX:
        _PLANS.clear()
    _PLANS[(id(policy), role)] = (policy, rules, planned)
    return planned


def _finding(rule: Rule, severity: Severity, v: Violation, ctx: RuleContext) -> Finding:
    cert = v.certificate or ctx.leaf
    return Finding(
        rule_id=rule.id,
        severity=v.severity or severity,
        message=v.message,
        location=v.location or ctx.location,
        remediation=v.remediation or rule.remediation,
        subject=cert.subject,
        fingerprint_sha256=cert.fingerprint_sha256,
    )


def make_finding(
    rule_id: str,
    policy: Policy,
    message: str,
    location: Location,
    *,
    certificate: CertFacts | None = None,
    remediation: str | None = None,
    severity: Severity | None = None,
) -> Finding | None:
    """A finding for a rule evaluated by an analyser; ``None`` when the policy disables the rule."""
    rule = get_rule(rule_id)
    setting = policy.setting(rule_id)
    if not setting.enabled:
        return None
    return Finding(
        rule_id=rule.id,
        severity=severity or setting.severity,
        message=message,
        location=location,
        remediation=remediation or rule.remediation,
        subject=certificate.subject if certificate else None,
        fingerprint_sha256=certificate.fingerprint_sha256 if certificate else None,
    )
