"""One handshake per (endpoint, SNI name) and one no-SNI handshake per endpoint, counted on
loopback servers that record the server name of every ClientHello."""

from __future__ import annotations

import json
import ssl
import threading
from collections import Counter
from pathlib import Path

from certready.adapters.profiles import load_policy
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
        options = ScanOptions(policy=POLICY, timeout=3.0, resolver=loopback)
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
                [f"a.example.test:{port}"], ScanOptions(policy=POLICY, resolver=loopback)
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
            "audit", str(lab.manifest), "--live", "--format", "json", "--timeout", "5"
        )
    report = json.loads(out)
    live = [t for t in report["targets"] if "(live " in t["target"]]
    assert [t["status"] for t in live] == ["ok"], err
    # two names: one handshake each with SNI, and one without SNI shared by both (was two)
    assert seen == Counter({MOBILE: 1, EXTERNAL: 1, None: 1})
    assert APP not in seen
