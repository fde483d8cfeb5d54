"""The inventory's tables (SQLAlchemy Core), the same on SQLite and PostgreSQL.

- ``runs``: one command run (``ended_at`` NULL while it runs, and for ever if it was killed).
- ``certificates``: de-duplicated by SHA-256 fingerprint, with their facts. Never a private key,
  never a password: only what the certificate itself tells anyone who asks the server.
- ``endpoints`` (host, port, SNI) and ``servers`` (a manifest's ``environment/name`` in a
  deployment): the places certificates are observed.
- ``observations``: this endpoint served this chain at this time (or failed, with the reason); this
  manifest server's file held this certificate. One row per target of a run.
- ``findings``: per run and observation, keyed by rule id so runs can be compared.

Times are stored as timezone-aware UTC datetimes.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[dt.datetime]):
    """An aware UTC datetime on both backends (SQLite keeps naive text: stored as UTC, read back
    with ``tzinfo=UTC``, so text order is time order)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: the inventory stores aware UTC times")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


# BIGINT on PostgreSQL, INTEGER (the rowid alias) on SQLite.
Id = BigInteger().with_variant(Integer(), "sqlite")

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

runs = Table(
    "runs",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("command", String(32), nullable=False),
    Column("profile", String(200), nullable=False),
    Column("manifest", Text, nullable=True),  # audit: the manifest's absolute path
    Column("title", Text, nullable=True),
    Column("user_name", String(200), nullable=False),
    Column("host_name", String(255), nullable=False),
    Column("version", String(50), nullable=False),
    Column("started_at", UtcDateTime(), nullable=False),
    Column("ended_at", UtcDateTime(), nullable=True),
    Column("verdict", String(32), nullable=True),
    Column("exit_status", Integer, nullable=True),
    Index(None, "command", "manifest", "id"),
)

certificates = Table(
    "certificates",
    metadata,
    Column("fingerprint_sha256", String(64), primary_key=True),
    Column("thumbprint_sha1", String(40), nullable=False),
    Column("subject", Text, nullable=False),
    Column("issuer", Text, nullable=False),
    Column("serial_number", String(100), nullable=False),
    Column("not_before", UtcDateTime(), nullable=False),
    Column("not_after", UtcDateTime(), nullable=False),
    Column("key_type", String(16), nullable=False),
    Column("key_bits", Integer, nullable=False),
    Column("curve", String(32), nullable=True),
    Column("signature_hash", String(16), nullable=True),
    Column(
        "dns_names", Text, nullable=False
    ),  # Space-separated subjectAltName dNSName and iPAddress entries.
    Column("is_ca", Boolean, nullable=False),
    Column("self_signed", Boolean, nullable=False),
    Column(
        "public", Boolean, nullable=True
    ),  # The chain it was seen in ends in Mozilla's store (NULL: not determined).
    Column("first_seen", UtcDateTime(), nullable=False),
    Column("last_seen", UtcDateTime(), nullable=False),
    Column(
        "last_where", Text, nullable=False
    ),  # Where it was last seen as a leaf or in a chain: an endpoint or a file location.
    Index(None, "not_after", "last_seen"),  # --expiring reads both from the index alone
    Index(None, "issuer"),
    Index(None, "last_seen"),
)

endpoints = Table(
    "endpoints",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("host", String(255), nullable=False),
    Column("port", Integer, nullable=False),
    Column("sni", String(255), nullable=False),  # The server name sent, '' for none.
    UniqueConstraint("host", "port", "sni"),
)

servers = Table(
    "servers",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("deployment", String(255), nullable=False),
    Column("environment", String(255), nullable=False),
    Column("name", String(255), nullable=False),
    UniqueConstraint("deployment", "environment", "name"),
)

observations = Table(
    "observations",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("run_id", Id, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    Column("observed_at", UtcDateTime(), nullable=False),
    Column(
        "target", Text, nullable=False
    ),  # What the report calls it: ``app.example.com:443``, ``production/app (sts)``.
    Column("location", Text, nullable=False),
    Column(
        "kind", String(16), nullable=False
    ),  # ``endpoint`` (a live server) or ``file`` (a certificate file).
    Column("role", String(8), nullable=False),
    Column("status", String(32), nullable=False),
    Column("reason", Text, nullable=True),
    Column("endpoint_id", Id, ForeignKey("endpoints.id"), nullable=True),
    Column("server_id", Id, ForeignKey("servers.id"), nullable=True),
    Column("leaf_sha256", String(64), ForeignKey("certificates.fingerprint_sha256"), nullable=True),
    Column(
        "chain", Text, nullable=False
    ),  # The certificates supplied or presented after the leaf: fingerprints, space-separated.
    # whether a private key came with the certificate (absent/matches/mismatch): never the key
    Column("private_key", String(16), nullable=False),
    Index(None, "run_id"),
    Index(None, "endpoint_id", "observed_at"),
    Index(None, "server_id", "observed_at"),
    Index(None, "leaf_sha256", "server_id"),  # which servers use a certificate, index only
)

findings = Table(
    "findings",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("run_id", Id, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    Column(
        "observation_id",
        Id,
        ForeignKey("observations.id", ondelete="CASCADE"),
        nullable=True,  # NULL for a finding about the whole deployment (topology)
    ),
    Column("target", Text, nullable=False),
    Column("rule_id", String(100), nullable=False),
    Column("severity", Integer, nullable=False),
    Column("message", Text, nullable=False),
    Column("location", Text, nullable=False),
    Column("fingerprint_sha256", String(64), nullable=True),
    Index(None, "run_id"),
    Index(None, "observation_id"),
)

# --- certready serve (migration 0002) ------------------------------------------------------

run_claims = Table(
    "run_claims",
    metadata,
    # One row per manifest ``serve`` audits: who runs it now (``expires_at`` in the future) and
    # when its last run started, so instances sharing a database never run a manifest twice at once
    # nor twice in one slot.
    Column("manifest", String(1000), primary_key=True),
    Column("owner", String(255), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=True),  # NULL: released
    Column("last_started", UtcDateTime(), nullable=True),
)

alerts_sent = Table(
    "alerts_sent",
    metadata,
    # One row per change an alert was sent for (the key names the change, not the run): a second
    # instance, or the next run, finds it and sends nothing.
    Column("key", String(200), primary_key=True),
    Column("rule", String(64), nullable=False),
    Column("deployment", String(255), nullable=False),
    Column("sent_at", UtcDateTime(), nullable=False),
    Column("owner", String(255), nullable=False),
    Column("message", Text, nullable=False),
)

acknowledgements = Table(
    "acknowledgements",
    metadata,
    # A finding someone has accepted for a while: shown as acknowledged until ``expires_at``.
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("deployment", String(255), nullable=False),
    Column("target", Text, nullable=False),
    Column("rule_id", String(100), nullable=False),
    Column("location", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("acknowledged_by", String(200), nullable=False),
    Column("acknowledged_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Index(None, "deployment", "expires_at"),
)
