"""Reports of a real audit (a lab deployment from tests/audit/lab.py): SARIF and JUnit hold up."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
from junitparser import Failure, JUnitXml

from tests.audit.lab import make_lab
from tests.cli import run
from tests.pki import TestCA

SCHEMA = json.loads((Path(__file__).parent.parent / "data" / "sarif-2.1.0.json").read_text())


def test_audit_sarif_points_at_manifest_lines(tmp_path: Path, ca: TestCA) -> None:
    lab = make_lab(tmp_path, ca, mobile_external=False)
    status, out, err = run("audit", str(lab.manifest), "--format", "sarif")
    assert status == 1, err
    log = json.loads(out)
    jsonschema.Draft4Validator(SCHEMA).validate(log)
    results = log["runs"][0]["results"]
    external = next(r for r in results if r["ruleId"] == "deployment.mobile-external-name")
    physical = external["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == lab.manifest.resolve().as_uri()
    lines = lab.manifest.read_text().splitlines()
    assert "mobile" in lines[physical["region"]["startLine"] - 1]  # the line names the server
    rule_ids = [r["id"] for r in log["runs"][0]["tool"]["driver"]["rules"]]
    assert "deployment.mobile-external-name" in rule_ids and "key.rsa-size" in rule_ids


def test_audit_junit_has_a_deployment_suite_and_one_suite_per_server(
    tmp_path: Path, ca: TestCA
) -> None:
    lab = make_lab(tmp_path, ca, mobile_external=False)
    target = tmp_path / "junit.xml"
    run("audit", str(lab.manifest), "--format", "junit", "--output", str(target))
    xml = JUnitXml.fromfile(str(target))
    suites = {s.name: {c.name: list(c.result) for c in s} for s in xml}
    assert set(suites) == {
        "audit: deployment",
        "production/app",
        "production/app (sts)",
        "production/mobile",
    }
    deployment = suites["audit: deployment"]
    assert isinstance(deployment["deployment.mobile-external-name"][0], Failure)
    assert any(results == [] for results in deployment.values())  # rules that passed are there
    assert "names.host-not-covered" not in suites["production/app (sts)"]  # sts: names do not apply
    assert "sts.digital-signature" in suites["production/app (sts)"]
