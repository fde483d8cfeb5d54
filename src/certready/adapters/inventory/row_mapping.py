"""Between the store's frozen values and its tables' rows: the values a record inserts, the rows a
query gives back (``cert_``-prefixed columns of a joined leaf included)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from certready.adapters.inventory.rows import (
    CertificateRecord,
    CertificateRow,
    FindingRecord,
    ObservationRow,
    RunRow,
)
from certready.adapters.inventory.tables import (
    certificates,
)

_CHUNK = 500


def finding_values(run_id: int, observation_id: int | None, f: FindingRecord) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "observation_id": observation_id,
        "target": f.target,
        "rule_id": f.rule_id,
        "severity": f.severity,
        "message": f.message,
        "location": f.location,
        "fingerprint_sha256": f.fingerprint_sha256,
    }


def certificate_values(c: CertificateRecord, seen: dt.datetime, where: str) -> dict[str, Any]:
    return {
        "fingerprint_sha256": c.fingerprint_sha256,
        "thumbprint_sha1": c.thumbprint_sha1,
        "subject": c.subject,
        "issuer": c.issuer,
        "serial_number": c.serial_number,
        "not_before": c.not_before,
        "not_after": c.not_after,
        "key_type": c.key_type,
        "key_bits": c.key_bits,
        "curve": c.curve,
        "signature_hash": c.signature_hash,
        "dns_names": " ".join(c.dns_names),
        "is_ca": c.is_ca,
        "self_signed": c.self_signed,
        "public": c.public,
        "first_seen": seen,
        "last_seen": seen,
        "last_where": where,
    }


CERTIFICATE_COLUMNS = (
    certificates.c.fingerprint_sha256,
    certificates.c.thumbprint_sha1,
    certificates.c.subject,
    certificates.c.issuer,
    certificates.c.not_before,
    certificates.c.not_after,
    certificates.c.key_type,
    certificates.c.key_bits,
    certificates.c.public,
    certificates.c.last_seen,
    certificates.c.last_where,
)
"""The columns :func:`certificate_row` reads (a joined leaf's as ``cert_<name>``)."""


def certificate_row(m: Any, prefix: str = "") -> CertificateRow:
    return CertificateRow(
        fingerprint_sha256=m[f"{prefix}fingerprint_sha256"],
        thumbprint_sha1=m[f"{prefix}thumbprint_sha1"],
        subject=m[f"{prefix}subject"],
        issuer=m[f"{prefix}issuer"],
        not_before=m[f"{prefix}not_before"],
        not_after=m[f"{prefix}not_after"],
        key_type=m[f"{prefix}key_type"],
        key_bits=int(m[f"{prefix}key_bits"]),
        public=m[f"{prefix}public"],
        last_seen=m[f"{prefix}last_seen"],
        last_where=m[f"{prefix}last_where"],
    )


def run_row(m: Any) -> RunRow:
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


def observation_row(m: Any) -> ObservationRow:
    leaf = certificate_row(m, "cert_") if m["cert_fingerprint_sha256"] is not None else None
    return ObservationRow(
        id=int(m["id"]),
        run_id=int(m["run_id"]),
        endpoint_id=m["endpoint_id"],
        observed_at=m["observed_at"],
        target=m["target"],
        location=m["location"],
        status=m["status"],
        reason=m["reason"],
        leaf_sha256=m["leaf_sha256"],
        chain=tuple(m["chain"].split()),
        leaf=leaf,
    )
