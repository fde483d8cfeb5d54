"""Each topology rule through a real manifest and files: one edit makes it fire, the base does not."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.audit.lab import APP, EXTERNAL, MOBILE, Lab, make_lab
from tests.cli import run
from tests.pki import TestCA

Edit = Callable[[Lab, TestCA], None]
PRIVATE_ONLY = {"deployment.client-android-private-ca", "deployment.client-ios-trust-switch"}


def _replace(old: str, new: str) -> Edit:
    def edit(lab: Lab, ca: TestCA) -> None:
        text = lab.manifest.read_text()
        assert old in text, old
        lab.manifest.write_text(text.replace(old, new, 1))

    return edit


def _with_file(name: str, names: tuple[str, ...], *, key: bool, then: Edit) -> Edit:
    def edit(lab: Lab, ca: TestCA) -> None:
        issued = ca.issue(*names)
        data = ca.chain_pem(issued) + (issued.key_pem() if key else b"")
        (lab.root / "certs" / name).write_bytes(data)
        then(lab, ca)

    return edit


def _both(first: Edit, second: Edit) -> Edit:
    def edit(lab: Lab, ca: TestCA) -> None:
        first(lab, ca)
        second(lab, ca)

    return edit


HOMECARE = "homecare.sunrise-health.example"
CASES: dict[str, Edit] = {
    "deployment.certificate-missing": _replace("        certificate: certs/mobile.pem\n", ""),
    "deployment.private-key-missing": _with_file(
        "mobile-nokey.pem", (MOBILE, EXTERNAL), key=False,
        then=_replace("certs/mobile.pem", "certs/mobile-nokey.pem"),
    ),
    # one certificate naming both hosts, given to both (a test server given the production
    # file, covering only the production name, is certificate-of-another-server: issue 12 #10)
    "deployment.certificate-reused": _with_file(
        "app.pem", (APP, "hctest.sunrise.example"), key=True,
        then=_replace(
            "trust:",
            "  test:\n    servers:\n      - name: app\n        roles: [physician-portal]\n"
            "        fqdn: hctest.sunrise.example\n        certificate: certs/app.pem\ntrust:",
        ),
    ),
    "deployment.certificate-of-another-server": _replace("certs/mobile.pem", "certs/app.pem"),
    "deployment.host-multiple-certificates": _with_file(
        "portal.pem", (APP,), key=True,
        then=_replace(
            "trust:",
            "      - name: portal\n        roles: [physician-portal]\n"
            f"        fqdn: {APP}\n        certificate: certs/portal.pem\ntrust:",
        ),
    ),
    "deployment.app-mobile-shared-certificate": _with_file(
        "app.pem", (APP, MOBILE, EXTERNAL), key=True,
        then=_replace("certs/mobile.pem", "certs/app.pem"),
    ),
    "deployment.mobile-external-name": _with_file(
        "mobile.pem", (MOBILE,), key=True, then=lambda lab, ca: None
    ),
    "deployment.client-name-not-covered": _both(
        _replace(f"fqdn: {APP}\n", f"fqdn: {APP}\n        external_fqdns: [{HOMECARE}]\n"),
        _replace(f"connects_to: [{APP}]", f"connects_to: [{HOMECARE}]"),
    ),
    "deployment.client-host-unknown": _replace(
        f"connects_to: [{APP}]", "connects_to: [hcapserver.sunrise.example]"
    ),
    "deployment.client-ip-address": _replace(f"connects_to: [{APP}]", "connects_to: [10.0.0.5]"),
    "deployment.sts-certificate-missing": _replace("        sts_certificate: certs/sts.pem\n", ""),
    "deployment.sts-certificate-failing": _with_file(
        "sts-nokey.pem", ("sts.sunrise.example",), key=False,
        then=_replace("certs/sts.pem", "certs/sts-nokey.pem"),
    ),
    "deployment.proxy-bypass-missing": _replace(
        '"*.sunrise.example;*.sunrise-health.example"', '"*.sunrise.example;<local>"'
    ),
    "deployment.proxy-bypass-syntax": _replace(
        '"*.sunrise.example;*.sunrise-health.example"',
        '"*.sunrise.example;*.sunrise-health.example, intranet"',
    ),
}  # fmt: skip


def _base(tmp_path: Path, ca: TestCA) -> Lab:
    lab = make_lab(tmp_path, ca, mobile_external=True)
    text = lab.manifest.read_text().replace(
        '"*.sunrise.example;<local>"', '"*.sunrise.example;*.sunrise-health.example"'
    )
    lab.manifest.write_text(text)
    return lab


def _topology_ids(lab: Lab) -> set[str]:
    _, out, err = run("audit", str(lab.manifest), "--format", "json")
    assert out, err
    return {f["rule_id"] for f in json.loads(out)["findings"]}


def test_the_base_manifest_has_only_the_private_ca_notes(tmp_path: Path, ca: TestCA) -> None:
    assert _topology_ids(_base(tmp_path, ca)) == PRIVATE_ONLY


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_one_edit_makes_the_rule_fire(rule_id: str, tmp_path: Path, ca: TestCA) -> None:
    lab = _base(tmp_path, ca)
    CASES[rule_id](lab, ca)
    assert rule_id in _topology_ids(lab)
