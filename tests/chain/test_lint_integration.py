"""services.lint with chain options: chain findings are appended, rules see the path."""

from __future__ import annotations

from certready.adapters.inputs import load_bytes
from certready.adapters.profiles import load_policy
from certready.adapters.trust import TrustStore
from certready.core.location import TrustKind, TrustLocation
from certready.services.chain import ChainOptions
from certready.services.lint import LintOptions, lint_bundle
from tests.pki import NOW, TestCA

HOST = "app.example.test"


def _options(ca: TestCA, *, chain: bool = True) -> LintOptions:
    store = TrustStore(TrustLocation(TrustKind.FILE, "roots.pem"), (ca.root.cert,))
    return LintOptions(
        policy=load_policy("homecare"),
        hosts=(HOST,),
        now=NOW,
        chain=ChainOptions(trust=(store,), public=store) if chain else None,
    )


def test_lint_reports_chain_findings_and_the_path(ca: TestCA) -> None:
    leaf = ca.issue(HOST)
    alone = lint_bundle(load_bytes(leaf.cert_pem(), "app.pem"), _options(ca))
    assert "chain.missing-intermediate" in [f.rule_id for f in alone.findings]
    assert alone.path == ()
    full = lint_bundle(load_bytes(ca.chain_pem(leaf), "app.pem"), _options(ca))
    assert [f.rule_id for f in full.findings if f.rule_id.startswith("chain.")] == []
    assert [str(e.origin) for e in full.path] == [
        "file:app.pem#0",
        "file:app.pem#1",
        "trust:file:roots.pem",
    ]


def test_without_chain_options_no_chain_analysis(ca: TestCA) -> None:
    leaf = ca.issue(HOST)
    result = lint_bundle(load_bytes(leaf.cert_pem(), "app.pem"), _options(ca, chain=False))
    assert not any(f.rule_id.startswith("chain.") for f in result.findings)
    assert result.path == ()


def test_sts_certificate_is_chain_checked_without_tls_rules(ca: TestCA) -> None:
    """Issue 12 item 9 (behaviour changed): an STS certificate's chain and trust are analysed;
    a self-signed one no store holds must go in Trusted Root."""
    from dataclasses import replace

    from certready.core.model import Role

    sts = ca.self_signed("sts.example.test")
    options = replace(_options(ca), role=Role.STS)
    result = lint_bundle(load_bytes(sts.cert_pem(), "sts.pem"), options)
    assert [f.rule_id for f in result.findings if f.rule_id.startswith("chain.")] == [
        "chain.self-signed-leaf"
    ]
    # control: issued by the trusted CA with its intermediate, no chain finding
    leaf = ca.issue("sts.example.test")
    result = lint_bundle(load_bytes(ca.chain_pem(leaf), "sts.pem"), options)
    assert not any(f.rule_id.startswith("chain.") for f in result.findings)
