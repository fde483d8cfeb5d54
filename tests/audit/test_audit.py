"""End-to-end audits of a manifest and its files (services/audit.py through the CLI)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography import x509

from certready.core.rules.deployment import mobile_external_name
from certready.core.rules.meta import rule_failed
from certready.interfaces.cli import ExitStatus
from tests.audit.lab import make_lab
from tests.cli import run
from tests.crash import INJECTED, crash_check_of
from tests.pki import TestCA


def _audit(manifest: Path) -> tuple[int, dict[str, object]]:
    status, out, _ = run("audit", str(manifest), "--format", "json", "--fail-on", "error")
    return status, json.loads(out)


def _ids(report: dict[str, object]) -> list[str]:
    return [f["rule_id"] for f in report["findings"]]  # type: ignore[attr-defined,index]


def test_audit_reports_each_server_and_the_topology(tmp_path: Path, ca: TestCA) -> None:
    lab = make_lab(tmp_path, ca, mobile_external=False)
    status, report = _audit(lab.manifest)
    targets = {t["target"]: t for t in report["targets"]}  # type: ignore[attr-defined]
    assert set(targets) == {"production/app", "production/app (sts)", "production/mobile"}
    assert targets["production/app (sts)"]["role"] == "sts"
    assert targets["production/mobile"]["hosts"] == [
        "hctabletserver.sunrise.example",
        "mobile.sunrise-health.example",
    ]
    ids = _ids(report)
    assert "deployment.mobile-external-name" in ids
    external = next(
        f
        for f in report["findings"]
        if f["rule_id"] == "deployment.mobile-external-name"  # type: ignore[attr-defined]
    )
    assert "'field tablets', 'field phones'" in external["message"]  # who types the name
    assert "deployment.client-name-not-covered" not in ids  # said once, by the mobile rule
    assert "deployment.proxy-bypass-missing" in ids  # mobile.sunrise-health.example not bypassed
    assert "deployment.client-android-private-ca" in ids  # the lab root is private
    assert "deployment.client-ios-trust-switch" in ids
    assert status == ExitStatus.FINDINGS
    located = [f for f in report["findings"] if f["rule_id"] == "deployment.mobile-external-name"]  # type: ignore[attr-defined]
    assert located[0]["location"].startswith(f"manifest:{lab.manifest}:")
    # the deployment finding is about the mobile server's target, and counts in its state
    assert external["about"] == ["production/mobile"]
    assert targets["production/mobile"]["state"] == "not_ready"
    ios = next(
        f for f in report["findings"] if f["rule_id"] == "deployment.client-ios-trust-switch"
    )  # type: ignore[attr-defined]
    assert ios["about"] == []  # control: about a client group, no target


def test_fixed_deployment_has_no_such_findings(tmp_path: Path, ca: TestCA) -> None:
    lab = make_lab(tmp_path, ca, mobile_external=True)
    text = lab.manifest.read_text().replace(
        '"*.sunrise.example;<local>"', '"*.sunrise.example;*.sunrise-health.example"'
    )
    lab.manifest.write_text(text)
    _, report = _audit(lab.manifest)
    ids = _ids(report)
    for rule_id in (
        "deployment.mobile-external-name",
        "deployment.client-name-not-covered",
        "deployment.proxy-bypass-missing",
        "deployment.certificate-missing",
        "deployment.sts-certificate-missing",
    ):
        assert rule_id not in ids


def test_profile_option_overrides_the_manifest_policy(tmp_path: Path, ca: TestCA) -> None:
    lab = make_lab(tmp_path, ca)
    status, out, _ = run("audit", str(lab.manifest), "--profile", "webpki", "--format", "json")
    assert json.loads(out)["profile"] == "webpki"
    assert status in (ExitStatus.OK, ExitStatus.FINDINGS)


def test_chain_analysis_uses_the_manifest_trust(tmp_path: Path, ca: TestCA) -> None:
    lab = make_lab(tmp_path, ca)
    _, report = _audit(lab.manifest)
    app = next(t for t in report["targets"] if t["target"] == "production/app")  # type: ignore[attr-defined]
    assert app["path"][-1]["origin"].startswith("trust:manifest:")
    assert "chain.untrusted-root" not in [f["rule_id"] for f in app["findings"]]
    text = lab.manifest.read_text().replace("  roots: [pki/root.cer]\n", "")
    lab.manifest.write_text(text)
    _, report = _audit(lab.manifest)
    app = next(t for t in report["targets"] if t["target"] == "production/app")  # type: ignore[attr-defined]
    chain_ids = [f["rule_id"] for f in app["findings"] if f["rule_id"].startswith("chain.")]
    assert chain_ids and app["path"] == []


def test_live_probe_results_are_compared_with_the_files(tmp_path: Path, ca: TestCA) -> None:
    from collections.abc import Mapping, Sequence

    from certready.core.deployment import ServerSpec
    from certready.core.facts import extract_facts
    from certready.core.location import EndpointLocation
    from certready.core.model import CertFacts, ChainElement, TargetResult
    from certready.services.audit import AuditOptions, LiveProbe, audit
    from tests.audit.lab import APP

    lab = make_lab(tmp_path, ca)
    text = lab.manifest.read_text().replace(
        "certificate: certs/app.pem",
        "certificate: certs/app.pem\n        endpoint: 127.0.0.1:1\n"
        "        external_fqdns: [homecare.sunrise-health.example]",
    )
    lab.manifest.write_text(text)
    pem = (tmp_path / "certs" / "app.pem").read_bytes()
    on_file = extract_facts(x509.load_pem_x509_certificates(pem)[0])
    stranger = extract_facts(ca.issue(APP).cert)

    def served(leaf: CertFacts) -> TargetResult:
        where = EndpointLocation("127.0.0.1", 1)
        element = ChainElement(leaf, where.presented(0))
        return TargetResult("127.0.0.1:1", where, certificates=(element,))

    def probe_with(*leaves: CertFacts) -> LiveProbe:
        def probe(servers: Sequence[ServerSpec]) -> Mapping[str, list[TargetResult]]:
            assert [s.key for s in servers] == ["production/app"]
            return {"production/app": [served(leaf) for leaf in leaves]}

        return probe

    def differs(report_findings: object) -> list[str]:
        return [
            f.message
            for f in report_findings  # type: ignore[attr-defined]
            if f.rule_id == "deployment.served-certificate-differs"
        ]

    other = audit(lab.manifest, AuditOptions(live=probe_with(stranger, stranger)))
    assert len(differs(other.findings)) == 1  # the FQDN's; the external name shows the same leaf
    assert "production/app (live 127.0.0.1:1)" in [t.target for t in other.targets]
    same = audit(lab.manifest, AuditOptions(live=probe_with(on_file, on_file)))
    assert differs(same.findings) == []
    by_sni = audit(lab.manifest, AuditOptions(live=probe_with(on_file, stranger)))
    messages = differs(by_sni.findings)
    assert len(messages) == 1 and "for homecare.sunrise-health.example" in messages[0]
    assert "production/app (live 127.0.0.1:1, SNI homecare.sunrise-health.example)" in [
        t.target for t in by_sni.targets
    ]


def test_a_crashing_deployment_check_is_rule_failed_and_every_target_still_reported(
    tmp_path: Path, ca: TestCA, monkeypatch: pytest.MonkeyPatch
) -> None:
    lab = make_lab(tmp_path, ca, mobile_external=False)
    _, control = _audit(lab.manifest)
    assert rule_failed.id not in _ids(control)  # negative control: nothing crashes by itself
    assert mobile_external_name.id in _ids(control)
    crash_check_of(monkeypatch, mobile_external_name)
    status, report = _audit(lab.manifest)
    assert status == ExitStatus.FINDINGS
    # every target still reported, unchanged but for the mobile server's: the crashed rule's
    # finding would have superseded its name finding for the external name, which stays
    assert [t["target"] for t in report["targets"]] == [t["target"] for t in control["targets"]]
    for got, want in zip(report["targets"], control["targets"], strict=True):
        if got["target"] != "production/mobile":
            assert got == want
        else:
            added = [f["rule_id"] for f in got["findings"] if f not in want["findings"]]
            assert added == ["names.host-not-covered"]
    (failed,) = [f for f in report["findings"] if f["rule_id"] == rule_failed.id]  # type: ignore[attr-defined]
    assert failed["message"] == f"rule {mobile_external_name.id} failed: RuntimeError: {INJECTED}"
    assert failed["location"] == f"manifest:{lab.manifest}"
    assert failed["severity"] == "error"
    ids = _ids(report)
    assert mobile_external_name.id not in ids
    # the other deployment rules still ran
    assert sorted(set(ids) - {rule_failed.id}) == sorted(
        set(_ids(control)) - {mobile_external_name.id}
    )
    assert "deployment.proxy-bypass-missing" in ids


def test_a_certbot_folder_named_as_the_certificate_says_which_files_to_name(
    tmp_path: Path, ca: TestCA
) -> None:
    lab = make_lab(tmp_path, ca)
    live = tmp_path / "live" / "mobile"
    live.mkdir(parents=True)
    (live / "fullchain.pem").write_bytes((tmp_path / "certs" / "mobile.pem").read_bytes())
    text = lab.manifest.read_text()
    lab.manifest.write_text(
        text.replace("certificate: certs/mobile.pem", "certificate: live/mobile")
    )
    status, out, err = run("audit", str(lab.manifest), "--format", "json")
    targets = {t["target"]: t for t in json.loads(out)["targets"]}
    reason = targets["production/mobile"]["reason"]
    assert (
        "is a folder, not a file" in reason
        and "fullchain.pem" in reason
        and "privkey.pem" in reason
    )
    assert targets["production/app"]["status"] == "ok"  # the rest of the batch still runs
    assert status != ExitStatus.OK and "Traceback" not in err
    # control: naming the folder's fullchain.pem is read as the certificate
    lab.manifest.write_text(
        text.replace("certificate: certs/mobile.pem", "certificate: live/mobile/fullchain.pem")
    )
    _, out, _ = run("audit", str(lab.manifest), "--format", "json")
    targets = {t["target"]: t for t in json.loads(out)["targets"]}
    assert targets["production/mobile"]["status"] == "ok"
