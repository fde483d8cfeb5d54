"""The JSON contract: schema_version, the checked-in schema equals the generated one, output validates."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from certready.adapters.reporting.json_report import generated_schema, shipped_schema
from tests.cli import run
from tests.pki import TestCA


def test_checked_in_schema_equals_generated() -> None:
    assert shipped_schema() == generated_schema(), (
        "regenerate: python -m certready.adapters.reporting.json_report "
        "> src/certready/adapters/reporting/report.schema.json"
    )


def test_lint_json_validates_and_carries_schema_version(tmp_path: Path, ca: TestCA) -> None:
    cert, _ = ca.issue("app.example.test").write(tmp_path, "app")
    (tmp_path / "chain.pem").write_bytes(ca.chain_pem(ca.issue("b.example.test")))
    status, out, _ = run("lint", str(cert), str(tmp_path / "chain.pem"), "--format", "json")
    data = json.loads(out)
    jsonschema.validate(data, shipped_schema())
    assert data["schema_version"] == "4"
    assert data["summary"]["targets"] == 2
    chain_target = next(t for t in data["targets"] if t["target"].endswith("chain.pem"))
    assert [c["origin"].rsplit("#", 1)[1] for c in chain_target["certificates"]] == ["0", "1"]
    leaf_ref = chain_target["certificates"][0]
    assert data["facts"][leaf_ref["fingerprint_sha256"]]["key_usage_hex"] == "a0"
    # schema 3: each certificate's facts once, referenced by fingerprint from certificates and path
    refs = [r for t in data["targets"] for r in (*t["certificates"], *t["path"])]
    assert {r["fingerprint_sha256"] for r in refs} == set(data["facts"])
    assert all("subject" not in r for r in refs)
    assert status in (0, 1)


def test_json_never_contains_private_key_material(tmp_path: Path, ca: TestCA) -> None:
    issued = ca.issue("app.example.test")
    path = tmp_path / "both.pem"
    path.write_bytes(issued.cert_pem() + issued.key_pem())
    _, out, err = run("lint", str(path), "--format", "json")
    assert "PRIVATE KEY" not in out + err
    _, out, err = run("show", str(path))
    assert "PRIVATE KEY" not in out + err


def test_input_error_is_a_target_not_an_abort(tmp_path: Path, ca: TestCA) -> None:
    good, _ = ca.issue("app.example.test").write(tmp_path, "app")
    bad = tmp_path / "bad.pem"
    bad.write_text("-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n")
    status, out, err = run("lint", str(good), str(bad), "--format", "json")
    data = json.loads(out)
    statuses = {Path(t["target"]).name: t["status"] for t in data["targets"]}
    assert statuses == {"app.pem": "ok", "bad.pem": "input-error"}
    assert status == 2
    assert "bad.pem" in err and "Traceback" not in err
