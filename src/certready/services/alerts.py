"""Which alerts a recorded run raises, once per change (never once per run).

Each alert has a key naming the change (the new certificate's fingerprint, the run where an
unreachable streak began, ...). The key is inserted into ``alerts_sent`` before sending: the one
instance whose insert succeeds sends, every later run and every other instance finds it and
stays quiet. A message that could not be sent is forgotten, so the next run tries again.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from certready.adapters.inventory import InventoryError, Store
from certready.adapters.inventory.rows import RunRow
from certready.adapters.inventory.watch_store import Served, WatchStore
from certready.adapters.metrics import deployment_name
from certready.adapters.notify import AlertRules
from certready.core.model import Severity
from certready.services.history import days_left, diff

log = logging.getLogger("certready.serve")
_UNREACHABLE = "unreachable"
_LOOK_BACK = 50


@dataclass(frozen=True, slots=True)
class Alert:
    key: str
    rule: str
    deployment: str
    title: str
    body: str


Send = Callable[[str, str], bool]


def alerts_for_run(
    watch: WatchStore, inventory: Store, run_id: int, rules: AlertRules, now: dt.datetime
) -> list[Alert]:
    """The alerts run ``run_id`` raises (before de-duplication)."""
    run = inventory.run(run_id)
    if run is None or run.manifest is None:
        return []
    name = deployment_name(run)
    out: list[Alert] = []
    served = watch.served([run.id])
    live = [s for s in served if s.host is not None]
    for s in live:
        if s.not_after is None or s.fingerprint_sha256 is None or s.status != "ok":
            continue
        left = days_left(s.not_after, now)
        crossed = [w for w in rules.expiring_within if s.not_after - now <= w]
        if crossed:
            tightest = min(crossed)
            days = tightest.days
            out.append(
                Alert(
                    key=f"expiring-{days}d|{name}|{s.target}|{s.fingerprint_sha256}",
                    rule="expiring",
                    deployment=name,
                    title=f"certready: {s.target} expires in {left} days ({name})",
                    body=(
                        f"{name}: the certificate {s.target} serves ({s.subject}) expires on "
                        f"{s.not_after:%Y-%m-%d %H:%M} UTC, in {left} days (alert threshold "
                        f"{days} days). SHA-256 {s.fingerprint_sha256}."
                    ),
                )
            )
    previous = watch.previous_run(run)
    if previous is not None:
        change = diff(inventory, previous.id, run.id)
        if rules.new_error_finding:
            for f in change.findings_new:
                if f.severity < Severity.ERROR:
                    continue
                out.append(
                    Alert(
                        key=f"error|{name}|{f.target}|{f.rule_id}|{f.location}|{run.id}",
                        rule="new-error-finding",
                        deployment=name,
                        title=f"certready: new error {f.rule_id} on {f.target} ({name})",
                        body=f"{name}: {f.target}: {f.message} ({f.location}).",
                    )
                )
        if rules.served_certificate_changed:
            live_targets = {s.target for s in live}
            for c in change.certificates_replaced:
                if c.target not in live_targets:
                    continue
                out.append(
                    Alert(
                        key=f"changed|{name}|{c.target}|{c.after}",
                        rule="served-certificate-changed",
                        deployment=name,
                        title=f"certready: served certificate changed on {c.target} ({name})",
                        body=(
                            f"{name}: {c.target} now serves the certificate SHA-256 {c.after} "
                            f"(was {c.before})."
                        ),
                    )
                )
    if rules.endpoint_unreachable_twice:
        out.extend(_unreachable(watch, run, name, [s for s in live if s.status == _UNREACHABLE]))
    return out


def _unreachable(watch: WatchStore, run: RunRow, name: str, down: list[Served]) -> list[Alert]:
    """Endpoints unreachable in this run and the one before: one alert per streak."""
    if not down or run.manifest is None:
        return []
    runs = watch.runs_of(run.manifest, limit=_LOOK_BACK)
    history = watch.served([r.id for r in runs])
    status = {(s.run_id, s.target): s.status for s in history}
    out = []
    for s in down:
        streak: list[int] = []
        for r in runs:
            if status.get((r.id, s.target)) != _UNREACHABLE:
                break
            streak.append(r.id)
        if len(streak) < 2:
            continue
        out.append(
            Alert(
                key=f"unreachable|{name}|{s.target}|{streak[-1]}",
                rule="endpoint-unreachable",
                deployment=name,
                title=f"certready: {s.target} unreachable twice in a row ({name})",
                body=f"{name}: {s.target} could not be examined in the last {len(streak)} runs: "
                f"{s.reason or 'unreachable'}.",
            )
        )
    return out


def deliver(
    watch: WatchStore, alerts: list[Alert], send: Send, *, owner: str, now: dt.datetime
) -> list[Alert]:
    """Send each alert no instance has sent yet; the ones sent."""
    sent = []
    for alert in alerts:
        try:
            if not watch.claim_alert(
                alert.key,
                rule=alert.rule,
                deployment=alert.deployment,
                owner=owner,
                now=now,
                message=alert.title,
            ):
                continue
        except InventoryError as exc:
            log.error("alert not sent (cannot record it): %s", exc)
            continue
        if send(alert.title, alert.body):
            sent.append(alert)
            log.info("alert sent: %s", alert.title)
        else:
            log.error("alert could not be sent (retried after the next run): %s", alert.title)
            try:
                watch.forget_alert(alert.key)
            except InventoryError as exc:
                log.error("%s", exc)
    return sent


__all__ = ["Alert", "alerts_for_run", "deliver"]
