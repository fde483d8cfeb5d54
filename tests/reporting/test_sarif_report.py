"""SARIF 2.1.0: validates against the OASIS schema; rules, levels and locations; golden."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from certready.adapters.reporting import sarif_report
from tests.reporting.sample import RULES, check_golden, policy, sample_report

SCHEMA = json.loads((Path(__file__).parent.parent / "data" / "sarif-2.1.0.json").read_text())


def sarif() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(sarif_report.render(sample_report(), policy(), rules=RULES))
    return data


def results_by_rule(log: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["ruleId"]: r for r in log["runs"][0]["results"]}


def test_golden() -> None:
    check_golden("report.sarif.json", sarif_report.render(sample_report(), policy(), rules=RULES))


def test_validates_against_the_sarif_schema() -> None:
    jsonschema.Draft4Validator(SCHEMA).validate(sarif())


def test_schema_is_not_a_rubber_stamp() -> None:
    broken = copy.deepcopy(sarif())
    broken["runs"][0]["results"][0]["level"] = "fatal"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(SCHEMA).validate(broken)
    no_region_line = copy.deepcopy(sarif())
    no_region_line["runs"][0]["results"][0]["locations"][0]["physicalLocation"] = {
        "artifactLocation": {"uri": "x"},
        "region": {"startLine": 0},
    }
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(SCHEMA).validate(no_region_line)


def test_rules_carry_description_help_and_level() -> None:
    rules = sarif()["runs"][0]["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [r.id for r in RULES]
    host = next(r for r in rules if r["id"] == "names.host-not-covered")
    assert host["shortDescription"]["text"] == "Title of names.host-not-covered"
    assert host["fullDescription"]["text"] == "Why names.host-not-covered matters."
    assert host["help"]["text"] == "How to fix names.host-not-covered."
    assert host["defaultConfiguration"]["level"] == "error"
    info = next(r for r in rules if r["id"] == "chain.validation-type")
    assert info["defaultConfiguration"]["level"] == "note"


def test_levels_and_rule_index() -> None:
    log = sarif()
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    found = results_by_rule(log)
    assert found["validity.expired"]["level"] == "error"
    assert found["validity.expiring-soon"]["level"] == "warning"
    assert found["chain.validation-type"]["level"] == "note"
    for result in log["runs"][0]["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]


def test_locations_file_manifest_line_and_tls() -> None:
    found = results_by_rule(sarif())
    soon = found["validity.expiring-soon"]["locations"][0]
    assert soon["physicalLocation"]["artifactLocation"]["uri"] == "certs/app.pfx"
    assert "region" not in soon["physicalLocation"]
    host = found["names.host-not-covered"]["locations"][0]["physicalLocation"]
    assert host == {"artifactLocation": {"uri": "deploy.yaml"}, "region": {"startLine": 9}}
    shared = found["deployment.certificate-shared"]["locations"][0]["physicalLocation"]
    assert shared["region"] == {"startLine": 12}
    tls = found["tls.intermediate-not-sent"]["locations"][0]
    assert "physicalLocation" not in tls
    assert tls["logicalLocations"] == [
        {
            "name": "mobile.example.test:443",
            "fullyQualifiedName": "tls://mobile.example.test:443#leaf",
            "kind": "resource",
        }
    ]


def test_unreadable_input_is_a_notification() -> None:
    invocation = sarif()["runs"][0]["invocations"][0]
    (note,) = invocation["toolExecutionNotifications"]
    assert note["level"] == "error"
    assert "certs/broken.pem" in note["message"]["text"]


@pytest.mark.parametrize(
    ("path", "uri"),
    [
        ("certs/app.pem", "certs/app.pem"),
        ("my certs/app #1.pem", "my%20certs/app%20%231.pem"),
        ("/etc/ssl/app.pem", "file:///etc/ssl/app.pem"),
        ("C:\\certs\\app.pfx", "file:///C:/certs/app.pfx"),
    ],
)
def test_artifact_uri(path: str, uri: str) -> None:
    assert sarif_report.artifact_uri(path) == uri


def test_a_rule_outside_the_catalogue_gets_a_descriptor() -> None:
    from dataclasses import replace

    from certready.core.engine import ENGINE_RULE_FAILED
    from certready.core.model import Finding, Severity

    report = sample_report()
    crash = Finding(
        ENGINE_RULE_FAILED, Severity.ERROR, "rule x failed", "file:certs/app.pfx#0", "bug"
    )
    log = json.loads(sarif_report.render(replace(report, findings=(crash,)), policy(), rules=RULES))
    jsonschema.Draft4Validator(SCHEMA).validate(log)
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    result = results_by_rule(log)[ENGINE_RULE_FAILED]
    assert rules[result["ruleIndex"]]["id"] == ENGINE_RULE_FAILED
