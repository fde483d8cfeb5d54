"""The questions the inventory answers: what is known and expiring, what a target presented over
time, what changed between two runs, and when each certificate must be renewed.

Every answer is a frozen dataclass; the CLI renders it as text, JSON or CSV.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, replace

from certready.adapters.inventory import Store
from certready.adapters.inventory.rows import (
    CertificateRow,
    FindingRow,
    ObservationRow,
    RunRow,
)
from certready.core.errors import UsageError
from certready.core.rules.validity import cabf_max_days
from certready.core.targets import parse_target

_DAY = dt.timedelta(days=1)


def days_left(not_after: dt.datetime, now: dt.datetime) -> int:
    """Whole days until ``not_after`` (negative once expired)."""
    return (not_after - now) // _DAY


# --- inventory -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InventoryItem:
    """One known certificate: the columns of ``inventory --format json|csv``."""

    fingerprint_sha256: str
    subject: str
    issuer: str
    not_after: dt.datetime
    days_left: int
    last_seen: dt.datetime
    where: str
    servers: tuple[str, ...]
    """``deployment:environment/name`` of each manifest server it was the certificate of."""


def inventory(
    store: Store,
    *,
    now: dt.datetime,
    expiring: dt.timedelta | None = None,
    issuer: str | None = None,
    deployment: str | None = None,
) -> tuple[InventoryItem, ...]:
    """Every known certificate; ``expiring``: only those expiring within it, and expired ones
    still seen after their expiry (still served)."""
    rows = store.certificates(
        now=now,
        expiring_before=now + expiring if expiring is not None else None,
        issuer=issuer,
        deployment=deployment,
    )
    used = store.servers_using([r.fingerprint_sha256 for r in rows])
    return tuple(
        InventoryItem(
            fingerprint_sha256=r.fingerprint_sha256,
            subject=r.subject,
            issuer=r.issuer,
            not_after=r.not_after,
            days_left=days_left(r.not_after, now),
            last_seen=r.last_seen,
            where=r.last_where,
            servers=tuple(str(s) for s in used.get(r.fingerprint_sha256, ())),
        )
        for r in rows
    )


# --- history ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Period:
    """A stretch of time during which a target presented the same thing."""

    since: dt.datetime
    last_seen: dt.datetime
    observations: int
    status: str
    reason: str | None
    fingerprint_sha256: str | None
    thumbprint_sha1: str | None
    subject: str | None
    issuer: str | None
    key: str | None
    """``rsa 2048``, ``ec 256``."""
    not_after: dt.datetime | None
    chain: tuple[str, ...]
    changes: tuple[str, ...]
    """What changed when this period started: ``first seen``, ``new thumbprint``, ``new issuer``,
    ``chain changed``, ``key size changed``, ``unreachable``, ``reachable again``."""


@dataclass(frozen=True, slots=True)
class Series:
    """The observations of one target as reports name it (``production/app (sts)``)."""

    target: str
    periods: tuple[Period, ...]


@dataclass(frozen=True, slots=True)
class History:
    target: str
    """The endpoint or manifest server, as resolved (``app.example.com:443 (SNI ...)``)."""
    series: tuple[Series, ...]


class AmbiguousTarget(UsageError):
    """``history TARGET`` matches several endpoints or servers; ``matches`` lists them."""

    def __init__(self, target: str, matches: tuple[str, ...]) -> None:
        super().__init__(
            f"ambiguous target {target!r}: it matches {', '.join(matches)} (name one of them)"
        )
        self.matches = matches


def history(store: Store, target: str) -> History:
    """``host:port``, ``[v6addr]:port``, or ``[DEPLOYMENT:]environment/server``.

    An endpoint's history has one series per server name (SNI) it was scanned with; a server
    name shared by several deployments is ambiguous (:class:`AmbiguousTarget`) unless its
    deployment is named."""
    head = target.split("/", 1)[0]
    if "/" in target and "://" not in target and "]" not in head:
        deployment, _, environment = head.rpartition(":")
        name = target.split("/", 1)[1]
        servers = store.servers(environment, name, deployment or None)
        if not servers:
            raise UsageError(f"no recorded manifest server {target!r}")
        if len(servers) > 1:
            raise AmbiguousTarget(target, tuple(str(s.key) for s in servers))
        rows = store.observations(server_id=servers[0].id)
        return History(str(servers[0].key), _series(rows))
    parsed = parse_target(target)
    endpoints = store.endpoints(parsed.host, parsed.port)
    if not endpoints:
        raise UsageError(f"no recorded endpoint {parsed.authority}")
    names = {e.id: str(e.key) for e in endpoints}
    rows = store.observations(endpoint_ids=list(names))
    return History(parsed.authority, _series(rows, names))


def _series(
    rows: list[ObservationRow], endpoint_names: dict[int, str] | None = None
) -> tuple[Series, ...]:
    """One series per endpoint (host, port and SNI) or, for a manifest server, per target as
    reports name it (``production/app``, ``production/app (sts)``, ``... (live ...)``)."""
    by_target: dict[str, list[ObservationRow]] = {}
    for row in rows:
        name = row.target
        if endpoint_names and row.endpoint_id is not None:
            name = endpoint_names.get(row.endpoint_id, name)
        by_target.setdefault(name, []).append(row)
    return tuple(Series(t, _periods(obs)) for t, obs in sorted(by_target.items()))


def _periods(rows: list[ObservationRow]) -> tuple[Period, ...]:
    periods: list[Period] = []
    for row in rows:
        leaf = row.leaf
        previous = periods[-1] if periods else None
        same = (
            previous is not None
            and previous.status == row.status
            and previous.fingerprint_sha256 == row.leaf_sha256
            and previous.chain == row.chain
        )
        if same and previous is not None:
            periods[-1] = replace(
                previous, last_seen=row.observed_at, observations=previous.observations + 1
            )
            continue
        periods.append(
            Period(
                since=row.observed_at,
                last_seen=row.observed_at,
                observations=1,
                status=row.status,
                reason=row.reason,
                fingerprint_sha256=row.leaf_sha256,
                thumbprint_sha1=leaf.thumbprint_sha1 if leaf else None,
                subject=leaf.subject if leaf else None,
                issuer=leaf.issuer if leaf else None,
                key=f"{leaf.key_type} {leaf.key_bits}" if leaf else None,
                not_after=leaf.not_after if leaf else None,
                chain=row.chain,
                changes=_changes(previous, row),
            )
        )
    return tuple(periods)


def _changes(previous: Period | None, row: ObservationRow) -> tuple[str, ...]:
    if previous is None:
        return ("first seen",)
    changes: list[str] = []
    if row.status != previous.status:
        changes.append(row.status if row.status != "ok" else "reachable again")
    leaf = row.leaf
    if leaf is not None and previous.fingerprint_sha256 is not None:
        if leaf.fingerprint_sha256 != previous.fingerprint_sha256:
            changes.append("new thumbprint")
        if leaf.issuer != previous.issuer:
            changes.append("new issuer")
        if previous.key != f"{leaf.key_type} {leaf.key_bits}":
            changes.append("key size changed")
    elif leaf is not None:
        changes.append("new thumbprint")
    if row.chain != previous.chain and (leaf is not None or row.chain):
        changes.append("chain changed")
    return tuple(changes)


# --- diff ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FindingChange:
    target: str
    rule_id: str
    severity: int
    message: str
    location: str


@dataclass(frozen=True, slots=True)
class CertificateChange:
    target: str
    before: str | None
    """The SHA-256 fingerprint in the first run (``None``: added)."""
    after: str | None
    """The SHA-256 fingerprint in the second run (``None``: removed)."""


@dataclass(frozen=True, slots=True)
class RunDiff:
    run_a: RunRow
    run_b: RunRow
    findings_new: tuple[FindingChange, ...]
    findings_fixed: tuple[FindingChange, ...]
    findings_unchanged: tuple[FindingChange, ...]
    certificates_added: tuple[CertificateChange, ...]
    certificates_replaced: tuple[CertificateChange, ...]
    certificates_removed: tuple[CertificateChange, ...]


def pick_runs(store: Store, run_a: int | None, run_b: int | None) -> tuple[RunRow, RunRow]:
    """Both given: those. One: it and the latest complete run of its command and manifest after
    it. None: the last two complete runs of the latest run's command and manifest."""
    if run_a is not None and run_b is not None:
        return _run(store, run_a), _run(store, run_b)
    if run_a is not None:
        first = _run(store, run_a)
        later = [
            r
            for r in store.runs(command=first.command, manifest=first.manifest or "")
            if r.complete and r.id > first.id
        ]
        if not later:
            raise UsageError(
                f"run {run_a} has no later complete run of the same command to compare"
            )
        return first, later[0]
    latest = next((r for r in store.runs(limit=50) if r.complete), None)
    if latest is None:
        raise UsageError("no complete run recorded yet")
    same = [
        r
        for r in store.runs(command=latest.command, manifest=latest.manifest or "", limit=50)
        if r.complete
    ]
    if len(same) < 2:
        what = f"{latest.command} of {latest.manifest}" if latest.manifest else latest.command
        raise UsageError(f"only one complete {what} run recorded: nothing to compare")
    return same[1], same[0]


def _run(store: Store, run_id: int) -> RunRow:
    run = store.run(run_id)
    if run is None:
        raise UsageError(f"no run {run_id} in the inventory")
    return run


def diff(store: Store, run_a: int | None = None, run_b: int | None = None) -> RunDiff:
    first, second = pick_runs(store, run_a, run_b)
    before = _finding_keys(store.findings(first.id))
    after = _finding_keys(store.findings(second.id))
    leaves_a = _leaves(store.observations(run_id=first.id))
    leaves_b = _leaves(store.observations(run_id=second.id))
    added, replaced, removed = [], [], []
    for target in sorted(leaves_a.keys() | leaves_b.keys()):
        a, b = leaves_a.get(target), leaves_b.get(target)
        if a == b:
            continue
        change = CertificateChange(target, a, b)
        if a is None:
            added.append(change)
        elif b is None:
            removed.append(change)
        else:
            replaced.append(change)
    return RunDiff(
        run_a=first,
        run_b=second,
        findings_new=tuple(after[k] for k in after if k not in before),
        findings_fixed=tuple(before[k] for k in before if k not in after),
        findings_unchanged=tuple(after[k] for k in after if k in before),
        certificates_added=tuple(added),
        certificates_replaced=tuple(replaced),
        certificates_removed=tuple(removed),
    )


def _finding_keys(rows: list[FindingRow]) -> dict[tuple[str, str, str, int], FindingChange]:
    """Findings keyed by (target, rule id, location, n-th of that triple): comparable across
    runs whatever their message (which may name a date or a count)."""
    seen: Counter[tuple[str, str, str]] = Counter()
    out: dict[tuple[str, str, str, int], FindingChange] = {}
    for row in rows:
        triple = (row.target, row.rule_id, row.location)
        seen[triple] += 1
        out[(*triple, seen[triple])] = FindingChange(
            row.target, row.rule_id, row.severity, row.message, row.location
        )
    return out


def _leaves(rows: list[ObservationRow]) -> dict[str, str | None]:
    return {r.target: r.leaf_sha256 for r in rows if r.leaf_sha256 is not None}


# --- calendar --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CalendarEntry:
    fingerprint_sha256: str
    subject: str
    issuer: str
    not_after: dt.datetime
    renew_by: dt.datetime
    """``not_after`` minus the profile's ``validity.renewal-lead``."""
    days_to_renew: int
    public: bool | None
    replacement_max_days: int | None
    """Public certificates: the longest lifetime a replacement issued at ``renew_by`` may have
    (CA/Browser Forum BR §6.3.2, SC-081); ``None`` for private ones and unknown."""
    where: str
    servers: tuple[str, ...]


def calendar(store: Store, *, now: dt.datetime, lead: dt.timedelta) -> tuple[CalendarEntry, ...]:
    """Every certificate still valid, or served after it expired, by renewal date."""
    rows: list[CertificateRow] = [
        r for r in store.certificates() if r.not_after >= now or r.last_seen >= r.not_after
    ]
    used = store.servers_using([r.fingerprint_sha256 for r in rows])
    entries = []
    for r in rows:
        renew_by = r.not_after - lead
        entries.append(
            CalendarEntry(
                fingerprint_sha256=r.fingerprint_sha256,
                subject=r.subject,
                issuer=r.issuer,
                not_after=r.not_after,
                renew_by=renew_by,
                days_to_renew=days_left(renew_by, now),
                public=r.public,
                replacement_max_days=cabf_max_days(max(renew_by, now)) if r.public else None,
                where=r.last_where,
                servers=tuple(str(s) for s in used.get(r.fingerprint_sha256, ())),
            )
        )
    entries.sort(key=lambda e: (e.renew_by, e.fingerprint_sha256))
    return tuple(entries)


__all__ = [
    "AmbiguousTarget",
    "CalendarEntry",
    "CertificateChange",
    "FindingChange",
    "History",
    "InventoryItem",
    "Period",
    "RunDiff",
    "Series",
    "calendar",
    "diff",
    "history",
    "inventory",
    "pick_runs",
]
