"""Each ``--defect`` plants exactly one mistake, and ``certready lint`` (homecare) reports that
mistake's own rule and no other ERROR. The facts test proves each defect is really planted even
while a rule is still missing from the catalogue."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from certready.adapters.issuance.defects import DEFECTS
from certready.core.facts import extract_facts
from certready.core.model import CertFacts
from certready.interfaces.cli import ExitStatus
from certready.services import lab
from tests.cli import run
from tests.issuance.support import (
    errors,
    lint_files,
    lint_issued,
    load_chain,
    needs_openssl,
    require_rule,
)

HOST = "app.example.com"
NOW = dt.datetime.now(dt.UTC)
SERVER, CLIENT = "1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"

PLANTED: dict[str, Callable[[CertFacts, int], bool]] = {
    "expired": lambda f, n: f.not_valid_after < NOW,
    "not-yet-valid": lambda f, n: f.not_valid_before > NOW,
    "cn-only": lambda f, n: f.subject_alt_name is None and f.common_names == (HOST,),
    "wrong-host": lambda f, n: (
        f.subject_alt_name is not None and HOST not in f.subject_alt_name.dns_names
    ),
    "wildcard-two-labels": lambda f, n: (
        f.subject_alt_name is not None and "*.*.example.com" in f.subject_alt_name.dns_names
    ),
    "rsa1024": lambda f, n: f.public_key.key_type == "rsa" and f.public_key.size_bits == 1024,
    "sha1": lambda f, n: f.signature_hash == "sha1",
    "no-client-auth": lambda f, n: f.extended_key_usage == (SERVER,),
    "no-server-auth": lambda f, n: f.extended_key_usage == (CLIENT,),
    "ec-key-encipherment": lambda f, n: (
        f.public_key.key_type == "ec"
        and f.key_usage == frozenset({"digital_signature", "key_encipherment"})
    ),
    "ca-leaf": lambda f, n: f.is_ca,
    "no-intermediate": lambda f, n: n == 1 and not f.self_signed,
    "too-long": lambda f, n: f.lifetime > dt.timedelta(days=825),
    "self-signed": lambda f, n: f.self_signed and n == 1,
}


def _clean(facts: CertFacts, count: int) -> bool:
    """What no defect should change unless it is that defect."""
    return (
        count == 2
        and facts.signature_hash == "sha256"
        and facts.extended_key_usage == (SERVER, CLIENT)
        and not facts.is_ca
    )


def test_every_defect_has_a_planted_check() -> None:
    assert set(PLANTED) == set(DEFECTS)


@pytest.mark.parametrize("name", sorted(DEFECTS))
def test_defect_is_planted(name: str, tmp_path: Path, lab_dir: Path) -> None:
    if name == "sha1" and shutil.which("openssl") is None:
        pytest.skip("the sha1 defect needs the openssl command line")
    issued = lab.issue(lab_dir, tmp_path, lab.IssueOptions(hosts=(HOST,), defect=name))
    assert issued.defect == name and issued.expected_rule == DEFECTS[name].rule_id
    chain = load_chain(issued.chain)
    facts = extract_facts(chain[0])
    assert PLANTED[name](facts, len(chain))
    # negative control: a clean leaf from the same lab has none of it
    clean = lab.issue(lab_dir, tmp_path / "clean", lab.IssueOptions(hosts=(HOST,)))
    clean_chain = load_chain(clean.chain)
    clean_facts = extract_facts(clean_chain[0])
    assert not PLANTED[name](clean_facts, len(clean_chain))
    assert _clean(clean_facts, len(clean_chain))


@pytest.mark.parametrize("name", sorted(DEFECTS))
def test_defect_fires_its_own_rule_and_no_other_error(
    name: str, tmp_path: Path, lab_dir: Path
) -> None:
    rule_id = DEFECTS[name].rule_id
    require_rule(rule_id)
    issued = lab.issue(lab_dir, tmp_path, lab.IssueOptions(hosts=(HOST,), defect=name))
    report = lint_issued(issued, [HOST])
    fired = {f.rule_id for f in report.all_findings()}
    assert rule_id in fired, fired
    assert {f.rule_id for f in errors(report)} <= {rule_id}, errors(report)


def test_no_intermediate_pfx_lacks_the_issuing_ca(tmp_path: Path, lab_dir: Path) -> None:
    from cryptography.hazmat.primitives.serialization import pkcs12

    issued = lab.issue(
        lab_dir,
        tmp_path,
        lab.IssueOptions(hosts=(HOST,), defect="no-intermediate", pfx_password=b"pw"),
    )
    assert issued.pfx is not None
    assert pkcs12.load_pkcs12(issued.pfx.read_bytes(), b"pw").additional_certs == []


def test_defect_on_the_command_line_names_its_rule(tmp_path: Path, lab_dir: Path) -> None:
    status, out, err = run(
        "lab", "issue", "--lab", str(lab_dir), "-H", HOST, "-o", str(tmp_path), "--no-pfx",
        "--defect", "no-client-auth",
    )  # fmt: skip
    assert status == ExitStatus.OK, err
    assert "usage.eku-client-auth" in out
    status, _, err = run(
        "lab", "issue", "--lab", str(lab_dir), "-H", HOST, "-o", str(tmp_path / "x"), "--no-pfx",
        "--defect", "no-such-defect",
    )  # fmt: skip
    assert status == ExitStatus.USAGE and "no-such-defect" in err and "expired" in err
    status, out, _ = run("lab", "defects")
    assert status == ExitStatus.OK
    for defect in DEFECTS.values():
        assert f"{defect.name} " in out and defect.rule_id in out


def test_wildcard_defect_needs_a_dns_name(tmp_path: Path, lab_dir: Path) -> None:
    from certready.core.errors import UsageError

    with pytest.raises(UsageError, match="DNS name"):
        lab.issue(
            lab_dir, tmp_path, lab.IssueOptions(hosts=("10.0.0.1",), defect="wildcard-two-labels")
        )


@needs_openssl
@pytest.mark.openssl
def test_sha1_defect_is_signed_by_the_lab_issuing_ca(tmp_path: Path, lab_dir: Path) -> None:
    issued = lab.issue(lab_dir, tmp_path, lab.IssueOptions(hosts=(HOST,), defect="sha1"))
    leaf, issuing = load_chain(issued.chain)
    assert leaf.issuer == issuing.subject
    public_key = issuing.public_key()
    assert isinstance(public_key, ec.EllipticCurvePublicKey)  # the session lab is P-256
    public_key.verify(leaf.signature, leaf.tbs_certificate_bytes, ec.ECDSA(hashes.SHA1()))  # noqa: S303
    ski = issuing.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    aki = leaf.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    assert aki.key_identifier == ski


def test_an_expired_leaf_lies_inside_its_issuers_validity(tmp_path: Path, lab_dir: Path) -> None:
    issued = lab.issue(
        lab_dir, tmp_path, lab.IssueOptions(hosts=(HOST,), days=825, defect="expired")
    )
    leaf, issuing = load_chain(issued.chain)
    assert leaf.not_valid_after_utc < NOW
    assert issuing.not_valid_before_utc <= leaf.not_valid_before_utc


@needs_openssl
@pytest.mark.openssl
def test_sha1_leaf_under_an_untrusted_root_still_gets_a_chain_error(
    tmp_path: Path, lab_dir: Path, other_lab_dir: Path
) -> None:
    """The chain analysis is quiet about a SHA-1 leaf only when its path reaches the trust
    store (signature.weak-hash says it); under another root the chain verdict stands."""
    issued = lab.issue(lab_dir, tmp_path, lab.IssueOptions(hosts=(HOST,), defect="sha1"))
    report = lint_files(issued.chain, issued.key, [HOST], trust=other_lab_dir / "root-ca.pem")
    rule_ids = {f.rule_id for f in errors(report)}
    assert "signature.weak-hash" in rule_ids
    assert any(r.startswith("chain.") for r in rule_ids), rule_ids
