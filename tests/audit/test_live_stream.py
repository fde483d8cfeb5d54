"""``audit --live --format jsonl``: the file targets' lines come out before the live scan ends,
each server's live target as soon as it is judged, the deployment findings in the summary line;
the stream matches the JSON report. Loopback servers on 127.0.0.1 only."""

from __future__ import annotations

import io
import json
import threading
from pathlib import Path
from typing import Any

from certready.interfaces.cli import main
from certready.interfaces.demo.servers import LoopbackServers
from tests.audit.lab import APP, MOBILE, make_lab
from tests.pki import TestCA
from tests.scan.servers import Servers, Watched, held_until, server_context, tls_handler


def _lines(text: str) -> list[dict[str, Any]]:
    assert text.endswith("\n")
    return [json.loads(line) for line in text.splitlines()]


def _with_endpoint(manifest: Path, fqdn: str, endpoint: str) -> None:
    text = manifest.read_text().replace(
        f"fqdn: {fqdn}\n", f"fqdn: {fqdn}\n        endpoint: {endpoint}\n", 1
    )
    manifest.write_text(text)


def _audit(manifest: Path, fmt: str, seen: Any = None) -> tuple[int, str, str]:
    out = Watched(seen) if seen is not None else io.StringIO()
    err = io.StringIO()
    argv = ["audit", str(manifest), "--live", "--format", fmt, "--timeout", "3"]
    status = main([*argv, "--no-protocol-probe"], stdout=out, stderr=err)
    return status, out.getvalue(), err.getvalue()


def _held_endpoint_audit(tmp_path: Path, ca: TestCA, fmt: str) -> tuple[str, str]:
    """The lab's audit with the app server's endpoint held until the output names the app
    server's file target (else past the audit's 3 s deadline: unreachable)."""
    lab = make_lab(tmp_path, ca)
    release = threading.Event()
    with Servers() as servers:
        context = server_context([ca.issue(APP), ca.intermediate])
        port = servers.start(held_until(release, tls_handler(context), 10))
        _with_endpoint(lab.manifest, APP, f"127.0.0.1:{port}")

        def seen(text: str) -> None:
            if '"target":"production/app"' in text:
                release.set()

        _, out, err = _audit(lab.manifest, fmt, seen)
    return out, err


def test_file_targets_are_written_before_the_live_scan_ends(tmp_path: Path, ca: TestCA) -> None:
    out, err = _held_endpoint_audit(tmp_path, ca, "jsonl")
    lines = _lines(out)
    live = [line for line in lines if "(live " in line.get("target", "")]
    assert [line["status"] for line in live] == ["ok"], err  # released by the file target's line
    names = [line.get("target") for line in lines]
    assert names.index("production/app") < names.index(live[0]["target"])
    assert lines[-1]["type"] == "summary"


def test_json_control_writes_nothing_before_the_end(tmp_path: Path, ca: TestCA) -> None:
    """Control: with ``--format json`` nothing is written before the audit ends, so the held
    endpoint is never released in time."""
    out, _ = _held_endpoint_audit(tmp_path, ca, "json")
    report = json.loads(out)
    live = [t for t in report["targets"] if "(live " in t["target"]]
    assert [t["status"] for t in live] == ["unreachable"]


def test_jsonl_summary_carries_the_deployment_findings_of_the_json_report(
    tmp_path: Path, ca: TestCA
) -> None:
    lab = make_lab(tmp_path, ca)
    stranger = ca.issue(MOBILE)  # the mobile server serves another certificate than its file
    (tmp_path / "stranger.pem").write_bytes(ca.chain_pem(stranger))
    (tmp_path / "stranger.key").write_bytes(stranger.key_pem())
    with LoopbackServers() as servers:
        mobile = servers.start("mobile", tmp_path / "stranger.pem", tmp_path / "stranger.key")
        _with_endpoint(lab.manifest, MOBILE, mobile.target)
        s_lines, text, err_lines = _audit(lab.manifest, "jsonl")
        s_json, document, err_json = _audit(lab.manifest, "json")
    assert s_lines == s_json == 1 and err_lines == err_json
    lines, report = _lines(text), json.loads(document)
    assert all(line["schema_version"] == report["schema_version"] for line in lines)
    *targets, summary = lines
    assert [t["type"] for t in targets] == ["target"] * len(report["targets"])
    assert summary["type"] == "summary" and summary["summary"] == report["summary"]
    assert summary["findings"] == report["findings"]
    differs = [
        f for f in summary["findings"] if f["rule_id"].endswith("served-certificate-differs")
    ]
    mobile_live = f"production/mobile (live {mobile.target})"
    assert differs and differs[0]["about"] == [mobile_live]
    for line, target in zip(targets, report["targets"], strict=True):
        for key in ("target", "status", "reason", "findings", "hosts", "role"):
            assert line[key] == target[key], key
        # a line's state counts its own findings; the JSON report's also the deployment's
        about = any(line["target"] in f["about"] for f in report["findings"])
        assert (line["state"] == target["state"]) or about
    by_name = {t["target"]: t for t in targets}
    assert (
        report["targets"][[t["target"] for t in report["targets"]].index(mobile_live)]["state"]
        == "not_ready"
    )
    assert by_name[mobile_live]["state"] == "ready"
