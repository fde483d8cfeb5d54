"""A leaf rule that crashes on one certificate of a lint batch: that target gets ``engine.rule-failed``
naming the rule, and every target, that one included, is still reported with its other findings."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from certready.core.rules.keys import rsa_size
from certready.core.rules.meta import rule_failed
from certready.interfaces.cli import ExitStatus
from tests.cli import run
from tests.pki import TestCA

NAMES = {"crash": "crash.example.test", "weak": "weak.example.test", "fine": "fine.example.test"}


@pytest.fixture
def rsa_size_crashes_on_crash_example() -> Iterator[None]:
    """``key.rsa-size``'s check raises for the leaf named crash.example.test, and only there."""
    original = rsa_size.check

    def check(ctx: Any, params: Any) -> Iterable[Any]:
        if ctx.leaf.display_name == NAMES["crash"]:
            raise RuntimeError("injected crash")
        return original(ctx, params)

    object.__setattr__(rsa_size, "check", check)  # Rule is frozen; the engine reads .check
    try:
        yield
    finally:
        object.__setattr__(rsa_size, "check", original)


def _lint(tmp_path: Path, ca: TestCA) -> tuple[int, dict[str, list[dict[str, str]]]]:
    paths = []
    for stem, name in NAMES.items():
        issued = ca.issue(name, key_kind="rsa1024" if stem == "weak" else "rsa2048")
        path = tmp_path / f"{stem}.pem"
        path.write_bytes(ca.chain_pem(issued))
        paths.append(str(path))
    status, out, err = run("lint", *paths, "-f", "json")
    assert "Traceback" not in err
    targets = {Path(t["target"]).stem: t for t in json.loads(out)["targets"]}
    assert set(targets) == set(NAMES) and {t["status"] for t in targets.values()} == {"ok"}
    return status, {stem: t["findings"] for stem, t in targets.items()}


def _ids(findings: list[dict[str, str]]) -> set[str]:
    return {f["rule_id"] for f in findings}


@pytest.mark.usefixtures("rsa_size_crashes_on_crash_example")
def test_a_crashing_leaf_rule_becomes_rule_failed_and_the_batch_goes_on(
    tmp_path: Path, ca: TestCA
) -> None:
    status, findings = _lint(tmp_path, ca)
    assert status == ExitStatus.FINDINGS  # a report, not an abort with exit 2
    (failed,) = [f for f in findings["crash"] if f["rule_id"] == rule_failed.id]
    assert rsa_size.id in failed["message"] and "RuntimeError: injected crash" in failed["message"]
    assert rsa_size.id not in _ids(findings["crash"])
    assert len(findings["crash"]) > 1  # the other rules still judged that certificate
    assert rsa_size.id in _ids(findings["weak"])  # the same rule still runs on the others
    assert rule_failed.id not in _ids(findings["weak"]) | _ids(findings["fine"])


def test_control_without_the_crash_no_rule_failed(tmp_path: Path, ca: TestCA) -> None:
    _, findings = _lint(tmp_path, ca)
    assert all(rule_failed.id not in _ids(f) for f in findings.values())
    assert rsa_size.id in _ids(findings["weak"]) and rsa_size.id not in _ids(findings["crash"])
