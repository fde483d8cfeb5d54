"""``--jobs N``: worker processes give the report one process gives, order included; an input
error in one file of a parallel batch is reported once and the rest is still linted."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from certready.services import lint_jobs
from tests.cli import run
from tests.fleet.batch import make_batch
from tests.pki import TestCA


def without_time(out: str) -> dict[str, Any]:
    report: dict[str, Any] = json.loads(out)
    report.pop("generated_at")
    return report


def test_jobs_2_and_jobs_1_give_identical_reports(tmp_path: Path, ca: TestCA) -> None:
    batch = make_batch(tmp_path / "certs", ca, leaves=12)
    empty = tmp_path / "empty"  # a folder without a certificate: its own error, in its place
    # (its plain text file is skipped with a note, not a target)
    empty.mkdir()
    (empty / "notes.txt").write_text("nothing here\n")
    single = tmp_path / "single.pem"
    single.write_bytes(ca.chain_pem(ca.issue("single.example.com")))
    bare = tmp_path / "bare"  # a folder without files
    bare.mkdir()
    args = ["lint", str(batch), str(empty), str(bare), str(single), "--format", "json"]
    status_1, out_1, err_1 = run(*args, "--jobs", "1")
    status_2, out_2, err_2 = run(*args, "--jobs", "2")
    assert status_1 == status_2 == 2
    one, two = without_time(out_1), without_time(out_2)
    assert [t["target"] for t in two["targets"]] == [t["target"] for t in one["targets"]]
    assert two == one
    assert err_1 == err_2
    targets = [t["target"] for t in one["targets"]]
    assert targets[-3:] == [str(empty), str(bare), str(single)]
    assert len(targets) == 12 + 4 + 3


def test_an_input_error_in_a_parallel_batch_is_reported_once(
    tmp_path: Path, ca: TestCA, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = make_batch(tmp_path / "certs", ca, leaves=8)
    used: list[int] = []
    real = lint_jobs.lint_results

    def single(*args: Any, **kwargs: Any) -> Any:
        used.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(lint_jobs, "lint_results", single)
    status, out, err = run("lint", str(batch), "--format", "jsonl", "--jobs", "2")
    assert used == []  # really in worker processes
    lines = [json.loads(line) for line in out.splitlines()]
    errors = [o for o in lines if o["type"] == "target" and o["status"] == "input-error"]
    assert [Path(o["target"]).name for o in errors] == ["c-garbage.pem"]
    assert err.count("c-garbage.pem") == 1
    ok = [o for o in lines if o["type"] == "target" and o["status"] == "ok"]
    assert len(ok) == 8 + 2  # every leaf, the long-lived and the expired one
    assert lines[-1]["summary"]["input_errors"] == 1 and status == 2


def test_one_file_stays_in_one_process(
    tmp_path: Path, ca: TestCA, monkeypatch: pytest.MonkeyPatch
) -> None:
    cert = tmp_path / "app.pem"
    cert.write_bytes(ca.chain_pem(ca.issue("app.example.com")))
    used: list[int] = []
    real = lint_jobs.lint_results

    def single(*args: Any, **kwargs: Any) -> Any:
        used.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(lint_jobs, "lint_results", single)
    run("lint", str(cert), "--jobs", "2")
    assert used == [1]
    assert lint_jobs.default_jobs(255) == 1 and lint_jobs.default_jobs(256) >= 1


def test_a_key_in_a_file_of_its_own_is_still_paired_with_jobs(tmp_path: Path, ca: TestCA) -> None:
    issued = ca.issue("app.example.com")
    (tmp_path / "app.pem").write_bytes(ca.chain_pem(issued))
    (tmp_path / "app.key").write_bytes(issued.key_pem())
    (tmp_path / "other.pem").write_bytes(ca.chain_pem(ca.issue("other.example.com")))
    _, out, _ = run("lint", str(tmp_path), "--format", "json", "--jobs", "2")
    targets = json.loads(out)["targets"]
    assert {Path(t["target"]).name: t["private_key"] for t in targets} == {
        "app.pem": "matches",
        "other.pem": "absent",
    }


def test_audit_jobs_2_and_jobs_1_give_identical_reports(
    tmp_path: Path, ca: TestCA, monkeypatch: pytest.MonkeyPatch
) -> None:
    from certready.services import audit_files
    from tests.audit.lab import make_lab

    forked: list[int] = []
    real = audit_files.fork_map

    def spy(task: Any, count: int, workers: int) -> Any:
        forked.append(workers)
        return real(task, count, workers)

    monkeypatch.setattr(audit_files, "fork_map", spy)
    lab = make_lab(tmp_path, ca)
    _, out_1, _ = run("audit", str(lab.manifest), "--format", "json", "--jobs", "1")
    assert forked == []
    _, out_2, _ = run("audit", str(lab.manifest), "--format", "json", "--jobs", "2")
    assert forked == [2]
    one, two = without_time(out_1), without_time(out_2)
    assert two == one
    assert [t["target"] for t in one["targets"]][:3] == [
        "production/app",
        "production/app (sts)",
        "production/mobile",
    ]


def test_jobs_keep_the_inputs_one_set(tmp_path: Path, ca: TestCA) -> None:
    """A leaf whose intermediate is in another file, a leaf given twice and a file of CA
    certificates: worker processes judge them as one process does (path candidates from the
    other files, the duplicate judged once naming both, the CA file skipped)."""
    trust = str(ca.root_file(tmp_path))
    certs = tmp_path / "certs"
    certs.mkdir()
    alone = ca.issue("alone.example.com")
    (certs / "a-alone.pem").write_bytes(alone.cert_pem())
    twice = ca.issue("twice.example.com")
    (certs / "b-cert.pem").write_bytes(twice.cert_pem())
    (certs / "c-fullchain.pem").write_bytes(ca.chain_pem(twice))
    (certs / "d-chain.pem").write_bytes(ca.intermediate.cert_pem())
    args = ["lint", str(certs), "--trust", trust, "--format", "json"]
    _, out_1, _ = run(*args, "--jobs", "1")
    _, out_2, _ = run(*args, "--jobs", "2")
    one, two = without_time(out_1), without_time(out_2)
    assert two == one
    by_name = {Path(t["target"].split(", ")[0]).name: t for t in two["targets"]}
    assert set(by_name) == {"a-alone.pem", "c-fullchain.pem", "d-chain.pem"}
    rules = {f["rule_id"] for f in by_name["a-alone.pem"]["findings"]}
    assert "chain.missing-intermediate" not in rules
    assert by_name["c-fullchain.pem"]["target"].endswith(str(certs / "b-cert.pem"))
    assert by_name["d-chain.pem"]["status"] == "skipped"


def test_control_jobs_one_leaf_alone_misses_its_intermediate(tmp_path: Path, ca: TestCA) -> None:
    trust = str(ca.root_file(tmp_path))
    certs = tmp_path / "certs"
    certs.mkdir()
    for name in ("a", "b"):
        (certs / f"{name}.pem").write_bytes(ca.issue(f"{name}.example.com").cert_pem())
    _, out, _ = run("lint", str(certs), "--trust", trust, "--format", "json", "--jobs", "2")
    for target in without_time(out)["targets"]:
        assert "chain.missing-intermediate" in {f["rule_id"] for f in target["findings"]}
