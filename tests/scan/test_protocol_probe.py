"""Issue 12 item 14, the probes: which protocol versions a loopback server accepts, one handshake
per version offering that version alone, against real servers on 127.0.0.1."""

from __future__ import annotations

import asyncio
import ssl

from certready.adapters.tlsfetch import FetchSettings
from certready.core.protocols import ProbeOutcome, ProtocolSupport, TlsVersion
from tests.pki import TestCA
from tests.scan.servers import Servers, free_port, silent

ACCEPTED, REFUSED = ProbeOutcome.ACCEPTED, ProbeOutcome.REFUSED


def _probe(port: int, timeout: float = 5.0, max_bytes: int = 1 << 20) -> ProtocolSupport:
    settings = FetchSettings(timeout, max_bytes)
    return asyncio.run(settings.protocols("127.0.0.1", port, "a.example.test"))


def test_a_server_that_still_accepts_tls_1_0(ca: TestCA) -> None:
    leaf = ca.issue("a.example.test")
    with Servers() as s:
        old = s.tls([leaf, ca.intermediate], minimum_version=ssl.TLSVersion.TLSv1)
        modern = s.tls([leaf, ca.intermediate])  # Python's default: TLS 1.2 and up
        only13 = s.tls([leaf, ca.intermediate], minimum_version=ssl.TLSVersion.TLSv1_3)
        found_old, found_modern, found13 = _probe(old), _probe(modern), _probe(only13)
    assert found_old.outcomes == (
        (TlsVersion.TLS1_0, ACCEPTED),
        (TlsVersion.TLS1_1, ACCEPTED),
        (TlsVersion.TLS1_2, ACCEPTED),
        (TlsVersion.TLS1_3, ACCEPTED),
    )
    assert found_old.obsolete_accepted == (TlsVersion.TLS1_0, TlsVersion.TLS1_1)
    # controls: a default server refuses 1.0 and 1.1; a 1.3-only server refuses 1.2 too
    assert found_modern.accepted == (TlsVersion.TLS1_2, TlsVersion.TLS1_3)
    assert found_modern.outcome(TlsVersion.TLS1_0) is REFUSED
    assert found_modern.obsolete_accepted == ()
    assert found13.accepted == (TlsVersion.TLS1_3,)


def test_no_answer_is_undetermined_not_refused() -> None:
    with Servers() as s:
        port = s.start(silent)
        hung = _probe(port, timeout=0.5)
    assert {o for _, o in hung.outcomes} == {ProbeOutcome.UNDETERMINED}
    closed = _probe(free_port(), timeout=2)
    assert {o for _, o in closed.outcomes} == {ProbeOutcome.UNDETERMINED}


def test_the_probes_share_one_byte_budget(ca: TestCA) -> None:
    leaf = ca.issue("a.example.test")
    with Servers() as s:
        port = s.tls([leaf, ca.intermediate], minimum_version=ssl.TLSVersion.TLSv1)
        alone = _probe(port)
        # one chain fits; four handshakes' worth does not: some probes stop, none is "accepted"
        # on bytes it was not allowed to read
        tight = _probe(port, max_bytes=3000)
    assert len(alone.accepted) == 4
    assert len(tight.accepted) < 4
    assert ProbeOutcome.UNDETERMINED in {o for _, o in tight.outcomes}
