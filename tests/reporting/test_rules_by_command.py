"""JUnit and SARIF list the rules of the scopes the command ran, nothing else: a lint target is
judged by the certificate, chain and container rules; scan adds the handshake rules, audit the
deployment rules; doctor judges by the client rules alone. Before, every lint and scan target
listed doctor's ``client.*`` rules as evaluated (and passed)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest

from certready.adapters.profiles import load_policy
from certready.adapters.reporting import junit_report, sarif_report
from certready.adapters.reporting.common import evaluated_rule_ids, resolve_context
from certready.core.model import Report, TlsFacts
from tests.cli import run
from tests.pki import TestCA
from tests.reporting.sample import clean_report

HOST = "app.example.test"


def _areas(ids: list[str]) -> set[str]:
    return {i.split(".", 1)[0] for i in ids}


def _report(command: str) -> Report:
    """One target with a built path and a handshake, so every analyser's rules could count."""
    report = clean_report()
    [target] = report.targets
    target = replace(
        target,
        path=target.certificates,
        tls=TlsFacts("127.0.0.1:443", None, "TLSv1.3", "x", 1.0),
    )
    return replace(report, command=command, targets=(target,))


def _junit_cases(report: Report) -> list[str]:
    root = ET.fromstring(junit_report.render(report, load_policy("homecare")))  # noqa: S314
    return [case.get("name", "") for case in root.iter("testcase")]


def _sarif_rules(report: Report) -> list[str]:
    log = json.loads(sarif_report.render(report, load_policy("homecare")))
    return [r["id"] for r in log["runs"][0]["tool"]["driver"]["rules"]]


@pytest.mark.parametrize(
    ("command", "areas"),
    [
        ("lint", {"names", "key", "usage", "validity", "chain"}),
        ("scan", {"names", "key", "usage", "validity", "chain", "tls"}),
        ("audit", {"names", "key", "usage", "validity", "chain", "tls", "deployment"}),
        ("doctor", {"client"}),
    ],
)
def test_the_rules_listed_are_those_of_the_commands_scopes(command: str, areas: set[str]) -> None:
    report = _report(command)
    context = resolve_context(report, load_policy("homecare"))
    listed = _areas(evaluated_rule_ids(report.targets[0], context))
    assert areas - {"deployment"} <= listed  # control: the command's own rules are there
    others = {"client", "deployment", "tls"} - areas
    assert not listed & others, listed & others
    junit = _areas(_junit_cases(report))
    assert areas <= junit and not junit & others
    sarif = _areas(_sarif_rules(report))
    assert areas <= sarif and not sarif & others
    if command != "doctor":  # the container rule (a manifest server's PFX) belongs to the file
        assert "pfx" in sarif


def test_lint_junit_and_sarif_name_no_client_rule(tmp_path: Path, ca: TestCA) -> None:
    leaf = ca.issue(HOST)
    cert = tmp_path / "app.pem"
    cert.write_bytes(ca.chain_pem(leaf))
    root = ca.root_file(tmp_path)
    junit = run("lint", str(cert), "-H", HOST, "--trust", str(root), "-f", "junit")[1]
    names = [c.get("name", "") for c in ET.fromstring(junit).iter("testcase")]  # noqa: S314
    assert "names.host-not-covered" in names and "chain.wrong-order" in names  # control
    assert not [n for n in names if n.startswith(("client.", "deployment.", "tls."))]
    sarif = run("lint", str(cert), "-H", HOST, "--trust", str(root), "-f", "sarif")[1]
    ids = [r["id"] for r in json.loads(sarif)["runs"][0]["tool"]["driver"]["rules"]]
    assert "names.host-not-covered" in ids and "chain.wrong-order" in ids  # control
    assert not [i for i in ids if i.startswith(("client.", "deployment.", "tls."))]
