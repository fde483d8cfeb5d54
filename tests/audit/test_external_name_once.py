"""One defect, one finding: a mobile server's certificate missing its external name.

The audit said it twice: ``names.host-not-covered`` on the mobile server's certificate target and
``deployment.mobile-external-name`` about the same server and name. The deployment finding, which
says who types the name, supersedes (``Rule.supersedes``) the target's finding about the same host
(:attr:`Finding.host`), and no other: a name finding about another host stays. The golden
``audit10`` already showed the deployment finding alone.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from certready.core.rules.deployment import mobile_external_name
from certready.core.rules.names import host_not_covered
from tests.audit.lab import EXTERNAL, MOBILE, make_lab
from tests.cli import run
from tests.pki import TestCA


def _audit(manifest: Path) -> tuple[int, dict[str, Any]]:
    status, out, err = run("audit", str(manifest), "--format", "json")
    assert "Traceback" not in err, err
    return status, json.loads(out)


def _mobile(report: dict[str, Any]) -> dict[str, Any]:
    (target,) = [t for t in report["targets"] if t["target"] == "production/mobile"]
    return target


def _name_findings(report: dict[str, Any]) -> list[str]:
    return [
        f["message"] for f in _mobile(report)["findings"] if f["rule_id"] == host_not_covered.id
    ]


def test_the_external_name_is_one_deployment_finding(tmp_path: Path, ca: TestCA) -> None:
    lab = make_lab(tmp_path, ca, mobile_external=False)
    status, report = _audit(lab.manifest)
    (external,) = [f for f in report["findings"] if f["rule_id"] == mobile_external_name.id]
    assert EXTERNAL in external["message"] and external["about"] == ["production/mobile"]
    assert _name_findings(report) == []
    assert status == 1  # still NOT READY: the deployment finding is an error


def test_another_missing_name_stays_a_name_finding(tmp_path: Path, ca: TestCA) -> None:
    """The certificate covers neither the internal FQDN nor the external name: the external name
    is the deployment finding, the internal FQDN still the target's name finding (before: both
    names were name findings)."""
    lab = make_lab(tmp_path, ca)
    other = ca.issue("elsewhere.sunrise.example")
    (tmp_path / "certs" / "mobile.pem").write_bytes(ca.chain_pem(other) + other.key_pem())
    _, report = _audit(lab.manifest)
    (message,) = _name_findings(report)
    assert message.startswith(MOBILE)
    assert any(f["rule_id"] == mobile_external_name.id for f in report["findings"])


def test_control_profile_without_the_deployment_rule_keeps_the_name_finding(
    tmp_path: Path, ca: TestCA
) -> None:
    lab = make_lab(tmp_path, ca, mobile_external=False)
    profile = tmp_path / "no-external.toml"
    profile.write_text(
        f'[profile]\nname = "mine"\nextends = "homecare"\n\n[rules."{mobile_external_name.id}"]\nenabled = false\n'
    )
    text = lab.manifest.read_text().replace("policy: homecare", f"policy: {profile}")
    lab.manifest.write_text(text)
    _, report = _audit(lab.manifest)
    assert not [f for f in report["findings"] if f["rule_id"] == mobile_external_name.id]
    (message,) = _name_findings(report)
    assert message.startswith(EXTERNAL)
