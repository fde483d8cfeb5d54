"""Issue 12 item 14: ``scan`` (and ``audit --live``) report a server that still accepts TLS 1.0
or 1.1 although it negotiates TLS 1.3 with certready, with the SChannel and nginx/Apache fixes;
one probe set per endpoint; ``--no-protocol-probe`` turns it off."""

from __future__ import annotations

import json
import socket
import ssl
import threading
from collections.abc import Iterator

import pytest

from certready.adapters.profiles import load_policy
from certready.services.scan import ScanOptions, scan_endpoints
from tests.cli import run
from tests.pki import TestCA
from tests.scan.servers import Handler, Servers, server_context, tls_handler

OLD = "tls.protocol-obsolete-accepted"


@pytest.fixture(scope="module")
def ports(ca: TestCA) -> Iterator[dict[str, int]]:
    leaf = ca.issue("app.example.test", "127.0.0.1")
    with Servers() as s:
        yield {
            "tls10": s.tls([leaf, ca.intermediate], minimum_version=ssl.TLSVersion.TLSv1),
            "tls11": s.tls([leaf, ca.intermediate], minimum_version=ssl.TLSVersion.TLSv1_1),
            "modern": s.tls([leaf, ca.intermediate]),
        }


def _scan(port: int, *extra: str) -> tuple[int, dict[str, object]]:
    status, out, err = run("scan", f"127.0.0.1:{port}", "--format", "json", *extra)
    assert "Traceback" not in err, err
    target: dict[str, object] = json.loads(out)["targets"][0]
    return status, target


def _old(target: dict[str, object]) -> list[dict[str, str]]:
    return [f for f in target["findings"] if f["rule_id"] == OLD]  # type: ignore[attr-defined]


def test_a_server_accepting_tls_1_0_is_reported_with_the_fixes(ports: dict[str, int]) -> None:
    status, target = _scan(ports["tls10"])
    assert target["tls"]["protocol"] == "TLSv1.3"  # type: ignore[index]  # what hid it before
    (found,) = _old(target)
    assert found["severity"] == "error" and status == 1
    assert found["message"].startswith("the server accepts TLS 1.0 and TLS 1.1")
    fix = found["remediation"]
    assert (
        r"HKLM\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols\TLS 1.0\Server"
        in fix
    )
    assert "IIS Crypto" in fix and "ssl_protocols TLSv1.2 TLSv1.3" in fix
    assert "SSLProtocol -all +TLSv1.2 +TLSv1.3" in fix
    # TLS 1.1 only: the fix names that key alone
    (found,) = _old(_scan(ports["tls11"])[1])
    assert found["message"].startswith("the server accepts TLS 1.1 (")
    assert "TLS 1.0" not in found["remediation"]


def test_controls_a_modern_server_and_no_protocol_probe(ports: dict[str, int]) -> None:
    assert _old(_scan(ports["modern"])[1]) == []
    assert _old(_scan(ports["tls10"], "--no-protocol-probe")[1]) == []


def _counting(handler: Handler, seen: list[int]) -> Handler:
    lock = threading.Lock()

    def handle(conn: socket.socket, stop: threading.Event) -> None:
        with lock:
            seen.append(1)
        handler(conn, stop)

    return handle


def test_one_probe_set_per_endpoint(ca: TestCA) -> None:
    leaf = ca.issue("app.example.test", "127.0.0.1")
    seen: list[int] = []
    with Servers() as s:
        port = s.start(_counting(tls_handler(server_context([leaf, ca.intermediate])), seen))
        policy = load_policy("homecare")
        targets = [f"127.0.0.1:{port}", f"https://127.0.0.1:{port}/portal"]
        report = scan_endpoints(targets, ScanOptions(policy=policy, timeout=5))
        probed = len(seen)
        seen.clear()
        scan_endpoints(targets, ScanOptions(policy=policy, timeout=5, protocol_probe=False))
    assert len(report.targets) == 2
    assert len(seen) == 1  # one main handshake, shared (services/handshakes.py)
    assert probed == 1 + 4  # and one probe set of four for the shared endpoint
