"""A bug in one chain check is one ``engine.rule-failed`` finding on its target, not an aborted
lint: the other chain rules of that target and every other target of the batch are reported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from certready.core.model import CertFacts
from certready.core.rules import chain as chain_rules
from certready.core.rules.meta import rule_failed
from certready.interfaces.cli import ExitStatus
from tests.cli import run
from tests.pki import TestCA

HOST = "app.example.test"


def _lint(tmp_path: Path, ca: TestCA) -> tuple[int, dict[str, list[tuple[str, str]]]]:
    leaf = ca.issue(HOST)
    full = tmp_path / "full.pem"  # leaf, intermediate and root: a path of three
    full.write_bytes(ca.chain_pem(leaf) + ca.root.cert_pem())
    alone = tmp_path / "alone.pem"  # the leaf only: its intermediate is missing
    alone.write_bytes(ca.issue(HOST).cert_pem())
    root = tmp_path / "root.pem"
    root.write_bytes(ca.root.cert_pem())
    status, out, err = run(
        "lint", str(full), str(alone), "--host", HOST, "--trust", str(root), "-f", "json"
    )
    assert err == "" or "Traceback" not in err
    report = json.loads(out)
    by_target = {
        Path(t["target"]).name: sorted((f["rule_id"], f["message"]) for f in t["findings"])
        for t in report["targets"]
    }
    return status, by_target


def _ids(findings: list[tuple[str, str]]) -> list[str]:
    return [rule_id for rule_id, _ in findings]


def test_a_crashing_chain_check_becomes_rule_failed_and_the_batch_still_runs(
    tmp_path: Path, ca: TestCA, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(cert: CertFacts, params: object) -> str | None:
        raise RuntimeError("injected")

    monkeypatch.setattr(chain_rules, "key_weakness", broken)  # inside chain.intermediate-weak
    status, found = _lint(tmp_path, ca)

    assert status == ExitStatus.FINDINGS  # not USAGE: the lint was not aborted
    failed = [m for rule_id, m in found["full.pem"] if rule_id == rule_failed.id]
    assert failed == [f"rule {chain_rules.intermediate_weak.id} failed: RuntimeError: injected"]
    # the other chain rules of the same target still judged it
    assert chain_rules.root_sent.id in _ids(found["full.pem"])
    assert chain_rules.private_ca.id in _ids(found["full.pem"])
    # and the other target of the batch is reported as usual; given together, full.pem's
    # intermediate completes its path (issue 12 item 4), so the crash shows there too
    assert chain_rules.private_ca.id in _ids(found["alone.pem"])
    assert chain_rules.missing_intermediate.id not in _ids(found["alone.pem"])


def test_without_the_crash_no_rule_failed(tmp_path: Path, ca: TestCA) -> None:
    status, found = _lint(tmp_path, ca)
    assert status == ExitStatus.OK  # chain.root-sent and chain.private-ca are informational
    assert rule_failed.id not in _ids(found["full.pem"]) + _ids(found["alone.pem"])
    assert chain_rules.root_sent.id in _ids(found["full.pem"])
    assert chain_rules.missing_intermediate.id not in _ids(found["alone.pem"])
