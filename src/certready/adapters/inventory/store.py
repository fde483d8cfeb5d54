"""The store API the services call: record runs and observations, answer the questions.

Every write is its own transaction: a run's row, then one transaction per target (its certificates,
endpoint or server, observation and findings), then the run's end. A process killed in the middle
leaves what it committed and a run whose ``ended_at`` stays NULL (incomplete). Certificates are
upserted in fingerprint order so concurrent recorders never deadlock on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError

from certready.adapters.inventory.engine import Database, database_error, open_engine, writing
from certready.adapters.inventory.row_mapping import (
    CERTIFICATE_COLUMNS,
    certificate_row,
    certificate_values,
    finding_values,
    observation_row,
    run_row,
)
from certready.adapters.inventory.rows import (
    CertificateRow,
    EndpointKey,
    EndpointRow,
    FindingRecord,
    FindingRow,
    ObservationRecord,
    ObservationRow,
    PruneCounts,
    RunEnd,
    RunRow,
    RunStart,
    ServerKey,
    ServerRow,
)
from certready.adapters.inventory.tables import (
    certificates,
    endpoints,
    findings,
    observations,
    runs,
    servers,
)

_CHUNK = 500


class Store:
    """One database. Every method raises :class:`InventoryError` (one line) on a database error."""

    def __init__(self, database: Database, *, create: bool = True) -> None:
        self.database = database
        self._engine: Engine = open_engine(database, create=create)
        self._known_certificates: set[str] = set()
        self._endpoint_ids: dict[EndpointKey, int] = {}
        self._server_ids: dict[ServerKey, int] = {}

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # --- recording ---------------------------------------------------------------------------

    def begin_run(self, start: RunStart) -> int:
        values = {
            "command": start.command,
            "profile": start.profile,
            "manifest": start.manifest,
            "title": start.title,
            "user_name": start.user_name,
            "host_name": start.host_name,
            "version": start.version,
            "started_at": start.started_at,
        }
        with self._write() as connection:
            result = connection.execute(runs.insert().returning(runs.c.id), values)
            return int(result.scalar_one())

    def add_observation(self, run_id: int, record: ObservationRecord) -> int:
        """One target in one transaction (a scan commits each as it completes)."""
        return self.add_observations(run_id, [record])[0]

    def add_observations(self, run_id: int, records: Sequence[ObservationRecord]) -> list[int]:
        """Targets that completed together, in one transaction and a few statements. Endpoint
        and server ids, and certificates already upserted by this store, are remembered once
        committed (a run's later targets skip them: the intermediate every target shares is
        written once)."""
        if not records:
            return []
        known = set(self._known_certificates)
        endpoint_ids, server_ids = dict(self._endpoint_ids), dict(self._server_ids)
        with self._write() as connection:
            statements = _statements(connection)
            upserts: dict[str, dict[str, Any]] = {}
            for record in records:
                where = str(record.endpoint) if record.endpoint else record.location
                chain = (*record.others, *((record.leaf,) if record.leaf else ()))
                for cert in chain:
                    if cert.fingerprint_sha256 not in known:
                        upserts.setdefault(
                            cert.fingerprint_sha256,
                            certificate_values(cert, record.observed_at, where),
                        )
            if upserts:
                connection.execute(
                    statements.upsert_certificates, [upserts[fp] for fp in sorted(upserts)]
                )
                known.update(upserts)
            _endpoint_ids(connection, {r.endpoint for r in records if r.endpoint}, endpoint_ids)
            _server_ids(connection, {r.server for r in records if r.server}, server_ids)
            rows = [
                {
                    "run_id": run_id,
                    "observed_at": r.observed_at,
                    "target": r.target,
                    "location": r.location,
                    "kind": r.kind,
                    "role": r.role,
                    "status": r.status,
                    "reason": r.reason,
                    "endpoint_id": endpoint_ids[r.endpoint] if r.endpoint else None,
                    "server_id": server_ids[r.server] if r.server else None,
                    "leaf_sha256": r.leaf.fingerprint_sha256 if r.leaf else None,
                    "chain": " ".join(c.fingerprint_sha256 for c in r.others),
                    "private_key": r.private_key,
                }
                for r in records
            ]
            result = connection.execute(statements.insert_observations, rows)
            ids = [int(i) for i in result.scalars().all()]
            findings_rows = [
                finding_values(run_id, observation_id, f)
                for observation_id, record in zip(ids, records, strict=True)
                for f in record.findings
            ]
            if findings_rows:
                connection.execute(findings.insert(), findings_rows)
        # only what was committed is remembered
        self._known_certificates, self._endpoint_ids, self._server_ids = (
            known,
            endpoint_ids,
            server_ids,
        )
        return ids

    def end_run(self, run_id: int, end: RunEnd) -> None:
        with self._write() as connection:
            self._insert_findings(connection, run_id, None, end.findings)
            connection.execute(
                update(runs)
                .where(runs.c.id == run_id)
                .values(ended_at=end.ended_at, verdict=end.verdict, exit_status=end.exit_status)
            )

    @staticmethod
    def _insert_findings(
        connection: Connection,
        run_id: int,
        observation_id: int | None,
        records: Sequence[FindingRecord],
    ) -> None:
        if records:
            connection.execute(
                findings.insert(), [finding_values(run_id, observation_id, f) for f in records]
            )

    # --- questions ---------------------------------------------------------------------------

    def runs(
        self, *, command: str | None = None, manifest: str | None = None, limit: int | None = None
    ) -> list[RunRow]:
        """Runs, newest first; ``command`` and ``manifest`` narrow them (``manifest`` "" means
        runs without one)."""
        query = select(runs).order_by(runs.c.id.desc())
        if command is not None:
            query = query.where(runs.c.command == command)
        if manifest == "":
            query = query.where(runs.c.manifest.is_(None))
        elif manifest is not None:
            query = query.where(runs.c.manifest == manifest)
        if limit is not None:
            query = query.limit(limit)
        with self._read() as connection:
            return [run_row(r._mapping) for r in connection.execute(query)]

    def run(self, run_id: int) -> RunRow | None:
        with self._read() as connection:
            row = connection.execute(select(runs).where(runs.c.id == run_id)).first()
        return run_row(row._mapping) if row is not None else None

    def certificates(
        self,
        *,
        now: dt.datetime | None = None,
        expiring_before: dt.datetime | None = None,
        issuer: str | None = None,
        deployment: str | None = None,
    ) -> list[CertificateRow]:
        """Known certificates, soonest expiry first. ``expiring_before`` (with ``now``): those
        that expire by then and are still valid at ``now``, or expired and were seen since
        (still served); a certificate replaced before it expired is history, not a risk.
        ``issuer``: a case-insensitive part of the issuer name; ``deployment``: used by a server
        of that deployment."""
        query = select(*CERTIFICATE_COLUMNS).order_by(
            certificates.c.not_after, certificates.c.fingerprint_sha256
        )
        if expiring_before is not None:
            query = query.where(certificates.c.not_after <= expiring_before)
            if now is not None:
                query = query.where(
                    or_(
                        certificates.c.not_after >= now,
                        certificates.c.last_seen >= certificates.c.not_after,
                    )
                )
        if issuer:
            query = query.where(func.lower(certificates.c.issuer).contains(issuer.lower()))
        if deployment:
            used = (
                select(observations.c.leaf_sha256)
                .join(servers, servers.c.id == observations.c.server_id)
                .where(servers.c.deployment == deployment)
            )
            query = query.where(certificates.c.fingerprint_sha256.in_(used))
        with self._read() as connection:
            return [certificate_row(r._mapping) for r in connection.execute(query)]

    def servers_using(self, fingerprints: Sequence[str]) -> dict[str, list[ServerKey]]:
        """The manifest servers whose certificate each fingerprint was, by fingerprint."""
        out: dict[str, list[ServerKey]] = {}
        with self._read() as connection:
            for start in range(0, len(fingerprints), _CHUNK):
                chunk = list(fingerprints[start : start + _CHUNK])
                query = (
                    select(
                        observations.c.leaf_sha256,
                        servers.c.deployment,
                        servers.c.environment,
                        servers.c.name,
                    )
                    .distinct()
                    .join(servers, servers.c.id == observations.c.server_id)
                    .where(observations.c.leaf_sha256.in_(chunk))
                )
                for fp, dep, env, name in connection.execute(query):
                    out.setdefault(fp, []).append(ServerKey(dep, env, name))
        for keys in out.values():
            keys.sort(key=str)
        return out

    def endpoints(self, host: str, port: int) -> list[EndpointRow]:
        query = select(endpoints).where(endpoints.c.host == host, endpoints.c.port == port)
        with self._read() as connection:
            return [
                EndpointRow(int(r.id), EndpointKey(r.host, int(r.port), r.sni))
                for r in connection.execute(query.order_by(endpoints.c.sni))
            ]

    def servers(self, environment: str, name: str, deployment: str | None) -> list[ServerRow]:
        query = select(servers).where(servers.c.environment == environment, servers.c.name == name)
        if deployment is not None:
            query = query.where(servers.c.deployment == deployment)
        with self._read() as connection:
            return [
                ServerRow(int(r.id), ServerKey(r.deployment, r.environment, r.name))
                for r in connection.execute(query.order_by(servers.c.deployment))
            ]

    def observations(
        self,
        *,
        endpoint_ids: Sequence[int] = (),
        server_id: int | None = None,
        run_id: int | None = None,
    ) -> list[ObservationRow]:
        """Observations of some endpoints, one server or one run, oldest first, with leaf facts."""
        query = (
            select(observations, *[c.label(f"cert_{c.name}") for c in CERTIFICATE_COLUMNS])
            .outerjoin(
                certificates,
                certificates.c.fingerprint_sha256 == observations.c.leaf_sha256,
            )
            .order_by(observations.c.observed_at, observations.c.id)
        )
        if endpoint_ids:
            query = query.where(observations.c.endpoint_id.in_(list(endpoint_ids)))
        if server_id is not None:
            query = query.where(observations.c.server_id == server_id)
        if run_id is not None:
            query = query.where(observations.c.run_id == run_id)
        with self._read() as connection:
            return [observation_row(r._mapping) for r in connection.execute(query)]

    def findings(self, run_id: int) -> list[FindingRow]:
        query = select(findings).where(findings.c.run_id == run_id).order_by(findings.c.id)
        with self._read() as connection:
            return [
                FindingRow(
                    run_id=int(r.run_id),
                    target=r.target,
                    rule_id=r.rule_id,
                    severity=int(r.severity),
                    message=r.message,
                    location=r.location,
                    fingerprint_sha256=r.fingerprint_sha256,
                )
                for r in connection.execute(query)
            ]

    # --- retention ---------------------------------------------------------------------------

    def prune(self, older_than: dt.datetime) -> PruneCounts:
        """Delete observations before ``older_than`` except each endpoint's and each server's
        last one; then runs left without observations that ended before it; then certificates
        last seen before it that no remaining observation shows."""
        with self._write() as connection:
            keep: set[int] = set()
            for column in (observations.c.endpoint_id, observations.c.server_id):
                latest = (
                    select(func.max(observations.c.id)).where(column.is_not(None)).group_by(column)
                )
                keep.update(int(i) for (i,) in connection.execute(latest))
            old = [
                int(i)
                for (i,) in connection.execute(
                    select(observations.c.id).where(observations.c.observed_at < older_than)
                )
                if int(i) not in keep
            ]
            for start in range(0, len(old), _CHUNK):
                chunk = old[start : start + _CHUNK]
                connection.execute(delete(findings).where(findings.c.observation_id.in_(chunk)))
                connection.execute(delete(observations).where(observations.c.id.in_(chunk)))
            empty_runs = select(runs.c.id).where(
                runs.c.started_at < older_than,
                or_(runs.c.ended_at.is_(None), runs.c.ended_at < older_than),
                ~select(observations.c.id).where(observations.c.run_id == runs.c.id).exists(),
            )
            run_ids = [int(i) for (i,) in connection.execute(empty_runs)]
            for start in range(0, len(run_ids), _CHUNK):
                chunk = run_ids[start : start + _CHUNK]
                connection.execute(delete(findings).where(findings.c.run_id.in_(chunk)))
                connection.execute(delete(runs).where(runs.c.id.in_(chunk)))
            in_use: set[str] = set()
            for leaf, chain in connection.execute(
                select(observations.c.leaf_sha256, observations.c.chain).where(
                    observations.c.observed_at < older_than
                )
            ):
                if leaf:
                    in_use.add(leaf)
                in_use.update(chain.split())
            stale = [
                fp
                for (fp,) in connection.execute(
                    select(certificates.c.fingerprint_sha256).where(
                        certificates.c.last_seen < older_than,
                        ~select(observations.c.id)
                        .where(observations.c.leaf_sha256 == certificates.c.fingerprint_sha256)
                        .exists(),
                    )
                )
                if fp not in in_use
            ]
            for start in range(0, len(stale), _CHUNK):
                chunk = stale[start : start + _CHUNK]
                connection.execute(
                    delete(certificates).where(certificates.c.fingerprint_sha256.in_(chunk))
                )
        return PruneCounts(observations=len(old), runs=len(run_ids), certificates=len(stale))

    # --- transactions ------------------------------------------------------------------------

    def _write(self) -> _Transaction:
        return _Transaction(self, write=True)

    def _read(self) -> _Transaction:
        return _Transaction(self, write=False)


class _Transaction:
    """A transaction whose database errors leave as one-line :class:`InventoryError`."""

    def __init__(self, store: Store, *, write: bool) -> None:
        self._store = store
        self._write = write
        self._context: Any = None

    def __enter__(self) -> Connection:
        engine = self._store._engine
        try:
            if self._write:
                self._context = writing(engine)
            else:
                self._context = engine.begin()
            connection: Connection = self._context.__enter__()
        except SQLAlchemyError as exc:
            raise database_error(self._store.database, exc) from None
        return connection

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        try:
            self._context.__exit__(exc_type, exc, tb)
        except SQLAlchemyError as error:
            raise database_error(self._store.database, error) from None
        if isinstance(exc, SQLAlchemyError):
            raise database_error(self._store.database, exc) from None


def _insert(dialect: str, table: Any) -> Any:
    return pg_insert(table) if dialect == "postgresql" else sqlite_insert(table)


@dataclass(frozen=True, slots=True)
class _Statements:
    """The recording statements, built once per dialect (building them costs more than running
    them on SQLite)."""

    upsert_certificates: Any
    insert_observations: Any
    insert_endpoint: Any
    insert_server: Any


@functools.cache
def _build_statements(dialect: str) -> _Statements:
    upsert = _insert(dialect, certificates)
    excluded = upsert.excluded
    upsert = upsert.on_conflict_do_update(
        index_elements=[certificates.c.fingerprint_sha256],
        set_={
            "last_seen": excluded.last_seen,
            "last_where": excluded.last_where,
            "public": func.coalesce(excluded.public, certificates.c.public),
        },
        where=certificates.c.last_seen <= excluded.last_seen,
    )
    return _Statements(
        upsert_certificates=upsert,
        insert_observations=observations.insert().returning(
            observations.c.id, sort_by_parameter_order=True
        ),
        insert_endpoint=_insert(dialect, endpoints).on_conflict_do_nothing(),
        insert_server=_insert(dialect, servers).on_conflict_do_nothing(),
    )


def _statements(connection: Connection) -> _Statements:
    return _build_statements(connection.dialect.name)


def _endpoint_ids(
    connection: Connection, keys: set[EndpointKey], cache: dict[EndpointKey, int]
) -> None:
    """Fill ``cache`` with the id of each endpoint, inserting the new ones."""
    missing = [k for k in keys if k not in cache]
    if not missing:
        return
    values = [{"host": k.host, "port": k.port, "sni": k.sni} for k in missing]
    connection.execute(_statements(connection).insert_endpoint, values)
    for start in range(0, len(missing), _CHUNK):
        hosts = sorted({k.host for k in missing[start : start + _CHUNK]})
        query = select(endpoints).where(endpoints.c.host.in_(hosts))
        for row in connection.execute(query):
            cache.setdefault(EndpointKey(row.host, int(row.port), row.sni), int(row.id))


def _server_ids(connection: Connection, keys: set[ServerKey], cache: dict[ServerKey, int]) -> None:
    """Fill ``cache`` with the id of each manifest server, inserting the new ones."""
    missing = [k for k in keys if k not in cache]
    if not missing:
        return
    values = [
        {"deployment": k.deployment, "environment": k.environment, "name": k.name} for k in missing
    ]
    connection.execute(_statements(connection).insert_server, values)
    for deployment in sorted({k.deployment for k in missing}):
        query = select(servers).where(servers.c.deployment == deployment)
        for row in connection.execute(query):
            cache.setdefault(ServerKey(row.deployment, row.environment, row.name), int(row.id))


__all__ = ["Store"]
