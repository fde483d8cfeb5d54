"""``--trust`` files in the formats administrators get roots in (a Windows .p7b export, DER)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding, pkcs7

from certready.adapters.trust.files import load_trust_path, read_certificates
from certready.core.errors import InputError
from certready.interfaces.cli import ExitStatus
from tests.cli import run
from tests.pki import TestCA

HOST = "app.example.test"


def chain_rules(out: str) -> list[str]:
    return sorted(
        f["rule_id"]
        for t in json.loads(out)["targets"]
        for f in t["findings"]
        if f["rule_id"].startswith("chain.")
    )


@pytest.mark.parametrize("encoding", [Encoding.DER, Encoding.PEM])
def test_trust_a_p7b_of_roots(tmp_path: Path, ca: TestCA, encoding: Encoding) -> None:
    leaf = ca.issue(HOST)
    full = tmp_path / "full.pem"
    full.write_bytes(ca.chain_pem(leaf))
    roots = tmp_path / "roots.p7b"
    roots.write_bytes(pkcs7.serialize_certificates([ca.root.cert], encoding))
    status, out, err = run("lint", str(full), "-H", HOST, "--trust", str(roots), "-f", "json")
    assert chain_rules(out) == ["chain.private-ca"], err
    assert status == ExitStatus.OK


def test_trust_a_folder_with_der_and_p7b(tmp_path: Path, ca: TestCA, other_ca: TestCA) -> None:
    store = tmp_path / "roots"
    store.mkdir()
    (store / "ours.cer").write_bytes(ca.root.cert.public_bytes(Encoding.DER))
    (store / "theirs.p7b").write_bytes(
        pkcs7.serialize_certificates([other_ca.root.cert], Encoding.DER)
    )
    (store / "README.txt").write_text("roots for the lab\n")  # not a trust suffix: not read
    anchors = load_trust_path(str(store)).anchors
    assert set(anchors) == {ca.root.cert, other_ca.root.cert}


def test_unreadable_trust_file_names_it(tmp_path: Path) -> None:
    bad = tmp_path / "roots.p7b"
    bad.write_bytes(b"\x30\x82\x10\x00" + bytes(20))
    with pytest.raises(InputError, match="truncated") as info:
        read_certificates(bad)
    assert info.value.location == str(bad)
    with pytest.raises(InputError, match="no such file"):
        read_certificates(tmp_path / "missing.pem")
