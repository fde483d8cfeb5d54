"""Reports of a real audit (a lab deployment from tests/audit/lab.py): SARIF and JUnit hold up."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest
from junitparser import Failure, JUnitXml
from markupsafe import escape  # the escaping of the HTML report (jinja2)

from certready.adapters.reporting import FORMATS, renderer
from certready.adapters.reporting.markdown_report import md
from certready.core.model import Finding, Report
from certready.services.audit import audit_with_policy
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


EXTERNAL_NAME = "deployment.mobile-external-name"


def _findings(report: Report) -> Iterator[Finding]:
    yield from report.findings
    for target in report.targets:
        yield from target.findings


def _json_findings(data: dict[str, object]) -> Iterator[dict[str, str]]:
    yield from data["findings"]  # type: ignore[misc]
    for target in data["targets"]:  # type: ignore[attr-defined]
        yield from target["findings"]


def shows_finding(fmt: str, out: str, rule_id: str, message: str) -> bool:
    """Whether the report ``out`` carries the finding itself, not merely the rule's id (JUnit and
    SARIF list every rule that ran, found or not)."""
    if fmt == "json":
        return any(
            f["rule_id"] == rule_id and f["message"] == message
            for f in _json_findings(json.loads(out))
        )
    if fmt == "jsonl":
        lines = [json.loads(line) for line in out.splitlines()]
        return any(
            f["rule_id"] == rule_id and f["message"] == message
            for o in lines
            for f in o["findings"]
        )
    if fmt == "sarif":
        results = json.loads(out)["runs"][0]["results"]
        return any(r["ruleId"] == rule_id and message in r["message"]["text"] for r in results)
    if fmt == "junit":
        xml = JUnitXml.fromstring(out)
        return any(
            isinstance(result, Failure) and message in (result.text or "")
            for suite in xml
            for case in suite
            if case.name == rule_id
            for result in case.result
        )
    if fmt == "html":
        return f'<span class="rule">{rule_id}</span>' in out and str(escape(message)) in out
    if fmt == "markdown":
        return f"`{rule_id}`: {md(message)}" in out
    if fmt == "text":
        return f"{rule_id}  {message}" in out
    raise AssertionError(f"no check for the {fmt} format")


@pytest.mark.parametrize("mobile_external", [False, True], ids=["missing", "control"])
def test_every_format_carries_the_finding_of_one_audit(
    tmp_path: Path, ca: TestCA, mobile_external: bool
) -> None:
    """One audit rendered seven ways; the control (the name is on the certificate) shows it nowhere."""
    lab = make_lab(tmp_path, ca, mobile_external=mobile_external)
    report, policy = audit_with_policy(lab.manifest)
    found = [f for f in _findings(report) if f.rule_id == EXTERNAL_NAME]
    assert len(found) == (0 if mobile_external else 1)
    # the control looks for the message the finding would have had
    message = found[0].message if found else "mobile.sunrise-health.example"
    assert set(FORMATS) == {"text", "json", "jsonl", "html", "junit", "sarif", "markdown"}
    for fmt in FORMATS:
        out = renderer(fmt, policy)(report)
        assert shows_finding(fmt, out, EXTERNAL_NAME, message) is not mobile_external, fmt
    if mobile_external:  # JUnit still lists the rule, passing: the id alone proves nothing
        assert EXTERNAL_NAME in renderer("junit", policy)(report)
