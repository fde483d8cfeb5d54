"""The run's connections: one handshake per (endpoint, SNI name) and one protocol probe set per
endpoint, shared by every target that needs them.

A server reached by several names (an FQDN and its external names, or an app and an STS role on
the same endpoint) used to be handshaken once per name with SNI and once more per name without:
:class:`Handshakes` remembers each (host, port, SNI) handshake of the run, in flight or done, so
the second target that needs it awaits the first one's instead of opening its own connection.
How a connection is made is :mod:`certready.adapters.tlsfetch`'s alone (:class:`FetchSettings`).
"""

from __future__ import annotations

import asyncio
from typing import TypeVar

from certready.adapters.tlsfetch import FetchFailure, FetchSettings, Presented
from certready.core.protocols import ProtocolSupport

Outcome = Presented | FetchFailure
HandshakeKey = tuple[str, int, str | None]
"""(host, port, SNI name or ``None`` for no server_name extension)."""
_T = TypeVar("_T")


class Handshakes:
    """The run's handshakes by (host, port, SNI) and protocol probe sets by (host, port);
    ``count`` is how many handshakes were really opened (the probes' are not counted)."""

    def __init__(self) -> None:
        self._handshakes: dict[HandshakeKey, asyncio.Future[Outcome]] = {}
        self._probes: dict[tuple[str, int], asyncio.Future[ProtocolSupport]] = {}
        self.count = 0

    async def fetch(
        self, host: str, port: int, sni: str | None, settings: FetchSettings
    ) -> Outcome:
        """What ``host:port`` presents with ``sni`` (``None``: no server_name extension): the
        outcome of the same handshake when one was already opened this run."""
        key = (host.lower(), port, sni)
        task = _joinable(self._handshakes.get(key))
        if task is None:
            self.count += 1
            task = self._handshakes[key] = asyncio.ensure_future(settings.fetch(host, port, sni))
        # shield: one waiter's cancellation (its own deadline) never cancels the others' handshake
        return await asyncio.shield(task)

    async def protocols(
        self, host: str, port: int, sni: str | None, settings: FetchSettings
    ) -> ProtocolSupport:
        """Which protocol versions ``host:port`` accepts: one probe set per endpoint per run,
        however many names or targets reach it (the first asker's SNI is sent)."""
        key = (host.lower(), port)
        task = _joinable(self._probes.get(key))
        if task is None:
            task = self._probes[key] = asyncio.ensure_future(settings.protocols(host, port, sni))
        return await asyncio.shield(task)


def _joinable(task: asyncio.Future[_T] | None) -> asyncio.Future[_T] | None:
    """``task`` when a caller on the running loop can await it (a cancelled one, or one left
    unfinished by an earlier event loop, is started again)."""
    if task is None or task.cancelled():
        return None
    if not task.done() and task.get_loop() is not asyncio.get_running_loop():
        return None
    return task


__all__ = ["Handshakes", "Outcome"]
