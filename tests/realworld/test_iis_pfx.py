"""Item 6: an IIS-style PFX from a private CA, before and after ``--trust``.

The PFX holds the leaf and its issuing CA; what certready does not know is the root. Before, that
was "missing intermediate: add it to the chain file". Now the chain ends at an issuer certready
cannot find, and the message leads with the private-root case (``--trust FILE``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from certready.core.rules.chain import issuer_not_found, missing_intermediate
from tests.cli import run
from tests.pki import TestCA
from tests.realworld.setups import iis_pfx, server

HOST = "portal.corp.test"


def _lint(*argv: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    status, out, err = run("lint", *argv, "--password-env", "PFX_PW", "--format", "json")
    assert "Traceback" not in err
    return status, json.loads(out)


def _findings(report: dict) -> dict[str, str]:  # type: ignore[type-arg]
    return {f["rule_id"]: f["message"] for f in report["targets"][0]["findings"]}


def test_private_ca_pfx_without_trust_names_the_unknown_root(
    tmp_path: Path, ca: TestCA, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PFX_PW", "pw")
    pfx = iis_pfx(tmp_path, ca, server(ca, HOST), with_chain=True)
    status, report = _lint(str(pfx), "--host", HOST)
    found = _findings(report)
    assert missing_intermediate.id not in found
    message = found[issuer_not_found.id]
    assert message.index("--trust FILE") < message.index("intermediate")
    assert "trust.roots" in message
    assert status == 1


def test_control_the_same_pfx_with_trust_is_ready(
    tmp_path: Path, ca: TestCA, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PFX_PW", "pw")
    pfx = iis_pfx(tmp_path, ca, server(ca, HOST), with_chain=True)
    status, report = _lint(str(pfx), "--host", HOST, "--trust", str(ca.root_file(tmp_path)))
    assert report["targets"][0]["private_key"] == "matches"
    assert not [f for f in report["targets"][0]["findings"] if f["severity"] != "info"]
    assert status == 0


def test_control_a_pfx_without_its_chain_misses_the_intermediate(
    tmp_path: Path, ca: TestCA, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PFX_PW", "pw")
    pfx = iis_pfx(tmp_path, ca, server(ca, HOST), with_chain=False)
    status, report = _lint(str(pfx), "--host", HOST, "--trust", str(ca.root_file(tmp_path)))
    found = _findings(report)
    assert missing_intermediate.id in found and issuer_not_found.id not in found
    assert status == 1
