"""evaluate(): run a policy's rules of one scope over one context and collect findings.

Every rule, whatever its scope (a certificate, a chain, a handshake, a deployment), runs here, so
every rule gets the same treatment: the policy decides whether it runs and at which severity, its
typed parameters come from the profile, findings are made one way, a rule that supersedes another
drops the other's findings, and a rule that raises does not abort the batch: it becomes an
``engine.rule-failed`` finding that names the rule, so one bug never hides the other verdicts.
"""

from __future__ import annotations

from collections.abc import Iterable

from certready.core.model import Context, Finding, Rule, Severity, Violation
from certready.core.policy import Policy, RuleSetting, applicable
from certready.core.rules import catalogue
from certready.core.rules.meta import rule_failed

ENGINE_RULE_FAILED = rule_failed.id


def evaluate(
    ctx: Context, policy: Policy, rules: Iterable[Rule] | None = None
) -> tuple[Finding, ...]:
    """Every finding of every enabled rule of ``ctx``'s scope that applies to its role, in
    catalogue order, less those superseded by another finding of the same evaluation."""
    planned: Iterable[tuple[Rule, RuleSetting]] = (
        policy.plan(ctx.scope, ctx.role)
        if rules is None
        else applicable(rules, policy, ctx.scope, ctx.role)
    )
    planned = tuple(planned)
    findings = _run(planned, ctx, policy)
    if not findings:
        return ()
    return drop_superseded(findings, _superseding(planned))


_SUPERSEDING: dict[int, tuple[tuple[tuple[Rule, RuleSetting], ...], tuple[Rule, ...]]] = {}
"""The rules of a plan that supersede others, by the plan's identity (a policy plans each scope
and role once: looking through every rule of it for each target cost more than the rules that
usually found nothing)."""


def _superseding(planned: tuple[tuple[Rule, RuleSetting], ...]) -> tuple[Rule, ...]:
    known = _SUPERSEDING.get(id(planned))
    if known is not None and known[0] is planned:
        return known[1]
    rules = tuple(rule for rule, _ in planned if rule.supersedes)
    if len(_SUPERSEDING) >= 64:
        _SUPERSEDING.clear()
    _SUPERSEDING[id(planned)] = (planned, rules)
    return rules


def _run(
    planned: Iterable[tuple[Rule, RuleSetting]], ctx: Context, policy: Policy
) -> list[Finding]:
    findings: list[Finding] = []
    for rule, setting in planned:
        try:
            for violation in rule.check(ctx, setting.parameters):
                findings.append(_finding(rule, setting.severity, violation, ctx))
        except Exception as exc:
            findings.append(_failed(rule, exc, ctx, policy))
    return findings


def _failed(rule: Rule, exc: Exception, ctx: Context, policy: Policy) -> Finding:
    setting = policy.settings.get(rule_failed.id)
    cert = ctx.subject_certificate
    return Finding(
        rule_id=rule_failed.id,
        severity=setting.severity if setting else rule_failed.severity,
        message=f"rule {rule.id} failed: {type(exc).__name__}: {exc}",
        location=ctx.location,
        remediation=rule_failed.remediation,
        subject=cert.subject if cert else None,
        fingerprint_sha256=cert.fingerprint_sha256 if cert else None,
    )


def _finding(rule: Rule, severity: Severity, v: Violation, ctx: Context) -> Finding:
    cert = v.certificate or ctx.subject_certificate
    return Finding(
        rule_id=rule.id,
        severity=v.severity or severity,
        message=v.message,
        location=v.location or ctx.location,
        remediation=v.remediation or rule.remediation,
        subject=cert.subject if cert else None,
        fingerprint_sha256=cert.fingerprint_sha256 if cert else None,
        host=v.host,
    )


def drop_superseded(
    findings: Iterable[Finding], rules: Iterable[Rule] | None = None
) -> tuple[Finding, ...]:
    """``findings`` less those of rules that a rule with a finding among them supersedes
    (:attr:`Rule.supersedes`). Call it on everything found about one target; ``rules`` are the
    declarations to consult (default: the catalogue)."""
    found = list(findings)
    present = {f.rule_id for f in found}
    superseded = {
        gone
        for rule in (catalogue() if rules is None else rules)
        if rule.supersedes and rule.id in present
        for gone in rule.supersedes
    }
    if not superseded:
        return tuple(found)
    return tuple(f for f in found if f.rule_id not in superseded)
