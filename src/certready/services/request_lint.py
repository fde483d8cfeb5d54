"""Linting a certificate signing request before it goes to the CA.

A request (PKCS#10: PEM ``CERTIFICATE REQUEST`` / ``NEW CERTIFICATE REQUEST``, or DER) asks for a
subject, a key and extensions; the CA adds the rest. Its facts are read by
:func:`certready.core.facts.request_facts` and judged by the certificate rules that look only at
that content (names, key, signature, usage, and the STS signing usage): the rules that need
dates, an issuer, a chain or the private key do not apply. Findings say what to do about the
request rather than about a certificate: IIS's "Create Certificate Request" wizard writes no
subjectAltName, so the CA must add it, or ``certready csr`` makes a request that has it.
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache

from certready.adapters.inputs import LoadedRequest
from certready.core.engine import evaluate
from certready.core.facts import request_facts
from certready.core.model import (
    CertFacts,
    Finding,
    KeyPairing,
    Rule,
    RuleContext,
    Scope,
    TargetResult,
)
from certready.core.rules import catalogue
from certready.core.rules.keys import private_key_mismatch, private_key_missing
from certready.core.rules.names import cn_not_in_san, host_not_covered, san_missing
from certready.core.rules.sts import sts_private_key_missing
from certready.services.lint import LintOptions

REQUEST_AREAS = frozenset({"names", "key", "signature", "usage", "sts"})
"""The areas whose rules judge what a request asks for: ``services.csr``'s content areas and
``sts`` (digitalSignature). (Not imported from there: that would load the issuance adapters
into every ``show``.)"""
_NOT_FOR_REQUESTS = frozenset(
    {private_key_mismatch.id, private_key_missing.id, sts_private_key_missing.id}
)
"""The private key stays with whoever made the request: it is never handed in with it."""


@cache
def request_rules() -> tuple[Rule, ...]:
    """The certificate rules that apply to a request, in catalogue order."""
    return tuple(
        r
        for r in catalogue()
        if r.area in REQUEST_AREAS
        and r.scope is Scope.CERTIFICATE
        and r.id not in _NOT_FOR_REQUESTS
    )


def request_target(source: str, loaded: LoadedRequest, index: int) -> str:
    """``req/app.csr (certificate request)``: how a request is named among the targets."""
    number = f" #{index + 1}" if index else ""
    return f"{source} (certificate request{number})"


def analyse_request(
    source: str, loaded: LoadedRequest, options: LintOptions, index: int = 0
) -> TargetResult:
    """Every applicable rule over one request, with fixes that speak of the request."""
    facts = request_facts(loaded.request)
    ctx = RuleContext(
        leaf=facts,
        location=loaded.location,
        now=options.now,
        role=options.role,
        hosts=options.hosts,
        private_key=KeyPairing.ABSENT,
    )
    found = evaluate(ctx, options.policy, request_rules())
    if facts.subject_alt_name is None and any(f.rule_id == san_missing.id for f in found):
        # no SAN at all: "the CN is not in the SAN" is the same fact said twice
        found = tuple(f for f in found if f.rule_id != cn_not_in_san.id)
    findings = tuple(_about_the_request(f, facts, options.hosts) for f in found)
    return TargetResult(
        target=request_target(source, loaded, index),
        location=loaded.location,
        role=options.role,
        hosts=options.hosts,
        findings=findings,
    )


def _csr_command(facts: CertFacts, wanted: tuple[str, ...]) -> str:
    names = facts.subject_alt_name.dns_names if facts.subject_alt_name else ()
    hosts = wanted or names or facts.common_names or ("FQDN",)
    return "certready csr " + " ".join(f"--host {h}" for h in hosts[:3])


def _about_the_request(finding: Finding, facts: CertFacts, hosts: tuple[str, ...]) -> Finding:
    """The rule's fix rephrased for a request that has not gone to the CA yet."""
    if finding.rule_id == san_missing.id and facts.subject_alt_name is None:
        cn = facts.common_names[0] if facts.common_names else None
        return replace(
            finding,
            message=(
                "the request asks for no subjectAltName"
                + (f" (only the CN {cn})" if cn else "")
                + ": a certificate issued as requested matches no client"
            ),
            remediation=(
                "The CA must add the subjectAltName when it issues (a DNS name for every FQDN "
                "clients use"
                + (f", {cn} at least" if cn else "")
                + "): IIS's 'Create Certificate Request' wizard cannot put one in the request. "
                f"Or make a new request that carries it: `{_csr_command(facts, hosts)}`."
            ),
        )
    if finding.rule_id in (san_missing.id, host_not_covered.id):
        return replace(
            finding,
            remediation=(
                "Have the CA add the missing names to the subjectAltName when it issues, or make "
                f"a new request that asks for every name: `{_csr_command(facts, hosts)}`."
            ),
        )
    if finding.rule_id.startswith("usage."):
        return replace(
            finding,
            remediation=(
                f"{finding.remediation} For a request: the CA's certificate template may set the "
                "usages whatever the request asks; check the template, or make a new request "
                f"with the profile's usages: `{_csr_command(facts, hosts)}`."
            ),
        )
    return finding
