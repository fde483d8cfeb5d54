"""audit's options, and what its live probe and progress display are: shared by the file part
(:mod:`certready.services.audit_files`), the live part (:mod:`certready.services.audit_live`) and
the deployment assembly (:mod:`certready.services.audit`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from certready.core.deployment import ServerSpec
from certready.core.model import TargetResult
from certready.core.policy import Policy

LiveProbe = Callable[[Sequence[ServerSpec]], Mapping[str, Sequence[TargetResult]]]
"""``--live``: given the servers that have an ``endpoint:``, what each presented (by server key):
one scan TargetResult per name it is reached by, the FQDN first, then each external name as SNI
(leaf first in ``certificates``; UNREACHABLE when no handshake)."""


@dataclass(frozen=True, slots=True)
class AuditOptions:
    policy: Policy | None = None
    """``None``: the manifest's ``policy:``."""
    now: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    chain: bool = True
    """Run the chain analysis (against Mozilla's store plus the manifest's ``trust:``)."""
    scan: bool = False
    """``--live``: scan every ``endpoint:`` with :mod:`certready.services.scan`."""
    live: LiveProbe | None = None
    """A probe other than the scan service (tests); implies a live audit."""
    timeout: float = 10.0
    """Per-endpoint deadline of the live scan, seconds."""
    protocol_probe: bool = True
    """``--live``: also probe which protocol versions each endpoint accepts, once per endpoint
    (``--no-protocol-probe`` turns it off)."""
    progress: LiveProgress | None = None
    """Told how many endpoints the live scan connects to, and which it is waiting on."""
    on_note: Callable[[str, str], None] | None = field(default=None, compare=False)
    """``on_note(source, note)``: non-fatal remarks about the inputs (a UTF-16 manifest)."""
    jobs: int | None = None
    """Certificate files judged in this many worker processes (``None``: every core from 256
    files on, one process below)."""


class LiveProgress(Protocol):
    """What the live scan tells a progress display: how many connections, each start and end."""

    def expect(self, total: int) -> None: ...

    def started(self, name: str) -> None: ...

    def done(self, name: str) -> None: ...
