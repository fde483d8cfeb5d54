"""Item 5: a certbot ``live/`` folder passes.

Before, its ``README`` was an input error (exit 2) and cert.pem was judged without the chain.pem
beside it. In a folder walk, text that is plainly not certificate material is skipped with a note;
a file named on the command line still errors.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli import run
from tests.pki import TestCA
from tests.realworld.setups import certbot_live, server

HOST = "www.example.test"


def _lint(*argv: str) -> tuple[int, dict, str]:  # type: ignore[type-arg]
    status, out, err = run("lint", *argv, "--format", "json")
    assert "Traceback" not in err
    return status, json.loads(out), err


def test_certbot_live_folder_with_trust_is_ready(tmp_path: Path, ca: TestCA) -> None:
    live = certbot_live(tmp_path / "letsencrypt", ca, server(ca, HOST), HOST)
    trust = str(ca.root_file(tmp_path))
    status, report, err = _lint(str(live), "--host", HOST, "--trust", trust)
    assert "README" in err and "skipped" in err  # the note, on standard error
    judged = [t for t in report["targets"] if t["findings"] or t["private_key"] != "absent"]
    (leaf,) = judged
    assert "fullchain.pem" in leaf["target"] and "cert.pem" in leaf["target"]
    assert leaf["private_key"] == "matches"
    assert not [f for f in leaf["findings"] if f["severity"] in ("error", "warning")]
    assert not [t for t in report["targets"] if t["status"] == "input_error"]
    assert status == 0


def test_the_whole_letsencrypt_folder_is_ready_too(tmp_path: Path, ca: TestCA) -> None:
    root = tmp_path / "letsencrypt"
    certbot_live(root, ca, server(ca, HOST), HOST)
    trust = str(ca.root_file(tmp_path))
    status, report, err = _lint(str(root), "--host", HOST, "--trust", trust)
    assert "accounts.json" in err and "JSON" in err
    assert not [t for t in report["targets"] if t["status"] == "input_error"]
    assert status == 0


def test_control_cert_pem_alone_misses_its_intermediate(tmp_path: Path, ca: TestCA) -> None:
    live = certbot_live(tmp_path / "letsencrypt", ca, server(ca, HOST), HOST)
    trust = str(ca.root_file(tmp_path))
    status, report, _ = _lint(str(live / "cert.pem"), "--host", HOST, "--trust", trust)
    ids = {f["rule_id"] for f in report["targets"][0]["findings"]}
    assert "chain.missing-intermediate" in ids
    assert status == 1


def test_control_the_readme_named_explicitly_is_an_error(tmp_path: Path, ca: TestCA) -> None:
    live = certbot_live(tmp_path / "letsencrypt", ca, server(ca, HOST), HOST)
    status, _, err = run("lint", str(live / "README"), str(live / "fullchain.pem"))
    assert "README" in err and "not a certificate" in err
    assert status == 2


def test_control_a_damaged_certificate_in_a_folder_is_still_an_error(
    tmp_path: Path, ca: TestCA
) -> None:
    live = certbot_live(tmp_path / "letsencrypt", ca, server(ca, HOST), HOST)
    (live / "broken.pem").write_text("BEGIN CERTIFICATE\nMIIB...\nEND CERTIFICATE\n")
    status, _, err = run("lint", str(live), "--host", HOST)
    assert "broken.pem" in err
    assert status == 2


def test_show_of_the_live_folder_notes_the_readme_once(tmp_path: Path, ca: TestCA) -> None:
    live = certbot_live(tmp_path / "letsencrypt", ca, server(ca, HOST), HOST)
    status, out, err = run("show", str(live))
    assert "README" in err and "README" not in out
    assert status == 0
