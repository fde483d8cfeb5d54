"""Item 4: the inputs given together are one set.

``lint app.cer app.key chain.p7b`` (the ``--help`` example, and what a Windows export gives) used
to judge the .p7b alone and tell app.cer its intermediate was "neither supplied nor in the trust
stores". The CA certificates of every input are candidates for every leaf's path; the same leaf
given twice is judged once with both origins named.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli import run
from tests.pki import TestCA
from tests.realworld.setups import server, windows_set, write_pem

HOST = "app.example.test"


def _lint(*argv: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    status, out, err = run("lint", *argv, "--format", "json")
    assert "Traceback" not in err
    return status, json.loads(out)


def _ids(target: dict) -> set[str]:  # type: ignore[type-arg]
    return {f["rule_id"] for f in target["findings"]}


def test_cer_key_and_p7b_are_one_set(tmp_path: Path, ca: TestCA) -> None:
    cer, key, p7b = windows_set(tmp_path, ca, server(ca, HOST))
    trust = str(ca.root_file(tmp_path))
    status, report = _lint(str(cer), str(key), str(p7b), "--host", HOST, "--trust", trust)
    leaf = next(t for t in report["targets"] if t["target"] == str(cer))
    assert "chain.missing-intermediate" not in _ids(leaf)
    assert leaf["private_key"] == "matches"
    assert [e["origin"] for e in leaf["path"]][1].startswith(f"file:{p7b}")
    p7b_target = next(t for t in report["targets"] if t["target"] == str(p7b))
    assert not p7b_target["findings"]
    assert status == 0, report


def test_control_the_cer_alone_still_misses_its_intermediate(tmp_path: Path, ca: TestCA) -> None:
    cer, key, _ = windows_set(tmp_path, ca, server(ca, HOST))
    trust = str(ca.root_file(tmp_path))
    status, report = _lint(str(cer), str(key), "--host", HOST, "--trust", trust)
    assert "chain.missing-intermediate" in _ids(report["targets"][0])
    assert status == 1


def test_control_an_unrelated_p7b_does_not_complete_the_chain(
    tmp_path: Path, ca: TestCA, other_ca: TestCA
) -> None:
    cer, key, _ = windows_set(tmp_path, ca, server(ca, HOST))
    other = tmp_path / "other"
    other.mkdir()
    _, _, p7b = windows_set(other, other_ca, server(other_ca, HOST))
    trust = str(ca.root_file(tmp_path))
    status, report = _lint(str(cer), str(key), str(p7b), "--host", HOST, "--trust", trust)
    leaf = next(t for t in report["targets"] if t["target"] == str(cer))
    assert "chain.missing-intermediate" in _ids(leaf)
    assert "chain.unrelated-certificate" not in _ids(leaf)  # not supplied with the leaf
    assert status == 1


def test_the_same_leaf_twice_is_judged_once(tmp_path: Path, ca: TestCA) -> None:
    leaf = server(ca, HOST)
    cert = write_pem(tmp_path / "cert.pem", leaf.cert)
    full = write_pem(tmp_path / "fullchain.pem", leaf.cert, ca.intermediate.cert)
    trust = str(ca.root_file(tmp_path))
    status, report = _lint(str(cert), str(full), "--host", HOST, "--trust", trust)
    (target,) = report["targets"]
    assert str(cert) in target["target"] and str(full) in target["target"]
    assert "chain.missing-intermediate" not in _ids(target)
    assert status == 0


def test_control_two_different_leaves_are_two_targets(tmp_path: Path, ca: TestCA) -> None:
    one = write_pem(tmp_path / "one.pem", server(ca, HOST).cert, ca.intermediate.cert)
    two = write_pem(tmp_path / "two.pem", server(ca, HOST).cert)
    trust = str(ca.root_file(tmp_path))
    status, report = _lint(str(one), str(two), "--host", HOST, "--trust", trust)
    assert [t["target"] for t in report["targets"]] == [str(one), str(two)]
    # two.pem's intermediate is in one.pem: given together, it completes two's path too
    assert "chain.missing-intermediate" not in _ids(report["targets"][1])
    assert status == 0


def test_a_streamed_run_keeps_the_inputs_one_set(
    tmp_path: Path, ca: TestCA, monkeypatch: pytest.MonkeyPatch
) -> None:
    """From STREAM_AT inputs on the inputs are read again for the second pass; the index of the
    first (leaves, CA certificates) is kept, so the .p7b still completes app.cer's chain."""
    from certready.services import lint as lint_service

    monkeypatch.setattr(lint_service, "STREAM_AT", 1)
    cer, key, p7b = windows_set(tmp_path, ca, server(ca, HOST))
    trust = str(ca.root_file(tmp_path))
    status, report = _lint(str(cer), str(key), str(p7b), "--host", HOST, "--trust", trust)
    leaf = next(t for t in report["targets"] if t["target"] == str(cer))
    assert "chain.missing-intermediate" not in _ids(leaf)
    assert leaf["private_key"] == "matches"
    assert status == 0, report
