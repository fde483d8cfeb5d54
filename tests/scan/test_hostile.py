"""Hostile and broken servers on 127.0.0.1: each is a per-target failure with a clear reason, the
scan ends within its deadline, and the good server in the same batch is still judged."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import Iterator

import pytest

from certready.adapters.profiles import load_policy
from certready.adapters.tlsfetch import FailureReason, FetchFailure, Presented, Step, fetch_chain
from certready.core.model import TargetResult, TargetStatus
from certready.services.scan import ScanOptions, scan_endpoints
from tests.pki import TestCA
from tests.scan.servers import (
    Servers,
    free_port,
    garbage,
    http,
    huge_leaf,
    reset,
    silent,
    trickle,
)

TIMEOUT = 1.0
SLACK = 1.5


@pytest.fixture(scope="module")
def servers(ca: TestCA) -> Iterator[dict[str, int]]:
    with Servers() as s:
        yield {
            "good": s.tls([ca.issue("127.0.0.1"), ca.intermediate]),
            "silent": s.start(silent),
            "trickle": s.start(trickle),
            "garbage": s.start(garbage),
            "http": s.start(http),
            "reset": s.start(reset),
            "huge": s.tls([huge_leaf(ca, "127.0.0.1"), ca.intermediate]),
            "refused": free_port(),
        }


def fetch(port: int, **kwargs: object) -> Presented | FetchFailure:
    args: dict[str, object] = {"sni": None, "timeout": TIMEOUT}
    args.update(kwargs)
    return asyncio.run(fetch_chain("127.0.0.1", port, **args))  # type: ignore[arg-type]


def failure(port: int, **kwargs: object) -> FetchFailure:
    started = time.monotonic()
    outcome = fetch(port, **kwargs)
    assert time.monotonic() - started < TIMEOUT + SLACK
    assert isinstance(outcome, FetchFailure), outcome
    return outcome


def test_good_server_is_the_negative_control(servers: dict[str, int]) -> None:
    outcome = fetch(servers["good"])
    assert isinstance(outcome, Presented)
    assert len(outcome.chain) == 2


def test_silent_server_times_out_in_the_handshake(servers: dict[str, int]) -> None:
    f = failure(servers["silent"])
    assert (f.reason, f.step) == (FailureReason.TIMEOUT, Step.HANDSHAKE)
    assert "timed out during the TLS handshake after 1 s" in f.message


def test_one_byte_a_second_times_out(servers: dict[str, int]) -> None:
    f = failure(servers["trickle"])
    assert (f.reason, f.step) == (FailureReason.TIMEOUT, Step.HANDSHAKE)


def test_garbage_is_not_tls(servers: dict[str, int]) -> None:
    f = failure(servers["garbage"])
    assert f.reason is FailureReason.NOT_TLS
    assert "not a TLS record" in f.message


def test_http_response_is_not_tls(servers: dict[str, int]) -> None:
    f = failure(servers["http"])
    assert f.reason is FailureReason.NOT_TLS
    assert "HTTP" in f.message


def test_reset(servers: dict[str, int]) -> None:
    f = failure(servers["reset"])
    assert f.reason is FailureReason.RESET
    assert "reset" in f.message


def test_refused(servers: dict[str, int]) -> None:
    f = failure(servers["refused"])
    assert (f.reason, f.step) == (FailureReason.REFUSED, Step.CONNECT)


def test_multi_megabyte_certificate_is_refused_early(servers: dict[str, int]) -> None:
    f = failure(servers["huge"])
    assert f.reason is FailureReason.TOO_LARGE
    # OpenSSL stops at the 100 KiB message header; our own byte budget stops any flood
    f = failure(servers["huge"], max_bytes=2048)
    assert f.reason is FailureReason.TOO_LARGE
    assert "more than 2 KiB" in f.message


def test_dns_failure_and_dns_timeout() -> None:
    async def nxdomain(host: str, port: int) -> list[tuple[str, int]]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    async def hangs(host: str, port: int) -> list[tuple[str, int]]:
        await asyncio.sleep(60)
        return []

    async def run(resolver: object) -> Presented | FetchFailure:
        return await fetch_chain(
            "app.example.test", 443, sni="app.example.test", timeout=TIMEOUT, resolver=resolver
        )  # type: ignore[arg-type]

    f = asyncio.run(run(nxdomain))
    assert isinstance(f, FetchFailure)
    assert (f.reason, f.step) == (FailureReason.DNS, Step.DNS)
    assert "app.example.test does not resolve" in f.message
    started = time.monotonic()
    f = asyncio.run(run(hangs))
    assert isinstance(f, FetchFailure)
    assert (f.reason, f.step) == (FailureReason.TIMEOUT, Step.DNS)
    assert "resolving the name" in f.message
    assert time.monotonic() - started < TIMEOUT + SLACK


def test_one_batch_of_hostile_servers_ends_within_one_deadline(servers: dict[str, int]) -> None:
    order = ["good", "silent", "trickle", "garbage", "http", "reset", "huge", "refused"]
    targets = [f"127.0.0.1:{servers[name]}" for name in order]
    options = ScanOptions(policy=load_policy("homecare"), timeout=TIMEOUT, concurrency=16)
    started = time.monotonic()
    report = scan_endpoints(targets, options)
    assert time.monotonic() - started < TIMEOUT + SLACK
    by_name: dict[str, TargetResult] = dict(zip(order, report.targets, strict=True))
    assert by_name["good"].status is TargetStatus.OK
    assert by_name["good"].tls is not None
    for name in order[1:]:
        result = by_name[name]
        assert result.status is TargetStatus.UNREACHABLE, name
        assert result.reason and "\n" not in result.reason
        assert str(result.location) == f"tls://127.0.0.1:{servers[name]}"
    assert "timed out" in (by_name["silent"].reason or "")
    assert "refused" in (by_name["refused"].reason or "")


def test_next_address_is_tried_when_one_refuses(servers: dict[str, int]) -> None:
    async def two_addresses(host: str, port: int) -> list[tuple[str, int]]:
        return [("127.0.0.1", servers["refused"]), ("127.0.0.1", servers["good"])]

    async def only_refused(host: str, port: int) -> list[tuple[str, int]]:
        return [("127.0.0.1", servers["refused"])]

    async def run(resolver: object) -> Presented | FetchFailure:
        return await fetch_chain(
            "app.example.test", 443, sni="app.example.test", timeout=TIMEOUT, resolver=resolver
        )  # type: ignore[arg-type]

    outcome = asyncio.run(run(two_addresses))
    assert isinstance(outcome, Presented)
    assert outcome.address == f"127.0.0.1:{servers['good']}"
    refused = asyncio.run(run(only_refused))
    assert isinstance(refused, FetchFailure) and refused.reason is FailureReason.REFUSED


def test_ipv6_loopback(ca: TestCA) -> None:
    import threading

    from tests.scan.servers import server_context

    try:
        sock = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        sock.bind(("::1", 0))
    except OSError:
        pytest.skip("no IPv6 loopback here")
    sock.listen(4)
    context = server_context([ca.issue("::1"), ca.intermediate])

    def serve() -> None:
        conn, _ = sock.accept()
        with conn, context.wrap_socket(conn, server_side=True) as tls:
            tls.recv(1)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    port = sock.getsockname()[1]
    options = ScanOptions(policy=load_policy("homecare"), timeout=3)
    try:
        (result,) = scan_endpoints([f"[::1]:{port}"], options).targets
    finally:
        thread.join(3)
        sock.close()
    assert result.status is TargetStatus.OK, result.reason
    assert result.tls is not None and result.tls.address == f"[::1]:{port}"
    assert str(result.location) == f"tls://[::1]:{port}#leaf"
    assert result.hosts == ("::1",)


def test_system_resolver_reads_the_hosts_file() -> None:
    from certready.adapters.tlsfetch import system_resolver

    addresses = asyncio.run(system_resolver("localhost", 8443))
    assert addresses and all(port == 8443 for _, port in addresses)
    assert {host for host, _ in addresses} & {"127.0.0.1", "::1"}


def black_hole() -> tuple[socket.socket, list[socket.socket]]:
    """A listener that never accepts, its queue full: a new SYN goes unanswered."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(3):
        filler = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        filler.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            filler.connect(("127.0.0.1", port))
        fillers.append(filler)
    time.sleep(0.1)
    return listener, fillers


def test_full_accept_queue_times_out_while_connecting() -> None:
    listener, fillers = black_hole()
    port = listener.getsockname()[1]
    try:
        f = failure(port)
    finally:
        for s in (*fillers, listener):
            s.close()
    if f.step is Step.HANDSHAKE:  # pragma: no cover - a kernel that queues more than asked
        pytest.skip("this kernel accepted the connection into a longer queue")
    assert (f.reason, f.step) == (FailureReason.TIMEOUT, Step.CONNECT)
    assert "timed out while connecting after 1 s" in f.message


def test_closed_before_and_during_the_handshake() -> None:
    from tests.scan.servers import closes_at_once, half_hello

    with Servers() as s:
        at_once, half = s.start(closes_at_once), s.start(half_hello)
        f = failure(at_once)
        assert f.reason in (FailureReason.CLOSED, FailureReason.RESET)
        f = failure(half)
        assert f.reason is FailureReason.CLOSED
        assert "middle of the handshake" in f.message


def test_a_dead_first_address_leaves_time_for_the_next(servers: dict[str, int]) -> None:
    listener, fillers = black_hole()
    dead = listener.getsockname()[1]

    async def dead_then_good(host: str, port: int) -> list[tuple[str, int]]:
        return [("127.0.0.1", dead), ("127.0.0.1", servers["good"])]

    async def run() -> Presented | FetchFailure:
        return await fetch_chain(
            "app.example.test", 443, sni=None, timeout=2.0, resolver=dead_then_good
        )

    started = time.monotonic()
    try:
        outcome = asyncio.run(run())
    finally:
        for s in (*fillers, listener):
            s.close()
    if isinstance(outcome, FetchFailure) and outcome.step is Step.HANDSHAKE:  # pragma: no cover
        pytest.skip("this kernel accepted the connection into a longer queue")
    assert isinstance(outcome, Presented), outcome
    assert outcome.address == f"127.0.0.1:{servers['good']}"
    assert time.monotonic() - started < 2.0
