"""``scan --format jsonl`` writes each target's line as soon as it and the targets before it are
judged: the line of a fast server comes out while a slower server later in the list is still
handshaking. Loopback servers on 127.0.0.1 only."""

from __future__ import annotations

import datetime as dt
import io
import json
import threading
from typing import Any

from certready.interfaces.cli import main
from tests.pki import TestCA
from tests.scan.servers import (
    Servers,
    Watched,
    free_port,
    held_until,
    server_context,
    tls_handler,
)


def _scan(fmt: str, ports: list[int], release: threading.Event, fast: int) -> tuple[int, str]:
    """Scan the ports in order; the first write naming port ``fast`` releases the slow one."""

    def seen(text: str) -> None:
        if f"127.0.0.1:{fast}" in text:
            release.set()

    out = Watched(seen)
    targets = [f"127.0.0.1:{p}" for p in ports]
    argv = ["scan", *targets, "--format", fmt, "--timeout", "3", "--no-protocol-probe"]
    status = main(argv, stdout=out, stderr=io.StringIO())
    return status, out.getvalue()


def _lines(text: str) -> list[dict[str, Any]]:
    lines = text.splitlines()
    assert text.endswith("\n") and all(lines)
    return [json.loads(line) for line in lines]  # each line is a JSON document of its own


def _fast_slow_fast(ca: TestCA, fmt: str) -> tuple[int, str, list[int]]:
    """A scan of three servers, the second held until the first one's target is written (else
    past the scan's 3 s deadline: unreachable)."""
    leaf = ca.issue("a.example.test", "127.0.0.1")
    release = threading.Event()
    with Servers() as servers:
        context = server_context([leaf, ca.intermediate])
        fast = servers.start(tls_handler(context))
        slow = servers.start(held_until(release, tls_handler(context), 10))
        after = servers.start(tls_handler(context))
        status, out = _scan(fmt, [fast, slow, after], release, fast)
    return status, out, [fast, slow, after]


def test_jsonl_writes_a_fast_target_before_a_slow_later_one_finishes(ca: TestCA) -> None:
    status, out, ports = _fast_slow_fast(ca, "jsonl")
    assert status == 1, out  # findings (the test CA is trusted by no store), none unreachable
    lines = _lines(out)
    assert [line["type"] for line in lines] == ["target", "target", "target", "summary"]
    assert all(line["schema_version"] == lines[-1]["schema_version"] for line in lines)
    assert [line["target"] for line in lines[:3]] == [f"127.0.0.1:{p}" for p in ports]
    # the slow server was released by the fast target's line, so it was written before it ended
    assert [line["status"] for line in lines[:3]] == ["ok", "ok", "ok"], out
    assert lines[-1]["summary"]["targets"] == 3


def test_json_writes_nothing_before_the_end_control(ca: TestCA) -> None:
    """Control: ``--format json`` writes the document at the end, so nothing releases the slow
    server before the scan's deadline: it is unreachable, and the fast target's line (the
    release) never came first."""
    _, out, _ = _fast_slow_fast(ca, "json")
    report = json.loads(out)
    assert [t["status"] for t in report["targets"]] == ["ok", "unreachable", "ok"]


def test_jsonl_summary_and_targets_match_the_json_report(ca: TestCA) -> None:
    leaf = ca.issue("a.example.test", "127.0.0.1")
    ten_days_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=10)
    expired = ca.issue("b.example.test", "127.0.0.1", not_before=ten_days_ago, days=5)
    with Servers() as servers:
        ports = [
            servers.tls([leaf, ca.intermediate]),
            servers.tls([expired]),  # an expired leaf without its intermediate: findings
            free_port(),  # nothing listens: unreachable
        ]
        targets = [f"127.0.0.1:{p}" for p in ports]
        runs = {}
        for fmt in ("jsonl", "json"):
            err = io.StringIO()
            out = io.StringIO()
            argv = ["scan", *targets, "--format", fmt, "--no-protocol-probe"]
            status = main(argv, stdout=out, stderr=err)
            runs[fmt] = (status, out.getvalue(), err.getvalue())
    (s_lines, text, err_lines), (s_json, document, err_json) = runs["jsonl"], runs["json"]
    assert s_lines == s_json == 1 and err_lines == err_json
    lines, report = _lines(text), json.loads(document)
    summary = lines[-1]
    assert summary["type"] == "summary" and summary["summary"] == report["summary"]
    assert summary["findings"] == report["findings"] == []
    assert len(lines) - 1 == len(report["targets"]) == 3
    for line, target in zip(lines, report["targets"], strict=False):
        assert line["type"] == "target"
        for key in ("target", "status", "state", "reason", "findings", "hosts"):
            assert line[key] == target[key], key
    assert any(line["findings"] for line in lines[:3])  # not vacuous: findings were compared
