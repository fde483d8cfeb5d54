"""SARIF 2.1.0 for code-scanning dashboards (GitHub, GitLab, Azure DevOps, VS Code's SARIF viewer).

- ``tool.driver.rules``: every rule the policy runs in the scopes the report's command judges
  (:data:`certready.adapters.reporting.common.COMMAND_SCOPES`), with its id, title
  (``shortDescription``), rationale (``fullDescription``), remediation (``help``) and the
  policy's level.
- ``results``: one per finding, level ``error``/``warning``/``note``; the location is the file
  (``file:certs/app.pem#0`` -> ``certs/app.pem``), the manifest line (``manifest:deploy.yaml:12``
  -> ``deploy.yaml`` with ``region.startLine`` 12), or, for a live server (``tls://app:443#leaf``)
  and anything else, a logical location. The certready location is kept as the location's message.
- Targets that could not be read are ``toolExecutionNotifications`` of the invocation.
- Message texts and the remediation (what a person reads) show invisible characters of
  certificate fields as ``<U+202E>`` (:mod:`certready.adapters.reporting.visible`); the values a
  program reads (``subject``, ``target``, locations' names, fingerprints) keep the true value.

Validated against the OASIS SARIF 2.1.0 JSON Schema in the tests (tests/data/sarif-2.1.0.json).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any
from urllib.parse import quote

from certready import __version__
from certready.adapters.reporting.common import (
    RenderContext,
    location_file,
    location_line,
    resolve_context,
    sorted_findings,
    verdict,
)
from certready.adapters.reporting.visible import visible
from certready.core.location import STDIN, EndpointLocation, FileLocation, Location
from certready.core.model import Finding, Report, Rule, Severity
from certready.core.policy import Policy

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def artifact_uri(path: str) -> str:
    """A file path as a SARIF ``uri``: relative paths stay relative (to the working directory)."""
    if PureWindowsPath(path).drive:
        return PureWindowsPath(path).as_uri()
    posix = path.replace("\\", "/")
    if PurePosixPath(posix).is_absolute():
        return PurePosixPath(posix).as_uri()
    return quote(posix, safe="/")


def sarif_location(location: Location) -> dict[str, Any]:
    text = str(location)
    out: dict[str, Any] = {"message": {"text": visible(text)}}
    path = location_file(location)
    if path is not None and path != STDIN:
        physical: dict[str, Any] = {"artifactLocation": {"uri": artifact_uri(path)}}
        line = location_line(location)
        if line is not None:
            physical["region"] = {"startLine": line}
        out["physicalLocation"] = physical
    else:
        out["logicalLocations"] = [
            {"name": _logical_name(location), "fullyQualifiedName": text, "kind": "resource"}
        ]
    return out


def _logical_name(location: Location) -> str:
    """A live server by its ``host:port``; standard input's certificates as ``stdin:``."""
    if isinstance(location, EndpointLocation):
        return location.route
    if isinstance(location, FileLocation) and location.is_stdin and location.fragment is not None:
        return "stdin:"
    return str(location)


def _rule_descriptor(rule_id: str, context: RenderContext) -> dict[str, Any]:
    rule = context.rule(rule_id)
    if rule is None:  # engine.rule-failed and other ids outside the catalogue
        return {
            "id": rule_id,
            "shortDescription": {"text": rule_id},
            "defaultConfiguration": {"level": "error"},
        }
    return {
        "id": rule.id,
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.rationale},
        "help": {"text": rule.remediation},
        "defaultConfiguration": {"level": LEVEL[context.severity(rule)]},
        "properties": {"tags": [rule.area], "references": list(rule.references)},
    }


def _fingerprint(f: Finding, target: str) -> str:
    key = "\x1f".join((f.rule_id, target, str(f.location), f.fingerprint_sha256 or "", f.message))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def render(
    report: Report, policy: Policy | None = None, *, rules: Sequence[Rule] | None = None
) -> str:
    context = resolve_context(report, policy, rules)
    located: list[tuple[str, Finding]] = [("", f) for f in sorted_findings(report.findings)]
    for t in report.targets:
        located += [(t.target, f) for f in sorted_findings(t.findings)]
    rule_ids = [r.id for r in context.enabled_rules()]
    for _, f in located:
        if f.rule_id not in rule_ids:
            rule_ids.append(f.rule_id)
    index = {rule_id: i for i, rule_id in enumerate(rule_ids)}
    results: list[dict[str, Any]] = []
    for target, f in located:
        properties: dict[str, Any] = {"target": target} if target else {"scope": "report"}
        if f.subject is not None:
            properties["subject"] = f.subject
        if f.fingerprint_sha256 is not None:
            properties["certificateSha256"] = f.fingerprint_sha256
        properties["remediation"] = visible(f.remediation)
        results.append(
            {
                "ruleId": f.rule_id,
                "ruleIndex": index[f.rule_id],
                "level": LEVEL[f.severity],
                "message": {"text": visible(f.message)},
                "locations": [sarif_location(f.location)],
                "partialFingerprints": {"certready/v1": _fingerprint(f, target)},
                "properties": properties,
            }
        )
    notifications = [
        {
            "level": "error",
            "message": {"text": visible(f"{t.target}: {t.status.value}: {t.reason or ''}")},
            "locations": [sarif_location(t.location)],
        }
        for t in report.targets
        if t.status.failed
    ]
    invocation: dict[str, Any] = {
        "executionSuccessful": True,
        "endTimeUtc": report.generated_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "certready",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": [_rule_descriptor(rule_id, context) for rule_id in rule_ids],
                    }
                },
                "invocations": [invocation],
                "columnKind": "unicodeCodePoints",
                "results": results,
                "properties": {
                    "command": report.command,
                    "profile": report.profile,
                    "title": report.title,
                    "verdict": verdict(report),
                    "targets": [t.target for t in report.targets],
                },
            }
        ],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"
