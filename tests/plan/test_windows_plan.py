"""The install plan of a realistic deployment, run as an administrator would receive it.

Private two-level CA, a PFX server, PEM servers (key inside the file, and a separate key), an STS
certificate from a second CA, a proxy with its server, clients on every platform, and names with
accents, apostrophes, commas and quotes. ``pwsh`` is not installable here: the scripts are kept
plain, their text is checked here and their syntax in test_powershell_syntax.py (tree-sitter).
"""

from __future__ import annotations

import plistlib
import re
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes

from certready.interfaces.cli import ExitStatus
from tests.audit.lab import write_pfx
from tests.cli import run
from tests.pki import TestCA

ODD = 'Clínica O\'Brien, "Süd"'
APP = "hcappserver.sunrise.example"
MOBILE = "hctabletserver.sunrise.example"

MANIFEST = """\
deployment: {odd}
profile_identifier: org.sunrise-health
environments:
  production:
    servers:
      - name: app
        roles: [app, sts]
        fqdn: {app}
        endpoint: {app}:8443
        certificate: certs/app.pfx
        password_env: CR_PLAN_PFX
        sts_certificate: certs/sts.pem
      - name: mobile
        roles: [mobile-phone, mobile-tablet]
        fqdn: {mobile}
        external_fqdns: [mobile.sunrise-health.example]
        certificate: certs/mobile.pem
      - name: portal
        roles: [physician-portal]
        fqdn: portal.sunrise.example
        certificate: certs/portal.crt
        key: keys/portal.key
trust:
  roots: [pki/root.cer]
clients:
  - {{name: "Büro PCs", platform: windows, connects_to: [{app}]}}
  - {{name: "O'Brien's Macs", platform: macos, connects_to: [{app}]}}
  - {{name: "Linux, servers", platform: linux, connects_to: [{app}]}}
  - {{name: "Tablets «Süd»", platform: ios, connects_to: [{mobile}]}}
  - {{name: "field phones", platform: android, connects_to: [{mobile}]}}
proxy:
  server: proxy.sunrise.example:8080
  bypass: "*.sunrise.example;*.sunrise-health.example;<local>"
"""


def thumb(cert: x509.Certificate) -> str:
    return cert.fingerprint(hashes.SHA1()).hex().upper()  # noqa: S303 - the Windows thumbprint


@pytest.fixture(scope="module")
def sts_ca() -> TestCA:
    return TestCA(name='STS «Süd» O\'Brien, "Ltd"')


def make_site(tmp: Path, ca: TestCA, sts_ca: TestCA, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp / "pki").mkdir(parents=True)
    (tmp / "certs").mkdir()
    (tmp / "keys").mkdir()
    (tmp / "pki" / "root.cer").write_bytes(ca.root.cert_pem())
    write_pfx(tmp / "certs" / "app.pfx", ca.issue(APP), ca, b"pfx-secret")
    monkeypatch.setenv("CR_PLAN_PFX", "pfx-secret")
    sts = sts_ca.issue("sts.sunrise.example")
    (tmp / "certs" / "sts.pem").write_bytes(sts_ca.chain_pem(sts, with_root=True) + sts.key_pem())
    mobile = ca.issue(MOBILE, "mobile.sunrise-health.example")
    (tmp / "certs" / "mobile.pem").write_bytes(ca.chain_pem(mobile) + mobile.key_pem())
    portal = ca.issue("portal.sunrise.example")
    (tmp / "certs" / "portal.crt").write_bytes(ca.chain_pem(portal))
    (tmp / "keys" / "portal.key").write_bytes(portal.key_pem())
    manifest = tmp / "site.yaml"
    manifest.write_text(MANIFEST.format(odd=_yaml(ODD), app=APP, mobile=MOBILE), "utf-8")
    return manifest


def _yaml(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


@pytest.fixture
def plan_dir(tmp_path: Path, ca: TestCA, sts_ca: TestCA, monkeypatch: pytest.MonkeyPatch) -> Path:
    manifest = make_site(tmp_path / "site", ca, sts_ca, monkeypatch)
    out = tmp_path / "plan"
    status, _, err = run("plan", str(manifest), "--out", str(out))
    assert status == ExitStatus.OK, err
    return out


def _files(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}


def test_no_path_of_this_machine_in_any_file(plan_dir: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    markers = {str(tmp_path), str(tmp_path.resolve()), str(site), str(Path.cwd()), "/tmp/"}
    for name, data in _files(plan_dir).items():
        text = data.decode("utf-8", "replace")
        for marker in markers:
            assert marker not in text, (name, marker)
    # control: the test would see one
    assert str(tmp_path) in str(plan_dir)


def test_ps1_are_utf8_bom_crlf_and_cmd_crlf(plan_dir: Path) -> None:
    files = _files(plan_dir)
    ps1 = [n for n in files if n.endswith(".ps1")]
    assert {"server-production-app.ps1", "windows-buro-pcs.ps1", "proxy-winhttp.ps1"} <= set(ps1)
    for name in ps1:
        data = files[name]
        assert data.startswith(b"\xef\xbb\xbf"), name
        assert b"\n" not in data.replace(b"\r\n", b""), name
        data[3:].decode("utf-8")
    assert "Süd".encode() in files["server-production-app.ps1"]  # the CA names, not mojibake
    for name in (n for n in files if n.endswith(".cmd")):
        assert b"\n" not in files[name].replace(b"\r\n", b""), name
        assert not files[name].startswith(b"\xef\xbb\xbf"), name
    # control: the shell scripts keep LF
    assert b"\r\n" not in files["linux-linux-servers.sh"]


def test_shell_scripts_parse(plan_dir: Path) -> None:
    scripts = sorted(plan_dir.glob("*.sh"))
    assert [p.name for p in scripts] == ["linux-linux-servers.sh", "macos-o-brien-s-macs.sh"]
    for script in scripts:
        result = subprocess.run(["sh", "-n", str(script)], capture_output=True, check=False)
        assert result.returncode == 0, (script.name, result.stderr)
    mac = (plan_dir / "macos-o-brien-s-macs.sh").read_text()
    assert "O'\"'\"'Brien" in mac  # shlex.quote of the apostrophe
    # negative control: the old quoting of the same subject does not parse
    broken = plan_dir / "broken.sh"
    broken.write_text("echo 'MISSING CN=O'Brien'\n")
    assert subprocess.run(["sh", "-n", str(broken)], capture_output=True).returncode != 0


def test_every_ca_of_every_path_is_written_and_installed(
    plan_dir: Path, ca: TestCA, sts_ca: TestCA
) -> None:
    on_disk = {
        thumb(x509.load_der_x509_certificate(p.read_bytes()))
        for p in (plan_dir / "certificates").glob("*.cer")
    }
    roots = {thumb(ca.root.cert), thumb(sts_ca.root.cert)}
    intermediates = {thumb(ca.intermediate.cert), thumb(sts_ca.intermediate.cert)}
    assert on_disk == roots | intermediates  # the manifest lists only one root
    for script in ("server-production-app.ps1", "windows-buro-pcs.ps1"):
        text = (plan_dir / script).read_text("utf-8-sig")
        found = re.findall(r"Add-CaCertificate '[^']+' '(\w+)' '([0-9A-F]{40})'", text)
        added = {t: s for s, t in found}
        assert added == {**dict.fromkeys(roots, "Root"), **dict.fromkeys(intermediates, "CA")}
    cmd = (plan_dir / "windows-buro-pcs.cmd").read_text()
    assert set(re.findall(r"certutil -store (?:Root|CA) ([0-9A-F]{40})", cmd)) == on_disk
    # no server certificate and no private key in the plan
    for name, data in _files(plan_dir).items():
        assert b"PRIVATE KEY" not in data, name
    assert not list(plan_dir.rglob("*.pfx"))


def test_server_script_imports_binds_grants_and_checks(plan_dir: Path, ca: TestCA) -> None:
    app = (plan_dir / "server-production-app.ps1").read_text("utf-8-sig")
    assert "[string]$PfxPath = (Join-Path $PSScriptRoot 'app.pfx')" in app
    assert "[string]$StsPfxPath = (Join-Path $PSScriptRoot 'sts.pfx')" in app
    assert "[string]$CertificateFolder = (Join-Path $PSScriptRoot 'certificates')" in app
    assert "[int]$Port = 8443" in app
    assert "Import-PfxCertificate -FilePath $Path -CertStoreLocation Cert:\\LocalMachine\\My" in app
    assert "Grant-KeyRead $ServerThumbprint $AppPoolAccount" in app
    assert "Grant-KeyRead $StsThumbprint $StsAccount" in app
    assert "New-WebBinding" in app and "netsh http add sslcert" in app
    assert "if ($failed -gt 0)" in app and "exit 1" in app
    assert "[string[]]$Names = @('hcappserver.sunrise.example')" in app
    assert "# The HTTPS binding of every name of the server, no SNI flag" in app
    mobile = (plan_dir / "server-production-mobile.ps1").read_text("utf-8-sig")
    assert "@('hctabletserver.sunrise.example', 'mobile.sunrise-health.example')" in mobile
    assert "with the SNI flag" in mobile and "StsPfxPath" not in mobile
    # the PEM servers: the certready pfx command, with the files as the manifest names them
    assert "certready pfx certs/mobile.pem certs/mobile.pem --out mobile.pfx" in mobile
    portal = (plan_dir / "server-production-portal.ps1").read_text("utf-8-sig")
    assert "certready pfx certs/portal.crt keys/portal.key --out portal.pfx" in portal
    readme = (plan_dir / "README.md").read_text()
    assert "certready pfx certs/sts.pem certs/sts.pem --out sts.pfx" in readme
    assert "`app.pfx`: the server certificate, from `certs/app.pfx`" in readme
    # a PEM (or DER .cer) file is "not a PFX", never called PEM whatever it is
    assert "`certs/portal.crt` is not a PFX; make the PFX" in readme and " is PEM" not in readme
    assert "certs/app.pfx` is not a PFX" not in readme  # control: the PFX server
    assert "powershell -ExecutionPolicy Bypass -File" in readme and "Unblock-File" in readme


def test_powershell_strings_escape_quotes(plan_dir: Path, sts_ca: TestCA) -> None:
    text = (plan_dir / "windows-buro-pcs.ps1").read_text("utf-8-sig")
    code = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    subject = sts_ca.root.cert.subject.rfc4514_string()
    assert "O'Brien" in subject
    escaped = subject.replace("'", "''")
    assert f"Subject = '{escaped}'" in code
    for literal in re.findall(r"Subject = ('(?:[^']|'')*')", code):
        assert literal.count("'") % 2 == 0
    # negative control: unescaped, the same subject leaves a quote open
    assert f"'{subject}'".count("'") % 2 == 1
    from certready.adapters.plan.quoting import ps_literal

    assert ps_literal("a\u2019b") == "'a\u2019\u2019b'"  # PowerShell's typographic quote
    assert ps_literal("x\ny") == "'x y'"


def test_proxy_scripts_and_which_client_needs_which(plan_dir: Path) -> None:
    winhttp = (plan_dir / "proxy-winhttp.ps1").read_text("utf-8-sig")
    assert "[string]$ProxyServer = 'proxy.sunrise.example:8080'" in winhttp
    assert "[string]$BypassList = '*.sunrise.example;*.sunrise-health.example;<local>'" in winhttp
    assert "netsh winhttp set proxy ('proxy-server=' + $ProxyServer)" in winhttp
    wininet = (plan_dir / "proxy-wininet.ps1").read_text("utf-8-sig")
    assert "-Name ProxyOverride -Value $BypassList" in wininet
    readme = (plan_dir / "README.md").read_text()
    assert "WinHTTP" in readme and "WinINET" in readme and "Group Policy" in readme


def test_bypass_only_proxy_writes_wininet_and_says_winhttp_needs_the_server(
    tmp_path: Path, ca: TestCA, sts_ca: TestCA, monkeypatch: pytest.MonkeyPatch
) -> None:
    manifest = make_site(tmp_path / "site", ca, sts_ca, monkeypatch)
    manifest.write_text(manifest.read_text("utf-8").replace(
        "  server: proxy.sunrise.example:8080\n", ""), "utf-8")  # fmt: skip
    out = tmp_path / "plan"
    assert run("plan", str(manifest), "--out", str(out))[0] == ExitStatus.OK
    assert (out / "proxy-wininet.ps1").exists() and not (out / "proxy-winhttp.ps1").exists()
    readme = (out / "README.md").read_text()
    assert "add `server: host:port`" in readme


def test_mobileconfig_identifier_is_the_organisations_and_ascii(plan_dir: Path) -> None:
    profile = plistlib.loads((plan_dir / "ios-tablets-sud.mobileconfig").read_bytes())
    ident = profile["PayloadIdentifier"]
    assert ident == "org.sunrise-health.clinica-o-brien-sud.tablets-sud"
    assert ident.isascii() and "certready" not in ident
    for payload in profile["PayloadContent"]:
        assert payload["PayloadIdentifier"].startswith(ident + ".")
        assert payload["PayloadIdentifier"].isascii()
    assert len(profile["PayloadContent"]) == 4
    readme = (plan_dir / "README.md").read_text()
    assert "Not Verified" in readme


def test_bad_profile_identifier_is_one_line(
    tmp_path: Path, ca: TestCA, sts_ca: TestCA, monkeypatch: pytest.MonkeyPatch
) -> None:
    manifest = make_site(tmp_path / "site", ca, sts_ca, monkeypatch)
    status, _, err = run("plan", str(manifest), "--out", str(tmp_path / "p"),
                         "--profile-identifier", "org.Süd")  # fmt: skip
    assert status == ExitStatus.USAGE and "reverse-DNS" in err and "Traceback" not in err
    status, _, err = run("plan", str(manifest), "--out", str(tmp_path / "p"),
                         "--profile-identifier", "com.example.it")  # fmt: skip
    assert status == ExitStatus.OK, err
    profile = plistlib.loads((tmp_path / "p" / "ios-tablets-sud.mobileconfig").read_bytes())
    assert profile["PayloadIdentifier"].startswith("com.example.it.")


def test_signed_mobileconfig_verifies_against_the_signer(
    tmp_path: Path, ca: TestCA, sts_ca: TestCA, monkeypatch: pytest.MonkeyPatch
) -> None:
    manifest = make_site(tmp_path / "site", ca, sts_ca, monkeypatch)
    signer = ca.issue("profiles.sunrise.example")
    cert, key = tmp_path / "signer.pem", tmp_path / "signer.key"
    cert.write_bytes(signer.cert_pem() + ca.intermediate.cert_pem())
    key.write_bytes(signer.key_pem())
    out = tmp_path / "plan"
    status, _, err = run("plan", str(manifest), "--out", str(out),
                         "--sign-profile", str(cert), "--sign-profile-key", str(key))  # fmt: skip
    assert status == ExitStatus.OK, err
    signed = out / "ios-tablets-sud.mobileconfig"
    anchors = tmp_path / "anchors.pem"
    anchors.write_bytes(ca.root.cert_pem())
    content = tmp_path / "content.plist"
    verify = ["openssl", "smime", "-verify", "-inform", "DER", "-in", str(signed),
              "-purpose", "any", "-out", str(content)]  # fmt: skip
    result = subprocess.run([*verify, "-CAfile", str(anchors)], capture_output=True, check=False)
    assert result.returncode == 0, result.stderr
    profile = plistlib.loads(content.read_bytes())
    assert profile["PayloadType"] == "Configuration" and len(profile["PayloadContent"]) == 4
    assert "Not Verified" not in (out / "README.md").read_text()
    # negative controls: another CA does not verify it; a flipped byte breaks the signature
    other = TestCA(name="other")
    result = subprocess.run(
        [*verify, "-CAfile", str(other.root_file(tmp_path))], capture_output=True, check=False
    )
    assert result.returncode != 0
    data = bytearray(signed.read_bytes())
    at = data.index(b"Configuration")
    data[at] ^= 0x01
    signed.write_bytes(bytes(data))
    result = subprocess.run([*verify, "-CAfile", str(anchors)], capture_output=True, check=False)
    assert result.returncode != 0


def test_signer_key_must_match(
    tmp_path: Path, ca: TestCA, sts_ca: TestCA, monkeypatch: pytest.MonkeyPatch
) -> None:
    manifest = make_site(tmp_path / "site", ca, sts_ca, monkeypatch)
    cert, key = tmp_path / "signer.pem", tmp_path / "other.key"
    cert.write_bytes(ca.issue("a.example").cert_pem())
    key.write_bytes(ca.issue("b.example").key_pem())
    status, _, err = run("plan", str(manifest), "--out", str(tmp_path / "p"),
                         "--sign-profile", str(cert), "--sign-profile-key", str(key))  # fmt: skip
    assert status == ExitStatus.USAGE and "does not belong" in err
    status, _, err = run("plan", str(manifest), "--out", str(tmp_path / "p"),
                         "--sign-profile", str(cert))  # fmt: skip
    assert status == ExitStatus.USAGE and "together" in err
    assert not (tmp_path / "p").exists()


def test_self_signed_server_certificate_goes_into_trusted_root(tmp_path: Path, ca: TestCA) -> None:
    own = ca.self_signed("kiosk.sunrise.example")
    (tmp_path / "kiosk.pem").write_bytes(own.cert_pem() + own.key_pem())
    issued = ca.issue(APP)
    (tmp_path / "app.pem").write_bytes(ca.chain_pem(issued) + issued.key_pem())
    manifest = tmp_path / "site.yaml"
    manifest.write_text(
        "deployment: Kiosk\nenvironments:\n  production:\n    servers:\n"
        "      - {name: kiosk, roles: [app], fqdn: kiosk.sunrise.example, certificate: kiosk.pem}\n"
        f"      - {{name: app, roles: [app], fqdn: {APP}, certificate: app.pem}}\n"
        "clients:\n  - {name: PCs, platform: windows}\n"
    )
    out = tmp_path / "plan"
    status, _, err = run("plan", str(manifest), "--out", str(out))
    assert status == ExitStatus.OK, err
    text = (out / "windows-pcs.ps1").read_text("utf-8-sig")
    found = re.findall(r"Add-CaCertificate '[^']+' '(\w+)' '([0-9A-F]{40})'", text)
    stores = {t: s for s, t in found}
    assert stores[thumb(own.cert)] == "Root"
    # the intermediate found in app.pem is installed although the manifest has no trust: section
    assert stores[thumb(ca.intermediate.cert)] == "CA"
    # negative control: the CA-issued leaf itself is not a trust anchor
    assert thumb(issued.cert) not in stores


def test_cmd_text_cannot_start_a_command() -> None:
    from certready.adapters.plan.quoting import cmd_text

    text = cmd_text('Smith & Sons | "50%" <x> ^y\nrem z')
    assert not set(text) & set('&|<>^"\n') and "50%%" in text
    assert cmd_text("plain name") == "plain name"  # control


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ("server: proxy.sunrise.example:8080", "server: proxy.sunrise.example", "proxy.server"),
        (
            "profile_identifier: org.sunrise-health",
            "profile_identifier: org.süd",
            "profile_identifier",
        ),
    ],
)
def test_manifest_proxy_server_and_identifier_are_checked(
    tmp_path: Path, ca: TestCA, sts_ca: TestCA, monkeypatch: pytest.MonkeyPatch,
    old: str, new: str, key: str,
) -> None:  # fmt: skip
    manifest = make_site(tmp_path / "site", ca, sts_ca, monkeypatch)
    text = manifest.read_text("utf-8")
    assert old in text
    manifest.write_text(text.replace(old, new), "utf-8")
    line = next(i for i, t in enumerate(manifest.read_text("utf-8").splitlines(), 1) if new in t)
    status, _, err = run("plan", str(manifest), "--out", str(tmp_path / "p"))
    assert status == ExitStatus.USAGE and f"{manifest}:{line}" in err and key in err
    assert len(err.strip().splitlines()) == 1 and not (tmp_path / "p").exists()
