"""An AES-256 PFX gets the note a 3DES one gets: which Windows can import it, and the command
that makes one Windows Server 2016 can (issue 12, "Windows-made input"), in lint and in audit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from certready.adapters.inputs import PfxEncryption, load_bytes
from certready.adapters.issuance.pkcs12 import pfx_bytes
from certready.interfaces.cli import ExitStatus
from tests.audit.lab import APP, make_lab
from tests.cli import run
from tests.pki import Issued, TestCA


def _pfx(path: Path, issued: Issued, ca: TestCA, *, legacy: bool) -> Path:
    assert isinstance(issued.key, rsa.RSAPrivateKey)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(
        pfx_bytes(
            issued.key,
            issued.cert,
            [ca.intermediate.cert],
            b"pfx-pass",
            friendly_name="app",
            legacy=legacy,
        )
    )
    return path


def test_the_encryption_is_a_typed_fact_of_the_bundle(tmp_path: Path, ca: TestCA) -> None:
    issued = ca.issue(APP)
    modern = _pfx(tmp_path / "aes.pfx", issued, ca, legacy=False).read_bytes()
    legacy = _pfx(tmp_path / "3des.pfx", issued, ca, legacy=True).read_bytes()
    aes = load_bytes(modern, "aes.pfx", lambda _: b"pfx-pass")
    old = load_bytes(legacy, "3des.pfx", lambda _: b"pfx-pass")
    assert (aes.pfx_encryption, aes.pfx_cipher) == (PfxEncryption.PBES2, "AES-256")
    assert (old.pfx_encryption, old.pfx_cipher) == (PfxEncryption.LEGACY, "3DES")
    assert load_bytes(issued.cert_pem(), "app.pem").pfx_encryption is None  # control: PEM


def test_lint_notes_that_windows_server_2016_cannot_import_an_aes_pfx(
    tmp_path: Path, ca: TestCA, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PFX_PASS", "pfx-pass")
    issued = ca.issue(APP)
    aes = _pfx(tmp_path / "aes.pfx", issued, ca, legacy=False)
    _, _, err = run("lint", str(aes), "--password-env", "PFX_PASS")
    assert f"certready: note: {aes}: PKCS#12 uses AES-256 encryption" in err
    assert "Windows Server 2016 and older cannot import it" in err
    assert "`certready pfx --legacy`" in err and "`certready lab issue --legacy-pfx`" in err
    # control: the 3DES one is the one they can import
    old = _pfx(tmp_path / "3des.pfx", issued, ca, legacy=True)
    _, _, err = run("lint", str(old), "--password-env", "PFX_PASS")
    assert "legacy 3DES encryption" in err and "cannot import" not in err


def _audit(lab_manifest: Path) -> tuple[int, dict[str, object]]:
    status, out, err = run("audit", str(lab_manifest), "--format", "json")
    assert status != ExitStatus.USAGE, err
    return status, json.loads(out)


def test_audit_attaches_the_note_to_the_server_with_the_manifest_fix(
    tmp_path: Path, ca: TestCA, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CR_PFX", "pfx-pass")
    lab = make_lab(tmp_path, ca)
    text = lab.manifest.read_text().replace(
        "certificate: certs/app.pem", "certificate: certs/app.pfx\n        password_env: CR_PFX"
    )
    lab.manifest.write_text(text)
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "certs/app.pfx" in t)
    issued = ca.issue(APP)
    _pfx(tmp_path / "certs" / "app.pfx", issued, ca, legacy=False)
    status, report = _audit(lab.manifest)
    targets = {t["target"]: t for t in report["targets"]}  # type: ignore[attr-defined]
    notes = [
        f for f in targets["production/app"]["findings"] if f["rule_id"] == "pfx.windows-import"
    ]
    assert len(notes) == 1
    note = notes[0]
    assert note["severity"] == "info"
    assert note["location"] == f"manifest:{lab.manifest}:{line}"
    assert "AES-256" in note["message"] and "Windows Server 2016" in note["message"]
    assert "production/app" in note["remediation"]
    pfx = tmp_path / "certs" / "app.pfx"
    legacy = tmp_path / "certs" / "app-legacy.pfx"
    command = f"certready pfx {pfx} {pfx} --legacy --out {legacy} --key-password-env VAR"
    assert command in note["remediation"]
    assert "`certificate:`" in note["remediation"] and "--chain" not in note["remediation"]
    others = [f["rule_id"] for f in targets["production/mobile"]["findings"]]
    assert "pfx.windows-import" not in others  # a PEM server: nothing
    # control: the same server with a 3DES PFX gets no such note, and the verdict is unchanged
    _pfx(tmp_path / "certs" / "app.pfx", issued, ca, legacy=True)
    control, report = _audit(lab.manifest)
    targets = {t["target"]: t for t in report["targets"]}  # type: ignore[attr-defined]
    assert control == status
    assert not [
        f for f in targets["production/app"]["findings"] if f["rule_id"] == "pfx.windows-import"
    ]


def test_the_audits_rebuild_command_runs_and_the_rebuilt_pfx_has_no_note(
    tmp_path: Path, ca: TestCA, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fix is a command the administrator can paste: run it as written (VAR named), point
    the manifest at the new file, and the note is gone."""
    monkeypatch.setenv("CR_PFX", "pfx-pass")
    monkeypatch.setenv("NEW_PFX", "new-pass")
    lab = make_lab(tmp_path, ca)
    text = lab.manifest.read_text().replace(
        "certificate: certs/app.pem", "certificate: certs/app.pfx\n        password_env: CR_PFX"
    )
    lab.manifest.write_text(text)
    _pfx(tmp_path / "certs" / "app.pfx", ca.issue(APP), ca, legacy=False)
    _, report = _audit(lab.manifest)
    [note] = [
        f
        for t in report["targets"]  # type: ignore[attr-defined]
        for f in t["findings"]
        if f["rule_id"] == "pfx.windows-import"
    ]
    command = note["remediation"].split("`")[1].replace("VAR", "CR_PFX")
    argv = [*command.split()[1:], "--password-env", "NEW_PFX"]
    status, out, err = run(*argv)
    assert status == ExitStatus.OK, err
    assert "3DES, SHA-1 MAC" in out
    lab.manifest.write_text(
        text.replace(
            "certs/app.pfx\n        password_env: CR_PFX",
            "certs/app-legacy.pfx\n        password_env: NEW_PFX",
        )
    )
    _, rebuilt = _audit(lab.manifest)
    targets = {t["target"]: t for t in rebuilt["targets"]}  # type: ignore[attr-defined]
    assert targets["production/app"]["status"] == "ok"
    assert "pfx.windows-import" not in {f["rule_id"] for f in targets["production/app"]["findings"]}
