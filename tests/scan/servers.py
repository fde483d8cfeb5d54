"""Loopback servers for scan tests: real TLS servers and hostile ones, all on 127.0.0.1.

Every connection is served in its own daemon thread so a hostile behaviour never blocks the
accept loop; ``with Servers() as s:`` stops everything on exit.
"""

from __future__ import annotations

import contextlib
import io
import socket
import ssl
import struct
import tempfile
import threading
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from tests.pki import Issued, TestCA

Handler = Callable[[socket.socket, threading.Event], None]


def server_context(
    chain: list[Issued],
    *,
    maximum_version: ssl.TLSVersion | None = None,
    minimum_version: ssl.TLSVersion | None = None,
    sni: dict[str, ssl.SSLContext] | None = None,
    require_sni: bool = False,
) -> ssl.SSLContext:
    """A server context presenting ``chain`` (leaf first) exactly in that order."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with tempfile.TemporaryDirectory() as tmp:
        cert_file, key_file = Path(tmp) / "chain.pem", Path(tmp) / "key.pem"
        cert_file.write_bytes(b"".join(c.cert_pem() for c in chain))
        key_file.write_bytes(chain[0].key_pem())
        context.load_cert_chain(cert_file, key_file)
    if maximum_version is not None:
        context.set_ciphers("ALL:@SECLEVEL=0")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            context.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
            context.maximum_version = maximum_version
    if minimum_version is not None:  # TLS 1.0/1.1 need SECLEVEL=0 on OpenSSL 3
        context.set_ciphers("DEFAULT:@SECLEVEL=0")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            context.minimum_version = minimum_version
    if sni or require_sni:
        choices = dict(sni or {})

        def pick(
            obj: ssl.SSLObject | ssl.SSLSocket, name: str | None, _: ssl.SSLContext
        ) -> int | None:
            if name is None and require_sni:
                return ssl.ALERT_DESCRIPTION_UNRECOGNIZED_NAME
            if name in choices:
                obj.context = choices[name]
            return None

        context.sni_callback = pick  # type: ignore[assignment]
    return context


def tls_handler(context: ssl.SSLContext) -> Handler:
    def handle(conn: socket.socket, stop: threading.Event) -> None:
        conn.settimeout(5)
        with contextlib.suppress(OSError), context.wrap_socket(conn, server_side=True) as tls:
            tls.recv(1)

    return handle


def silent(conn: socket.socket, stop: threading.Event) -> None:
    """Accepts and never speaks."""
    stop.wait(30)


def trickle(conn: socket.socket, stop: threading.Event) -> None:
    """A TLS record header, then one byte a second."""
    payload = b"\x16\x03\x03\x40\x00" + b"\x02" * 64
    for byte in payload:
        if stop.wait(1):
            return
        with contextlib.suppress(OSError):
            conn.sendall(bytes([byte]))


def garbage(conn: socket.socket, stop: threading.Event) -> None:
    with contextlib.suppress(OSError):
        conn.recv(4096)
        conn.sendall(b"\x00\xffgarbage, not a TLS record at all" * 8)
    stop.wait(0.5)


def http(conn: socket.socket, stop: threading.Event) -> None:
    with contextlib.suppress(OSError):
        conn.recv(4096)
        conn.sendall(
            b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n"
            b"Connection: close\r\n\r\nbad request"
        )
    stop.wait(0.5)


def reset(conn: socket.socket, stop: threading.Event) -> None:
    """Reads the ClientHello, then resets the connection (RST via SO_LINGER 0)."""
    with contextlib.suppress(OSError):
        conn.recv(4096)
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


class Servers:
    """``with Servers() as s: port = s.start(handler)``."""

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._sockets: list[socket.socket] = []

    def start(self, handler: Handler) -> int:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        sock.settimeout(0.2)
        self._sockets.append(sock)
        threading.Thread(target=self._accept, args=(sock, handler), daemon=True).start()
        return int(sock.getsockname()[1])

    def tls(self, chain: list[Issued], **kwargs: object) -> int:
        return self.start(tls_handler(server_context(chain, **kwargs)))  # type: ignore[arg-type]

    def _accept(self, sock: socket.socket, handler: Handler) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = sock.accept()
            except (TimeoutError, OSError):
                continue
            threading.Thread(target=self._run, args=(conn, handler), daemon=True).start()

    def _run(self, conn: socket.socket, handler: Handler) -> None:
        try:
            handler(conn, self._stop)
        finally:
            conn.close()

    def __enter__(self) -> Servers:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        for sock in self._sockets:
            sock.close()
        time.sleep(0)


def free_port() -> int:
    """A port nothing listens on (bound, then closed)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def huge_leaf(ca: TestCA, name: str, megabytes: int = 3) -> Issued:
    """A leaf carrying a multi-megabyte private extension."""
    from cryptography import x509

    from tests.pki import build, general_names, new_key

    blob = x509.UnrecognizedExtension(
        x509.ObjectIdentifier("1.3.6.1.4.1.55555.1"), b"\x04" + b"\x00" * (megabytes << 20)
    )
    key = new_key()
    cert = build(
        subject=x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, name)]),
        issuer=ca.intermediate.cert.subject,
        public_key=key.public_key(),
        signing_key=ca.intermediate.key,
        ca=False,
        sans=general_names([name]),
        extra=[(blob, False)],
    )
    return Issued(cert, key)


def closes_at_once(conn: socket.socket, stop: threading.Event) -> None:
    """Accepts and closes without a byte."""


def half_hello(conn: socket.socket, stop: threading.Event) -> None:
    """Reads the ClientHello, sends the start of a ServerHello record, then closes."""
    with contextlib.suppress(OSError):
        conn.recv(4096)
        conn.sendall(b"\x16\x03\x03\x00\x40\x02\x00\x00\x3c\x03\x03")


class Watched(io.StringIO):
    """Standard output that calls ``seen(text)`` on every write."""

    def __init__(self, seen: Callable[[str], None]) -> None:
        super().__init__()
        self.seen = seen

    def write(self, text: str) -> int:
        self.seen(text)
        return super().write(text)


def held_until(release: threading.Event, handler: Handler, limit: float) -> Handler:
    """``handler``, started only once ``release`` is set (or after ``limit`` seconds)."""

    def handle(conn: socket.socket, stop: threading.Event) -> None:
        release.wait(limit)
        handler(conn, stop)

    return handle
