"""A CA's key given with a leaf + CA file: the leaf stays the target, the key is a mismatch.

``fullchain.pem`` holding the leaf, the issuing CA and the issuing CA's key (or a manifest's
``key:`` naming the CA's key) used to make the CA certificate the server's certificate because the
key belonged to it: about six wrong errors (a CA certificate judged as a server certificate)
instead of the one that is true, "the key does not belong to the certificate". The leaf of a file
is its non-CA certificate whatever key is given.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes

from certready.core.rules.keys import private_key_mismatch
from tests.cli import run
from tests.pki import Issued, TestCA
from tests.realworld.setups import server, write_pem

PORTAL = "portal.example.test"


def _lint(*argv: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    status, out, err = run("lint", *argv, "--format", "json")
    assert "Traceback" not in err, err
    return status, json.loads(out)


def _fingerprint(issued: Issued) -> str:
    return issued.cert.fingerprint(hashes.SHA256()).hex().upper()


def _write(tmp_path: Path, leaf: Issued, ca: TestCA, key: Issued, *, in_file: bool) -> list[str]:
    """The leaf + issuing CA file and ``key``'s private key, in that file or beside it."""
    portal = write_pem(tmp_path / "portal.pem", leaf.cert, ca.intermediate.cert)
    if in_file:
        portal.write_bytes(portal.read_bytes() + key.key_pem())
        return [str(portal)]
    key_file = tmp_path / "given.key"
    key_file.write_bytes(key.key_pem())
    return [str(portal), str(key_file)]


def _errors(target: dict) -> set[str]:  # type: ignore[type-arg]
    return {f["rule_id"] for f in target["findings"] if f["severity"] == "error"}


@pytest.mark.parametrize("in_file", [True, False], ids=["key-in-file", "key-beside"])
def test_the_issuing_cas_key_leaves_the_leaf_as_target(
    tmp_path: Path, ca: TestCA, in_file: bool
) -> None:
    leaf = server(ca, PORTAL)
    argv = _write(tmp_path, leaf, ca, ca.intermediate, in_file=in_file)
    status, report = _lint(*argv, "--trust", str(ca.root_file(tmp_path)))
    (target,) = report["targets"]
    assert target["certificates"][0]["fingerprint_sha256"] == _fingerprint(leaf)
    assert target["private_key"] == "mismatch"
    assert _errors(target) == {private_key_mismatch.id}
    assert status == 1


@pytest.mark.parametrize("in_file", [True, False], ids=["key-in-file", "key-beside"])
def test_control_the_leafs_key_matches(tmp_path: Path, ca: TestCA, in_file: bool) -> None:
    leaf = server(ca, PORTAL)
    argv = _write(tmp_path, leaf, ca, leaf, in_file=in_file)
    status, report = _lint(*argv, "--trust", str(ca.root_file(tmp_path)))
    (target,) = report["targets"]
    assert target["certificates"][0]["fingerprint_sha256"] == _fingerprint(leaf)
    assert target["private_key"] == "matches"
    assert not _errors(target)
    assert status == 0


@pytest.mark.parametrize("in_file", [True, False], ids=["key-in-file", "key-beside"])
def test_a_ca_only_file_with_its_key_is_skipped(tmp_path: Path, ca: TestCA, in_file: bool) -> None:
    """Beside (the control) it was already skipped; in the file the key made the CA a server."""
    chain = write_pem(tmp_path / "chain.pem", ca.intermediate.cert)
    key_file = tmp_path / "ca.key"
    key_file.write_bytes(ca.intermediate.key_pem())
    if in_file:
        chain.write_bytes(chain.read_bytes() + key_file.read_bytes())
    _, report = _lint(str(chain), *(() if in_file else (str(key_file),)))
    (target, *_) = report["targets"]
    assert target["target"] == str(chain)
    assert target["status"] == "skipped"
    assert not target["findings"]


def test_audit_key_of_the_issuing_ca_is_a_mismatch_on_the_leaf(tmp_path: Path, ca: TestCA) -> None:
    """The manifest's ``key:`` names the issuing CA's key for a leaf + CA file."""
    from tests.audit.lab import EXTERNAL, MOBILE, make_lab

    lab = make_lab(tmp_path, ca)
    mobile = server(ca, MOBILE, EXTERNAL)
    (tmp_path / "certs" / "mobile-only.pem").write_bytes(ca.chain_pem(mobile))
    (tmp_path / "certs" / "ca.key").write_bytes(ca.intermediate.key_pem())
    text = lab.manifest.read_text().replace(
        "certificate: certs/mobile.pem",
        "certificate: certs/mobile-only.pem\n        key: certs/ca.key",
    )
    lab.manifest.write_text(text)
    _, out, err = run("audit", str(lab.manifest), "--format", "json")
    assert "Traceback" not in err, err
    (mobile_target,) = [t for t in json.loads(out)["targets"] if t["target"] == "production/mobile"]
    assert _errors(mobile_target) == {private_key_mismatch.id}
