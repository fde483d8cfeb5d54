"""audit --live end to end: loopback TLS servers on 127.0.0.x with test-issued certificates."""

from __future__ import annotations

import json
import socket
from pathlib import Path

from certready.interfaces.cli import ExitStatus
from certready.interfaces.demo.servers import LoopbackServers
from tests.audit.lab import APP, MOBILE, make_lab
from tests.cli import run
from tests.pki import TestCA


def _serve_files(tmp: Path, stem: str, chain: bytes, key: bytes) -> tuple[Path, Path]:
    chain_file, key_file = tmp / f"{stem}.served.pem", tmp / f"{stem}.served.key"
    chain_file.write_bytes(chain)
    key_file.write_bytes(key)
    return chain_file, key_file


def test_live_audit_compares_served_with_file(tmp_path: Path, ca: TestCA) -> None:
    lab = make_lab(tmp_path, ca)
    app_pem = (tmp_path / "certs" / "app.pem").read_bytes()
    cert_part, _, key_part = app_pem.partition(b"-----BEGIN PRIVATE KEY-----")
    stranger = ca.issue(MOBILE)  # the mobile server presents another certificate than its file
    with LoopbackServers() as servers:
        app = servers.start(
            "app",
            *_serve_files(tmp_path, "app", cert_part, b"-----BEGIN PRIVATE KEY-----" + key_part),
        )
        mobile = servers.start(
            "mobile", *_serve_files(tmp_path, "mobile", ca.chain_pem(stranger), stranger.key_pem())
        )
        text = lab.manifest.read_text()
        text = text.replace(
            f"fqdn: {APP}\n", f"fqdn: {APP}\n        endpoint: {app.target}\n", 1
        ).replace(f"fqdn: {MOBILE}\n", f"fqdn: {MOBILE}\n        endpoint: {mobile.target}\n", 1)
        lab.manifest.write_text(text)
        status, out, err = run(
            "audit", str(lab.manifest), "--live", "--format", "json", "--timeout", "5"
        )
    report = json.loads(out)
    live = {t["target"]: t for t in report["targets"] if "(live " in t["target"]}
    assert set(live) == {
        f"production/app (live {app.target})",
        f"production/mobile (live {mobile.target})",
    }
    assert all(t["status"] == "ok" for t in live.values()), err
    differs = [
        f for f in report["findings"] if f["rule_id"] == "deployment.served-certificate-differs"
    ]
    assert len(differs) == 1 and "production/mobile" in differs[0]["message"]
    assert differs[0]["location"].startswith(f"tls://{mobile.target}")
    # the finding names the live target it is about, and counts in that target's state
    mobile_live = f"production/mobile (live {mobile.target})"
    assert differs[0]["about"] == [mobile_live]
    assert live[mobile_live]["state"] == "not_ready"
    assert live[f"production/app (live {app.target})"]["state"] == "ready"  # control
    assert status == ExitStatus.FINDINGS


def test_unreachable_endpoint_is_reported_not_fatal(tmp_path: Path, ca: TestCA) -> None:
    lab = make_lab(tmp_path, ca)
    with socket.socket() as sock:  # a port nobody listens on any more
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    text = lab.manifest.read_text().replace(
        f"fqdn: {APP}\n", f"fqdn: {APP}\n        endpoint: 127.0.0.1:{port}\n", 1
    )
    lab.manifest.write_text(text)
    status, out, _ = run("audit", str(lab.manifest), "--live", "--format", "json", "--timeout", "2")
    assert status == ExitStatus.FINDINGS  # unreachable counts as an error, not an input error
    report = json.loads(out)
    live = [t for t in report["targets"] if "(live " in t["target"]]
    assert live and live[0]["status"] == "unreachable" and live[0]["state"] == "unreachable"
    assert report["summary"]["unreachable"] == 1 and report["summary"]["unreadable"] == 0
    assert any(t["target"] == "production/app" and t["status"] == "ok" for t in report["targets"])
    assert "deployment.served-certificate-differs" not in [f["rule_id"] for f in report["findings"]]


def test_bad_endpoint_is_a_manifest_error_with_its_line(tmp_path: Path, ca: TestCA) -> None:
    lab = make_lab(tmp_path, ca)
    text = lab.manifest.read_text().replace(
        f"fqdn: {APP}\n", f"fqdn: {APP}\n        endpoint: 'app:99999'\n", 1
    )
    lab.manifest.write_text(text)
    status, _, err = run("audit", str(lab.manifest), "--live")
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "99999" in t)
    assert status == ExitStatus.USAGE and f"{lab.manifest}:{line}" in err and "endpoint" in err
