"""One handshake per (endpoint, SNI name) per run, shared by every target that needs it.

A server reached by several names (an FQDN and its external names, or an app and an STS role on
the same endpoint) used to be handshaken once per name with SNI and once more per name without:
:class:`Handshakes` remembers each (host, port, SNI) handshake of the run, in flight or done, so
the second target that needs it awaits the first one's instead of opening its own connection.
"""

from __future__ import annotations

import asyncio

from certready.adapters.tlsfetch import (
    MAX_HANDSHAKE_BYTES,
    FetchFailure,
    Presented,
    Resolver,
    fetch_chain,
)

Outcome = Presented | FetchFailure
HandshakeKey = tuple[str, int, str | None]
"""(host, port, SNI name or ``None`` for no server_name extension)."""


class Handshakes:
    """The run's handshakes by (host, port, SNI); ``count`` is how many were really opened."""

    def __init__(self) -> None:
        self._tasks: dict[HandshakeKey, asyncio.Future[Outcome]] = {}
        self.count = 0

    async def fetch(
        self,
        host: str,
        port: int,
        *,
        sni: str | None,
        timeout: float,
        max_bytes: int = MAX_HANDSHAKE_BYTES,
        resolver: Resolver | None = None,
    ) -> Outcome:
        """:func:`fetch_chain`, or the outcome of the same handshake already opened this run."""
        key = (host.lower(), port, sni)
        task = self._tasks.get(key)
        if (
            task is None
            or task.cancelled()
            or (not task.done() and task.get_loop() is not asyncio.get_running_loop())
        ):
            self.count += 1
            task = asyncio.ensure_future(
                fetch_chain(
                    host, port, sni=sni, timeout=timeout, max_bytes=max_bytes, resolver=resolver
                )
            )
            self._tasks[key] = task
        # shield: one waiter's cancellation (its own deadline) never cancels the others' handshake
        return await asyncio.shield(task)
