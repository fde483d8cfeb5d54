"""The chain a live server presents: one TLS handshake over asyncio, nothing trusted during it.

The handshake runs through :class:`ssl.MemoryBIO` over a plain non-blocking socket, so every byte the
server sends is counted (a multi-megabyte certificate stops at :data:`MAX_HANDSHAKE_BYTES`) and the
step in progress is known when the per-target deadline expires. ``CERT_NONE`` and ``@SECLEVEL=0``:
a weak or untrusted certificate must complete the handshake so that *our* rules can judge it
afterwards. The whole presented chain comes from ``get_unverified_chain()`` (public on Python 3.13,
on the private ``_sslobj`` on 3.10-3.12; DESIGN §6).

Every failure is a :class:`FetchFailure` value (refused, timed out at which step, not TLS, DNS
failure, reset, too large), never an exception.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import socket
import ssl
import threading
import time
import warnings
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from certready.core.failure import FailureReason
from certready.core.failure import FetchStep as Step
from certready.core.protocols import ProbeOutcome, ProtocolSupport, TlsVersion

MAX_HANDSHAKE_BYTES = 1024 * 1024
"""What a server may send before the handshake completes. Real chains are under 20 KiB; OpenSSL's
own limit on the certificate message is 100 KiB."""
_READ_SIZE = 16 * 1024 + 512

Resolver = Callable[[str, int], Awaitable[list[tuple[str, int]]]]
"""``(host, port)`` -> the socket addresses to try, in order."""


@dataclass(frozen=True, slots=True)
class FetchSettings:
    """How a run reaches its servers: the per-target deadline (DNS, connect and handshake in
    all), what a server may send before the handshake completes, and name resolution."""

    timeout: float
    max_bytes: int = MAX_HANDSHAKE_BYTES
    resolver: Resolver | None = None
    """``None``: the system resolver."""

    async def fetch(
        self,
        host: str,
        port: int,
        sni: str | None,
        *,
        context: ssl.SSLContext | None = None,
        budget: _Budget | None = None,
    ) -> Presented | FetchFailure:
        """:func:`fetch_chain` with these settings."""
        return await fetch_chain(
            host,
            port,
            sni=sni,
            timeout=self.timeout,
            max_bytes=self.max_bytes,
            resolver=self.resolver,
            context=context,
            budget=budget,
        )

    async def protocols(
        self, host: str, port: int, sni: str | None, versions: Iterable[TlsVersion] = TlsVersion
    ) -> ProtocolSupport:
        """Which of ``versions`` ``host:port`` accepts: one handshake per version, offering that
        version alone, all at once, within the deadline and sharing one byte budget between them.
        Never raises for the server's behaviour."""
        budget = _Budget(self.max_bytes)

        async def probe(version: TlsVersion) -> ProbeOutcome:
            context = _probe_context(version)
            if context is None:
                return ProbeOutcome.UNTESTED
            outcome = await self.fetch(host, port, sni, context=context, budget=budget)
            if isinstance(outcome, Presented):
                if outcome.protocol == version.value:
                    return ProbeOutcome.ACCEPTED
                return ProbeOutcome.REFUSED
            if outcome.step is Step.HANDSHAKE and outcome.reason in _REFUSALS:
                return ProbeOutcome.REFUSED
            return ProbeOutcome.UNDETERMINED

        tried = tuple(versions)
        outcomes = await asyncio.gather(*(probe(v) for v in tried))
        return ProtocolSupport(tuple(zip(tried, outcomes, strict=True)))


@dataclass(frozen=True, slots=True)
class FetchFailure:
    """Why a handshake did not complete, and at which step."""

    reason: FailureReason
    """Stable kebab-case value, carried to the JSON report (``targets[].failure.reason``)."""
    step: Step
    message: str
    """One line for the report: ``timed out during the handshake after 5 s (7 bytes received)``."""


@dataclass(frozen=True, slots=True)
class Presented:
    """What one completed handshake showed."""

    address: str
    """``ip:port`` connected to (IPv6 in brackets)."""
    sni: str | None
    protocol: str
    cipher: str
    handshake_ms: float
    chain: tuple[bytes, ...]
    """DER certificates exactly as the server sent them, leaf first."""


def client_context() -> ssl.SSLContext:
    """A client context that completes a handshake with anything and verifies nothing."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        with contextlib.suppress(ValueError, ssl.SSLError):
            context.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
    with contextlib.suppress(ssl.SSLError):
        context.set_ciphers("ALL:@SECLEVEL=0")
    context.options |= getattr(ssl, "OP_LEGACY_SERVER_CONNECT", 0)
    return context


_CONTEXT: ssl.SSLContext | None = None


def _context() -> ssl.SSLContext:
    global _CONTEXT
    if _CONTEXT is None:
        _CONTEXT = client_context()
    return _CONTEXT


async def system_resolver(host: str, port: int) -> list[tuple[str, int]]:
    """``getaddrinfo`` in a daemon thread of its own.

    Not the loop's default executor: a resolver that hangs past the deadline would hold one of its
    few workers (delaying other targets' lookups) and ``asyncio.run`` joins them on exit, so the
    scan would outlive its deadline. An abandoned daemon thread costs nothing.
    """
    loop = asyncio.get_running_loop()
    future: asyncio.Future[list[Any]] = loop.create_future()

    def deliver(outcome: list[Any] | BaseException) -> None:
        if future.done():  # the deadline passed: nobody is waiting
            return
        if isinstance(outcome, BaseException):
            future.set_exception(outcome)
        else:
            future.set_result(outcome)

    def work() -> None:
        outcome: list[Any] | BaseException
        try:
            outcome = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except BaseException as exc:
            outcome = exc
        with contextlib.suppress(RuntimeError):  # the loop is closed: the scan is over
            loop.call_soon_threadsafe(deliver, outcome)

    threading.Thread(target=work, name=f"certready-dns-{host}", daemon=True).start()
    infos = await future
    return [(str(info[4][0]), port) for info in infos]


def pinned_resolver(
    pins: Mapping[tuple[str, int], str], fallback: Resolver | None = None
) -> Resolver:
    """``(host, port) -> address`` pins first (``--resolve``), then ``fallback`` (the system)."""

    async def resolve(host: str, port: int) -> list[tuple[str, int]]:
        address = pins.get((host, port))
        if address is not None:
            return [(address, port)]
        return await (fallback or system_resolver)(host, port)

    return resolve


def _format_address(address: tuple[str, int]) -> str:
    host, port = address
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


_CLOSED_MIDWAY = FetchFailure(
    FailureReason.CLOSED,
    Step.HANDSHAKE,
    "the server closed the connection in the middle of the handshake",
)


class _Progress:
    """What the fetch has done so far, so a timeout can say where it stopped."""

    def __init__(self, budget: _Budget | None = None) -> None:
        self.step = Step.DNS
        self.received = 0
        self.first = b""
        self.budget = budget


class _Budget:
    """Bytes a set of connections may still receive between them (the protocol probes share
    one target's :data:`MAX_HANDSHAKE_BYTES`)."""

    def __init__(self, total: int) -> None:
        self.remaining = total


async def fetch_chain(
    host: str,
    port: int,
    *,
    sni: str | None,
    timeout: float,
    max_bytes: int = MAX_HANDSHAKE_BYTES,
    resolver: Resolver | None = None,
    context: ssl.SSLContext | None = None,
    budget: _Budget | None = None,
) -> Presented | FetchFailure:
    """Resolve, connect and handshake within ``timeout`` seconds in all; never raises for the
    server's behaviour. ``sni=None`` sends no server_name extension. ``context`` (a protocol
    probe's) replaces the client context; ``budget`` is shared with other connections."""
    progress = _Progress(budget)
    try:
        async with asyncio.timeout(timeout):
            return await _fetch(host, port, sni, max_bytes, resolver, progress, timeout, context)
    except TimeoutError:
        where = {
            Step.DNS: "while resolving the name",
            Step.CONNECT: "while connecting",
            Step.HANDSHAKE: "during the TLS handshake",
        }[progress.step]
        extra = ""
        if progress.step is Step.HANDSHAKE:
            extra = f" ({progress.received} bytes received)"
        return FetchFailure(
            FailureReason.TIMEOUT,
            progress.step,
            f"timed out {where} after {timeout:g} s{extra}",
        )


async def _fetch(
    host: str,
    port: int,
    sni: str | None,
    max_bytes: int,
    resolver: Resolver | None,
    progress: _Progress,
    timeout: float,
    context: ssl.SSLContext | None = None,
) -> Presented | FetchFailure:
    loop = asyncio.get_running_loop()
    addresses = await _resolve(host, port, resolver)
    if isinstance(addresses, FetchFailure):
        return addresses
    progress.step = Step.CONNECT
    sock, address_or_failure = await _connect(loop, addresses, timeout / len(addresses))
    if sock is None:
        assert isinstance(address_or_failure, FetchFailure)
        return address_or_failure
    assert isinstance(address_or_failure, tuple)
    address = _format_address(address_or_failure)
    progress.step = Step.HANDSHAKE
    try:
        return await _handshake(loop, sock, address, sni, max_bytes, progress, context)
    finally:
        sock.close()


async def _resolve(
    host: str, port: int, resolver: Resolver | None
) -> list[tuple[str, int]] | FetchFailure:
    try:
        socket.inet_pton(socket.AF_INET6 if ":" in host else socket.AF_INET, host)
    except OSError:
        pass
    else:
        return [(host, port)]
    try:
        addresses = await (resolver or system_resolver)(host, port)
    except socket.gaierror as exc:
        return FetchFailure(
            FailureReason.DNS, Step.DNS, f"DNS failure: {host} does not resolve ({exc.strerror})"
        )
    except OSError as exc:
        return FetchFailure(FailureReason.DNS, Step.DNS, f"DNS failure for {host}: {exc}")
    if not addresses:
        return FetchFailure(FailureReason.DNS, Step.DNS, f"DNS failure: {host} has no address")
    return addresses


async def _connect(
    loop: asyncio.AbstractEventLoop, addresses: list[tuple[str, int]], attempt: float
) -> tuple[socket.socket | None, tuple[str, int] | FetchFailure]:
    """The first address that accepts; otherwise the failure of the last one tried.

    Every address but the last gets ``attempt`` seconds, so a dead first address (broken IPv6 is
    the usual one) leaves time for the next; the last one runs until the target's deadline.
    """
    failure = FetchFailure(FailureReason.NETWORK, Step.CONNECT, "no address to connect to")
    for number, address in enumerate(addresses, start=1):
        family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setblocking(False)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            if number < len(addresses):
                await asyncio.wait_for(loop.sock_connect(sock, address), attempt)
            else:
                await loop.sock_connect(sock, address)
        except TimeoutError:
            failure = FetchFailure(
                FailureReason.TIMEOUT,
                Step.CONNECT,
                f"timed out while connecting to {_format_address(address)} after {attempt:g} s",
            )
        except ConnectionRefusedError:
            failure = FetchFailure(
                FailureReason.REFUSED,
                Step.CONNECT,
                f"connection refused by {_format_address(address)} (nothing listening on the port)",
            )
        except OSError as exc:
            reason = _os_error_text(exc)
            failure = FetchFailure(
                FailureReason.NETWORK,
                Step.CONNECT,
                f"cannot connect to {_format_address(address)}: {reason}",
            )
        except BaseException:
            sock.close()
            raise
        else:
            return sock, address
        sock.close()
    return None, failure


def _os_error_text(exc: OSError) -> str:
    if exc.errno is not None and exc.errno in errno.errorcode:
        return exc.strerror or errno.errorcode[exc.errno]
    return str(exc) or type(exc).__name__


async def _handshake(
    loop: asyncio.AbstractEventLoop,
    sock: socket.socket,
    address: str,
    sni: str | None,
    max_bytes: int,
    progress: _Progress,
    context: ssl.SSLContext | None = None,
) -> Presented | FetchFailure:
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = (context or _context()).wrap_bio(
        incoming, outgoing, server_side=False, server_hostname=sni
    )
    started = time.perf_counter()
    try:
        while True:
            try:
                tls.do_handshake()
                break
            except ssl.SSLWantReadError:
                pass
            pending = outgoing.read()
            if pending:
                await loop.sock_sendall(sock, pending)
            chunk = await loop.sock_recv(sock, _READ_SIZE)
            if not chunk:
                if progress.received == 0:
                    return FetchFailure(
                        FailureReason.CLOSED,
                        Step.HANDSHAKE,
                        "the server closed the connection without answering the TLS handshake",
                    )
                if incoming.eof:  # OpenSSL still wants bytes after the end: never loop on it
                    return _CLOSED_MIDWAY
                incoming.write_eof()
                continue
            if not progress.first:
                progress.first = chunk[:16]
            progress.received += len(chunk)
            if progress.budget is not None:
                progress.budget.remaining -= len(chunk)
            if progress.received > max_bytes or (
                progress.budget is not None and progress.budget.remaining < 0
            ):
                return FetchFailure(
                    FailureReason.TOO_LARGE,
                    Step.HANDSHAKE,
                    f"the server sent more than {max_bytes // 1024} KiB before finishing the "
                    "handshake (oversized certificate chain); stopped reading",
                )
            incoming.write(chunk)
    except ssl.SSLError as exc:
        return _ssl_failure(exc, progress)
    except (BrokenPipeError, ConnectionAbortedError):
        return _CLOSED_MIDWAY
    except ConnectionResetError:
        return FetchFailure(
            FailureReason.RESET,
            Step.HANDSHAKE,
            f"connection reset by the server during the handshake ({progress.received} bytes received)",
        )
    except OSError as exc:
        return FetchFailure(
            FailureReason.NETWORK,
            Step.HANDSHAKE,
            f"network error during the handshake: {_os_error_text(exc)}",
        )
    elapsed_ms = (time.perf_counter() - started) * 1000
    chain = _unverified_chain(tls)
    cipher = tls.cipher()
    with contextlib.suppress(OSError):
        finished = outgoing.read()  # our Finished: lets the server complete its side cleanly
        if finished:
            sock.send(finished)
    return Presented(
        address=address,
        sni=sni,
        protocol=tls.version() or "unknown",
        cipher=cipher[0] if cipher else "unknown",
        handshake_ms=elapsed_ms,
        chain=chain,
    )


def _ssl_failure(exc: ssl.SSLError, progress: _Progress) -> FetchFailure:
    first = progress.first
    text = (exc.reason or str(exc)).lower().replace("_", " ")
    if first.startswith((b"HTTP/", b"<")):
        return FetchFailure(
            FailureReason.NOT_TLS,
            Step.HANDSHAKE,
            "not TLS: the server answered in plain-text HTTP (a plain-http port?)",
        )
    if first and first[0] not in (0x14, 0x15, 0x16, 0x17):
        return FetchFailure(
            FailureReason.NOT_TLS,
            Step.HANDSHAKE,
            f"not TLS: the server sent bytes that are not a TLS record (starting {first[:8].hex()})",
        )
    if "excessive message size" in text or "too long" in text:
        return FetchFailure(
            FailureReason.TOO_LARGE,
            Step.HANDSHAKE,
            "the server's certificate message exceeds the client's 100 KiB limit "
            "(oversized certificate chain); stopped reading",
        )
    if isinstance(exc, ssl.SSLEOFError) or "eof" in text:
        return _CLOSED_MIDWAY
    detail = exc.reason or str(exc)
    if first[:1] == b"\x15":
        return FetchFailure(
            FailureReason.HANDSHAKE,
            Step.HANDSHAKE,
            f"the server refused the handshake (TLS alert: {detail.lower().replace('_', ' ')})",
        )
    return FetchFailure(FailureReason.HANDSHAKE, Step.HANDSHAKE, f"TLS handshake failed: {detail}")


def _unverified_chain(tls: ssl.SSLObject) -> tuple[bytes, ...]:
    """The whole chain the server sent, DER, leaf first (3.13 public API, else ``_sslobj``)."""
    getter: Any = getattr(tls, "get_unverified_chain", None)
    if getter is None:
        getter = getattr(getattr(tls, "_sslobj", None), "get_unverified_chain", None)
    if getter is None:  # pragma: no cover - an interpreter without either: the leaf alone
        leaf = tls.getpeercert(binary_form=True)
        return (leaf,) if leaf else ()
    chain = getter() or []
    der: list[bytes] = []
    for cert in chain:
        if isinstance(cert, bytes):
            der.append(cert)
        else:
            der.append(cert.public_bytes(ssl._ssl.ENCODING_DER))  # type: ignore[attr-defined]
    return tuple(der)


async def open_socket(
    host: str, port: int, *, timeout: float, resolver: Resolver | None = None
) -> tuple[socket.socket, str] | FetchFailure:
    """A connected non-blocking socket to ``host:port`` and the address it reached (to speak
    something before TLS over it, an HTTP CONNECT), or why not; the caller closes it."""
    try:
        async with asyncio.timeout(timeout):
            addresses = await _resolve(host, port, resolver)
            if isinstance(addresses, FetchFailure):
                return addresses
            sock, reached = await _connect(
                asyncio.get_running_loop(), addresses, timeout / len(addresses)
            )
    except TimeoutError:
        return FetchFailure(
            FailureReason.TIMEOUT, Step.CONNECT, f"timed out connecting to {host}:{port}"
        )
    if sock is None:
        assert isinstance(reached, FetchFailure)
        return reached
    assert isinstance(reached, tuple)
    return sock, _format_address(reached)


async def handshake_on(
    sock: socket.socket,
    address: str,
    *,
    sni: str | None,
    timeout: float,
    max_bytes: int = MAX_HANDSHAKE_BYTES,
) -> Presented | FetchFailure:
    """:func:`fetch_chain`'s handshake over an already connected socket (a proxy's tunnel)."""
    progress = _Progress()
    progress.step = Step.HANDSHAKE
    try:
        async with asyncio.timeout(timeout):
            return await _handshake(
                asyncio.get_running_loop(), sock, address, sni, max_bytes, progress
            )
    except TimeoutError:
        return FetchFailure(
            FailureReason.TIMEOUT,
            Step.HANDSHAKE,
            f"timed out during the TLS handshake after {timeout:g} s "
            f"({progress.received} bytes received)",
        )


_TLS_VERSIONS = {
    TlsVersion.TLS1_0: ssl.TLSVersion.TLSv1,
    TlsVersion.TLS1_1: ssl.TLSVersion.TLSv1_1,
    TlsVersion.TLS1_2: ssl.TLSVersion.TLSv1_2,
    TlsVersion.TLS1_3: ssl.TLSVersion.TLSv1_3,
}


def version_context(version: TlsVersion) -> ssl.SSLContext | None:
    """A client context that offers ``version`` alone, or ``None`` when this OpenSSL cannot.

    TLS 1.0 and 1.1 need ``@SECLEVEL=0`` on OpenSSL 3 (their handshake signatures use SHA-1/MD5),
    and verify nothing, like :func:`client_context`.
    """
    context = client_context()
    wanted = _TLS_VERSIONS[version]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            context.minimum_version = wanted
            context.maximum_version = wanted
    except (ValueError, ssl.SSLError):
        return None
    if context.minimum_version != wanted or context.maximum_version != wanted:
        return None
    return context


_PROBE_CONTEXTS: dict[TlsVersion, ssl.SSLContext | None] = {}


def _probe_context(version: TlsVersion) -> ssl.SSLContext | None:
    if version not in _PROBE_CONTEXTS:
        _PROBE_CONTEXTS[version] = version_context(version)
    return _PROBE_CONTEXTS[version]


_REFUSALS = (FailureReason.HANDSHAKE, FailureReason.CLOSED, FailureReason.RESET)
