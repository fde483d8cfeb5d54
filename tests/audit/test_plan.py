"""The install plan's files: structure checked, certificates exactly the plan's, no private key."""

from __future__ import annotations

import plistlib
import re
from pathlib import Path

import pytest
from cryptography import x509

from certready.adapters.plan import render_plan
from certready.core.plan import InstallPlan
from certready.interfaces.cli import ExitStatus
from tests.audit.lab import make_lab
from tests.cli import run
from tests.pki import TestCA


def _thumb(cert: x509.Certificate) -> str:
    from cryptography.hazmat.primitives import hashes

    return cert.fingerprint(hashes.SHA1()).hex().upper()  # noqa: S303 - the Windows thumbprint


def _plan(tmp_path: Path, ca: TestCA) -> Path:
    lab = make_lab(tmp_path, ca)
    out = tmp_path / "plan"
    status, stdout, err = run("plan", str(lab.manifest), "--out", str(out))
    assert status == ExitStatus.OK, err
    assert "private chain" in stdout
    return out


def test_plan_files_and_readme_order(tmp_path: Path, ca: TestCA) -> None:
    out = _plan(tmp_path, ca)
    names = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert "README.md" in names
    assert "windows-office-pcs.ps1" in names and "windows-office-pcs.cmd" in names
    assert "ios-field-tablets.mobileconfig" in names and "android-field-phones.md" in names
    assert "server-production-app.ps1" in names
    readme = (out / "README.md").read_text()
    order = [readme.index(f) for f in ("server-production-app.ps1", "windows-office-pcs.ps1",
                                         "ios-field-tablets.mobileconfig", "android-field-phones.md")]  # fmt: skip
    assert order == sorted(order)
    assert _thumb(ca.root.cert) in readme


def test_scripts_reference_exactly_the_plan_certificates(tmp_path: Path, ca: TestCA) -> None:
    out = _plan(tmp_path, ca)
    expected = {_thumb(ca.root.cert), _thumb(ca.intermediate.cert)}
    ps1 = (out / "windows-office-pcs.ps1").read_text("utf-8-sig")
    assert set(re.findall(r"Thumbprint = '([0-9A-F]{40})'", ps1)) == expected
    imports = [f"certificates\\{name}" for name in re.findall(r"Add-CaCertificate '([^']+)'", ps1)]
    on_disk = {f"certificates\\{p.name}" for p in (out / "certificates").glob("*.cer")}
    assert set(imports) == on_disk and len(imports) == 2
    assert re.findall(r"Add-CaCertificate '[^']+' '(\w+)'", ps1) == ["Root", "CA"]
    assert "-CertStoreLocation ('Cert:\\LocalMachine\\' + $Store)" in ps1
    for name in imports:
        der = (out / name.replace("\\", "/")).read_bytes()
        assert _thumb(x509.load_der_x509_certificate(der)) in expected
    cmd = (out / "windows-office-pcs.cmd").read_text()
    assert set(re.findall(r"certutil -store \w+ ([0-9A-F]{40})", cmd)) == expected
    assert "certutil -addstore -f Root" in cmd and "certutil -addstore -f CA" in cmd


def test_mobileconfig_parses_and_carries_the_root(tmp_path: Path, ca: TestCA) -> None:
    out = _plan(tmp_path, ca)
    profile = plistlib.loads((out / "ios-field-tablets.mobileconfig").read_bytes())
    assert profile["PayloadType"] == "Configuration" and profile["PayloadVersion"] == 1
    payloads = {p["PayloadType"]: p for p in profile["PayloadContent"]}
    root = x509.load_der_x509_certificate(payloads["com.apple.security.root"]["PayloadContent"])
    assert root == ca.root.cert
    inter = payloads["com.apple.security.pkcs1"]["PayloadContent"]
    assert x509.load_der_x509_certificate(inter) == ca.intermediate.cert
    uuids = [profile["PayloadUUID"], *(p["PayloadUUID"] for p in profile["PayloadContent"])]
    assert len(set(uuids)) == len(uuids)
    assert "Certificate Trust Settings" in profile["PayloadDescription"]


def test_android_steps_carry_the_caveat(tmp_path: Path, ca: TestCA) -> None:
    out = _plan(tmp_path, ca)
    text = (out / "android-field-phones.md").read_text()
    assert "opts in" in text and "root-certready-test-root-ca.cer" in text


def test_no_private_key_in_the_plan(tmp_path: Path, ca: TestCA) -> None:
    out = _plan(tmp_path, ca)
    for path in out.rglob("*"):
        if path.is_file():
            assert b"PRIVATE KEY" not in path.read_bytes(), path


def test_server_pfx_is_imported_from_where_it_is(tmp_path: Path, ca: TestCA) -> None:
    lab = make_lab(tmp_path, ca)
    (tmp_path / "certs" / "app.pfx").write_bytes(b"\x30\x03\x02\x01\x03")  # opaque to the plan
    lab.manifest.write_text(
        lab.manifest.read_text().replace("certs/app.pem", "certs/app.pfx\n        password_env: P")
    )
    out = tmp_path / "plan"
    assert run("plan", str(lab.manifest), "--out", str(out))[0] == ExitStatus.OK
    ps1 = (out / "server-production-app.ps1").read_text("utf-8-sig")
    assert str(tmp_path) not in ps1  # a parameter relative to the script, not this machine's path
    assert "[string]$PfxPath = (Join-Path $PSScriptRoot 'app.pfx')" in ps1
    assert "Import-PfxCertificate -FilePath $Path -CertStoreLocation Cert:\\LocalMachine\\My" in ps1
    assert "Read-Host -AsSecureString" in ps1
    assert not list(out.rglob("*.pfx"))
    readme = (out / "README.md").read_text()
    assert readme.count("could not open it while planning") == 1  # app.pfx; mobile.pem was read
    mobile = (out / "server-production-mobile.ps1").read_text("utf-8-sig")
    assert "certready pfx certs/mobile.pem certs/mobile.pem --out mobile.pfx" in mobile


def test_plan_never_overwrites_without_force(tmp_path: Path, ca: TestCA) -> None:
    out = _plan(tmp_path, ca)
    readme = out / "README.md"
    readme.write_text("edited")
    status, _, err = run("plan", str(tmp_path / "certready.yaml"), "--out", str(out))
    assert status == ExitStatus.USAGE and "--force" in err
    assert readme.read_text() == "edited"
    status, _, _ = run("plan", str(tmp_path / "certready.yaml"), "--out", str(out), "--force")
    assert status == ExitStatus.OK and readme.read_text() != "edited"


def test_public_chain_readme_says_nothing_to_install() -> None:
    plan = InstallPlan("Public", private=False, roots=(), intermediates=(), servers=(), clients=())
    readme = render_plan(plan)["README.md"].decode()
    assert "nothing needs installing" in readme
    private = InstallPlan("P", private=True, roots=(), intermediates=(), servers=(), clients=())
    assert "nothing needs installing" not in render_plan(private)["README.md"].decode()


def test_missing_trust_file_is_one_line_naming_the_manifest_line(
    tmp_path: Path, ca: TestCA
) -> None:
    lab = make_lab(tmp_path, ca)
    (tmp_path / "pki" / "root.cer").unlink()
    status, _, err = run("plan", str(lab.manifest), "--out", str(tmp_path / "plan"))
    assert status == ExitStatus.USAGE
    line = next(i for i, t in enumerate(lab.manifest.read_text().splitlines(), 1) if "roots:" in t)
    assert f"{lab.manifest}:{line}" in err and "root.cer" in err
    assert not (tmp_path / "plan").exists()


def test_linux_and_macos_scripts_parse_and_use_the_plan_roots(tmp_path: Path, ca: TestCA) -> None:
    import subprocess

    lab = make_lab(tmp_path, ca)
    text = lab.manifest.read_text().replace(
        "clients:\n",
        "clients:\n  - {name: lab servers, platform: linux, connects_to: []}\n"
        "  - {name: Macs, platform: macos, connects_to: []}\n"
        "  - {name: iPads, platform: ipados, connects_to: []}\n",
    )
    lab.manifest.write_text(text)
    out = tmp_path / "plan"
    assert run("plan", str(lab.manifest), "--out", str(out))[0] == ExitStatus.OK
    linux, macos = out / "linux-lab-servers.sh", out / "macos-macs.sh"
    for script in (linux, macos):
        assert subprocess.run(["sh", "-n", str(script)], check=False).returncode == 0
        assert script.stat().st_mode & 0o111
    body = linux.read_text()
    assert "update-ca-certificates" in body and "update-ca-trust" in body
    assert re.findall(r'install -m 0644 "\$certs"/(\S+)', body) == [
        "root-certready-test-root-ca.pem"
    ]
    mac = macos.read_text()
    assert "security add-trusted-cert -d -r trustRoot" in mac
    assert _thumb(ca.root.cert) in mac
    ipads = plistlib.loads((out / "ipados-ipads.mobileconfig").read_bytes())
    assert ipads["PayloadType"] == "Configuration"


def test_readable_pfx_thumbprint_is_in_the_final_check(
    tmp_path: Path, ca: TestCA, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.audit.lab import APP, write_pfx

    lab = make_lab(tmp_path, ca)
    leaf = ca.issue(APP)
    write_pfx(tmp_path / "certs" / "app.pfx", leaf, ca, b"pfx-secret")
    lab.manifest.write_text(
        lab.manifest.read_text().replace(
            "certs/app.pem", "certs/app.pfx\n        password_env: CR_PLAN_PFX"
        )
    )
    monkeypatch.setenv("CR_PLAN_PFX", "pfx-secret")
    out = tmp_path / "plan"
    assert run("plan", str(lab.manifest), "--out", str(out))[0] == ExitStatus.OK
    ps1 = (out / "server-production-app.ps1").read_text("utf-8-sig")
    assert f"Import-ServerPfx $PfxPath '{_thumb(leaf.cert)}'" in ps1
    assert "not in the final check" not in ps1
    assert "pfx-secret" not in ps1
    cmd = (out / "server-production-app.cmd").read_text()
    assert f"certutil -store My {_thumb(leaf.cert)}" in cmd
