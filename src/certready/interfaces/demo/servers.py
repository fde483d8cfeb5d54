"""Loopback TLS servers for the demo: each presents a given chain on 127.0.0.x, nothing else.

A server completes the handshake, then closes the connection; that is all a certificate scan needs.
Servers run in daemon threads and stop when the ``LoopbackServers`` context exits.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType


@dataclass(frozen=True, slots=True)
class Endpoint:
    name: str
    address: str
    port: int

    @property
    def target(self) -> str:
        return f"{self.address}:{self.port}"


@dataclass
class LoopbackServers:
    """``with LoopbackServers() as s: s.start("app", chain_pem, key_pem)`` -> Endpoint."""

    _sockets: list[socket.socket] = field(default_factory=list)
    _threads: list[threading.Thread] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _next_host: int = 2

    def start(self, name: str, chain_file: Path, key_file: Path) -> Endpoint:
        """Serve ``chain_file`` (leaf first, as the server should send it) on a new 127.0.0.x."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.set_ciphers("DEFAULT:@SECLEVEL=0")  # the demo serves weak certificates on purpose
        context.load_cert_chain(chain_file, key_file)
        address = f"127.0.0.{self._next_host}"
        self._next_host += 1
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((address, 0))
        except OSError:  # some sandboxes only route 127.0.0.1
            address = "127.0.0.1"
            sock.bind((address, 0))
        sock.listen(16)
        sock.settimeout(0.2)
        self._sockets.append(sock)
        thread = threading.Thread(target=self._serve, args=(sock, context), daemon=True, name=name)
        thread.start()
        self._threads.append(thread)
        return Endpoint(name, address, sock.getsockname()[1])

    def _serve(self, sock: socket.socket, context: ssl.SSLContext) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = sock.accept()
            except (TimeoutError, OSError):
                continue
            conn.settimeout(5)
            with (
                contextlib.suppress(OSError, ssl.SSLError),
                context.wrap_socket(conn, server_side=True) as tls,
            ):
                tls.unwrap()

    def __enter__(self) -> LoopbackServers:
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
        for thread in self._threads:
            thread.join(timeout=2)
