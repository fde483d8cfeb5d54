"""signature.weak-hash: SHA-256+ on the leaf and every non-root certificate supplied with it."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes

from certready.core.facts import extract_facts
from certready.core.model import Role
from tests.pki import TestCA
from tests.rules.helpers import facts, messages, run_rule
from tests.rules.openssl_pki import needs_openssl, openssl_issue


def test_sha256_and_stronger_pass(ca: TestCA) -> None:
    for alg in (hashes.SHA256(), hashes.SHA384(), hashes.SHA512()):
        leaf = ca.issue("app.example.test", hash_alg=alg)
        assert messages("signature.weak-hash", leaf.cert) == []


def test_sha1_leaf_fails(ca: TestCA) -> None:
    # cryptography 50 cannot sign with SHA-1: the fact is what a SHA-1 certificate yields.
    leaf = facts(ca.issue("app.example.test").cert, signature_hash="sha1")
    assert messages("signature.weak-hash", leaf) == ["the certificate is signed with SHA1"]
    assert messages("signature.weak-hash", leaf, role=Role.STS) != []


def test_sha224_is_below_sha256(ca: TestCA) -> None:
    leaf = ca.issue("app.example.test", hash_alg=hashes.SHA224())
    assert messages("signature.weak-hash", leaf.cert) == ["the certificate is signed with SHA224"]


def test_weak_intermediate_is_reported_against_the_intermediate(ca: TestCA) -> None:
    leaf = ca.issue("app.example.test").cert
    inter = facts(ca.intermediate.cert, signature_hash="sha1")
    (finding,) = run_rule("signature.weak-hash", leaf, others=(inter,))
    assert finding.message == ("certificate #1 (certready test Issuing CA) is signed with SHA1")
    assert finding.fingerprint_sha256 == inter.fingerprint_sha256
    good_inter = extract_facts(ca.intermediate.cert)
    assert messages("signature.weak-hash", leaf, others=(good_inter,)) == []


def test_a_self_signed_root_signature_does_not_matter(ca: TestCA) -> None:
    leaf = ca.issue("app.example.test").cert
    root = facts(ca.root.cert, signature_hash="sha1")
    assert root.self_signed
    assert messages("signature.weak-hash", leaf, others=(root,)) == []
    # negative control: the same weak hash on a certificate that is not self-signed counts
    not_root = facts(ca.root.cert, signature_hash="sha1", self_signed=False)
    assert messages("signature.weak-hash", leaf, others=(not_root,)) != []


def test_eddsa_has_no_separate_hash(ca: TestCA) -> None:
    leaf = facts(ca.issue("app.example.test").cert, signature_hash=None)
    assert messages("signature.weak-hash", leaf) == []


@needs_openssl
@pytest.mark.openssl
def test_real_sha1_leaf_and_intermediate_made_with_openssl(ca: TestCA, tmp_path: Path) -> None:
    sha1_leaf = openssl_issue(ca.intermediate, tmp_path / "leaf", "old.example.test")
    assert messages("signature.weak-hash", sha1_leaf) == ["the certificate is signed with SHA1"]
    sha256_leaf = openssl_issue(
        ca.intermediate, tmp_path / "ok", "ok.example.test", digest="sha256"
    )
    assert messages("signature.weak-hash", sha256_leaf) == []
    sha1_inter = extract_facts(openssl_issue(ca.root, tmp_path / "inter", "Old CA", ca=True))
    (finding,) = run_rule("signature.weak-hash", sha256_leaf, others=(sha1_inter,))
    assert finding.message == "certificate #1 (Old CA) is signed with SHA1"
