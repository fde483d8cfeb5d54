"""``--jobs N``: worker processes give the report one process gives, order included; an input
error in one file of a parallel batch is reported once and the rest is still linted."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import pytest

from certready.services import lint as lint_service
from certready.services import lint_jobs
from tests.cli import run
from tests.fleet.batch import make_batch
from tests.pki import TestCA, new_key


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


def count_forks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every process lint forks from now on (the processes still start)."""
    forks: list[int] = []
    real = os.fork

    def spy() -> int:
        forks.append(1)
        return real()

    monkeypatch.setattr(os, "fork", spy)
    return forks


def test_jobs_2_and_jobs_1_give_identical_jsonl_streams(tmp_path: Path, ca: TestCA) -> None:
    batch = make_batch(tmp_path / "certs", ca, leaves=20)
    args = ["lint", str(batch), "--format", "jsonl", "--trust", str(ca.root_file(tmp_path))]
    status_1, out_1, err_1 = run(*args, "--jobs", "1")
    status_2, out_2, err_2 = run(*args, "--jobs", "2")
    lines_1 = [json.loads(line) for line in out_1.splitlines()]
    lines_2 = [json.loads(line) for line in out_2.splitlines()]  # each line valid on its own
    for line in (lines_1[-1], lines_2[-1]):
        line.pop("generated_at")
    assert lines_2 == lines_1 and (status_2, err_2) == (status_1, err_1)
    targets = [o for o in lines_2 if o["type"] == "target"]
    assert lines_2[-1]["type"] == "summary" and len(targets) == len(lines_2) - 1
    assert lines_2[-1]["summary"]["targets"] == len(targets) == 20 + 4
    statuses = [o["status"] for o in targets]
    assert lines_2[-1]["summary"]["input_errors"] == statuses.count("input-error") == 1


def test_a_judging_failure_in_a_worker_is_reported_once(
    tmp_path: Path, ca: TestCA, monkeypatch: pytest.MonkeyPatch
) -> None:
    """certready failing on one certificate (a bug, not bad input) in a worker process ends that
    target only: its error is said once, the other files are still judged."""
    batch = make_batch(tmp_path / "certs", ca, leaves=8)
    real = lint_service.analyse

    def failing(target: str, *args: Any, **kwargs: Any) -> Any:
        if target.endswith("a003.pem"):
            raise RuntimeError("boom")
        return real(target, *args, **kwargs)

    monkeypatch.setattr(lint_service, "analyse", failing)  # inherited by the forked workers
    forks = count_forks(monkeypatch)
    status, out, err = run("lint", str(batch), "--format", "jsonl", "--jobs", "2")
    assert len(forks) >= 2  # in worker processes
    targets = [json.loads(line) for line in out.splitlines()][:-1]
    failed = [t for t in targets if "could not be judged" in (t["reason"] or "")]
    assert [Path(t["target"]).name for t in failed] == ["a003.pem"]
    assert err.count("a003.pem") == 1 and "Traceback" not in err
    assert sum(t["status"] == "ok" for t in targets) == 7 + 2  # the other leaves, judged
    assert status == 2


def test_control_the_same_batch_in_one_process_fails_the_same_file(
    tmp_path: Path, ca: TestCA, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = make_batch(tmp_path / "certs", ca, leaves=8)
    real = lint_service.analyse

    def failing(target: str, *args: Any, **kwargs: Any) -> Any:
        if target.endswith("a003.pem"):
            raise RuntimeError("boom")
        return real(target, *args, **kwargs)

    monkeypatch.setattr(lint_service, "analyse", failing)
    forks = count_forks(monkeypatch)
    _, out, err = run("lint", str(batch), "--format", "jsonl", "--jobs", "1")
    assert forks == []
    targets = [json.loads(line) for line in out.splitlines()][:-1]
    failed = [t for t in targets if "could not be judged" in (t["reason"] or "")]
    assert [Path(t["target"]).name for t in failed] == ["a003.pem"] and err.count("a003.pem") == 1


def test_a_one_file_run_forks_nothing(
    tmp_path: Path, ca: TestCA, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``certready lint one.pem``: no pool, whatever the default or ``--jobs`` says."""
    cert = tmp_path / "app.pem"
    cert.write_bytes(ca.chain_pem(ca.issue("app.example.com")))

    def no_fork() -> int:
        raise AssertionError("forked")

    monkeypatch.setattr(os, "fork", no_fork)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    for jobs in ((), ("--jobs", "2")):
        status, out, err = run("lint", str(cert), "--format", "jsonl", *jobs)
        assert status in (0, 1) and err == ""
        assert json.loads(out.splitlines()[-1])["summary"]["targets"] == 1


def test_the_default_turns_workers_on_at_256_input_files(
    tmp_path: Path, ca: TestCA, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    assert lint_jobs.default_jobs(255) == 1 and lint_jobs.default_jobs(256) == 2
    assert lint_jobs.JOBS_AT == 256
    folder = tmp_path / "certs"
    folder.mkdir()
    key = new_key("p256")
    for i in range(256):
        issued = ca.issue(f"host{i}.example.com", key=key)
        (folder / f"{i:03d}.pem").write_bytes(issued.cert_pem())
    forks = count_forks(monkeypatch)
    _, out, _ = run("lint", str(folder), "--format", "jsonl")
    assert len(forks) >= 2  # a pool of two workers
    assert json.loads(out.splitlines()[-1])["summary"]["targets"] == 256
    forks.clear()  # control: one file fewer stays in one process
    files = sorted(str(p) for p in folder.iterdir())[:255]
    _, out, _ = run("lint", *files, "--format", "jsonl")
    assert forks == []
    assert json.loads(out.splitlines()[-1])["summary"]["targets"] == 255


def test_leaves_of_several_hierarchies_are_judged_together_as_alone(
    tmp_path: Path, ca: TestCA, other_ca: TestCA
) -> None:
    """The other files' CA certificates are path candidates only where a path can use them: a
    leaf beside files of an unrelated hierarchy is judged exactly as when given alone."""
    folder = tmp_path / "certs"
    folder.mkdir()
    (folder / "a.pem").write_bytes(ca.chain_pem(ca.issue("a.example.com")))
    (folder / "b.pem").write_bytes(other_ca.chain_pem(other_ca.issue("b.example.com")))
    expired = other_ca.issue(
        "c.example.com",
        not_before=dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
        not_after=dt.datetime(2021, 1, 1, tzinfo=dt.UTC),
    )
    (folder / "c.pem").write_bytes(other_ca.chain_pem(expired))
    roots = tmp_path / "roots.pem"
    roots.write_bytes(ca.root.cert_pem() + other_ca.root.cert_pem())
    args = ("--trust", str(roots), "--format", "json")
    for jobs in ("1", "2"):
        _, out, _ = run("lint", str(folder), *args, "--jobs", jobs)
        together = without_time(out)
        assert len(together["targets"]) == 3
        for target in together["targets"]:
            _, alone_out, _ = run("lint", target["target"], *args)
            alone = without_time(alone_out)
            assert alone["targets"] == [target]
            assert all(together["facts"][fp] == f for fp, f in alone["facts"].items())
    rules = {f["rule_id"] for t in together["targets"] for f in t["findings"]}
    assert "validity.expired" in rules  # the expired leaf is still judged as one


def test_only_the_ca_certificates_a_path_can_use_are_candidates(
    tmp_path: Path, ca: TestCA, other_ca: TestCA, monkeypatch: pytest.MonkeyPatch
) -> None:
    candidates: dict[str, list[str]] = {}
    real = lint_service.analyse_chain

    def spy(leaf: Any, *args: Any, companions: Any = (), **kwargs: Any) -> Any:
        names = [c.certificate.subject.rfc4514_string() for c in companions]
        candidates[str(leaf.location).split("/")[-1]] = names
        return real(leaf, *args, companions=companions, **kwargs)

    monkeypatch.setattr(lint_service, "analyse_chain", spy)
    folder = tmp_path / "certs"
    folder.mkdir()
    (folder / "a.pem").write_bytes(ca.chain_pem(ca.issue("a.example.com")))
    (folder / "b.pem").write_bytes(other_ca.chain_pem(other_ca.issue("b.example.com")))
    (folder / "c.pem").write_bytes(ca.issue("c.example.com").cert_pem())  # its CA: in a.pem
    run("lint", str(folder), "--trust", str(ca.root_file(tmp_path)), "--jobs", "1")
    assert candidates == {
        "a.pem#0": [],  # b.pem's intermediate issued nothing on its path
        "b.pem#0": [],
        "c.pem#0": [ca.intermediate.cert.subject.rfc4514_string()],  # control: its issuer
    }
