"""The example deployment (interfaces/demo/example.py) carries exactly the mistakes it advertises."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from certready.interfaces.cli import ExitStatus
from certready.interfaces.demo.example import write_example
from tests.cli import run


@pytest.mark.slow
def test_example_audit_finds_the_planted_mistakes(tmp_path: Path) -> None:
    example = write_example(tmp_path / "example")
    status, out, err = run("audit", str(example.manifest), "--format", "json")
    assert status == ExitStatus.FINDINGS, err
    report = json.loads(out)
    topology = {f["rule_id"] for f in report["findings"]}
    assert "deployment.mobile-external-name" in topology
    assert "deployment.proxy-bypass-missing" in topology
    by_target = {t["target"]: {f["rule_id"] for f in t["findings"]} for t in report["targets"]}
    assert "chain.missing-intermediate" in by_target["production/portal"]
    assert "signature.weak-hash" in by_target["test/app"]
    # negative controls: the app server and its STS certificate are clean
    # (its AES-256 PFX gets the info note that Windows Server 2016 cannot import it: issue 12)
    assert "pfx.windows-import" in by_target["production/app"]
    clean = ("chain.private", "pfx.windows-import")
    assert not {r for r in by_target["production/app"] if not r.startswith(clean)}
    assert all(t["private_key"] == "matches" for t in report["targets"])
    assert "deployment.private-key-missing" not in topology
    assert "deployment.sts-certificate-failing" not in topology
    plan = tmp_path / "plan"
    assert run("plan", str(example.manifest), "--out", str(plan))[0] == ExitStatus.OK
    assert (plan / "README.md").exists()
    assert not [p for p in plan.rglob("*") if p.is_file() and b"PRIVATE KEY" in p.read_bytes()]
