"""One handshake per (endpoint, SNI name) and one no-SNI handshake per endpoint, counted on
loopback servers that record the server name of every ClientHello."""

from __future__ import annotations

import json
import ssl
import threading
from collections import Counter
from pathlib import Path

import pytest

from certready.adapters.profiles import load_policy
from certready.services import handshakes
from certready.services.scan import ScanOptions, scan_endpoints
from tests.audit.lab import APP, EXTERNAL, MOBILE, make_lab
from tests.cli import run
from tests.pki import TestCA
from tests.scan.servers import Servers, server_context, tls_handler

POLICY = load_policy("homecare")


def counting_context(context: ssl.SSLContext, seen: Counter[str | None]) -> ssl.SSLContext:
    """``context``, counting each ClientHello by the server name it sent (``None``: none)."""
    lock = threading.Lock()

    def record(_obj: object, name: str | None, _ctx: ssl.SSLContext) -> None:
        with lock:
            seen[name] += 1

    context.sni_callback = record  # type: ignore[assignment]
    return context


def test_scan_shares_each_handshake_between_targets(ca: TestCA) -> None:
    seen: Counter[str | None] = Counter()
    leaf = ca.issue("a.example.test")
    with Servers() as servers:
        port = servers.start(tls_handler(counting_context(server_context([leaf]), seen)))

        async def loopback(host: str, p: int) -> list[tuple[str, int]]:
            return [("127.0.0.1", p)]

        target = f"a.example.test:{port}"
        # the protocol probes (not handshakes of the count) are off: they send SNI too
        options = ScanOptions(policy=POLICY, timeout=3.0, resolver=loopback, protocol_probe=False)
        report = scan_endpoints([target, target, target], options)
    assert [t.status.value for t in report.targets] == ["ok"] * 3
    assert seen == Counter({"a.example.test": 1, None: 1})
    assert options.handshakes.count == 2
    # negative control: separate runs handshake again
    with Servers() as servers:
        port = servers.start(tls_handler(counting_context(server_context([leaf]), seen)))
        seen.clear()
        for _ in range(2):
            scan_endpoints(
                [f"a.example.test:{port}"],
                ScanOptions(policy=POLICY, resolver=loopback, protocol_probe=False),
            )
    assert seen == Counter({"a.example.test": 2, None: 2})


def test_live_audit_handshakes_once_per_name_and_once_without_sni(
    tmp_path: Path, ca: TestCA
) -> None:
    lab = make_lab(tmp_path, ca)
    seen: Counter[str | None] = Counter()
    served = ca.issue(MOBILE, EXTERNAL)
    with Servers() as servers:
        port = servers.start(
            tls_handler(counting_context(server_context([served, ca.intermediate]), seen))
        )
        text = lab.manifest.read_text().replace(
            f"fqdn: {MOBILE}\n", f"fqdn: {MOBILE}\n        endpoint: 127.0.0.1:{port}\n", 1
        )
        lab.manifest.write_text(text)
        _, out, err = run(
            "audit",
            str(lab.manifest),
            "--live",
            "--format",
            "json",
            "--timeout",
            "5",
            "--no-protocol-probe",
        )
    report = json.loads(out)
    live = [t for t in report["targets"] if "(live " in t["target"]]
    assert [t["status"] for t in live] == ["ok"], err
    # two names: one handshake each with SNI, and one without SNI shared by both (was two)
    assert seen == Counter({MOBILE: 1, EXTERNAL: 1, None: 1})
    assert APP not in seen


def test_a_run_keeps_a_bounded_number_of_finished_handshakes(
    ca: TestCA, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A streamed scan of many endpoints does not hold every chain: beyond ``KEEP`` finished
    handshakes the oldest are forgotten, so a duplicate far down the list handshakes again,
    while a near one still shares (control)."""
    monkeypatch.setattr(handshakes, "KEEP", 3)
    leaf = ca.issue("127.0.0.1")
    with Servers() as servers:
        ports = [servers.tls([leaf, ca.intermediate]) for _ in range(6)]
        targets = [f"127.0.0.1:{p}" for p in ports]
        near = ScanOptions(policy=POLICY, protocol_probe=False, concurrency=1)
        scan_endpoints([targets[0], targets[0], *targets[1:]], near)
        far = ScanOptions(policy=POLICY, protocol_probe=False, concurrency=1)
        scan_endpoints([*targets, targets[0]], far)
    assert near.handshakes.count == 6  # the duplicate right after the first shared its handshake
    assert far.handshakes.count == 7  # the first was forgotten by the time it came again
