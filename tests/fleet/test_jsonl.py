"""``--format jsonl``: one JSON object per line, valid line by line, the summary last and equal
to the JSON report's; lint writes each target's line as it is judged."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from certready.interfaces.cli import main
from certready.services import lint as lint_service
from tests.audit.lab import make_lab
from tests.cli import run
from tests.fleet.batch import make_batch
from tests.pki import TestCA


def parse_lines(out: str) -> list[dict[str, Any]]:
    assert out.endswith("\n")
    lines = out.splitlines()
    objects = [json.loads(line) for line in lines]  # each line on its own is valid JSON
    assert all(isinstance(o, dict) for o in objects)
    return objects


def test_lint_jsonl_lines_match_the_json_report(tmp_path: Path, ca: TestCA) -> None:
    batch = make_batch(tmp_path / "certs", ca)
    status_json, out_json, _ = run("lint", str(batch), "--format", "json")
    status, out, err = run("lint", str(batch), "--format", "jsonl")
    assert status == status_json == 2  # the garbage file is an input error
    assert "c-garbage.pem" in err and err.count("c-garbage.pem") == 1
    objects = parse_lines(out)
    report = json.loads(out_json)
    assert [o["type"] for o in objects] == ["target"] * len(report["targets"]) + ["summary"]
    assert all(o["schema_version"] == report["schema_version"] for o in objects)
    drop = ("schema_version", "type", "facts")
    targets = [{k: v for k, v in o.items() if k not in drop} for o in objects]
    assert targets[:-1] == report["targets"]  # order, certificates and findings included
    summary = objects[-1]
    assert summary["summary"] == report["summary"]
    assert summary["summary"]["targets"] == len(objects) - 1
    assert summary["command"] == "lint" and summary["findings"] == report["findings"]
    # a target line carries its own certificates
    for line in objects[:-1]:
        refs = {r["fingerprint_sha256"] for r in (*line["certificates"], *line["path"])}
        assert set(line["facts"]) == refs
        assert all(report["facts"][fp] == facts for fp, facts in line["facts"].items())
    first = next(o for o in objects if o["type"] == "target" and o["status"] == "ok")
    assert first["facts"][first["certificates"][0]["fingerprint_sha256"]]["subject"]


def test_jsonl_summary_of_a_clean_run(tmp_path: Path, ca: TestCA) -> None:
    (tmp_path / "app.pem").write_bytes(ca.chain_pem(ca.issue("app.example.com")))
    status, out, _ = run("lint", str(tmp_path / "app.pem"), "--format", "jsonl", "-o", "-")
    objects = parse_lines(out)
    assert [o["type"] for o in objects] == ["target", "summary"]
    assert objects[1]["summary"]["input_errors"] == 0 and status in (0, 1)


def test_jsonl_to_a_file(tmp_path: Path, ca: TestCA) -> None:
    batch = make_batch(tmp_path / "certs", ca, leaves=2)
    out_file = tmp_path / "report.jsonl"
    _, out, _ = run("lint", str(batch), "--format", "jsonl", "--output", str(out_file))
    assert out == ""
    objects = parse_lines(out_file.read_text())
    assert objects[-1]["type"] == "summary" and objects[-1]["summary"]["targets"] == 6


def test_lint_streams_each_line_before_judging_the_next(
    tmp_path: Path, ca: TestCA, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = make_batch(tmp_path / "certs", ca, leaves=4)
    out, err = io.StringIO(), io.StringIO()
    lines_when_judged: list[int] = []
    real = lint_service.analyse  # every leaf of a lint run is judged through it

    def spy(*args: Any, **kwargs: Any) -> Any:
        lines_when_judged.append(out.getvalue().count("\n"))
        return real(*args, **kwargs)

    monkeypatch.setattr(lint_service, "analyse", spy)
    main(["lint", str(batch), "--format", "jsonl"], stdout=out, stderr=err)
    # the n-th certificate is judged after the lines of every target before it were written
    assert lines_when_judged == sorted(lines_when_judged)
    assert lines_when_judged[0] == 0 and lines_when_judged[-1] >= len(lines_when_judged) - 1
    # negative control: the json format writes nothing until the end
    out.seek(0)
    out.truncate()
    lines_when_judged.clear()
    main(["lint", str(batch), "--format", "json"], stdout=out, stderr=err)
    assert set(lines_when_judged) == {0}


def test_audit_and_scan_offer_jsonl(tmp_path: Path, ca: TestCA) -> None:
    lab = make_lab(tmp_path, ca)
    _, out, _ = run("audit", str(lab.manifest), "--format", "jsonl")
    objects = parse_lines(out)
    assert objects[-1]["type"] == "summary" and objects[-1]["command"] == "audit"
    assert objects[-1]["summary"]["targets"] == len(objects) - 1
    _, out_json, _ = run("audit", str(lab.manifest), "--format", "json")
    assert objects[-1]["findings"] == json.loads(out_json)["findings"]
    status, out, _ = run("scan", "127.0.0.1:1", "--format", "jsonl", "--timeout", "1")
    objects = parse_lines(out)
    assert [o["type"] for o in objects] == ["target", "summary"]
    assert objects[0]["status"] == "unreachable" and status == 3
