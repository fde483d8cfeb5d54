"""audit: an unset password_env names the manifest key, not the --password-env option."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from tests.cli import run
from tests.pki import TestCA


def _manifest(tmp_path: Path, ca: TestCA) -> Path:
    leaf = ca.issue("app.example.test")
    (tmp_path / "app.pfx").write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"app",
            leaf.key,
            leaf.cert,
            [ca.intermediate.cert],
            serialization.BestAvailableEncryption(b"s3cret-pw"),
        )
    )
    ca.root_file(tmp_path).rename(tmp_path / "root.pem")
    manifest = tmp_path / "site.yaml"
    manifest.write_text(
        "deployment: QA\nenvironments:\n  prod:\n    servers:\n"
        "      - name: app\n        roles: [mobile-phone]\n        fqdn: app.example.test\n"
        "        certificate: app.pfx\n        password_env: QA_PFX_PW\n"
        "trust:\n  roots: [root.pem]\n"
    )
    return manifest


def test_unset_password_env_names_the_manifest_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ca: TestCA
) -> None:
    monkeypatch.delenv("QA_PFX_PW", raising=False)
    manifest = _manifest(tmp_path, ca)
    status, out, err = run("audit", str(manifest))
    assert status == 2
    assert "site.yaml:8: password_env: QA_PFX_PW: the environment variable is not set" in err
    assert "--password-env" not in err + out
    # negative control: set, the file is read, and the password appears nowhere
    monkeypatch.setenv("QA_PFX_PW", "s3cret-pw")
    status, out, err = run("audit", str(manifest), "--format", "json")
    assert status in (0, 1), err
    assert "s3cret-pw" not in out + err
