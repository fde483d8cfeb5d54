"""Helpers for the serve tests: a TLS server whose certificate can be replaced, a webhook receiver,
and ``certready serve`` as a real subprocess."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.pki import Issued
from tests.scan.servers import Servers, server_context


class SwappableTLS:
    """A loopback TLS server on a fixed port whose served chain :meth:`serve` replaces."""

    def __init__(self, servers: Servers, chain: list[Issued]) -> None:
        self._context = server_context(chain)
        self.port = servers.start(self._handle)

    def serve(self, chain: list[Issued]) -> None:
        self._context = server_context(chain)
        self.down = False

    def serve_pem(self, pem: bytes) -> None:
        """Serve a PEM file's chain and key (certificates then a private key)."""
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "served.pem"
            path.write_bytes(pem)
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(path)
        self._context = context
        self.down = False

    down = False
    """``True``: every connection is closed at once (the endpoint is unreachable)."""

    def _handle(self, conn: socket.socket, stop: threading.Event) -> None:
        if self.down:
            return
        conn.settimeout(5)
        with contextlib.suppress(OSError), self._context.wrap_socket(conn, server_side=True) as tls:
            tls.recv(1)


class Webhook:
    """A local HTTP receiver: every POST body (Apprise's json:// sends JSON) is kept."""

    def __init__(self) -> None:
        received: list[dict[str, object]] = []
        self.received = received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                received.append(json.loads(self.rfile.read(length) or b"{}"))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"json://127.0.0.1:{self.port}/hook"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def serve_process(
    args: list[str], *, env: dict[str, str] | None = None, log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """``certready serve ARGS`` as a subprocess (stderr into ``log``); SIGTERM on exit."""
    environ = {**os.environ, **(env or {})}
    environ.pop("CERTREADY_DB", None)
    with log.open("wb") as err:
        process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from certready.interfaces.cli import run; run()",
                "serve",
                *args,
            ],
            stdout=subprocess.DEVNULL,
            stderr=err,
            env=environ,
        )
        try:
            yield process
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


def get(url: str, token: str | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url)  # noqa: S310 (http://127.0.0.1 only)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def wait_for(check: Callable[[], object], timeout: float = 60.0, what: str = "") -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError, ConnectionError):
            value = check()
            if value:
                return value
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what or check}")


__all__ = ["SwappableTLS", "Webhook", "free_port", "get", "serve_process", "wait_for"]
