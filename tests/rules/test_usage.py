"""usage.*: Key Usage (a0 for RSA, RFC 8813 for EC), EKU serverAuth/clientAuth/any, leaf not a CA."""

from __future__ import annotations

from cryptography.x509.oid import ExtendedKeyUsageOID

from certready.core.facts import POLICY_DV
from certready.core.model import Severity
from tests.pki import TestCA, key_usage
from tests.rules.helpers import messages, run_rule

SERVER, CLIENT, ANY = (
    ExtendedKeyUsageOID.SERVER_AUTH,
    ExtendedKeyUsageOID.CLIENT_AUTH,
    ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE,
)


def test_key_usage_missing(ca: TestCA) -> None:
    assert messages("usage.key-usage-missing", ca.issue("a.example.test", no_ku=True).cert) == [
        "no Key Usage extension"
    ]
    assert messages("usage.key-usage-missing", ca.issue("a.example.test").cert) == []


def test_rsa_needs_a0(ca: TestCA) -> None:
    ds_only = ca.issue("a.example.test", ku=key_usage(key_encipherment=False))
    (message,) = messages("usage.key-usage-rsa", ds_only.cert)
    assert "Key Usage Digital Signature (80) lacks Key Encipherment" in message
    assert "'a0'" in message and "0x80" in message and "0x20" in message
    ke_only = ca.issue("a.example.test", ku=key_usage(digital_signature=False))
    (message,) = messages("usage.key-usage-rsa", ke_only.cert)
    assert "lacks Digital Signature" in message
    assert messages("usage.key-usage-rsa", ca.issue("a.example.test").cert) == []
    # no KU at all is usage.key-usage-missing's business, not this rule's
    assert messages("usage.key-usage-rsa", ca.issue("a.example.test", no_ku=True).cert) == []


def test_webpki_accepts_rsa_with_digital_signature_only(ca: TestCA) -> None:
    ds_only = ca.issue("a.example.test", ku=key_usage(key_encipherment=False))
    assert messages("usage.key-usage-rsa", ds_only.cert, profile="webpki") == []
    ke_only = ca.issue("a.example.test", ku=key_usage(digital_signature=False))
    (finding,) = run_rule("usage.key-usage-rsa", ke_only.cert, profile="webpki")
    assert finding.severity is Severity.WARNING


def test_ec_must_not_have_key_encipherment(ca: TestCA) -> None:
    a0 = ca.issue("ec.example.test", key_kind="p256", ku=key_usage())
    (message,) = messages("usage.key-usage-ec", a0.cert)
    assert "RFC 8813 forbids" in message and "Digital Signature alone (80)" in message
    right = ca.issue("ec.example.test", key_kind="p256")  # TestCA gives EC keys DS only
    assert messages("usage.key-usage-ec", right.cert) == []
    # the RSA rule does not demand "a0" of an EC key
    assert messages("usage.key-usage-rsa", right.cert) == []


def test_ec_needs_digital_signature(ca: TestCA) -> None:
    leaf = ca.issue(
        "ec.example.test",
        key_kind="p256",
        ku=key_usage(digital_signature=False, key_encipherment=False),
    )
    assert messages("usage.key-usage-ec", leaf.cert)[0].startswith(
        "EC certificate with Key Usage no bits lacks Digital Signature"
    )


def test_eku_server_auth(ca: TestCA) -> None:
    assert messages("usage.eku-server-auth", ca.issue("a.example.test", eku=[CLIENT]).cert) == [
        "the Extended Key Usage lacks Server Authentication (1.3.6.1.5.5.7.3.1)"
    ]
    (message,) = messages("usage.eku-server-auth", ca.issue("a.example.test", eku=[]).cert)
    assert message.startswith("no Extended Key Usage extension")
    assert messages("usage.eku-server-auth", ca.issue("a.example.test").cert) == []


def test_eku_client_auth_from_a_private_ca_is_a_plain_error(ca: TestCA) -> None:
    leaf = ca.issue("a.example.test", eku=[SERVER]).cert
    (finding,) = run_rule("usage.eku-client-auth", leaf, issuer_is_public=False)
    assert finding.severity is Severity.ERROR
    assert finding.message == (
        "the Extended Key Usage lacks Client Authentication (1.3.6.1.5.5.7.3.2)"
    )
    assert messages("usage.eku-client-auth", ca.issue("a.example.test").cert) == []


def test_eku_client_auth_from_a_public_ca_explains_the_phase_out(ca: TestCA) -> None:
    leaf = ca.issue("a.example.test", eku=[SERVER]).cert
    (finding,) = run_rule("usage.eku-client-auth", leaf, issuer_is_public=True)
    assert finding.severity is Severity.WARNING
    assert "Chrome Root Program" in finding.message and "June 2026" in finding.message
    assert "private CA" in finding.remediation and "vendor" in finding.remediation
    # undetermined issuer: a CA/B DV policy OID marks a public CA's certificate
    dv = ca.issue("a.example.test", eku=[SERVER], policies=[POLICY_DV]).cert
    (finding,) = run_rule("usage.eku-client-auth", dv)
    assert "phase-out" not in finding.message and "Chrome Root Program" in finding.message
    assert run_rule("usage.eku-client-auth", dv, profile="webpki") == []


def test_eku_any(ca: TestCA) -> None:
    leaf = ca.issue("a.example.test", eku=[SERVER, ANY]).cert
    assert messages("usage.eku-any", leaf) == [
        "the Extended Key Usage asserts Any Purpose (2.5.29.37.0)"
    ]
    assert messages("usage.eku-any", ca.issue("a.example.test").cert) == []
    (strict,) = run_rule("usage.eku-any", leaf, profile="webpki")  # BR 7.1.2.7.10 forbids it
    assert strict.severity is Severity.ERROR


def test_leaf_is_ca(ca: TestCA) -> None:
    assert messages("usage.leaf-is-ca", ca.issue("a.example.test", ca=True).cert) == [
        "the server certificate is a CA certificate (basicConstraints CA:TRUE)"
    ]
    assert messages("usage.leaf-is-ca", ca.issue("a.example.test").cert) == []
