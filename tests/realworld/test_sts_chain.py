"""Item 9: the STS certificate's chain is analysed.

The guide: every intermediate of the STS path must be installed on all servers and clients, and a
private or self-signed STS issuer's root in Trusted Root. An STS certificate from a second private
CA used to be judged without any chain analysis; now its own chain and trust are checked (without
the TLS name rules).
"""

from __future__ import annotations

import json
from pathlib import Path

from certready.core.rules.chain import issuer_not_found, self_signed_leaf, untrusted_root
from tests.cli import run
from tests.pki import TestCA, new_key
from tests.realworld.setups import write_pem


def _sts(*argv: str) -> tuple[int, set[str], dict]:  # type: ignore[type-arg]
    status, out, err = run("lint", *argv, "--role", "sts", "--format", "json")
    assert "Traceback" not in err
    target = json.loads(out)["targets"][0]
    return status, {f["rule_id"] for f in target["findings"]}, target


def _sts_certificate(ca: TestCA, tmp_path: Path) -> tuple[Path, Path]:
    cert = ca.issue("sts.example.test", key=new_key("rsa2048", fresh=True))
    path = write_pem(tmp_path / "sts.pem", cert.cert, ca.intermediate.cert)
    key = tmp_path / "sts.key"
    key.write_bytes(cert.key_pem())
    return path, key


def test_sts_from_a_second_private_ca_without_its_root_is_not_ready(
    tmp_path: Path, other_ca: TestCA
) -> None:
    path, key = _sts_certificate(other_ca, tmp_path)
    status, ids, _ = _sts(str(path), str(key))
    assert issuer_not_found.id in ids
    assert not {i for i in ids if i.startswith("names.")}  # no TLS name rules for an STS
    assert status == 1


def test_control_the_same_sts_with_its_root_trusted_has_a_path(
    tmp_path: Path, other_ca: TestCA
) -> None:
    path, key = _sts_certificate(other_ca, tmp_path)
    status, ids, target = _sts(str(path), str(key), "--trust", str(other_ca.root_file(tmp_path)))
    assert not {i for i in ids if i.startswith("chain.") and i != "chain.private-ca"}
    assert len(target["path"]) == 3
    assert status == 0


def test_a_self_signed_sts_must_be_trusted(tmp_path: Path, ca: TestCA) -> None:
    sts = ca.self_signed("ADFS Signing - sts.example.test")
    path = write_pem(tmp_path / "sts.pem", sts.cert)
    key = tmp_path / "sts.key"
    key.write_bytes(sts.key_pem())
    _, ids, _ = _sts(str(path), str(key))
    assert self_signed_leaf.id in ids and untrusted_root.id not in ids
    # control: installed in Trusted Root (--trust), the guide allows it: no chain finding
    _, ids, _ = _sts(str(path), str(key), "--trust", str(path))
    assert not {i for i in ids if i.startswith("chain.")}
