"""What ``certready serve`` keeps in the inventory besides runs: run claims, alerts sent and
acknowledgements, and the few questions its metrics and dashboard ask.

Claims and alerts are how several ``serve`` instances on one database agree: a manifest is run by
the one instance whose claim row is live, and an alert is sent by the one whose insert of the
change's key succeeded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, and_, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError

from certready.adapters.inventory.engine import Database, database_error, open_engine, writing
from certready.adapters.inventory.rows import RunRow
from certready.adapters.inventory.tables import (
    acknowledgements,
    alerts_sent,
    certificates,
    endpoints,
    findings,
    observations,
    run_claims,
    runs,
    servers,
)


@dataclass(frozen=True, slots=True)
class Served:
    """One observation of a run with where it was and the leaf's expiry (metrics, dashboard)."""

    run_id: int
    target: str
    status: str
    reason: str | None
    environment: str | None
    server: str | None
    host: str | None
    port: int | None
    sni: str | None
    fingerprint_sha256: str | None
    subject: str | None
    issuer: str | None
    not_after: dt.datetime | None


@dataclass(frozen=True, slots=True)
class FindingCount:
    run_id: int
    rule_id: str
    severity: int
    count: int


@dataclass(frozen=True, slots=True)
class Acknowledgement:
    id: int
    deployment: str
    target: str
    rule_id: str
    location: str
    reason: str
    acknowledged_by: str
    acknowledged_at: dt.datetime
    expires_at: dt.datetime


class WatchStore:
    """One database, as ``serve`` uses it. Errors leave as one-line ``InventoryError``."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._engine: Engine = open_engine(database)

    def close(self) -> None:
        self._engine.dispose()

    def _insert(self, table: Any) -> Any:
        return (
            pg_insert(table) if self._engine.dialect.name == "postgresql" else sqlite_insert(table)
        )

    # --- claims ------------------------------------------------------------------------------

    def claim_run(
        self,
        manifest: str,
        owner: str,
        *,
        now: dt.datetime,
        lease: dt.timedelta,
        not_started_since: dt.datetime | None = None,
    ) -> bool:
        """Claim ``manifest`` for a run until ``now + lease``: ``False`` while another instance
        holds a live claim, or when a run started after ``not_started_since`` (this slot is
        already done elsewhere)."""
        try:
            with writing(self._engine) as connection:
                inserted = connection.execute(
                    self._insert(run_claims)
                    .values(
                        manifest=manifest, owner=owner, expires_at=now + lease, last_started=now
                    )
                    .on_conflict_do_nothing()
                    .returning(run_claims.c.manifest)
                )
                if inserted.first() is not None:  # rowcount is -1 for this on psycopg
                    return True
                conditions = [
                    or_(run_claims.c.expires_at.is_(None), run_claims.c.expires_at < now),
                ]
                if not_started_since is not None:
                    conditions.append(
                        or_(
                            run_claims.c.last_started.is_(None),
                            run_claims.c.last_started <= not_started_since,
                        )
                    )
                updated = connection.execute(
                    update(run_claims)
                    .where(run_claims.c.manifest == manifest, *conditions)
                    .values(owner=owner, expires_at=now + lease, last_started=now)
                )
                return bool(updated.rowcount == 1)
        except SQLAlchemyError as exc:
            raise database_error(self.database, exc) from None

    def renew_run(self, manifest: str, owner: str, *, until: dt.datetime) -> None:
        self._execute(
            update(run_claims)
            .where(run_claims.c.manifest == manifest, run_claims.c.owner == owner)
            .values(expires_at=until)
        )

    def release_run(self, manifest: str, owner: str) -> None:
        self._execute(
            update(run_claims)
            .where(run_claims.c.manifest == manifest, run_claims.c.owner == owner)
            .values(expires_at=None)
        )

    def claim_alert(
        self, key: str, *, rule: str, deployment: str, owner: str, now: dt.datetime, message: str
    ) -> bool:
        """``True`` for the one caller that first records ``key``: it sends the message."""
        try:
            with writing(self._engine) as connection:
                result = connection.execute(
                    self._insert(alerts_sent)
                    .values(
                        key=key,
                        rule=rule,
                        deployment=deployment,
                        sent_at=now,
                        owner=owner,
                        message=message,
                    )
                    .on_conflict_do_nothing()
                    .returning(alerts_sent.c.key)
                )
                return result.first() is not None
        except SQLAlchemyError as exc:
            raise database_error(self.database, exc) from None

    def forget_alert(self, key: str) -> None:
        """A message that could not be sent: the next run tries again."""
        self._execute(alerts_sent.delete().where(alerts_sent.c.key == key))

    def _execute(self, statement: Any) -> None:
        try:
            with writing(self._engine) as connection:
                connection.execute(statement)
        except SQLAlchemyError as exc:
            raise database_error(self.database, exc) from None

    # --- acknowledgements ----------------------------------------------------------------------

    def acknowledge(
        self,
        *,
        deployment: str,
        target: str,
        rule_id: str,
        location: str,
        reason: str,
        by: str,
        now: dt.datetime,
        expires_at: dt.datetime,
    ) -> None:
        self._execute(
            acknowledgements.insert().values(
                deployment=deployment,
                target=target,
                rule_id=rule_id,
                location=location,
                reason=reason,
                acknowledged_by=by,
                acknowledged_at=now,
                expires_at=expires_at,
            )
        )

    def acknowledgements(self, deployment: str, *, now: dt.datetime) -> list[Acknowledgement]:
        """The acknowledgements of ``deployment`` still in force at ``now``, newest first."""
        query = (
            select(acknowledgements)
            .where(acknowledgements.c.deployment == deployment, acknowledgements.c.expires_at > now)
            .order_by(acknowledgements.c.id.desc())
        )
        return [Acknowledgement(**dict(r._mapping)) for r in self._rows(query)]

    # --- questions ---------------------------------------------------------------------------

    def latest_runs(self) -> list[RunRow]:
        """The latest complete audit run of every manifest (every site's, on a shared database)."""
        latest = (
            select(func.max(runs.c.id))
            .where(runs.c.command == "audit", runs.c.manifest.is_not(None))
            .where(runs.c.ended_at.is_not(None))
            .group_by(runs.c.manifest)
        )
        query = select(runs).where(runs.c.id.in_(latest)).order_by(runs.c.title, runs.c.manifest)
        return [_run_row(r._mapping) for r in self._rows(query)]

    def runs_of(self, manifest: str, *, limit: int) -> list[RunRow]:
        """Complete audit runs of ``manifest``, newest first."""
        query = (
            select(runs)
            .where(runs.c.command == "audit", runs.c.manifest == manifest)
            .where(runs.c.ended_at.is_not(None))
            .order_by(runs.c.id.desc())
            .limit(limit)
        )
        return [_run_row(r._mapping) for r in self._rows(query)]

    def served(self, run_ids: Sequence[int]) -> list[Served]:
        """Every observation of these runs with its server, endpoint and leaf expiry."""
        if not run_ids:
            return []
        query = (
            select(
                observations.c.run_id,
                observations.c.target,
                observations.c.status,
                observations.c.reason,
                servers.c.environment,
                servers.c.name,
                endpoints.c.host,
                endpoints.c.port,
                endpoints.c.sni,
                observations.c.leaf_sha256,
                certificates.c.subject,
                certificates.c.issuer,
                certificates.c.not_after,
            )
            .outerjoin(servers, servers.c.id == observations.c.server_id)
            .outerjoin(endpoints, endpoints.c.id == observations.c.endpoint_id)
            .outerjoin(
                certificates, certificates.c.fingerprint_sha256 == observations.c.leaf_sha256
            )
            .where(observations.c.run_id.in_(list(run_ids)))
            .order_by(observations.c.id)
        )
        return [Served(*r) for r in self._rows(query)]

    def finding_counts(self, run_ids: Sequence[int]) -> list[FindingCount]:
        if not run_ids:
            return []
        query = (
            select(findings.c.run_id, findings.c.rule_id, findings.c.severity, func.count())
            .where(findings.c.run_id.in_(list(run_ids)))
            .group_by(findings.c.run_id, findings.c.rule_id, findings.c.severity)
            .order_by(findings.c.run_id, findings.c.rule_id)
        )
        return [FindingCount(int(a), b, int(c), int(d)) for a, b, c, d in self._rows(query)]

    def observations_of(self, fingerprint: str, *, limit: int = 200) -> list[Served]:
        """Where a certificate was served or held, newest first."""
        query = (
            select(
                observations.c.run_id,
                observations.c.target,
                observations.c.status,
                observations.c.reason,
                servers.c.environment,
                servers.c.name,
                endpoints.c.host,
                endpoints.c.port,
                endpoints.c.sni,
                observations.c.leaf_sha256,
                certificates.c.subject,
                certificates.c.issuer,
                certificates.c.not_after,
            )
            .outerjoin(servers, servers.c.id == observations.c.server_id)
            .outerjoin(endpoints, endpoints.c.id == observations.c.endpoint_id)
            .join(certificates, certificates.c.fingerprint_sha256 == observations.c.leaf_sha256)
            .where(observations.c.leaf_sha256 == fingerprint)
            .order_by(observations.c.id.desc())
            .limit(limit)
        )
        return [Served(*r) for r in self._rows(query)]

    def certificate(self, fingerprint: str) -> dict[str, Any] | None:
        """Every stored fact of one certificate (never a key: none is stored)."""
        rows = self._rows(
            select(certificates).where(certificates.c.fingerprint_sha256 == fingerprint)
        )
        return dict(rows[0]._mapping) if rows else None

    def previous_run(self, run: RunRow) -> RunRow | None:
        query = (
            select(runs)
            .where(
                and_(
                    runs.c.command == run.command,
                    runs.c.manifest == run.manifest,
                    runs.c.id < run.id,
                    runs.c.ended_at.is_not(None),
                )
            )
            .order_by(runs.c.id.desc())
            .limit(1)
        )
        rows = self._rows(query)
        return _run_row(rows[0]._mapping) if rows else None

    def _rows(self, query: Any) -> list[Any]:
        try:
            with self._engine.connect() as connection:
                return list(connection.execute(query))
        except SQLAlchemyError as exc:
            raise database_error(self.database, exc) from None


def _run_row(m: Any) -> RunRow:
    return RunRow(
        id=int(m["id"]),
        command=m["command"],
        profile=m["profile"],
        manifest=m["manifest"],
        title=m["title"],
        user_name=m["user_name"],
        host_name=m["host_name"],
        started_at=m["started_at"],
        ended_at=m["ended_at"],
        verdict=m["verdict"],
        exit_status=m["exit_status"],
    )


__all__ = ["Acknowledgement", "FindingCount", "Served", "WatchStore"]
