"""evaluate(): run a policy's rules over one target's facts and collect findings.

A rule that raises does not abort the batch: it becomes an ``engine.rule-failed`` finding that names
the rule, so one bug never hides the other verdicts.
"""

from __future__ import annotations

from collections.abc import Iterable

from certready.core.model import CertFacts, Finding, Rule, RuleContext, Severity, Violation
from certready.core.policy import Policy
from certready.core.rules import catalogue

ENGINE_RULE_FAILED = "engine.rule-failed"


def evaluate(
    ctx: RuleContext, policy: Policy, rules: Iterable[Rule] | None = None
) -> tuple[Finding, ...]:
    """Every finding of every enabled rule that applies to ``ctx.role``, in catalogue order."""
    findings: list[Finding] = []
    for rule in catalogue() if rules is None else rules:
        setting = policy.setting(rule.id)
        if not setting.enabled or ctx.role not in rule.roles:
            continue
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
    location: str,
    *,
    certificate: CertFacts | None = None,
    remediation: str | None = None,
    severity: Severity | None = None,
) -> Finding | None:
    """A finding for a rule evaluated by an analyser; ``None`` when the policy disables the rule."""
    from certready.core.rules import get_rule

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
