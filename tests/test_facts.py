from __future__ import annotations

import datetime as dt

from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import ExtendedKeyUsageOID

from certready.core.facts import EKU_CLIENT_AUTH, EKU_SERVER_AUTH, extract_facts, key_usage_hex
from tests.pki import TestCA


def test_leaf_facts(ca: TestCA) -> None:
    leaf = ca.issue("App.Example.test", "10.0.0.5")
    f = extract_facts(leaf.cert)
    assert f.subject_alt_name is not None
    assert f.subject_alt_name.dns_names == ("app.example.test",)
    assert f.subject_alt_name.ip_addresses == ("10.0.0.5",)
    assert f.common_names == ("App.Example.test",)
    assert f.public_key.key_type == "rsa" and f.public_key.size_bits == 2048
    assert f.public_key.rsa_exponent == 65537
    assert f.signature_hash == "sha256"
    assert f.key_usage == frozenset({"digital_signature", "key_encipherment"})
    assert f.extended_key_usage == (EKU_SERVER_AUTH, EKU_CLIENT_AUTH)
    assert f.basic_constraints is not None and not f.basic_constraints.ca
    assert not f.is_ca and not f.self_signed and not f.self_issued
    assert f.not_valid_before.tzinfo is dt.UTC
    assert len(f.fingerprint_sha256) == 64 and len(f.thumbprint_sha1) == 40
    assert f.authority_key_identifier == extract_facts(ca.intermediate.cert).subject_key_identifier


def test_root_is_self_signed_and_intermediate_is_not(ca: TestCA) -> None:
    root = extract_facts(ca.root.cert)
    inter = extract_facts(ca.intermediate.cert)
    assert root.self_signed and root.is_ca
    assert not inter.self_signed and inter.is_ca
    assert inter.basic_constraints is not None and inter.basic_constraints.path_length == 0


def test_ec_key_and_sha384(ca: TestCA) -> None:
    f = extract_facts(ca.issue("ec.example.test", key_kind="p384", hash_alg=hashes.SHA384()).cert)
    assert f.public_key.key_type == "ec" and f.public_key.curve == "secp384r1"
    assert f.signature_hash == "sha384"
    assert f.key_usage == frozenset({"digital_signature"})


def test_absent_extensions_are_none(ca: TestCA) -> None:
    f = extract_facts(ca.issue("x.example.test", no_ku=True, eku=[]).cert)
    assert f.key_usage is None
    assert f.extended_key_usage is None
    assert extract_facts(ca.issue("y.example.test", eku=[ExtendedKeyUsageOID.SERVER_AUTH]).cert)


def test_key_usage_hex_matches_windows() -> None:
    assert key_usage_hex(frozenset({"digital_signature", "key_encipherment"})) == "a0"
    assert key_usage_hex(frozenset({"digital_signature"})) == "80"
    assert key_usage_hex(frozenset({"key_cert_sign", "crl_sign"})) == "06"
