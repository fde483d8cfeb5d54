"""key.*: RSA size, EC curve, unsupported key types, odd moduli, key pairing."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import dsa, ed25519

from certready.adapters.profiles import load_policy
from certready.core.engine import evaluate
from certready.core.model import KeyPairing, PublicKeyFacts, Role, Severity
from certready.core.rules import get_rule
from tests.pki import TestCA
from tests.rules.helpers import context, facts, messages, run_rule
from tests.rules.openssl_pki import needs_openssl, openssl_issue


def test_rsa_2048_passes_and_1024_fails(ca: TestCA) -> None:
    good = facts(ca.issue("app.example.test").cert)
    assert messages("key.rsa-size", good) == []
    small = replace(good, public_key=replace(good.public_key, size_bits=1024))
    assert messages("key.rsa-size", small) == ["RSA key of 1024 bits; at least 2048 required"]


def test_rsa_size_on_a_real_1024_bit_key(ca: TestCA) -> None:
    try:
        leaf = ca.issue("app.example.test", key_kind="rsa1024")
    except ValueError:  # pragma: no cover - some cryptography builds refuse RSA-1024
        pytest.skip("this cryptography build cannot generate RSA-1024")
    assert messages("key.rsa-size", leaf.cert) == ["RSA key of 1024 bits; at least 2048 required"]


@pytest.mark.parametrize("kind", ["p256", "p384", "p521"])
def test_nist_curves_pass(ca: TestCA, kind: str) -> None:
    assert messages("key.ec-curve", ca.issue("ec.example.test", key_kind=kind).cert) == []


def test_p224_is_too_small(ca: TestCA) -> None:
    leaf = ca.issue("ec.example.test", key_kind="p224")
    assert messages("key.ec-curve", leaf.cert) == [
        "EC key on P-224 has 224 bits; at least 256 required"
    ]


def test_secp256k1_has_256_bits_but_clients_refuse_it(ca: TestCA) -> None:
    leaf = ca.issue("ec.example.test", key_kind="secp256k1")
    assert messages("key.ec-curve", leaf.cert) == [
        "EC key on secp256k1: clients accept only P-256, P-384, P-521"
    ]
    assert messages("key.ec-curve", ca.issue("rsa.example.test").cert) == []


def test_dsa_and_ed25519_name_the_clients_that_refuse_them(ca: TestCA) -> None:
    dsa_key = dsa.generate_private_key(2048)
    leaf = ca.issue("dsa.example.test", key=dsa_key)  # type: ignore[arg-type]
    (message,) = messages("key.type-unsupported", leaf.cert)
    assert message.startswith("DSA 2048 key:") and "TLS 1.3" in message
    ed = ca.issue("ed.example.test", key=ed25519.Ed25519PrivateKey.generate())
    (message,) = messages("key.type-unsupported", ed.cert)
    assert message.startswith("Ed25519 key:") and "Windows" in message and "Chrome" in message
    for kind in ("rsa2048", "p256"):
        assert (
            messages("key.type-unsupported", ca.issue("ok.example.test", key_kind=kind).cert) == []
        )


def test_unknown_key_type(ca: TestCA) -> None:
    f = facts(ca.issue("x.example.test").cert, public_key=PublicKeyFacts("unknown", 0))
    (message,) = messages("key.type-unsupported", f)
    assert "unknown key algorithm" in message


def test_rsa_modulus_multiple_of_8(ca: TestCA) -> None:
    good = facts(ca.issue("app.example.test").cert)
    assert messages("key.rsa-modulus-not-multiple-of-8", good) == []
    odd = replace(good, public_key=replace(good.public_key, size_bits=2047))
    assert messages("key.rsa-modulus-not-multiple-of-8", odd) == [
        "RSA modulus of 2047 bits is not a multiple of 8"
    ]
    ec_key = facts(ca.issue("ec.example.test", key_kind="p521").cert)
    assert ec_key.public_key.size_bits % 8 != 0  # 521: fine for EC, the rule is RSA-only
    assert messages("key.rsa-modulus-not-multiple-of-8", ec_key) == []


def test_min_bits_is_a_parameter(ca: TestCA, tmp_path: Path) -> None:
    profile = tmp_path / "strict.toml"
    profile.write_text('[profile]\nextends = "homecare"\n[rules."key.rsa-size"]\nmin_bits = 3072\n')
    found = evaluate(
        context(ca.issue("app.example.test").cert),
        load_policy(profile),
        rules=[get_rule("key.rsa-size")],
    )
    assert [f.message for f in found] == ["RSA key of 2048 bits; at least 3072 required"]


def test_private_key_mismatch(ca: TestCA) -> None:
    leaf = ca.issue("app.example.test").cert
    assert messages("key.private-key-mismatch", leaf, private_key=KeyPairing.MISMATCH) == [
        "the private key supplied does not belong to this certificate"
    ]
    for pairing in (KeyPairing.MATCHES, KeyPairing.ABSENT):
        assert messages("key.private-key-mismatch", leaf, private_key=pairing) == []
    assert (
        messages("key.private-key-mismatch", leaf, private_key=KeyPairing.MISMATCH, role=Role.STS)
        != []
    )


def test_private_key_missing_is_silent_for_a_live_server(ca: TestCA) -> None:
    leaf = ca.issue("app.example.test").cert
    (finding,) = run_rule("key.private-key-missing", leaf)
    assert finding.severity is Severity.INFO
    assert messages("key.private-key-missing", leaf, served=True) == []
    assert messages("key.private-key-missing", leaf, private_key=KeyPairing.MATCHES) == []
    assert messages("key.private-key-missing", leaf, profile="webpki") == []
    # the STS has its own rule: sts.private-key-missing
    assert messages("key.private-key-missing", leaf, role=Role.STS) == []


def test_key_rules_apply_to_the_sts_certificate(ca: TestCA) -> None:
    leaf = ca.issue("sts.example.test", key_kind="p224").cert
    assert messages("key.ec-curve", leaf, role=Role.STS) != []


@needs_openssl
@pytest.mark.openssl
def test_real_2047_bit_modulus_made_with_openssl(ca: TestCA, tmp_path: Path) -> None:
    odd = openssl_issue(
        ca.intermediate, tmp_path, "odd.example.test", digest="sha256", rsa_bits=2047
    )
    assert messages("key.rsa-modulus-not-multiple-of-8", odd) == [
        "RSA modulus of 2047 bits is not a multiple of 8"
    ]
    assert messages("key.rsa-size", odd) == ["RSA key of 2047 bits; at least 2048 required"]
