"""JUnit: one test case per target and rule evaluated; parses with junitparser; golden."""

from __future__ import annotations

from pathlib import Path

from junitparser import Error, Failure, JUnitXml, Skipped

from certready.adapters.reporting import junit_report
from certready.core.model import Severity
from tests.pki import TestCA
from tests.reporting.sample import RULES, check_golden, policy, sample_report


def parse(text: str, tmp_path: Path) -> JUnitXml:
    path = tmp_path / "junit.xml"
    path.write_text(text, "utf-8")
    return JUnitXml.fromfile(str(path))


def cases(xml: JUnitXml) -> dict[str, dict[str, list[object]]]:
    return {suite.name: {case.name: list(case.result) for case in suite} for suite in xml}


WARNING = Severity.WARNING
"""``--fail-on warning``: what the golden and the per-case tests render (warnings fail)."""


def test_golden() -> None:
    check_golden(
        "report.junit.xml",
        junit_report.render(sample_report(), policy(), rules=RULES, fail_on=WARNING),
    )


def test_one_case_per_target_and_rule_evaluated(tmp_path: Path) -> None:
    xml = parse(
        junit_report.render(sample_report(), policy(), rules=RULES, fail_on=WARNING), tmp_path
    )
    by_suite = cases(xml)
    engine_rules = [
        "key.rsa-size",
        "names.cn-not-in-san",
        "names.host-not-covered",
        "validity.expired",
        "validity.expiring-soon",
    ]
    # a file target: the engine's rules only (no chain path, no handshake: those did not run)
    assert list(by_suite["app"]) == engine_rules
    # a live server: the TLS analyser ran, so its rule is a test case too
    assert list(by_suite["mobile.example.test:443"]) == sorted(
        [*engine_rules, "tls.intermediate-not-sent"]
    )
    # an analyser rule with a finding is evaluated, whatever else
    assert "chain.validation-type" in by_suite["evil"]
    assert list(by_suite["audit: deployment"]) == ["deployment.certificate-shared"]
    app = by_suite["app"]
    assert app["key.rsa-size"] == []  # passed
    assert isinstance(app["names.host-not-covered"][0], Failure)
    assert app["names.host-not-covered"][0].type == "error"
    assert app["validity.expiring-soon"][0].type == "warning"
    assert "How to fix names.host-not-covered." in (app["names.host-not-covered"][0].text or "")
    # info findings pass, with the message kept
    assert by_suite["evil"]["chain.validation-type"] == []
    assert [type(r) for r in by_suite["certs/broken.pem"]["examined"]] == [Error]
    assert [type(r) for r in by_suite["certs/roots.pem"]["examined"]] == [Skipped]


def test_totals(tmp_path: Path) -> None:
    xml = parse(
        junit_report.render(sample_report(), policy(), rules=RULES, fail_on=WARNING), tmp_path
    )
    xml.update_statistics()
    # 1 deployment + app 5 + mobile 6 + evil 6 + broken 1 + roots 1
    assert xml.tests == 20
    assert xml.failures == 6  # host, soon, expired, tls, cn-not-in-san, deployment
    assert xml.errors == 1
    assert xml.skipped == 1


def test_warnings_fail_only_with_fail_on_warning(tmp_path: Path) -> None:
    by_default = cases(parse(junit_report.render(sample_report(), policy(), rules=RULES), tmp_path))
    soon = by_default["app"]["validity.expiring-soon"]  # a warning
    assert soon == [], "a warning is not a failure at the default --fail-on error"
    assert isinstance(by_default["app"]["names.host-not-covered"][0], Failure)  # an error is
    strict = cases(
        parse(
            junit_report.render(sample_report(), policy(), rules=RULES, fail_on=WARNING), tmp_path
        )
    )
    assert isinstance(strict["app"]["validity.expiring-soon"][0], Failure)  # control
    never = cases(
        parse(junit_report.render(sample_report(), policy(), rules=RULES, fail_on=None), tmp_path)
    )
    assert never["app"]["names.host-not-covered"] == []
    assert [type(r) for r in never["certs/broken.pem"]["examined"]] == [Error]  # still exit 2


def test_disabled_rule_is_not_a_test_case(tmp_path: Path) -> None:
    xml = parse(junit_report.render(sample_report(), policy("key.rsa-size"), rules=RULES), tmp_path)
    assert "key.rsa-size" not in cases(xml)["app"]
    assert "names.host-not-covered" in cases(xml)["app"]  # control


def test_lint_reports_never_get_a_deployment_suite(tmp_path: Path) -> None:
    from dataclasses import replace

    report = replace(sample_report(command="lint"), findings=())
    assert "lint: deployment" not in cases(
        parse(junit_report.render(report, policy(), rules=RULES), tmp_path)
    )


def test_control_characters_still_parse(tmp_path: Path) -> None:
    from dataclasses import replace

    report = sample_report()
    bad = replace(report.targets[0], target="app\x00\x1b[31m")
    xml = parse(
        junit_report.render(replace(report, targets=(bad,)), policy(), rules=RULES), tmp_path
    )
    assert [s.name for s in xml][-1] == "app\\x00\\x1b[31m"


def test_a_crashed_rule_is_a_failing_test_case(tmp_path: Path) -> None:
    from dataclasses import replace

    from certready.core.engine import ENGINE_RULE_FAILED
    from certready.core.model import Finding, Severity

    report = sample_report()
    crash = Finding(
        ENGINE_RULE_FAILED,
        Severity.ERROR,
        "rule key.rsa-size failed: boom",
        "file:certs/app.pfx#0",
        "bug",
    )
    app = replace(report.targets[0], findings=(*report.targets[0].findings, crash))
    xml = parse(
        junit_report.render(replace(report, targets=(app,)), policy(), rules=RULES), tmp_path
    )
    result = cases(xml)["app"][ENGINE_RULE_FAILED]
    assert isinstance(result[0], Failure) and "boom" in (result[0].message or "")


def test_test_cases_name_the_file_they_are_about() -> None:
    import xml.etree.ElementTree as ET

    root = ET.fromstring(junit_report.render(sample_report(), policy(), rules=RULES))  # noqa: S314 (our own output)
    files = {(c.get("classname"), c.get("name")): c.get("file") for c in root.iter("testcase")}
    assert files[("app", "names.host-not-covered")] == "deploy.yaml"  # the finding's manifest line
    assert files[("app", "key.rsa-size")] == "certs/app.pfx"  # the target's file
    assert files[("mobile.example.test:443", "validity.expired")] is None  # a live server: no file


def _lint_junit(tmp_path: Path, pem: Path, *options: str) -> tuple[int, int]:
    """(exit status, JUnit failures + errors) of `certready lint --format junit`."""
    from tests.cli import run

    out = tmp_path / "junit.xml"
    trust = ("--trust", str(tmp_path / "root.pem"))
    status, _, _ = run("lint", str(pem), "--format", "junit", "-o", str(out), *trust, *options)
    xml = JUnitXml.fromfile(str(out))
    xml.update_statistics()
    return status, xml.failures + xml.errors


def test_exit_status_and_junit_verdict_agree_both_ways(tmp_path: Path, ca: TestCA) -> None:
    (tmp_path / "root.pem").write_bytes(ca.root.cert_pem())
    # a warning only: the CN is not among the SAN names (homecare: warning)
    warned = tmp_path / "warned.pem"
    issued = ca.issue("app.example.test", cn="other.example.test")
    warned.write_bytes(ca.chain_pem(issued) + issued.key_pem())
    assert _lint_junit(tmp_path, warned) == (0, 0)  # default --fail-on error: passes, both
    status, failing = _lint_junit(tmp_path, warned, "--fail-on", "warning")
    assert status == 1 and failing == 1  # fails, both
    # an error: an RSA-1024 key
    weak = tmp_path / "weak.pem"
    issued = ca.issue("app.example.test", key_kind="rsa1024")
    weak.write_bytes(ca.chain_pem(issued) + issued.key_pem())
    status, failing = _lint_junit(tmp_path, weak)
    assert status == 1 and failing >= 1
    assert _lint_junit(tmp_path, weak, "--fail-on", "never") == (0, 0)
    # an unreadable input is exit 2 and a JUnit error, whatever --fail-on says
    broken = tmp_path / "broken.pem"
    broken.write_text("-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n")
    for fail_on in ("error", "never"):
        status, failing = _lint_junit(tmp_path, broken, "--fail-on", fail_on)
        assert status == 2 and failing == 1
