"""A CRL's revocation date is honoured: revoked only from that date on, as seen at ``--at``."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from tests.cli import run
from tests.pki import NOW, TestCA

HOST = "app.example.test"
REVOKED_ON = NOW + dt.timedelta(days=10)


def _revoked(tmp_path: Path, ca: TestCA, at: dt.datetime) -> list[str]:
    """The ``chain.revoked`` messages of a lint at ``at`` with a CRL revoking the leaf on
    :data:`REVOKED_ON` (the leaf and its CA are valid on either side of that date)."""
    leaf = ca.issue(HOST, not_before=NOW - dt.timedelta(days=30), days=365)
    (tmp_path / "full.pem").write_bytes(ca.chain_pem(leaf))
    (tmp_path / "root.pem").write_bytes(ca.root.cert_pem())
    crl = ca.crl(leaf.cert, revoked_at=REVOKED_ON)
    (tmp_path / "ca.crl").write_bytes(crl.public_bytes(serialization.Encoding.PEM))
    _, out, err = run(
        "lint", str(tmp_path / "full.pem"), "--host", HOST,
        "--trust", str(tmp_path / "root.pem"), "--crl", str(tmp_path / "ca.crl"),
        "--at", at.isoformat(), "-f", "json",
    )  # fmt: skip
    assert out, err
    findings = [f for t in json.loads(out)["targets"] for f in t["findings"]]
    return [f["message"] for f in findings if f["rule_id"] == "chain.revoked"]


def test_a_certificate_revoked_after_the_validation_time_is_not_revoked(
    tmp_path: Path, ca: TestCA
) -> None:
    assert _revoked(tmp_path, ca, REVOKED_ON - dt.timedelta(days=5)) == []


def test_a_certificate_revoked_before_the_validation_time_is_revoked(
    tmp_path: Path, ca: TestCA
) -> None:
    (message,) = _revoked(tmp_path, ca, REVOKED_ON + dt.timedelta(days=5))
    assert f"was revoked on {REVOKED_ON:%Y-%m-%d}" in message
