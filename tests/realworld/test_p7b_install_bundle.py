"""A ``.p7b`` is an install file, judged like a PFX, not as a chain a server sends.

Windows CAs hand out the issued certificate as ``certnew.p7b`` (leaf, issuing CA, root);
certlm, IIS and Java keytool import it, and no server sends a PKCS#7 file as it is. The rules
about a served chain (``chain.root-sent``) judged it as if nginx sent it; now it gets what a PFX
gets, and a missing intermediate's fix speaks of the Windows stores. Control: the same
certificates in a PEM full chain still get ``chain.root-sent``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs7

from certready.core.rules.chain import root_sent
from tests.audit.lab import APP, make_lab
from tests.cli import run
from tests.pki import TestCA


def _findings(*argv: str) -> list[dict[str, Any]]:
    _, out, err = run(*argv, "--format", "json")
    assert "Traceback" not in err, err
    report = json.loads(out)
    return [*report.get("findings", []), *(f for t in report["targets"] for f in t["findings"])]


def _p7b(path: Path, ca: TestCA, *, pem: bool = False) -> Path:
    leaf = ca.issue(APP)
    certs = [leaf.cert, ca.intermediate.cert, ca.root.cert]
    encoding = serialization.Encoding.PEM if pem else serialization.Encoding.DER
    path.write_bytes(pkcs7.serialize_certificates(certs, encoding))
    return path


def test_lint_of_a_p7b_with_the_root_is_no_root_sent(tmp_path: Path, ca: TestCA) -> None:
    trust = str(ca.root_file(tmp_path))
    for p7b in (_p7b(tmp_path / "certnew.p7b", ca), _p7b(tmp_path / "pem.p7b", ca, pem=True)):
        assert root_sent.id not in {
            f["rule_id"] for f in _findings("lint", str(p7b), "--trust", trust)
        }


def test_audit_of_a_p7b_with_the_root_is_no_root_sent(tmp_path: Path, ca: TestCA) -> None:
    lab = make_lab(tmp_path, ca)
    _p7b(tmp_path / "certs" / "app.p7b", ca)
    text = lab.manifest.read_text().replace("certs/app.pem", "certs/app.p7b")
    lab.manifest.write_text(text)
    found = _findings("audit", str(lab.manifest))
    assert root_sent.id not in {f["rule_id"] for f in found}


def test_control_a_pem_full_chain_with_the_root_is_root_sent(tmp_path: Path, ca: TestCA) -> None:
    leaf = ca.issue(APP)
    pem = tmp_path / "fullchain.pem"
    pem.write_bytes(ca.chain_pem(leaf, with_root=True))
    found = _findings("lint", str(pem), "--trust", str(ca.root_file(tmp_path)))
    assert root_sent.id in {f["rule_id"] for f in found}


def test_control_audit_of_a_pem_full_chain_with_the_root_is_root_sent(
    tmp_path: Path, ca: TestCA
) -> None:
    lab = make_lab(tmp_path, ca)
    leaf = ca.issue(APP)
    (tmp_path / "certs" / "app.pem").write_bytes(ca.chain_pem(leaf, with_root=True))
    found = _findings("audit", str(lab.manifest))
    assert root_sent.id in {f["rule_id"] for f in found}
