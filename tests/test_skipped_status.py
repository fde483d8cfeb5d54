"""A target deliberately not examined (a file of CA certificates only) has the status ``skipped``:
not a failure (the report stays READY, the exit status 0), not ``ok`` either."""

from __future__ import annotations

import json
from pathlib import Path

from certready.core.model import TargetStatus
from certready.interfaces.cli import ExitStatus
from tests.audit.lab import make_lab
from tests.cli import run
from tests.pki import TestCA


def _lint_json(*paths: Path) -> tuple[int, dict[str, object]]:
    status, out, _ = run("lint", *map(str, paths), "--format", "json", "--fail-on", "error")
    return status, json.loads(out)


def test_ca_certificates_only_is_skipped_not_failed(tmp_path: Path, ca: TestCA) -> None:
    roots = tmp_path / "roots.pem"
    roots.write_bytes(ca.root.cert_pem() + ca.intermediate.cert_pem())
    status, report = _lint_json(roots)
    (target,) = report["targets"]  # type: ignore[misc]
    assert target["status"] == "skipped"
    assert target["reason"] == "only CA certificates: not linted as a server certificate"
    assert target["findings"] == [] and target["failure"] is None
    assert report["summary"]["input_errors"] == 0  # type: ignore[index]
    assert status == ExitStatus.OK
    _, text, _ = run("lint", str(roots))
    assert "READY" in text and "NOT READY" not in text


def test_control_a_leaf_is_ok_and_junk_is_an_input_error(tmp_path: Path, ca: TestCA) -> None:
    leaf = tmp_path / "app.pem"
    leaf.write_bytes(ca.chain_pem(ca.issue("app.example.test")))
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate")
    status, report = _lint_json(leaf, junk)
    statuses = [t["status"] for t in report["targets"]]  # type: ignore[attr-defined]
    assert statuses == ["ok", "input-error"]
    assert status == ExitStatus.USAGE
    assert TargetStatus.SKIPPED.failed is False
    assert TargetStatus.INPUT_ERROR.failed and TargetStatus.UNREACHABLE.failed


def test_junit_counts_a_skipped_target_as_skipped(tmp_path: Path, ca: TestCA) -> None:
    roots = tmp_path / "roots.pem"
    roots.write_bytes(ca.root.cert_pem())
    _, xml, _ = run("lint", str(roots), "--format", "junit")
    assert 'skipped="1"' in xml and 'errors="0"' in xml


def test_audit_still_says_the_server_names_no_server_certificate(
    tmp_path: Path, ca: TestCA
) -> None:
    """A server whose file holds only CA certificates: its target is skipped (not an input
    error), so the deployment rule still says what is missing."""
    lab = make_lab(tmp_path, ca)
    (tmp_path / "certs" / "mobile.pem").write_bytes(ca.root.cert_pem())
    _, out, _ = run("audit", str(lab.manifest), "--format", "json")
    report = json.loads(out)
    mobile = next(t for t in report["targets"] if t["target"] == "production/mobile")
    assert mobile["status"] == "skipped"
    missing = [f for f in report["findings"] if f["rule_id"] == "deployment.certificate-missing"]
    assert len(missing) == 1 and "only CA certificates" in missing[0]["message"]
