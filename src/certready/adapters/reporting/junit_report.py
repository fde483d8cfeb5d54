"""JUnit XML: one test suite per target, one test case per rule evaluated on it.

CI servers (GitLab, Jenkins, Azure) show JUnit as tests: a rule that passed is a passing test case,
a rule with a finding at or above ``fail_on`` (the command's ``--fail-on``, ``error`` by default)
is a ``<failure>`` carrying the messages and the fix, and a finding below it leaves the test
passing with its message in ``<system-out>``, so the JUnit verdict and the exit status agree. A
target that could not be read is one test case with an ``<error>`` (exit status 2), as is an
unreachable server (exit status 1 or 3) unless ``--fail-on never`` lets a partly unreachable scan
pass, when it is ``<skipped>``; one that held only CA certificates is one ``<skipped>`` test case. A test case's ``file`` is the file its finding points at (the
certificate, or the manifest), else the target's file. Report-level findings (deployment topology) form their own suite.
Which rules ran comes from the policy, the catalogue and the command's scopes (see
:func:`certready.adapters.reporting.common.evaluated_rule_ids`). Messages and bodies (what a person
reads) show invisible characters of certificate fields as ``<U+202E>``
(:mod:`certready.adapters.reporting.visible`); names and properties keep the true value.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence

from certready.adapters.reporting.common import (
    evaluated_rule_ids,
    examined,
    location_file,
    report_rule_ids,
    resolve_context,
    xml_safe,
)
from certready.adapters.reporting.visible import visible
from certready.core.location import Location
from certready.core.model import Finding, Report, Rule, Severity, TargetStatus
from certready.core.policy import Policy

DEFAULT_FAIL_ON = Severity.ERROR
"""The CLI's ``--fail-on`` default."""


class _Suite:
    def __init__(self, name: str, timestamp: str, file: str | None = None) -> None:
        self.element = ET.Element("testsuite", name=xml_safe(name), timestamp=timestamp)
        self.file = file
        self.properties = ET.SubElement(self.element, "properties")
        self.tests = self.failures = self.errors = self.skipped = 0

    def prop(self, name: str, value: str) -> None:
        ET.SubElement(self.properties, "property", name=name, value=xml_safe(value))

    def case(self, classname: str, name: str, file: str | None = None) -> ET.Element:
        self.tests += 1
        case = ET.SubElement(
            self.element, "testcase", classname=xml_safe(classname), name=name, time="0"
        )
        if file or self.file:
            case.set("file", xml_safe(file or self.file or ""))  # GitLab links the test to it
        return case

    def close(self) -> ET.Element:
        if not len(self.properties):
            self.element.remove(self.properties)
        for key in ("tests", "failures", "errors", "skipped"):
            self.element.set(key, str(getattr(self, key)))
        self.element.set("time", "0")
        return self.element


def _said(text: str) -> str:
    """A message or body, read by a person: invisible characters shown, XML-safe."""
    return xml_safe(visible(text))


def _finding_text(f: Finding) -> str:
    return _said(f"{f.severity.label}: {f.message}\nat {f.location}\nfix: {f.remediation}")


def _file_of(location: Location) -> str | None:
    return location_file(location)


def _fails(finding: Finding, fail_on: Severity | None) -> bool:
    return fail_on is not None and finding.severity >= fail_on


def _rule_case(
    suite: _Suite,
    classname: str,
    rule_id: str,
    findings: Sequence[Finding],
    fail_on: Severity | None,
) -> None:
    files = [path for f in findings if (path := _file_of(f.location))]
    case = suite.case(classname, rule_id, files[0] if files else None)
    failing = [f for f in findings if _fails(f, fail_on)]
    if failing:
        suite.failures += 1
        worst = max(f.severity for f in failing)
        first = failing[0].message
        more = f" (and {len(failing) - 1} more)" if len(failing) > 1 else ""
        failure = ET.SubElement(case, "failure", message=_said(first + more), type=worst.label)
        failure.text = "\n\n".join(_finding_text(f) for f in failing)
    notes = [f for f in findings if not _fails(f, fail_on)]
    if notes:
        ET.SubElement(case, "system-out").text = "\n\n".join(_finding_text(f) for f in notes)


def render(
    report: Report,
    policy: Policy | None = None,
    *,
    rules: Sequence[Rule] | None = None,
    fail_on: Severity | None = DEFAULT_FAIL_ON,
) -> str:
    """``fail_on``: the least severe finding that is a ``<failure>`` (``None``: none is), as the
    command's ``--fail-on`` sets its exit status."""
    context = resolve_context(report, policy, rules)
    timestamp = report.generated_at.strftime("%Y-%m-%dT%H:%M:%S")
    root = ET.Element("testsuites", name=f"certready {report.command} ({report.profile})")
    suites: list[ET.Element] = []
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}

    def finish(suite: _Suite) -> None:
        suites.append(suite.close())
        for key in totals:
            totals[key] += getattr(suite, key)

    all_unreachable = bool(report.targets) and all(
        t.status is TargetStatus.UNREACHABLE for t in report.targets
    )
    report_ids = report_rule_ids(report, context)
    if report_ids:
        suite = _Suite(f"{report.command}: deployment", timestamp)
        for rule_id in report_ids:
            findings = [f for f in report.findings if f.rule_id == rule_id]
            _rule_case(suite, "deployment", rule_id, findings, fail_on)
        finish(suite)
    for target in report.targets:
        suite = _Suite(target.target, timestamp, _file_of(target.location))
        suite.prop("location", str(target.location))
        suite.prop("role", target.role.value)
        if target.hosts:
            suite.prop("hosts", ",".join(target.hosts))
        if target.status is TargetStatus.UNREACHABLE and fail_on is None and not all_unreachable:
            case = suite.case(target.target, "examined")  # --fail-on never: exit status 0
            suite.skipped += 1
            ET.SubElement(case, "skipped", message=_said(f"unreachable: {target.reason or ''}"))
        elif target.status.failed:
            case = suite.case(target.target, "examined")
            suite.errors += 1
            ET.SubElement(
                case, "error", message=_said(target.reason or ""), type=target.status.value
            ).text = _said(f"{target.status.value}: {target.reason or ''}\nat {target.location}")
        elif not examined(target):
            case = suite.case(target.target, "examined")
            suite.skipped += 1
            ET.SubElement(case, "skipped", message=_said(target.reason or "not examined"))
        else:
            for rule_id in evaluated_rule_ids(target, context):
                findings = [f for f in target.findings if f.rule_id == rule_id]
                _rule_case(suite, target.target, rule_id, findings, fail_on)
        finish(suite)
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("time", "0")
    root.extend(suites)
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
