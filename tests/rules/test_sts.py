"""sts.*: the token-signing certificate needs its key and digitalSignature; no name rules."""

from __future__ import annotations

from certready.core.engine import evaluate
from certready.core.model import KeyPairing, Role
from tests.pki import TestCA, key_usage
from tests.rules.helpers import context, messages, policy


def test_sts_private_key_missing(ca: TestCA) -> None:
    leaf = ca.issue("sts.example.test").cert
    assert messages("sts.private-key-missing", leaf, role=Role.STS) == [
        "the token-signing certificate was supplied without its private key"
    ]
    assert (
        messages("sts.private-key-missing", leaf, role=Role.STS, private_key=KeyPairing.MATCHES)
        == []
    )
    assert messages("sts.private-key-missing", leaf, role=Role.STS, served=True) == []
    assert messages("sts.private-key-missing", leaf, role=Role.SSL) == []


def test_sts_digital_signature(ca: TestCA) -> None:
    no_ds = ca.issue("sts.example.test", ku=key_usage(digital_signature=False)).cert
    assert messages("sts.digital-signature", no_ds, role=Role.STS) == [
        "the Key Usage does not include Digital Signature: it cannot sign tokens"
    ]
    assert messages("sts.digital-signature", ca.issue("sts.example.test").cert, role=Role.STS) == []
    no_ku = ca.issue("sts.example.test", no_ku=True).cert  # no KU extension: every use allowed
    assert messages("sts.digital-signature", no_ku, role=Role.STS) == []


def test_a_good_sts_certificate_with_its_key_has_no_findings(ca: TestCA) -> None:
    leaf = ca.issue(
        "", sans=[], cn="HomeCare Token Signing", eku=[]
    ).cert  # no SAN, no EKU: fine for token signing
    ctx = context(leaf, role=Role.STS, private_key=KeyPairing.MATCHES)
    assert evaluate(ctx, policy("homecare")) == ()
    # the same certificate as a TLS server certificate fails the name and EKU rules
    ssl = {f.rule_id for f in evaluate(context(leaf, private_key=KeyPairing.MATCHES), policy())}
    assert {"names.san-missing", "usage.eku-server-auth"} <= ssl
