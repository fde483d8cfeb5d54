"""Item 3: a wrong key no longer gets a green tick.

``lint portal.pem app.key`` (the app server's key given with the portal's certificate) used to
show the portal with "no private key was supplied" and a separate input note. Now the portal's
certificate has an error finding naming the key file, and which certificate it belongs to when
that one was given too.
"""

from __future__ import annotations

import json
from pathlib import Path

from certready.core.rules.keys import private_key_mismatch, private_key_missing
from tests.cli import run
from tests.pki import TestCA
from tests.realworld.setups import server, write_pem

PORTAL, APP = "portal.example.test", "app.example.test"


def _lint(*argv: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    status, out, err = run("lint", *argv, "--format", "json")
    assert "Traceback" not in err
    return status, json.loads(out)


def _by_rule(target: dict) -> dict[str, str]:  # type: ignore[type-arg]
    return {f["rule_id"]: f["message"] for f in target["findings"]}


def test_a_key_of_another_certificate_is_an_error_naming_the_key(
    tmp_path: Path, ca: TestCA
) -> None:
    portal = write_pem(tmp_path / "portal.pem", server(ca, PORTAL).cert, ca.intermediate.cert)
    _, app_key = server(ca, APP).write(tmp_path, "app")
    status, report = _lint(str(portal), str(app_key), "--trust", str(ca.root_file(tmp_path)))
    (target,) = report["targets"]  # the key is said on the portal, not as a second input
    found = _by_rule(target)
    assert private_key_missing.id not in found
    assert str(app_key) in found[private_key_mismatch.id]
    assert target["private_key"] == "mismatch"
    assert status == 1


def test_a_key_of_a_ca_given_beside_is_named(tmp_path: Path, ca: TestCA) -> None:
    portal = write_pem(tmp_path / "portal.pem", server(ca, PORTAL).cert)
    chain = write_pem(tmp_path / "chain.pem", ca.intermediate.cert)
    key = tmp_path / "ca.key"
    key.write_bytes(ca.intermediate.key_pem())
    status, report = _lint(str(portal), str(chain), str(key))
    portal_target = next(t for t in report["targets"] if t["target"] == str(portal))
    message = _by_rule(portal_target)[private_key_mismatch.id]
    assert "Issuing CA" in message and str(chain) in message
    assert status == 1


def test_control_the_right_key_matches(tmp_path: Path, ca: TestCA) -> None:
    leaf = server(ca, PORTAL)
    portal = write_pem(tmp_path / "portal.pem", leaf.cert, ca.intermediate.cert)
    key = tmp_path / "portal.key"
    key.write_bytes(leaf.key_pem())
    status, report = _lint(str(portal), str(key), "--trust", str(ca.root_file(tmp_path)))
    (target,) = report["targets"]
    assert target["private_key"] == "matches"
    assert private_key_mismatch.id not in _by_rule(target)
    assert status == 0


def test_control_no_key_at_all_is_only_the_missing_key_note(tmp_path: Path, ca: TestCA) -> None:
    portal = write_pem(tmp_path / "portal.pem", server(ca, PORTAL).cert, ca.intermediate.cert)
    status, report = _lint(str(portal), "--trust", str(ca.root_file(tmp_path)))
    found = _by_rule(report["targets"][0])
    assert private_key_missing.id in found and private_key_mismatch.id not in found
    assert status == 0


def test_audit_names_the_server_whose_key_was_given(tmp_path: Path, ca: TestCA) -> None:
    """The mobile server's manifest entry names the app server's key file (`key:`)."""
    from certready.core.rules.deployment import private_key_missing as deployment_key
    from tests.audit.lab import APP, EXTERNAL, MOBILE, make_lab

    lab = make_lab(tmp_path, ca)
    app = server(ca, APP)
    (tmp_path / "certs" / "app.pem").write_bytes(ca.chain_pem(app) + app.key_pem())
    (tmp_path / "certs" / "app.key").write_bytes(app.key_pem())
    mobile = server(ca, MOBILE, EXTERNAL)
    (tmp_path / "certs" / "mobile-only.pem").write_bytes(ca.chain_pem(mobile))
    text = lab.manifest.read_text().replace(
        "certificate: certs/mobile.pem",
        "certificate: certs/mobile-only.pem\n        key: certs/app.key",
    )
    lab.manifest.write_text(text)
    _, out, err = run("audit", str(lab.manifest), "--format", "json")
    assert "Traceback" not in err, err
    report = json.loads(out)
    (message,) = [f["message"] for f in report["findings"] if f["rule_id"] == deployment_key.id]
    assert "not its own (it belongs to production/app's certificate)" in message


def test_control_audit_with_each_servers_own_key(tmp_path: Path, ca: TestCA) -> None:
    from certready.core.rules.deployment import private_key_missing as deployment_key
    from tests.audit.lab import make_lab

    lab = make_lab(tmp_path, ca)
    _, out, _ = run("audit", str(lab.manifest), "--format", "json")
    assert deployment_key.id not in {f["rule_id"] for f in json.loads(out)["findings"]}
