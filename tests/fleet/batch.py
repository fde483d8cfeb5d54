"""A small batch of certificate files for the fleet tests: good leaves, a defective one, an
unreadable file, a CA-only file and a leaf in a PEM bundle with its key in a file of its own."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from tests.pki import TestCA


def make_batch(folder: Path, ca: TestCA, leaves: int = 6) -> Path:
    """``folder`` filled and returned; files sort in the order written."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(leaves):
        issued = ca.issue(f"host{i}.example.com")
        (folder / f"a{i:03d}.pem").write_bytes(ca.chain_pem(issued))
    long = ca.issue("long.example.com", days=3650)
    (folder / "b-long.pem").write_bytes(ca.chain_pem(long))
    # binary, not plain text (a folder walk skips text with a note): an input error
    (folder / "c-garbage.pem").write_bytes(b"\x00\x01not a certificate at all\n")
    (folder / "d-ca-only.pem").write_bytes(ca.intermediate.cert_pem())
    expired = ca.issue(
        "expired.example.com",
        not_before=dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
        not_after=dt.datetime(2021, 1, 1, tzinfo=dt.UTC),
    )
    (folder / "e-expired.pem").write_bytes(ca.chain_pem(expired))
    return folder
