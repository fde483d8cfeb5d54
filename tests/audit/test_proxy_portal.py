"""The proxy check covers Physician Portal servers, not only the app and mobile servers (audit)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli import run
from tests.pki import TestCA

APP = "hcappserver.sunrise.example"
PORTAL = "portal.sunrise.example"
RULE = "deployment.proxy-bypass-missing"

MANIFEST = """\
deployment: Sunrise Home Health
policy: homecare
environments:
  production:
    servers:
      - name: app
        roles: [app]
        fqdn: {app}
        certificate: certs/app.pem
      - name: portal
        roles: [physician-portal]
        fqdn: {portal}
        certificate: certs/portal.pem
trust:
  roots: [pki/root.cer]
clients:
  - {{name: office PCs, platform: windows, connects_to: [{app}, {portal}]}}
proxy:
  bypass: "{bypass}"
"""


def _proxy_findings(tmp_path: Path, ca: TestCA, bypass: str) -> list[dict[str, str]]:
    (tmp_path / "pki").mkdir(exist_ok=True)
    (tmp_path / "certs").mkdir(exist_ok=True)
    (tmp_path / "pki" / "root.cer").write_bytes(ca.root.cert_pem())
    for name, fqdn in (("app", APP), ("portal", PORTAL)):
        issued = ca.issue(fqdn)
        (tmp_path / "certs" / f"{name}.pem").write_bytes(ca.chain_pem(issued) + issued.key_pem())
    manifest = tmp_path / "certready.yaml"
    manifest.write_text(MANIFEST.format(app=APP, portal=PORTAL, bypass=bypass))
    _, out, err = run("audit", str(manifest), "--format", "json")
    assert "Traceback" not in err and out, err
    report = json.loads(out)
    findings = report["findings"] + [f for t in report["targets"] for f in t["findings"]]
    return [f for f in findings if f["rule_id"] == RULE]


def test_a_bypass_list_missing_only_the_portal_names_the_portal(tmp_path: Path, ca: TestCA) -> None:
    found = _proxy_findings(tmp_path, ca, f"{APP};<local>")
    assert len(found) == 1
    message = found[0]["message"]
    assert f"does not match {PORTAL} (server production/portal)" in message


def test_a_bypass_list_with_the_portal_finds_nothing(tmp_path: Path, ca: TestCA) -> None:
    assert _proxy_findings(tmp_path, ca, f"{APP};{PORTAL};<local>") == []
