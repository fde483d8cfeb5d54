"""Item 1: a certificate a host presents is judged as the leaf, CA flag or not.

A router's self-signed appliance certificate has basicConstraints CA:TRUE. Before, a file holding
only CA certificates was "not linted" and READY even with ``--host`` naming its SAN, and a served
chain of CA certificates was never judged. Firefox refuses such a server (RFC 5280 §4.2.1.9).
"""

from __future__ import annotations

import json
from pathlib import Path

from certready.adapters.inputs import load_bytes
from certready.adapters.profiles import load_policy
from certready.services.lint import LintOptions, analyse
from tests.cli import run
from tests.pki import NOW, TestCA
from tests.realworld.setups import appliance_certificate, server, write_pem

ROUTER = "router.home.test"


def _lint_json(*argv: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    status, out, err = run("lint", *argv, "--format", "json")
    assert "Traceback" not in err
    return status, json.loads(out)


def test_appliance_certificate_with_host_is_not_ready(tmp_path: Path) -> None:
    router = appliance_certificate(ROUTER)
    path = write_pem(tmp_path / "router.pem", router.cert)
    status, report = _lint_json(str(path), "--host", ROUTER)
    (target,) = report["targets"]
    ids = {f["rule_id"] for f in target["findings"]}
    assert "usage.leaf-is-ca" in ids
    assert target["status"] != "skipped"
    assert status == 1


def test_appliance_certificate_with_its_key_is_judged(tmp_path: Path) -> None:
    router = appliance_certificate(ROUTER)
    cert, key = router.write(tmp_path, "router")
    status, report = _lint_json(str(cert), str(key))
    ids = {f["rule_id"] for f in report["targets"][0]["findings"]}
    assert "usage.leaf-is-ca" in ids
    assert status == 1


def test_served_chain_of_a_ca_certificate_is_judged() -> None:
    router = appliance_certificate(ROUTER)
    options = LintOptions(policy=load_policy("homecare"), hosts=(ROUTER,), now=NOW)
    bundle = load_bytes(router.cert_pem(), "tls://router.home.test:443")
    result = analyse("router", bundle.certificates, (), options, served=True)
    assert "usage.leaf-is-ca" in {f.rule_id for f in result.findings}
    assert result.reason is None


def test_control_a_ca_bundle_without_host_is_still_not_linted(tmp_path: Path, ca: TestCA) -> None:
    """A CA file given alone (no key, no --host) is what it looks like: CAs, not a server."""
    path = write_pem(tmp_path / "chain.pem", ca.intermediate.cert, ca.root.cert)
    status, report = _lint_json(str(path))
    (target,) = report["targets"]
    assert not target["findings"]
    assert status == 0


def test_control_an_end_entity_server_certificate_is_ready(tmp_path: Path, ca: TestCA) -> None:
    leaf = server(ca, ROUTER)
    path = write_pem(tmp_path / "router.pem", leaf.cert, ca.intermediate.cert)
    status, report = _lint_json(str(path), "--host", ROUTER, "--trust", str(ca.root_file(tmp_path)))
    assert [f for f in report["targets"][0]["findings"] if f["severity"] != "info"] == []
    assert status == 0


def test_control_a_root_ca_alone_with_host_stays_only_ca_certificates(
    tmp_path: Path, ca: TestCA
) -> None:
    """A root names no host (no subjectAltName): a wrong file, not a server certificate; an
    audit says "holds no server certificate" for it (tests/test_skipped_status.py)."""
    path = write_pem(tmp_path / "root.pem", ca.root.cert)
    status, report = _lint_json(str(path), "--host", ROUTER)
    (target,) = report["targets"]
    assert target["status"] == "skipped" and not target["findings"]
    assert status == 0


def test_scan_of_a_router_serving_its_appliance_certificate_is_not_ready() -> None:
    from tests.scan.servers import Servers

    router = appliance_certificate(ROUTER)
    with Servers() as servers:
        port = servers.tls([router])
        status, out, err = run("scan", f"127.0.0.1:{port}", "--sni", ROUTER, "--format", "json")
    assert "Traceback" not in err
    (target,) = json.loads(out)["targets"]
    assert "usage.leaf-is-ca" in {f["rule_id"] for f in target["findings"]}
    assert status == 1
