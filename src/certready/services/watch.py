"""``certready serve``'s scheduler: audit each manifest live on its schedule and record the run.

One thread per manifest. A slot is run only after claiming the manifest in the database (the
``run_claims`` row), so two instances sharing an inventory never run a manifest at once, nor both
in one slot. A failing run is logged and retried at the next slot. On shutdown an audit still
fetching is abandoned (nothing of it is written) and a run being recorded is finished first: the
inventory never keeps a half-written run from ``serve``.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import platform
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from certready.adapters.inventory import Database, InventoryError
from certready.adapters.inventory.watch_store import WatchStore
from certready.core.errors import CertReadyError
from certready.core.model import Report
from certready.services.audit import AuditOptions, audit_with_policy
from certready.services.record import Recorder
from certready.services.schedule import Schedule

log = logging.getLogger("certready.serve")

LEASE = dt.timedelta(minutes=5)
"""How long a claim holds without renewal: a crashed instance's manifest is free again after it."""
RENEW_EVERY = 60.0


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def instance_name() -> str:
    """Who holds a claim: ``host:pid``."""
    return f"{platform.node() or 'unknown'}:{os.getpid()}"


@dataclass(frozen=True, slots=True)
class Finished:
    """A recorded run, handed to what follows it (alerts, metrics)."""

    manifest: str
    run_id: int
    report: Report
    duration: float


AfterRun = Callable[[Finished], None]
StatusOf = Callable[[Report], int]


class Watcher:
    """Runs every manifest on ``schedule`` until :meth:`stop`."""

    def __init__(
        self,
        database: Database,
        manifests: Sequence[str | Path],
        schedule: Schedule,
        *,
        status_of: StatusOf,
        timeout: float = 10.0,
        after_run: AfterRun | None = None,
        owner: str | None = None,
    ) -> None:
        self.database = database
        self.manifests = [str(Path(m).resolve()) for m in manifests]
        self.schedule = schedule
        self.status_of = status_of
        self.timeout = timeout
        self.after_run = after_run
        self.owner = owner or instance_name()
        self.store = WatchStore(database)
        self._stopping = threading.Event()
        self._recording = threading.Lock()
        self._threads: list[threading.Thread] = []
        self.runs_done = 0

    def start(self) -> None:
        for manifest in self.manifests:
            thread = threading.Thread(
                target=self._loop, args=(manifest,), name=f"serve:{manifest}", daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def stop(self, grace: float = 30.0) -> None:
        """Stop scheduling; wait for a run being recorded (never for an audit still fetching)."""
        self._stopping.set()
        if self._recording.acquire(timeout=grace):
            self._recording.release()
        for manifest in self.manifests:
            try:
                self.store.release_run(manifest, self.owner)
            except InventoryError as exc:
                log.warning("could not release the claim on %s: %s", manifest, exc)
        self.store.close()

    def _loop(self, manifest: str) -> None:
        while not self._stopping.is_set():
            started = _now()
            self.run_once(manifest, started)
            due = self.schedule.next_after(started)
            wait = (due - _now()).total_seconds()
            if wait > 0 and self._stopping.wait(wait):
                return

    def run_once(self, manifest: str, now: dt.datetime | None = None) -> int | None:
        """One slot: claim, audit, record. The run id, or ``None`` (not ours, failed, stopped)."""
        now = now or _now()
        half = self.schedule.interval(now) / 2
        try:
            claimed = self.store.claim_run(
                manifest, self.owner, now=now, lease=LEASE, not_started_since=now - half
            )
        except InventoryError as exc:
            log.error("%s: not run: %s", manifest, exc)
            return None
        if not claimed:
            log.info("%s: run by another instance in this slot; skipped", manifest)
            return None
        done = threading.Event()
        threading.Thread(target=self._renew, args=(manifest, done), daemon=True).start()
        try:
            return self._audit_and_record(manifest)
        finally:
            done.set()
            try:
                self.store.release_run(manifest, self.owner)
            except InventoryError as exc:
                log.warning("%s: could not release the claim: %s", manifest, exc)

    def _renew(self, manifest: str, done: threading.Event) -> None:
        """Keep the claim alive while a long audit runs."""
        while not done.wait(RENEW_EVERY):
            try:
                self.store.renew_run(manifest, self.owner, until=_now() + LEASE)
            except InventoryError as exc:
                log.warning("%s: could not renew the claim: %s", manifest, exc)

    def _audit_and_record(self, manifest: str) -> int | None:
        clock = time.monotonic()
        try:
            report, _policy = audit_with_policy(
                manifest, AuditOptions(scan=True, timeout=self.timeout)
            )
        except CertReadyError as exc:
            log.error("%s: the audit failed: %s (retried at the next slot)", manifest, exc)
            return None
        except Exception as exc:  # a bug in one run never stops the others
            log.exception("%s: the audit failed: %s (retried at the next slot)", manifest, exc)
            return None
        duration = time.monotonic() - clock
        with self._recording:
            if self._stopping.is_set():
                log.info("%s: stopping; this run is abandoned, nothing recorded", manifest)
                return None
            recorder = Recorder(self.database, "audit", manifest=manifest)
            run_id = recorder.finish(report, self.status_of(report))
        if run_id is None:
            log.error("%s: the run was not recorded: %s", manifest, recorder.error)
            return None
        self.runs_done += 1
        log.info(
            "%s: recorded run %d (%s, %.1f s)",
            manifest,
            run_id,
            report.worst.label if report.worst is not None else "ok",
            duration,
        )
        if self.after_run is not None:
            try:
                self.after_run(Finished(manifest, run_id, report, duration))
            except Exception as exc:
                log.exception("%s: after run %d: %s", manifest, run_id, exc)
        return run_id


__all__ = ["LEASE", "AfterRun", "Finished", "Watcher", "instance_name"]
