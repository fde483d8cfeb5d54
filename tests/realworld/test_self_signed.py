"""Item 8: a self-signed server certificate installed by hand in Trusted Root.

The install guide allows it. In the homecare profile a self-signed leaf that is trusted (``--trust``
it, or list it in the manifest's roots) is a warning recommending a private CA; untrusted it stays
an error, and the webpki profile keeps it an error.
"""

from __future__ import annotations

import json
from pathlib import Path

from certready.core.rules.chain import self_signed_leaf
from tests.cli import run
from tests.pki import TestCA
from tests.realworld.setups import write_pem

HOST = "ehr.clinic.test"


def _finding(*argv: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    status, out, err = run("lint", *argv, "--host", HOST, "--format", "json")
    assert "Traceback" not in err
    findings = json.loads(out)["targets"][0]["findings"]
    (finding,) = [f for f in findings if f["rule_id"] == self_signed_leaf.id]
    return status, finding


def _files(tmp_path: Path, ca: TestCA) -> tuple[Path, Path]:
    cert = ca.self_signed(HOST)
    path = write_pem(tmp_path / "ehr.pem", cert.cert)
    key = tmp_path / "ehr.key"
    key.write_bytes(cert.key_pem())
    return path, key


def test_trusted_self_signed_is_a_warning_recommending_a_private_ca(
    tmp_path: Path, ca: TestCA
) -> None:
    path, key = _files(tmp_path, ca)
    status, finding = _finding(str(path), str(key), "--trust", str(path))
    assert finding["severity"] == "warning"
    assert "private CA" in finding["remediation"]
    assert status == 0  # READY: warnings do not fail by default


def test_control_untrusted_self_signed_stays_an_error(tmp_path: Path, ca: TestCA) -> None:
    path, key = _files(tmp_path, ca)
    status, finding = _finding(str(path), str(key))
    assert finding["severity"] == "error"
    assert status == 1


def test_control_webpki_keeps_it_an_error(tmp_path: Path, ca: TestCA) -> None:
    path, key = _files(tmp_path, ca)
    status, finding = _finding(str(path), str(key), "--trust", str(path), "--profile", "webpki")
    assert finding["severity"] == "error"
    assert status == 1


def _audit_self_signed(tmp_path: Path, ca: TestCA, *, listed: bool) -> dict:  # type: ignore[type-arg]
    from tests.audit.lab import APP, make_lab

    lab = make_lab(tmp_path, ca)
    own = ca.self_signed(APP)
    (tmp_path / "certs" / "app.pem").write_bytes(own.cert_pem() + own.key_pem())
    write_pem(tmp_path / "pki" / "app-self.cer", own.cert)
    if listed:
        text = lab.manifest.read_text()
        lab.manifest.write_text(text.replace("[pki/root.cer]", "[pki/root.cer, pki/app-self.cer]"))
    _, out, err = run("audit", str(lab.manifest), "--format", "json")
    assert "Traceback" not in err
    target = next(t for t in json.loads(out)["targets"] if t["target"] == "production/app")
    (finding,) = [f for f in target["findings"] if f["rule_id"] == self_signed_leaf.id]
    return finding  # type: ignore[no-any-return]


def test_audit_self_signed_listed_in_trust_roots_is_a_warning(tmp_path: Path, ca: TestCA) -> None:
    assert _audit_self_signed(tmp_path, ca, listed=True)["severity"] == "warning"


def test_control_audit_self_signed_not_listed_is_an_error(tmp_path: Path, ca: TestCA) -> None:
    assert _audit_self_signed(tmp_path, ca, listed=False)["severity"] == "error"
