"""What the ``serve`` dashboard shows, as frozen values: deployments and their verdict, the
targets of the latest run (filterable), a certificate's page, the expiry timeline, the diff since
the previous run, and findings grouped by rule with their fix and acknowledgements."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from certready.adapters.inventory import Store
from certready.adapters.inventory.rows import RunRow
from certready.adapters.inventory.watch_store import (
    Acknowledgement,
    FindingCount,
    Served,
    WatchStore,
)
from certready.adapters.metrics import deployment_name
from certready.core.errors import UsageError
from certready.core.model import Severity
from certready.core.rules import get_rule
from certready.services.history import RunDiff, days_left, diff


@dataclass(frozen=True, slots=True)
class DeploymentView:
    name: str
    manifest: str
    run: RunRow
    verdict: str
    targets: int
    errors: int
    warnings: int
    soonest_days: int | None


@dataclass(frozen=True, slots=True)
class TargetView:
    target: str
    environment: str
    status: str
    reason: str | None
    endpoint: str
    fingerprint_sha256: str | None
    subject: str | None
    not_after: dt.datetime | None
    days_left: int | None
    worst: str
    """``ok`` or the worst finding's severity label."""


@dataclass(frozen=True, slots=True)
class FindingView:
    target: str
    message: str
    location: str
    acknowledged: Acknowledgement | None


@dataclass(frozen=True, slots=True)
class RootCause:
    """The findings of one rule: one cause, one fix."""

    rule_id: str
    severity: str
    title: str
    fix: str
    findings: tuple[FindingView, ...]


@dataclass(frozen=True, slots=True)
class DeploymentPage:
    deployment: DeploymentView
    targets: tuple[TargetView, ...]
    environments: tuple[str, ...]
    causes: tuple[RootCause, ...]
    diff: RunDiff | None
    timeline: tuple[TargetView, ...]


def deployments(store: WatchStore, now: dt.datetime) -> tuple[DeploymentView, ...]:
    latest = store.latest_runs()
    served = store.served([r.id for r in latest])
    counts = store.finding_counts([r.id for r in latest])
    return tuple(_deployment_view(run, served, counts, now) for run in latest)


def _deployment_view(
    run: RunRow, served: list[Served], counts: list[FindingCount], now: dt.datetime
) -> DeploymentView:
    mine = [s for s in served if s.run_id == run.id]
    errors = sum(c.count for c in counts if c.run_id == run.id and c.severity == Severity.ERROR)
    warnings = sum(c.count for c in counts if c.run_id == run.id and c.severity == Severity.WARNING)
    days = [days_left(s.not_after, now) for s in mine if s.not_after is not None]
    return DeploymentView(
        name=deployment_name(run),
        manifest=run.manifest or "",
        run=run,
        verdict=run.verdict or "unknown",
        targets=len(mine),
        errors=errors,
        warnings=warnings,
        soonest_days=min(days) if days else None,
    )


def deployment_page(
    store: WatchStore,
    inventory: Store,
    name: str,
    now: dt.datetime,
    *,
    environment: str | None = None,
    severity: str | None = None,
    max_days: int | None = None,
    run_id: int | None = None,
) -> DeploymentPage:
    """One deployment's latest run (or run ``run_id`` of it) and the diff since the run before;
    the filters narrow the target list only."""
    run = next((r for r in store.latest_runs() if deployment_name(r) == name), None)
    if run is None:
        raise UsageError(f"no recorded deployment {name!r}")
    if run_id is not None and run_id != run.id:
        older = inventory.run(run_id)
        if older is None or older.manifest != run.manifest or not older.complete:
            raise UsageError(f"no complete run {run_id} of {name!r}")
        run = older
    served = store.served([run.id])
    rows = inventory.findings(run.id)
    worst: dict[str, int] = defaultdict(int)
    for f in rows:
        worst[f.target] = max(worst[f.target], f.severity)
    all_targets = tuple(_target_view(s, worst.get(s.target, 0), now) for s in served)
    wanted = Severity.parse(severity) if severity else None
    targets = tuple(
        t
        for t in all_targets
        if (environment is None or t.environment == environment)
        and (wanted is None or (t.worst != "ok" and Severity.parse(t.worst) >= wanted))
        and (max_days is None or (t.days_left is not None and t.days_left <= max_days))
    )
    acks = store.acknowledgements(name, now=now)
    by_rule: dict[str, list[FindingView]] = defaultdict(list)
    severity_of: dict[str, int] = {}
    for f in rows:
        ack = next(
            (
                a
                for a in acks
                if a.target == f.target and a.rule_id == f.rule_id and a.location == f.location
            ),
            None,
        )
        by_rule[f.rule_id].append(FindingView(f.target, f.message, f.location, ack))
        severity_of[f.rule_id] = max(severity_of.get(f.rule_id, 0), f.severity)
    causes = tuple(
        _cause(rule_id, severity_of[rule_id], views)
        for rule_id, views in sorted(by_rule.items(), key=lambda kv: (-severity_of[kv[0]], kv[0]))
    )
    previous = store.previous_run(run)
    change = diff(inventory, previous.id, run.id) if previous is not None else None
    timeline = tuple(
        sorted(
            (t for t in all_targets if t.not_after is not None),
            key=lambda t: (t.not_after, t.target),
        )
    )
    return DeploymentPage(
        deployment=_deployment_view(run, served, store.finding_counts([run.id]), now),
        targets=targets,
        environments=tuple(sorted({t.environment for t in all_targets if t.environment})),
        causes=causes,
        diff=change,
        timeline=timeline,
    )


def _target_view(s: Served, worst: int, now: dt.datetime) -> TargetView:
    if s.host is not None:
        host = f"[{s.host}]" if ":" in s.host else s.host
        endpoint = f"{host}:{s.port}"
    else:
        endpoint = ""
    return TargetView(
        target=s.target,
        environment=s.environment or "",
        status=s.status,
        reason=s.reason,
        endpoint=endpoint,
        fingerprint_sha256=s.fingerprint_sha256,
        subject=s.subject,
        not_after=s.not_after,
        days_left=days_left(s.not_after, now) if s.not_after is not None else None,
        worst=Severity(worst).label if worst else "ok",
    )


def _cause(rule_id: str, severity: int, views: list[FindingView]) -> RootCause:
    try:
        rule = get_rule(rule_id)
        title, fix = rule.title, rule.remediation
    except (KeyError, ValueError, LookupError):
        title, fix = rule_id, ""
    label = Severity(severity).label if severity in {s.value for s in Severity} else "unknown"
    return RootCause(rule_id, label, title, fix, tuple(views))


@dataclass(frozen=True, slots=True)
class CertificatePage:
    facts: dict[str, object]
    days_left: int
    served: tuple[Served, ...]
    """Where and when it was served or held, newest first (its history)."""


def certificate_page(store: WatchStore, fingerprint: str, now: dt.datetime) -> CertificatePage:
    facts = store.certificate(fingerprint)
    if facts is None:
        raise UsageError(f"no recorded certificate {fingerprint!r}")
    not_after = facts["not_after"]
    assert isinstance(not_after, dt.datetime)
    return CertificatePage(
        facts, days_left(not_after, now), tuple(store.observations_of(fingerprint))
    )


__all__ = [
    "CertificatePage",
    "DeploymentPage",
    "DeploymentView",
    "FindingView",
    "RootCause",
    "TargetView",
    "certificate_page",
    "deployment_page",
    "deployments",
]
