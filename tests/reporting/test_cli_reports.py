"""--format and --output through the CLI: real certificates, files written, errors in one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from junitparser import JUnitXml

from tests.cli import run
from tests.pki import TestCA


@pytest.fixture
def good(tmp_path: Path, ca: TestCA) -> list[str]:
    """A certificate the homecare policy accepts: key, intermediate, trusted test root, host."""
    issued = ca.issue("app.example.test")
    _, key = issued.write(tmp_path, "app")
    (tmp_path / "chain.pem").write_bytes(ca.chain_pem(issued))
    (tmp_path / "root.pem").write_bytes(ca.root.cert_pem())
    chain, root = tmp_path / "chain.pem", tmp_path / "root.pem"
    return [str(chain), str(key), "--trust", str(root), "--host", "app.example.test"]


@pytest.mark.parametrize(
    ("fmt", "marker"),
    [
        ("html", "<!DOCTYPE html>"),
        ("junit", "<testsuites"),
        ("sarif", '"version": "2.1.0"'),
        ("markdown", "| target | state |"),
        ("json", '"schema_version": "4"'),
        ("text", "READY"),
    ],
)
def test_every_format_to_stdout_and_to_a_file(
    fmt: str, marker: str, good: list[str], tmp_path: Path
) -> None:
    status, out, err = run("lint", *good, "--format", fmt)
    assert status == 0, err
    assert marker in out
    target = tmp_path / f"report.{fmt}"
    status, out, err = run("lint", *good, "--format", fmt, "--output", str(target))
    assert status == 0, err
    assert out == ""
    assert marker in target.read_text("utf-8")


def test_output_dash_is_stdout(good: list[str]) -> None:
    status, out, _ = run("lint", *good, "-f", "markdown", "-o", "-")
    assert status == 0 and out.startswith("## certready lint")


def test_reports_replace_an_existing_file_keeping_its_mode(good: list[str], tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    target.write_text("old report")
    target.chmod(0o640)
    status, _, err = run("lint", *good, "--format", "html", "--output", str(target))
    assert status == 0, err
    assert target.read_text().startswith("<!DOCTYPE html>")
    assert target.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp left


def test_new_report_file_is_world_readable_and_utf8_bytes(tmp_path: Path, ca: TestCA) -> None:
    path, _ = ca.issue("cafe.example.test", cn="Café Ünïcode").write(tmp_path, "uni")
    target = tmp_path / "r.md"
    run("lint", str(path), "--format", "markdown", "--output", str(target))
    assert target.stat().st_mode & 0o777 == 0o644
    assert "Café Ünïcode".encode() in target.read_bytes()
    assert b"\r\n" not in target.read_bytes()


def test_missing_directory_is_a_one_line_error(good: list[str], tmp_path: Path) -> None:
    target = tmp_path / "nowhere" / "report.html"
    status, _, err = run("lint", *good, "--format", "html", "--output", str(target))
    assert status == 2
    assert "report.html" in err and "no such directory" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    status, _, err = run("lint", *good, "--format", "html", "--output", str(tmp_path))
    assert status == 2 and "is a directory" in err


def test_unknown_format_is_a_usage_error(good: list[str]) -> None:
    status, _, err = run("lint", *good, "--format", "pdf")
    assert status == 2
    assert "pdf" in err and "Traceback" not in err


def test_input_errors_still_render_and_exit_2(good: list[str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.pem"
    bad.write_text("-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n")
    target = tmp_path / "junit.xml"
    status, _, err = run("lint", *good, str(bad), "--format", "junit", "--output", str(target))
    assert status == 2 and "bad.pem" in err
    xml = JUnitXml.fromfile(str(target))
    xml.update_statistics()
    assert xml.errors == 1


def test_sarif_from_lint_validates(good: list[str]) -> None:
    import jsonschema

    schema = json.loads((Path(__file__).parent.parent / "data" / "sarif-2.1.0.json").read_text())
    status, out, _ = run("lint", *good, "--format", "sarif")
    log = json.loads(out)
    jsonschema.Draft4Validator(schema).validate(log)
    assert log["runs"][0]["properties"]["profile"] == "homecare"
    assert status == 0


def test_profile_file_policy_reaches_the_renderer(good: list[str], tmp_path: Path) -> None:
    profile = tmp_path / "mine.toml"
    profile.write_text('[profile]\nname = "mine"\nextends = "homecare"\n')
    status, out, err = run("lint", *good, "--profile", str(profile), "--format", "sarif")
    assert status == 0, err
    assert json.loads(out)["runs"][0]["properties"]["profile"] == "mine"
