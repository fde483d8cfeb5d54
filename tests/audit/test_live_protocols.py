"""Issue 12 item 14 in ``audit --live``: an endpoint that still accepts TLS 1.0 is reported on its
live target; ``--no-protocol-probe`` turns the probe off."""

from __future__ import annotations

import json
import ssl
import warnings
from pathlib import Path

from tests.audit.lab import APP, make_lab
from tests.cli import run
from tests.pki import TestCA
from tests.scan.servers import Servers, tls_handler

OLD = "tls.protocol-obsolete-accepted"


def _tls10_context(pem: bytes, tmp: Path) -> ssl.SSLContext:
    cert_part, marker, key_part = pem.partition(b"-----BEGIN PRIVATE KEY-----")
    (tmp / "served.pem").write_bytes(cert_part)
    (tmp / "served.key").write_bytes(marker + key_part)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp / "served.pem", tmp / "served.key")
    context.set_ciphers("DEFAULT:@SECLEVEL=0")  # TLS 1.0 on OpenSSL 3
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        context.minimum_version = ssl.TLSVersion.TLSv1
    return context


def _live_findings(manifest: Path, *extra: str) -> list[dict[str, str]]:
    _, out, err = run(
        "audit", str(manifest), "--live", "--format", "json", "--timeout", "5", *extra
    )
    assert "Traceback" not in err, err
    report = json.loads(out)
    live = [t for t in report["targets"] if "(live " in t["target"]]
    assert live and all(t["status"] == "ok" for t in live), err
    return [f for t in live for f in t["findings"] if f["rule_id"] == OLD]


def test_live_audit_reports_tls_1_0(tmp_path: Path, ca: TestCA) -> None:
    lab = make_lab(tmp_path, ca)
    context = _tls10_context((tmp_path / "certs" / "app.pem").read_bytes(), tmp_path)
    with Servers() as s:
        port = s.start(tls_handler(context))
        text = lab.manifest.read_text().replace(
            f"fqdn: {APP}\n", f"fqdn: {APP}\n        endpoint: 127.0.0.1:{port}\n", 1
        )
        lab.manifest.write_text(text)
        (found,) = _live_findings(lab.manifest)
        assert found["message"].startswith("the server accepts TLS 1.0 and TLS 1.1")
        assert "SCHANNEL\\Protocols\\TLS 1.0\\Server" in found["remediation"]
        # control: the same endpoint without the probe
        assert _live_findings(lab.manifest, "--no-protocol-probe") == []
