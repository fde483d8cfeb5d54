"""The tls.* verdicts as pure functions of facts, run through the engine like every rule: each
positive case next to its negative control.

Rule ids covered: tls.intermediate-not-sent, tls.wrong-order, tls.unexpected-leaf,
tls.unexpected-issuer, tls.protocol-obsolete, tls.sni-differs.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from dataclasses import replace

import pytest

from certready.adapters.profiles import load_policy, parse_policy
from certready.core.engine import evaluate
from certready.core.facts import extract_facts, normalise_fingerprint
from certready.core.handshake import Expectations, HandshakeContext
from certready.core.model import CertFacts, ChainElement, Finding, Scope, TlsFacts
from certready.core.policy import Policy
from certready.core.rules import get_rule
from tests.pki import Issued, TestCA

POLICY = load_policy("homecare")
NO_EXPECTATIONS = Expectations()
TLS13 = TlsFacts("127.0.0.1:443", "app.example.test", "TLSv1.3", "TLS_AES_128_GCM_SHA256", 1.0)


def elements(*certs: Issued) -> list[ChainElement]:
    return [
        ChainElement(extract_facts(c.cert), f"tls://app:443#{'leaf' if i == 0 else i}")
        for i, c in enumerate(certs)
    ]


def served_findings(
    presented: Sequence[ChainElement],
    tls: TlsFacts,
    policy: Policy,
    expectations: Expectations = NO_EXPECTATIONS,
    *,
    leaf_without_sni: CertFacts | None = None,
    without_sni_failure: str | None = None,
) -> tuple[Finding, ...]:
    """Every tls.* finding of one handshake, as the scan service gets them from the engine."""
    context = HandshakeContext(
        tuple(presented), tls, expectations, leaf_without_sni, without_sni_failure
    )
    return evaluate(context, policy)


def ids(presented: list[ChainElement], tls: TlsFacts = TLS13, **kwargs: object) -> list[str]:
    return [f.rule_id for f in served_findings(presented, tls, POLICY, **kwargs)]  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def leaf(ca: TestCA) -> Issued:
    return ca.issue("app.example.test")


def test_rules_judge_a_handshake_with_a_real_check() -> None:
    for rule_id in (
        "tls.intermediate-not-sent",
        "tls.wrong-order",
        "tls.unexpected-leaf",
        "tls.unexpected-issuer",
        "tls.protocol-obsolete",
        "tls.sni-differs",
    ):
        rule = get_rule(rule_id)
        assert rule.rationale and rule.remediation and rule.references
        assert rule.scope is Scope.HANDSHAKE
        assert inspect.getdoc(rule.check)


def test_complete_chain_has_no_tls_finding(ca: TestCA, leaf: Issued) -> None:
    assert ids(elements(leaf, ca.intermediate)) == []
    assert ids(elements(leaf, ca.intermediate, ca.root)) == []


def test_leaf_alone_is_intermediate_not_sent(ca: TestCA, leaf: Issued) -> None:
    findings = served_findings(elements(leaf), TLS13, POLICY)
    assert [f.rule_id for f in findings] == ["tls.intermediate-not-sent"]
    assert "certready test Issuing CA" in findings[0].message
    assert findings[0].location == "tls://app:443#leaf"


def test_leaf_issued_by_a_trusted_anchor_needs_no_intermediate(ca: TestCA) -> None:
    direct = ca.issue("app.example.test", issuer=ca.root)
    assert ids(elements(direct)) == ["tls.intermediate-not-sent"]
    anchors = Expectations(anchors=(extract_facts(ca.root.cert),))
    assert ids(elements(direct), expectations=anchors) == []


def test_self_signed_leaf_is_not_missing_an_intermediate(ca: TestCA) -> None:
    assert "tls.intermediate-not-sent" not in ids(elements(ca.self_signed("app.example.test")))


def test_wrong_order(ca: TestCA, leaf: Issued) -> None:
    findings = served_findings(elements(leaf, ca.root, ca.intermediate), TLS13, POLICY)
    assert [f.rule_id for f in findings] == ["tls.wrong-order"]
    assert "#2" in findings[0].message
    # negative controls: the right order, and an issuer not sent at all is another rule's business
    assert "tls.wrong-order" not in ids(elements(leaf, ca.intermediate, ca.root))
    assert "tls.wrong-order" not in ids(elements(leaf, ca.root))


def test_wrong_order_is_reported_once_with_the_whole_order(ca: TestCA, leaf: Issued) -> None:
    extra = ca.issue("other.example.test")
    findings = served_findings(elements(leaf, extra, ca.intermediate), TLS13, POLICY)
    assert [f.rule_id for f in findings] == ["tls.wrong-order"]
    assert "other.example.test" in findings[0].message


def test_unexpected_leaf(ca: TestCA, leaf: Issued) -> None:
    fp = extract_facts(leaf.cert).fingerprint_sha256
    colons = ":".join(fp[i : i + 2] for i in range(0, len(fp), 2)).lower()
    assert ids(elements(leaf, ca.intermediate), expectations=Expectations(leaf_sha256=colons)) == []
    other = extract_facts(ca.issue("old.example.test").cert).fingerprint_sha256
    assert ids(elements(leaf, ca.intermediate), expectations=Expectations(leaf_sha256=other)) == [
        "tls.unexpected-leaf"
    ]
    assert normalise_fingerprint("ab:cd ef") == "ABCDEF"


def test_unexpected_issuer_is_a_tls_inspecting_proxy(
    ca: TestCA, other_ca: TestCA, leaf: Issued
) -> None:
    expected = Expectations(issuers=(ca.intermediate.cert.subject.rfc4514_string(),))
    assert ids(elements(leaf, ca.intermediate), expectations=expected) == []
    by_root_name = Expectations(issuers=("certready test Root CA",))
    assert ids(elements(leaf, ca.intermediate), expectations=by_root_name) == []
    proxy_leaf = other_ca.issue("app.example.test")
    findings = served_findings(elements(proxy_leaf, other_ca.intermediate), TLS13, POLICY, expected)
    assert [f.rule_id for f in findings] == ["tls.unexpected-issuer"]
    assert "unrelated Issuing CA" in findings[0].message


def test_protocol_obsolete(ca: TestCA, leaf: Issued) -> None:
    chain = elements(leaf, ca.intermediate)
    for old in ("TLSv1", "TLSv1.1", "SSLv3"):
        assert ids(chain, replace(TLS13, protocol=old)) == ["tls.protocol-obsolete"]
    for current in ("TLSv1.2", "TLSv1.3"):
        assert ids(chain, replace(TLS13, protocol=current)) == []


def test_sni_differs(ca: TestCA, leaf: Issued) -> None:
    chain = elements(leaf, ca.intermediate)
    default: CertFacts = extract_facts(ca.issue("default.example.test").cert)
    findings = served_findings(chain, TLS13, POLICY, leaf_without_sni=default)
    assert [(f.rule_id, f.severity.label) for f in findings] == [("tls.sni-differs", "info")]
    assert "default.example.test" in findings[0].message
    same = chain[0].certificate
    assert ids(chain, leaf_without_sni=same) == []


def test_sni_required(ca: TestCA, leaf: Issued) -> None:
    chain = elements(leaf, ca.intermediate)
    findings = served_findings(chain, TLS13, POLICY, without_sni_failure="TLS alert")
    assert [f.rule_id for f in findings] == ["tls.sni-differs"]
    assert "cannot connect" in findings[0].message


def test_policy_can_disable_and_reclassify_tls_rules(ca: TestCA, leaf: Issued) -> None:
    text = (
        '[profile]\nname = "t"\nextends = "homecare"\n'
        '[rules."tls.intermediate-not-sent"]\nenabled = false\n'
        '[rules."tls.protocol-obsolete"]\nseverity = "warning"\n'
    )
    policy = parse_policy(text, source="t.toml")
    tls10 = replace(TLS13, protocol="TLSv1")
    findings = served_findings(elements(leaf), tls10, policy)
    assert [(f.rule_id, f.severity.label) for f in findings] == [
        ("tls.protocol-obsolete", "warning")
    ]


def test_a_handshake_without_a_certificate_is_no_context() -> None:
    with pytest.raises(ValueError, match="certificate the server presented"):
        HandshakeContext((), TLS13)
