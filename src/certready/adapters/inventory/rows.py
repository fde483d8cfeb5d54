"""What the store takes and gives back: frozen values, no SQLAlchemy rows past this package."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RunStart:
    command: str
    profile: str
    manifest: str | None
    """The manifest's absolute path (``audit``); ``None`` for ``lint`` and ``scan``."""
    title: str | None
    user_name: str
    host_name: str
    version: str
    started_at: dt.datetime


@dataclass(frozen=True, slots=True)
class RunEnd:
    ended_at: dt.datetime
    verdict: str
    """``ok``, or the worst finding's severity (``info``, ``warning``, ``error``)."""
    exit_status: int
    findings: tuple[FindingRecord, ...] = ()
    """Findings about the whole report (topology), not about one target."""


@dataclass(frozen=True, slots=True)
class CertificateRecord:
    """A certificate's facts, as stored: what anyone who asks the server can read, no more."""

    fingerprint_sha256: str
    thumbprint_sha1: str
    subject: str
    issuer: str
    serial_number: str
    not_before: dt.datetime
    not_after: dt.datetime
    key_type: str
    key_bits: int
    curve: str | None
    signature_hash: str | None
    dns_names: tuple[str, ...]
    is_ca: bool
    self_signed: bool
    public: bool | None


@dataclass(frozen=True, slots=True)
class EndpointKey:
    host: str
    port: int
    sni: str
    """'' when no server name was sent."""

    @property
    def authority(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    def __str__(self) -> str:
        sni = f" (SNI {self.sni})" if self.sni and self.sni != self.host else ""
        return f"{self.authority}{sni}"


@dataclass(frozen=True, slots=True)
class ServerKey:
    deployment: str
    environment: str
    name: str

    def __str__(self) -> str:
        return f"{self.deployment}:{self.environment}/{self.name}"


@dataclass(frozen=True, slots=True)
class FindingRecord:
    target: str
    rule_id: str
    severity: int
    message: str
    location: str
    fingerprint_sha256: str | None


@dataclass(frozen=True, slots=True)
class ObservationRecord:
    """One target of a run: what was seen where, and the findings about it."""

    observed_at: dt.datetime
    target: str
    location: str
    kind: str
    """``endpoint`` or ``file``."""
    role: str
    status: str
    reason: str | None
    endpoint: EndpointKey | None
    server: ServerKey | None
    leaf: CertificateRecord | None
    others: tuple[CertificateRecord, ...]
    """The other certificates supplied or presented with the leaf, in order."""
    private_key: str
    findings: tuple[FindingRecord, ...]


@dataclass(frozen=True, slots=True)
class RunRow:
    id: int
    command: str
    profile: str
    manifest: str | None
    title: str | None
    user_name: str
    host_name: str
    started_at: dt.datetime
    ended_at: dt.datetime | None
    verdict: str | None
    exit_status: int | None

    @property
    def complete(self) -> bool:
        """Ended normally; a run killed mid-way keeps ``ended_at`` NULL for ever."""
        return self.ended_at is not None


@dataclass(frozen=True, slots=True)
class CertificateRow:
    fingerprint_sha256: str
    thumbprint_sha1: str
    subject: str
    issuer: str
    not_before: dt.datetime
    not_after: dt.datetime
    key_type: str
    key_bits: int
    public: bool | None
    last_seen: dt.datetime
    last_where: str


@dataclass(frozen=True, slots=True)
class EndpointRow:
    id: int
    key: EndpointKey


@dataclass(frozen=True, slots=True)
class ServerRow:
    id: int
    key: ServerKey


@dataclass(frozen=True, slots=True)
class ObservationRow:
    """An observation with its leaf's facts (``None`` when nothing was seen)."""

    id: int
    run_id: int
    endpoint_id: int | None
    observed_at: dt.datetime
    target: str
    location: str
    status: str
    reason: str | None
    leaf_sha256: str | None
    chain: tuple[str, ...]
    leaf: CertificateRow | None


@dataclass(frozen=True, slots=True)
class FindingRow:
    run_id: int
    target: str
    rule_id: str
    severity: int
    message: str
    location: str
    fingerprint_sha256: str | None


@dataclass(frozen=True, slots=True)
class PruneCounts:
    observations: int
    runs: int
    certificates: int
