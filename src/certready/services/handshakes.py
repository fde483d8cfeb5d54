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
from collections.abc import Callable, Coroutine
from typing import Any, Generic, TypeVar

from certready.adapters.tlsfetch import FetchFailure, FetchSettings, Presented
from certready.core.protocols import ProtocolSupport

Outcome = Presented | FetchFailure
HandshakeKey = tuple[str, int, str | None]
"""(host, port, SNI name or ``None`` for no server_name extension)."""
_K = TypeVar("_K")
_T = TypeVar("_T")


class Handshakes:
    """The run's handshakes by (host, port, SNI) and protocol probe sets by (host, port);
    ``count`` is how many handshakes were really opened (the probes' are not counted)."""

    def __init__(self) -> None:
        self._handshakes: _Shared[HandshakeKey, Outcome] = _Shared()
        self._probes: _Shared[tuple[str, int], ProtocolSupport] = _Shared()
        self.count = 0

    async def fetch(
        self, host: str, port: int, sni: str | None, settings: FetchSettings
    ) -> Outcome:
        """What ``host:port`` presents with ``sni`` (``None``: no server_name extension): the
        outcome of the same handshake when one was already opened this run."""
        task, opened = self._handshakes.task(
            (host.lower(), port, sni), settings.fetch, host, port, sni
        )
        self.count += opened
        return await asyncio.shield(task)

    async def protocols(
        self, host: str, port: int, sni: str | None, settings: FetchSettings
    ) -> ProtocolSupport:
        """Which protocol versions ``host:port`` accepts: one probe set per endpoint per run,
        however many names or targets reach it (the first asker's SNI is sent)."""
        task, _ = self._probes.task((host.lower(), port), settings.protocols, host, port, sni)
        return await asyncio.shield(task)


KEEP = 4096
"""Finished handshakes (and probe sets) a run keeps for later targets that need the same; beyond
that the oldest are forgotten, so a streamed scan of 100,000 endpoints does not hold 100,000
chains (a duplicate more than a few thousand targets later handshakes again)."""


class _Shared(Generic[_K, _T]):
    """Tasks by key: the first asker starts one, later askers await the same (shielded: one
    waiter's cancellation never cancels the others')."""

    def __init__(self) -> None:
        self._tasks: dict[_K, asyncio.Future[_T]] = {}

    def task(
        self, key: _K, start: Callable[..., Coroutine[Any, Any, _T]], *args: Any
    ) -> tuple[asyncio.Future[_T], bool]:
        """The task for ``key``, and whether this call started it (``start(*args)``)."""
        task = self._tasks.get(key)
        if task is not None and _joinable(task):
            return task, False
        if len(self._tasks) >= KEEP:
            self._forget()
        task = self._tasks[key] = asyncio.ensure_future(start(*args))
        return task, True

    def _forget(self) -> None:
        """Drop the older half of the finished tasks (in the order they were started)."""
        done = [key for key, task in self._tasks.items() if task.done()]
        for key in done[: max(1, len(done) // 2)]:
            del self._tasks[key]


def _joinable(task: asyncio.Future[Any]) -> bool:
    """Whether a caller on the running loop can await ``task`` (a cancelled one, or one left
    unfinished by an earlier event loop, is started again)."""
    if task.cancelled():
        return False
    return task.done() or task.get_loop() is asyncio.get_running_loop()


__all__ = ["KEEP", "Handshakes", "Outcome"]
