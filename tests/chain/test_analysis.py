"""Each chain defect on generated fixtures, each with its negative control."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography.x509.oid import ExtendedKeyUsageOID

from tests.chain.helpers import analyse, ids
from tests.pki import CA_KEY_USAGE, NOW, Issued, TestCA, _name, build, key_usage, new_key, new_root

HOST = "app.example.test"


def test_complete_trusted_public_chain_reports_nothing(ca: TestCA) -> None:
    leaf = ca.issue(HOST)
    result = analyse(leaf.cert, ca.intermediate.cert, trust=(ca.root.cert,), hosts=(HOST,))
    assert ids(result) == []
    assert result.valid and result.issuer_is_public is True
    assert [str(e.origin) for e in result.path] == [
        "file:bundle.pem#0",
        "file:bundle.pem#1",
        "trust:file:roots.pem",
    ]


def test_missing_intermediate_named_by_subject_key_id_and_aia(ca: TestCA) -> None:
    url = "http://ca.example.test/issuing.crt"
    leaf = ca.issue(HOST, aia_ca_issuers=url)
    result = analyse(leaf.cert, trust=(ca.root.cert,))
    assert ids(result) == ["chain.missing-intermediate"]
    message = result.findings[0].message
    assert "certready test Issuing CA" in message
    assert url in message
    assert "key identifier" in message
    assert not result.valid and result.path == ()
    # negative control: the same leaf with --chain inter.pem
    fixed = analyse(leaf.cert, trust=(ca.root.cert,), extra=(ca.intermediate.cert,))
    assert ids(fixed) == [] and fixed.valid


def test_untrusted_private_root_leads_to_install_plan(ca: TestCA, other_ca: TestCA) -> None:
    leaf = ca.issue(HOST)
    result = analyse(leaf.cert, ca.intermediate.cert, ca.root.cert, trust=(other_ca.root.cert,))
    assert ids(result) == ["chain.private-ca", "chain.root-sent", "chain.untrusted-root"]
    assert any("private or self-signed" in f.message for f in result.findings)
    assert result.issuer_is_public is None and not result.valid


def test_private_ca_trusted_by_file_is_info_only(ca: TestCA, other_ca: TestCA) -> None:
    leaf = ca.issue(HOST)
    result = analyse(
        leaf.cert, ca.intermediate.cert, trust=(ca.root.cert,), public=(other_ca.root.cert,)
    )
    assert ids(result) == ["chain.private-ca"]
    assert result.findings[0].severity.label == "info"
    assert result.valid and result.issuer_is_public is False
    assert "trust:file:roots.pem" in result.findings[0].message


def test_wrong_order(ca: TestCA) -> None:
    leaf = ca.issue(HOST)
    shuffled = analyse(leaf.cert, ca.intermediate.cert, trust=(ca.root.cert,), order=[1, 0])
    assert ids(shuffled) == ["chain.wrong-order"]
    root_first = analyse(
        leaf.cert, ca.intermediate.cert, ca.root.cert, trust=(ca.root.cert,), order=[0, 2, 1]
    )
    assert ids(root_first) == ["chain.root-sent", "chain.wrong-order"]
    in_order = analyse(leaf.cert, ca.intermediate.cert, ca.root.cert, trust=(ca.root.cert,))
    assert ids(in_order) == ["chain.root-sent"]


def test_unrelated_and_duplicate_certificates(ca: TestCA, other_ca: TestCA) -> None:
    leaf = ca.issue(HOST)
    result = analyse(
        leaf.cert,
        ca.intermediate.cert,
        other_ca.intermediate.cert,
        ca.intermediate.cert,
        trust=(ca.root.cert,),
    )
    assert ids(result) == ["chain.duplicate-certificate", "chain.unrelated-certificate"]
    by_id = {f.rule_id: f for f in result.findings}
    assert str(by_id["chain.duplicate-certificate"].location) == "file:bundle.pem#3"
    assert str(by_id["chain.unrelated-certificate"].location) == "file:bundle.pem#2"
    assert result.valid


def test_expired_intermediate_and_at_time(ca: TestCA) -> None:
    expired = ca.sub_ca(
        "old Issuing CA",
        not_before=NOW - dt.timedelta(days=800),
        not_after=NOW - dt.timedelta(days=2),
    )
    leaf = ca.issue(HOST, issuer=expired, not_before=NOW - dt.timedelta(days=10), days=397)
    result = analyse(leaf.cert, expired.cert, trust=(ca.root.cert,))
    assert ids(result) == ["chain.intermediate-expired"]
    assert "expired on" in result.findings[0].message
    # control: at a time when it was valid (--at), the chain is fine
    earlier = analyse(leaf.cert, expired.cert, trust=(ca.root.cert,), at=NOW - dt.timedelta(days=5))
    assert ids(earlier) == []
    # and a good chain checked five years ahead: the intermediate has expired by then
    good = ca.issue(HOST)
    later = analyse(
        good.cert, ca.intermediate.cert, trust=(ca.root.cert,), at=NOW + dt.timedelta(days=1900)
    )
    assert "chain.intermediate-expired" in ids(later)


@pytest.mark.parametrize("kind", ["p224", "secp256k1"])
def test_weak_intermediate_key(ca: TestCA, kind: str) -> None:
    weak = ca.sub_ca(f"weak {kind} CA", key_kind=kind)
    leaf = ca.issue(HOST, issuer=weak)
    result = analyse(leaf.cert, weak.cert, trust=(ca.root.cert,))
    assert "chain.intermediate-weak" in ids(result)
    assert "chain.path-invalid" not in ids(result)
    strong = ca.sub_ca("strong CA", key_kind="p384")
    control = analyse(ca.issue(HOST, issuer=strong).cert, strong.cert, trust=(ca.root.cert,))
    assert ids(control) == []


def test_self_signed_leaf(ca: TestCA) -> None:
    leaf = ca.self_signed(HOST)
    result = analyse(leaf.cert, trust=(ca.root.cert,))
    assert ids(result) == ["chain.self-signed-leaf"]
    assert not result.valid
    control = analyse(ca.issue(HOST).cert, ca.intermediate.cert, trust=(ca.root.cert,))
    assert "chain.self-signed-leaf" not in ids(control)


def test_other_path_failure_carries_cryptography_reason(ca: TestCA) -> None:
    no_cert_sign = ca.sub_ca("no keyCertSign CA", key_usage=key_usage(key_encipherment=False))
    leaf = ca.issue(HOST, issuer=no_cert_sign)
    result = analyse(leaf.cert, no_cert_sign.cert, trust=(ca.root.cert,))
    assert ids(result) == ["chain.path-invalid"]
    assert "no valid path:" in result.findings[0].message


def test_revoked_by_supplied_crl(ca: TestCA) -> None:
    leaf = ca.issue(HOST)
    revoked = analyse(
        leaf.cert, ca.intermediate.cert, trust=(ca.root.cert,), crls=(ca.crl(leaf.cert),)
    )
    assert ids(revoked) == ["chain.revoked"]
    assert "revoked on" in revoked.findings[0].message and not revoked.valid
    other = ca.issue("other.example.test")
    control = analyse(
        leaf.cert, ca.intermediate.cert, trust=(ca.root.cert,), crls=(ca.crl(other.cert),)
    )
    assert ids(control) == [] and control.valid
    unusable = analyse(
        leaf.cert, ca.intermediate.cert, trust=(ca.root.cert,), crls=(ca.crl(number=False),)
    )
    assert ids(unusable) == ["chain.revoked"]
    assert "no CRL Number" in unusable.findings[0].message


def test_validation_type_of_public_certificate(ca: TestCA, other_ca: TestCA) -> None:
    ov = ca.issue(HOST, policies=["2.23.140.1.2.2"])
    result = analyse(ov.cert, ca.intermediate.cert, trust=(ca.root.cert,))
    assert ids(result) == ["chain.validation-type"]
    assert "OV" in result.findings[0].message and "recommends DV" in result.findings[0].message
    # a private CA's certificate is not classified (the policy OIDs mean nothing there)
    private = analyse(
        ov.cert, ca.intermediate.cert, trust=(ca.root.cert,), public=(other_ca.root.cert,)
    )
    assert "chain.validation-type" not in ids(private)
    plain = analyse(ca.issue(HOST).cert, ca.intermediate.cert, trust=(ca.root.cert,))
    assert ids(plain) == []


def test_missing_issuer_above_an_intermediate_hints_at_a_private_root(ca: TestCA) -> None:
    """Leaf + intermediate given, the root neither given nor trusted: it may be a missing
    intermediate or an untrusted private root, and the message says how to tell certready."""
    leaf = ca.issue(HOST)
    result = analyse(leaf.cert, ca.intermediate.cert, trust=())
    # issue 12 item 6: not "missing intermediate": the chain ends at an issuer not found
    (finding,) = [f for f in result.findings if f.rule_id == "chain.issuer-not-found"]
    assert "If it is your private root, give it with --trust FILE" in finding.message
    assert "chain.missing-intermediate" not in ids(result)
    # negative control: a missing intermediate below the leaf's issuer gets no such hint
    alone = analyse(leaf.cert, trust=(ca.root.cert,))
    assert ids(alone) == ["chain.missing-intermediate"]
    assert "--trust FILE" not in alone.findings[0].message


def test_leaf_problem_does_not_hide_the_chain_verdict(ca: TestCA) -> None:
    """A leaf without serverAuth and expired: the chain is still analysed (missing intermediate)."""
    leaf = ca.issue(
        HOST,
        eku=[ExtendedKeyUsageOID.CODE_SIGNING],
        not_before=NOW - dt.timedelta(days=29),
        days=20,
    )
    missing = analyse(leaf.cert, trust=(ca.root.cert,), hosts=("wrong.example.test",))
    assert ids(missing) == ["chain.missing-intermediate"]
    complete = analyse(leaf.cert, ca.intermediate.cert, trust=(ca.root.cert,))
    assert ids(complete) == [] and len(complete.path) == 3
    assert not complete.valid and complete.reason  # the strict verdict still says no


def test_root_with_eku(ca: TestCA) -> None:
    root = new_root("EKU Root CA", eku=[ExtendedKeyUsageOID.SERVER_AUTH])
    leaf = ca.issue(HOST, issuer=root)
    result = analyse(leaf.cert, trust=(root.cert,), profile="webpki")
    assert ids(result) == ["chain.root-eku"]
    control = analyse(ca.issue(HOST, issuer=ca.root).cert, trust=(ca.root.cert,))
    assert ids(control) == []


def test_ca_profile_intermediate_without_authority_key_identifier(ca: TestCA) -> None:
    key = new_key("p256")
    inter = build(
        subject=_name("no AKI CA"),
        issuer=ca.root.cert.subject,
        public_key=key.public_key(),
        signing_key=ca.root.key,
        ca=True,
        key_usage=CA_KEY_USAGE,
    )
    leaf = ca.issue(HOST, issuer=Issued(inter, key))
    result = analyse(leaf.cert, inter, trust=(ca.root.cert,))
    assert ids(result) == ["chain.ca-profile"]
    assert "no Authority Key Identifier" in result.findings[0].message


def test_serial_number_positive_passes(ca: TestCA) -> None:
    """cryptography cannot build a serial-0 certificate: limbo's rfc5280::serial::zero is the
    positive case (tests/conformance); this is its negative control."""
    leaf = ca.issue(HOST)
    assert "chain.serial-number" not in ids(
        analyse(leaf.cert, ca.intermediate.cert, trust=(ca.root.cert,))
    )
