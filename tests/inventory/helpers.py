"""Shared by the inventory tests: open a store, read a run id, fingerprints."""

from __future__ import annotations

import re

from cryptography import x509
from cryptography.hazmat.primitives import hashes

from certready.adapters.inventory import Store, parse_database

INVENTORY_COLUMNS = [
    "fingerprint_sha256",
    "subject",
    "issuer",
    "not_after",
    "days_left",
    "last_seen",
    "where",
    "servers",
]


def open_store(url: str) -> Store:
    return Store(parse_database(url))


def recorded_run(stderr: str) -> int:
    """The run id a recorded run prints on standard error."""
    match = re.search(r"recorded run (\d+)", stderr)
    assert match, stderr
    return int(match.group(1))


def sha256(cert: x509.Certificate) -> str:
    return cert.fingerprint(hashes.SHA256()).hex().upper()


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("certready: error:")]
