"""Item 10: one mistake, one root cause.

Pointing the mobile server at the app server's certificate used to yield three errors with three
different fixes (sharing, external name, host not covered). Now that is said once, with the names
it leaves uncovered; and a valid wildcard missing only the external name is reported as that
missing name, not as "no valid wildcard covers both".
"""

from __future__ import annotations

import json
from pathlib import Path

from certready.core.rules.deployment import (
    app_mobile_shared_certificate,
    certificate_of_another_server,
    mobile_external_name,
)
from certready.core.rules.names import host_not_covered
from tests.audit.lab import APP, EXTERNAL, MOBILE, make_lab
from tests.cli import run
from tests.pki import TestCA


def _audit(manifest: Path) -> tuple[dict[str, list[str]], dict[str, set[str]]]:
    _, out, err = run("audit", str(manifest), "--format", "json")
    assert "Traceback" not in err
    report = json.loads(out)
    top: dict[str, list[str]] = {}
    for f in report["findings"]:
        top.setdefault(f["rule_id"], []).append(f["message"])
    targets = {t["target"]: {f["rule_id"] for f in t["findings"]} for t in report["targets"]}
    return top, targets


def test_a_server_given_another_servers_file_is_one_finding(tmp_path: Path, ca: TestCA) -> None:
    lab = make_lab(tmp_path, ca)
    text = lab.manifest.read_text()
    lab.manifest.write_text(text.replace("certs/mobile.pem", "certs/app.pem"))
    top, targets = _audit(lab.manifest)
    assert certificate_of_another_server.id == "deployment.certificate-of-another-server"
    (message,) = top[certificate_of_another_server.id]
    assert "production/mobile uses the certificate of production/app" in message
    assert f"covers {APP}, not {MOBILE}, {EXTERNAL}" in message
    assert app_mobile_shared_certificate.id not in top
    assert mobile_external_name.id not in top
    assert host_not_covered.id not in targets["production/mobile"]


def test_control_each_server_with_its_own_file(tmp_path: Path, ca: TestCA) -> None:
    lab = make_lab(tmp_path, ca)
    top, _ = _audit(lab.manifest)
    assert certificate_of_another_server.id not in top
    assert app_mobile_shared_certificate.id not in top


def _shared(tmp_path: Path, ca: TestCA, *names: str) -> Path:
    lab = make_lab(tmp_path, ca)
    shared = ca.issue(*names)
    (tmp_path / "certs" / "shared.pem").write_bytes(ca.chain_pem(shared) + shared.key_pem())
    text = lab.manifest.read_text()
    text = text.replace("certs/mobile.pem", "certs/shared.pem")
    lab.manifest.write_text(text.replace("certs/app.pem", "certs/shared.pem"))
    return lab.manifest


def test_a_wildcard_missing_only_the_external_name_says_that_name(
    tmp_path: Path, ca: TestCA
) -> None:
    top, _ = _audit(_shared(tmp_path, ca, "*.sunrise.example"))
    assert app_mobile_shared_certificate.id not in top  # the wildcard validly covers both hosts
    (message,) = top[mobile_external_name.id]
    assert EXTERNAL in message


def test_control_a_shared_certificate_without_wildcard_is_still_reported(
    tmp_path: Path, ca: TestCA
) -> None:
    top, _ = _audit(_shared(tmp_path, ca, APP, MOBILE, EXTERNAL))
    (message,) = top[app_mobile_shared_certificate.id]
    assert "no valid wildcard in it covers them" in message
    assert certificate_of_another_server.id not in top
