"""Issue 12 item 15: what the ``webpki`` profile used to pass — CA Key Usage bits on a leaf, EKUs
the BRs forbid, DNS-name syntax in SANs, a wildcard in an EV certificate, an invalid RSA or EC key
reported as "unknown key type". Each case: the finding under webpki, and a sound certificate as
its negative control; homecare's choice (warning or off) is checked where it differs."""

from __future__ import annotations

from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID

from certready.core.facts import POLICY_EV, extract_facts
from certready.core.model import Severity
from tests.cli import run
from tests.pki import TestCA
from tests.rules.helpers import run_rule

SERVER = ExtendedKeyUsageOID.SERVER_AUTH


def _ku(**bits: bool) -> x509.KeyUsage:
    names = (
        "digital_signature",
        "content_commitment",
        "key_encipherment",
        "data_encipherment",
        "key_agreement",
        "key_cert_sign",
        "crl_sign",
        "encipher_only",
        "decipher_only",
    )
    return x509.KeyUsage(**{n: bits.get(n, False) for n in names})


def test_key_cert_sign_and_crl_sign_on_a_leaf(ca: TestCA) -> None:
    leaf = ca.issue(
        "a.example.test",
        ku=_ku(digital_signature=True, key_encipherment=True, key_cert_sign=True, crl_sign=True),
    ).cert
    (found,) = run_rule("usage.key-usage-ca-bits", leaf, profile="webpki")
    assert found.severity is Severity.ERROR
    assert (
        "Digital Signature, Key Encipherment, Certificate Signing, CRL Signing (a6) asserts Certificate Signing and CRL Signing"
        in found.message
    )
    (home,) = run_rule("usage.key-usage-ca-bits", leaf)
    assert home.severity is Severity.WARNING
    # control: the guide's a0 says nothing; a CA:TRUE leaf is usage.leaf-is-ca's finding
    assert (
        run_rule("usage.key-usage-ca-bits", ca.issue("a.example.test").cert, profile="webpki") == []
    )
    ca_leaf = ca.issue("a.example.test", ca=True).cert
    assert run_rule("usage.key-usage-ca-bits", ca_leaf, profile="webpki") == []


def test_ec_key_encipherment_is_an_error_in_webpki(ca: TestCA) -> None:
    leaf = ca.issue(
        "a.example.test", key_kind="p256", ku=_ku(digital_signature=True, key_encipherment=True)
    ).cert
    (found,) = run_rule("usage.key-usage-ec", leaf, profile="webpki")
    assert found.severity is Severity.ERROR and "RFC 8813" in found.message
    ds = ca.issue("a.example.test", key_kind="p256", ku=_ku(digital_signature=True)).cert
    assert run_rule("usage.key-usage-ec", ds, profile="webpki") == []


def test_forbidden_ekus_beside_server_auth(ca: TestCA) -> None:
    leaf = ca.issue(
        "a.example.test",
        eku=[SERVER, ExtendedKeyUsageOID.CODE_SIGNING, ExtendedKeyUsageOID.OCSP_SIGNING],
    ).cert
    (found,) = run_rule("usage.eku-forbidden", leaf, profile="webpki")
    assert found.severity is Severity.ERROR
    assert "Code Signing (1.3.6.1.5.5.7.3.3), OCSP Signing (1.3.6.1.5.5.7.3.9)" in found.message
    # homecare's clients accept extra purposes: off there
    assert run_rule("usage.eku-forbidden", leaf) == []
    # control: serverAuth + clientAuth is what the BRs allow
    sound = ca.issue("a.example.test", eku=[SERVER, ExtendedKeyUsageOID.CLIENT_AUTH]).cert
    assert run_rule("usage.eku-forbidden", sound, profile="webpki") == []


def test_dns_name_syntax(ca: TestCA) -> None:
    cases = {
        "a_b.example.test": "underscore",
        "a" * 64 + ".example.test": "64 octets long",
        ".".join(["a" * 63] * 4) + ".test": "at most 253",
        "xn--a.example.test": "not a valid A-label",
        "a..example.test": "empty label",
        "-a.example.test": "hyphen",
    }
    for name, words in cases.items():
        leaf = ca.issue("ok.example.test", sans=["ok.example.test", name]).cert
        (found,) = run_rule("names.dns-syntax", leaf, profile="webpki")
        assert words in found.message and found.severity is Severity.ERROR, (name, found)
        (home,) = run_rule("names.dns-syntax", leaf)
        assert home.severity is Severity.WARNING
    # controls: ordinary names, a valid IDN A-label, a whole-label wildcard
    sound = ca.issue(
        "ok.example.test", sans=["ok.example.test", "xn--bcher-kva.example", "*.example.test"]
    ).cert
    assert run_rule("names.dns-syntax", sound, profile="webpki") == []


def test_wildcard_in_an_ev_certificate(ca: TestCA) -> None:
    ev = ca.issue("*.example.test", sans=["*.example.test"], policies=[POLICY_EV]).cert
    (found,) = run_rule("names.wildcard-ev", ev, profile="webpki")
    assert found.message == "the EV certificate names the wildcard *.example.test"
    assert run_rule("names.wildcard-ev", ev) == []  # homecare: clients accept it
    # controls: an EV certificate with plain names, an OV wildcard
    assert (
        run_rule(
            "names.wildcard-ev",
            ca.issue("a.example.test", policies=[POLICY_EV]).cert,
            profile="webpki",
        )
        == []
    )
    assert run_rule("names.wildcard-ev", ca.issue("*.example.test").cert, profile="webpki") == []


def _swap(cert: x509.Certificate, old: bytes, new: bytes) -> x509.Certificate:
    der = cert.public_bytes(serialization.Encoding.DER)
    assert der.count(old) == 1
    return x509.load_der_x509_certificate(der.replace(old, new))


def _off_curve(ca: TestCA) -> x509.Certificate:
    key = ec.generate_private_key(ec.SECP256R1())
    point = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    leaf = ca.issue("a.example.test", key=key).cert
    return _swap(leaf, point, point[:-1] + bytes([point[-1] ^ 1]))


def test_invalid_keys_say_what_is_wrong(ca: TestCA) -> None:
    bad_point = _off_curve(ca)
    key = rsa.generate_private_key(65537, 2048)
    leaf = ca.issue("a.example.test", key=key).cert
    modulus = key.public_key().public_numbers().n.to_bytes(256, "big")
    even_modulus = _swap(leaf, modulus, modulus[:-1] + bytes([modulus[-1] & 0xFE]))
    even_exponent = _swap(leaf, b"\x02\x03\x01\x00\x01", b"\x02\x03\x01\x00\x00")
    expected = {
        bad_point: "the EC point is not on the curve P-256",
        even_modulus: "the RSA modulus is even",
        even_exponent: "the RSA public exponent 65536 is even",
    }
    for cert, words in expected.items():
        for profile in ("webpki", "homecare"):
            (found,) = run_rule("key.invalid", cert, profile=profile)
            assert words in found.message and found.severity is Severity.ERROR
            # today's wrong verdict was "unknown key type"
            assert run_rule("key.type-unsupported", cert, profile=profile) == []
    facts = extract_facts(bad_point).public_key
    assert (facts.key_type, facts.size_bits, facts.curve) == ("ec", 256, "secp256r1")
    # control: the keys before tampering
    assert run_rule("key.invalid", leaf, profile="webpki") == []
    assert run_rule("key.invalid", ca.issue("a.example.test", key_kind="p256").cert) == []


def test_lint_reports_the_invalid_key_without_a_traceback(ca: TestCA, tmp_path: Path) -> None:
    path = tmp_path / "bad.pem"
    path.write_bytes(_off_curve(ca).public_bytes(serialization.Encoding.PEM))
    status, out, err = run("lint", "--profile", "webpki", "--format", "json", str(path))
    assert status == 1 and "Traceback" not in err, err
    assert "key.invalid" in out and "not on the curve P-256" in out
    assert "unknown key type" not in out
