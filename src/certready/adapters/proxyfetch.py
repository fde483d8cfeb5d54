"""The chain a server presents through an HTTP proxy: ``CONNECT host:port``, then the same
handshake as :mod:`certready.adapters.tlsfetch` over the tunnel.

The failures are told apart because they call for different fixes: the proxy itself does not
answer (:attr:`ProxyFailureKind.PROXY_UNREACHABLE`), the proxy answers the CONNECT with an error
(it cannot reach the server, or wants credentials), or the tunnel opens and the TLS handshake
through it fails. Proxy credentials are sent when the proxy URL carries them, and never shown.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import socket
import time

from certready.adapters.tlsfetch import (
    FetchFailure,
    Presented,
    Resolver,
    handshake_on,
    open_socket,
)
from certready.core.client import ProxyFailure, ProxyFailureKind

MAX_RESPONSE_HEAD = 16 * 1024
"""What a proxy may send as the CONNECT response's status line and headers."""


async def fetch_chain_via_proxy(
    proxy_host: str,
    proxy_port: int,
    host: str,
    port: int,
    *,
    sni: str | None,
    timeout: float,
    credentials: tuple[str, str] | None = None,
    resolver: Resolver | None = None,
) -> Presented | ProxyFailure:
    """CONNECT to ``host:port`` through the proxy and handshake with ``sni`` within ``timeout``
    seconds in all; never raises for the proxy's or the server's behaviour."""
    started = time.monotonic()
    proxy = f"{proxy_host}:{proxy_port}"
    opened = await open_socket(proxy_host, proxy_port, timeout=timeout, resolver=resolver)
    if isinstance(opened, FetchFailure):
        return ProxyFailure(ProxyFailureKind.PROXY_UNREACHABLE, opened.message)
    sock, address = opened
    try:
        left = max(timeout - (time.monotonic() - started), 0.1)
        status = await _connect_tunnel(sock, host, port, credentials, left, proxy)
        if isinstance(status, ProxyFailure):
            return status
        left = max(timeout - (time.monotonic() - started), 0.1)
        presented = await handshake_on(sock, f"{address}->{host}:{port}", sni=sni, timeout=left)
    finally:
        sock.close()
    if isinstance(presented, FetchFailure):
        return ProxyFailure(
            ProxyFailureKind.HANDSHAKE,
            f"the proxy {proxy} opened a tunnel to {host}:{port}, then {presented.message}",
        )
    return presented


async def _connect_tunnel(
    sock: socket.socket,
    host: str,
    port: int,
    credentials: tuple[str, str] | None,
    timeout: float,
    proxy: str,
) -> int | ProxyFailure:
    loop = asyncio.get_running_loop()
    authority = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    lines = [f"CONNECT {authority} HTTP/1.1", f"Host: {authority}"]
    if credentials is not None:
        token = base64.b64encode(f"{credentials[0]}:{credentials[1]}".encode()).decode("ascii")
        lines.append(f"Proxy-Authorization: Basic {token}")
    request = ("\r\n".join(lines) + "\r\n\r\n").encode("ascii")
    head = b""
    try:
        async with asyncio.timeout(timeout):
            await loop.sock_sendall(sock, request)
            while b"\r\n\r\n" not in head:
                chunk = await loop.sock_recv(sock, 4096)
                if not chunk:
                    break
                head += chunk
                if len(head) > MAX_RESPONSE_HEAD:
                    break
    except TimeoutError:
        return ProxyFailure(
            ProxyFailureKind.PROXY_UNREACHABLE,
            f"proxy {proxy}: no answer to CONNECT within {timeout:g} s",
        )
    except OSError as exc:
        return ProxyFailure(
            ProxyFailureKind.PROXY_UNREACHABLE,
            f"proxy {proxy}: connection lost during CONNECT ({exc.strerror or exc})",
        )
    status_line = head.split(b"\r\n", 1)[0].decode("latin-1").strip()
    parts = status_line.split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
        what = "closed the connection" if not head else f"answered {status_line[:40]!r}"
        return ProxyFailure(
            ProxyFailureKind.PROXY_UNREACHABLE,
            f"proxy {proxy} {what} instead of an HTTP response to CONNECT: not an HTTP proxy?",
        )
    status = int(parts[1])
    if 200 <= status < 300:
        return status
    reason = parts[2] if len(parts) > 2 else ""
    with contextlib.suppress(OSError):
        sock.close()
    if status == 407:
        why = "the proxy requires credentials (put them in the proxy URL: http://user:pw@host:port)"
    else:
        why = f"the proxy cannot reach {authority} or refuses to"
    return ProxyFailure(
        ProxyFailureKind.CONNECT_REFUSED,
        f"proxy {proxy} answered CONNECT {authority} with {status} {reason}".rstrip() + f": {why}",
    )
