"""Loopback proxies for the doctor's tests: a plain CONNECT proxy (a few lines of asyncio, the
negative control) and mitmproxy's ``mitmdump`` (a real TLS-inspecting proxy, from the separate
``.venv-mitmproxy`` that ``make test`` installs: it pins an older cryptography)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


class ConnectProxy:
    """``with ConnectProxy() as port:`` an HTTP CONNECT proxy on 127.0.0.1 that only relays bytes."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.port = 0
        self.requests: list[str] = []
        self.heads: list[bytes] = []
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="connect-proxy")

    def __enter__(self) -> ConnectProxy:
        self._thread.start()
        self._ready.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        server = self.loop.run_until_complete(asyncio.start_server(self._handle, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        self.loop.run_forever()
        server.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        target = head.split(b" ", 2)[1].decode()
        self.requests.append(target)
        self.heads.append(head)
        host, _, port = target.rpartition(":")
        try:
            up_reader, up_writer = await asyncio.open_connection(host.strip("[]"), int(port))
        except OSError:
            writer.write(b"HTTP/1.1 502 Bad Gateway\r\n\r\n")
            writer.close()
            return
        writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def mitmdump_binary() -> str:
    """The ``mitmdump`` of ``.venv-mitmproxy`` (``make mitmproxy``), else on PATH; a missing one
    fails under ``CI=true`` (``make test`` installs it) and skips elsewhere."""
    candidate = ROOT / ".venv-mitmproxy" / "bin" / "mitmdump"
    if candidate.is_file():
        return str(candidate)
    found = shutil.which("mitmdump")
    if found:
        return found
    if os.environ.get("CI") == "true":
        pytest.fail("mitmdump is missing: `make mitmproxy` installs it into .venv-mitmproxy")
    pytest.skip("mitmdump not installed (make mitmproxy)")


@contextlib.contextmanager
def mitmdump(confdir: Path) -> Iterator[int]:
    """A running ``mitmdump`` on a free loopback port with its own CA in ``confdir``."""
    binary = mitmdump_binary()
    port = free_port()
    process = subprocess.Popen(
        [
            binary,
            "--listen-host",
            "127.0.0.1",
            "--listen-port",
            str(port),
            "--set",
            f"confdir={confdir}",
            "--ssl-insecure",  # the loopback server's test CA is not mitmproxy's concern
            "-q",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                err = process.stderr.read().decode() if process.stderr else ""
                raise AssertionError(f"mitmdump exited with {process.returncode}: {err}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
                break
            time.sleep(0.1)
        else:
            raise AssertionError("mitmdump did not listen within 60 s")
        yield port
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
