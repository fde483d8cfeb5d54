"""certready doctor end to end: loopback TLS servers, a temporary bundle and NSS database, a plain
CONNECT proxy, mitmproxy, and a proxy that does not answer."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
from cryptography.x509 import load_pem_x509_certificate

from certready.adapters.clientenv.linux import LinuxEnvironment, run_command
from certready.core.client import StoreHolds
from certready.core.deployment import Platform
from certready.core.errors import UsageError
from certready.core.model import Report, TargetStatus
from certready.interfaces.cli import ExitStatus
from certready.interfaces.demo.servers import Endpoint, LoopbackServers
from certready.services.doctor import DoctorOptions, doctor
from tests.cli import run
from tests.doctor.proxies import ConnectProxy, free_port, mitmdump
from tests.doctor.support import (
    APP,
    FakeEnvironment,
    certutil_or_skip,
    new_nss_database,
    nss_add,
    store,
    write_manifest,
)
from tests.pki import Issued, TestCA

PROXY_VARIABLES = ("https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY")


def _serve(servers: LoopbackServers, tmp: Path, chain: bytes, leaf: Issued) -> Endpoint:
    chain_file, key_file = tmp / "served.pem", tmp / "served.key"
    chain_file.write_bytes(chain)
    key_file.write_bytes(leaf.key_pem())
    return servers.start("app", chain_file, key_file)


@pytest.fixture
def app_server(tmp_path: Path, ca: TestCA) -> Iterator[Endpoint]:
    """app.sunrise.test on a loopback address, sending its leaf and intermediate."""
    leaf = ca.issue(APP)
    with LoopbackServers() as servers:
        yield _serve(servers, tmp_path, ca.chain_pem(leaf), leaf)


def _bundle(tmp: Path, *pems: bytes) -> str:
    path = tmp / "ca-certificates.crt"
    path.write_bytes(b"".join(pems))
    return str(path)


def _linux(
    tmp: Path, environ: Mapping[str, str], *roots: bytes, nss: tuple[tuple[str, str], ...] = ()
) -> LinuxEnvironment:
    return LinuxEnvironment(
        environ, bundles=(_bundle(tmp, *roots),), nss_databases=nss, run=run_command
    )


def _ids(report: Report) -> list[str]:
    return sorted(f.rule_id for f in report.all_findings())


def _doctor(manifest: Path, environment: object) -> Report:
    options = DoctorOptions(environment=environment, timeout=5)  # type: ignore[arg-type]
    return doctor(manifest, options)[0]


# --- trust stores ----------------------------------------------------------------------------


def test_root_missing_from_the_bundle_and_the_nss_database(
    tmp_path: Path, ca: TestCA, other_ca: TestCA, app_server: Endpoint
) -> None:
    certutil_or_skip()
    manifest = write_manifest(tmp_path, endpoint=app_server.target, root=ca.root.cert_pem())
    db = new_nss_database(tmp_path / "nssdb")
    nss_add(db, "Unrelated Root", other_ca.root.cert_pem(), "C,,", tmp_path)
    env = _linux(tmp_path, {}, other_ca.root.cert_pem(), nss=((str(db), "Chromium"),))
    report = _doctor(manifest, env)
    assert _ids(report) == ["client.root-missing", "client.root-missing"]
    messages = [f.message for f in report.all_findings()]
    assert any("the CA bundle" in m and "certready test Root CA" in m for m in messages)
    assert any(f"the NSS database sql:{db}" in m for m in messages)
    nss_fix = next(f.remediation for f in report.all_findings() if "NSS" in f.message)
    assert f"certutil -d sql:{db} -A" in nss_fix

    # negative control: the root in both stores
    nss_add(db, "Sunrise Root", ca.root.cert_pem(), "C,,", tmp_path)
    env = _linux(tmp_path, {}, ca.root.cert_pem(), nss=((str(db), "Chromium"),))
    report = _doctor(manifest, env)
    assert _ids(report) == []
    assert report.targets[0].status is TargetStatus.OK
    assert len(report.targets[0].certificates) == 2  # what the server presented, directly


def _windows(ca: TestCA, *, root: bool, intermediate: bool) -> FakeEnvironment:
    return FakeEnvironment(
        stores=(
            store("Trusted Root", *([ca.root.cert] if root else [])),
            store(
                "Intermediate",
                *([ca.intermediate.cert] if intermediate else []),
                holds=StoreHolds.INTERMEDIATES,
            ),
        ),
        platform=Platform.WINDOWS,
    )


WINDOWS_CLIENTS = "  - {name: office PCs, platform: windows, connects_to: [%(fqdn)s]}\n"


def test_intermediate_missing_both_present_root_missing(
    tmp_path: Path, ca: TestCA, app_server: Endpoint
) -> None:
    manifest = write_manifest(
        tmp_path, endpoint=app_server.target, clients=WINDOWS_CLIENTS, root=ca.root.cert_pem()
    )
    report = _doctor(manifest, _windows(ca, root=True, intermediate=False))
    assert _ids(report) == ["client.intermediate-missing"]
    finding = next(iter(report.all_findings()))
    assert "the server sends it" in finding.message and finding.severity.label == "warning"
    assert finding.remediation and "windows-office-pcs.ps1" in finding.remediation

    report = _doctor(manifest, _windows(ca, root=False, intermediate=True))
    assert _ids(report) == ["client.root-missing"]

    assert _ids(_doctor(manifest, _windows(ca, root=True, intermediate=True))) == []


def test_intermediate_not_sent_and_not_installed_is_an_error(tmp_path: Path, ca: TestCA) -> None:
    leaf = ca.issue(APP)
    manifest_dir = tmp_path / "m"
    manifest_dir.mkdir()
    with LoopbackServers() as servers:
        lonely = _serve(servers, tmp_path, leaf.cert_pem(), leaf)
        manifest = write_manifest(
            manifest_dir,
            endpoint=lonely.target,
            clients=WINDOWS_CLIENTS,
            root=ca.root.cert_pem(),
            intermediate=ca.intermediate.cert_pem(),
        )
        report = _doctor(manifest, _windows(ca, root=True, intermediate=False))
    findings = list(report.all_findings())
    assert [(f.rule_id, f.severity.label) for f in findings] == [
        ("client.intermediate-missing", "error")
    ]
    assert "does not send it either" in findings[0].message


# --- proxies ---------------------------------------------------------------------------------


def test_proxy_without_bypass_plain_connect_is_not_interception(
    tmp_path: Path, ca: TestCA, app_server: Endpoint
) -> None:
    manifest = write_manifest(tmp_path, endpoint=app_server.target, root=ca.root.cert_pem())
    with ConnectProxy() as proxy:
        environ = {"HTTPS_PROXY": f"http://127.0.0.1:{proxy.port}"}
        report = _doctor(manifest, _linux(tmp_path, environ, ca.root.cert_pem()))
        assert proxy.requests == [app_server.target]  # the tunnel was really used
        assert _ids(report) == ["client.proxy-not-bypassed"]  # not intercepted
        finding = next(iter(report.all_findings()))
        assert f"HTTPS_PROXY=http://127.0.0.1:{proxy.port}" in finding.message
        assert str(finding.location) == f"tls://127.0.0.1:{proxy.port}->{app_server.target}"

        # with the bypass: no finding, and the proxy is not used
        bypassed = {**environ, "NO_PROXY": "localhost,.sunrise.test"}
        report = _doctor(manifest, _linux(tmp_path, bypassed, ca.root.cert_pem()))
        assert _ids(report) == []
        assert proxy.requests == [app_server.target]


def test_proxy_credentials_are_sent_never_shown(
    tmp_path: Path, ca: TestCA, app_server: Endpoint
) -> None:
    manifest = write_manifest(tmp_path, endpoint=app_server.target, root=ca.root.cert_pem())
    with ConnectProxy() as proxy:
        environ = {"HTTPS_PROXY": f"http://ann:S3cret%21@127.0.0.1:{proxy.port}"}
        report = _doctor(manifest, _linux(tmp_path, environ, ca.root.cert_pem()))
    assert b"Proxy-Authorization: Basic YW5uOlMzY3JldCE=" in proxy.heads[0]  # ann:S3cret!
    text = json.dumps([f.message + f.remediation + str(f.location) for f in report.all_findings()])
    assert "S3cret" not in text and "ann" not in text
    assert _ids(report) == ["client.proxy-not-bypassed"]


def test_a_socks_proxy_is_judged_for_its_bypass_not_connected_through(
    tmp_path: Path, ca: TestCA, app_server: Endpoint
) -> None:
    manifest = write_manifest(tmp_path, endpoint=app_server.target, root=ca.root.cert_pem())
    environ = {"ALL_PROXY": f"socks5://127.0.0.1:{free_port()}"}
    report = _doctor(manifest, _linux(tmp_path, environ, ca.root.cert_pem()))
    assert _ids(report) == ["client.proxy-not-bypassed"]  # not client.proxy-unreachable
    assert "ALL_PROXY=socks5://127.0.0.1" in next(iter(report.all_findings())).message


def test_unreachable_proxy_is_not_an_unreachable_server(
    tmp_path: Path, ca: TestCA, app_server: Endpoint
) -> None:
    dead = free_port()
    manifest = write_manifest(tmp_path, endpoint=app_server.target, root=ca.root.cert_pem())
    environ = {"HTTPS_PROXY": f"http://127.0.0.1:{dead}"}
    report = _doctor(manifest, _linux(tmp_path, environ, ca.root.cert_pem()))
    assert _ids(report) == ["client.proxy-not-bypassed", "client.proxy-unreachable"]
    unreachable = next(f for f in report.all_findings() if f.rule_id == "client.proxy-unreachable")
    assert f"127.0.0.1:{dead}" in unreachable.message and "refused" in unreachable.message
    assert report.targets[0].status is TargetStatus.OK  # the server itself answers

    # the server down as well: still the proxy's finding, not "every server unreachable"
    closed = write_manifest(tmp_path, endpoint=f"127.0.0.1:{free_port()}", root=ca.root.cert_pem())
    report = _doctor(closed, _linux(tmp_path, environ, ca.root.cert_pem()))
    assert "client.proxy-unreachable" in _ids(report)
    assert report.targets[0].status is TargetStatus.OK

    # control: no proxy, server down -> the server is unreachable
    report = _doctor(closed, _linux(tmp_path, {}, ca.root.cert_pem()))
    assert report.targets[0].status is TargetStatus.UNREACHABLE
    assert report.targets[0].reason and "refused" in report.targets[0].reason


def test_connect_refused_by_the_proxy_is_the_servers_side(tmp_path: Path, ca: TestCA) -> None:
    manifest = write_manifest(
        tmp_path, endpoint=f"127.0.0.1:{free_port()}", root=ca.root.cert_pem()
    )
    with ConnectProxy() as proxy:
        environ = {"HTTPS_PROXY": f"127.0.0.1:{proxy.port}"}
        report = _doctor(manifest, _linux(tmp_path, environ, ca.root.cert_pem()))
    assert "client.proxy-unreachable" not in _ids(report)
    assert report.targets[0].status is TargetStatus.UNREACHABLE
    assert report.targets[0].reason and "502" in report.targets[0].reason


# --- interception through mitmproxy ----------------------------------------------------------


def _this_machine(tmp: Path, root: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI's machine reader: the real Linux reader on the real environment variables, with
    a temporary bundle instead of the machine's stores."""
    import os

    bundle = _bundle(tmp, root)

    def machine() -> LinuxEnvironment:
        return LinuxEnvironment(dict(os.environ), bundles=(bundle,), run=run_command)

    monkeypatch.setattr("certready.services.doctor.this_machine", machine)
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def test_interception_by_mitmproxy_is_detected_and_named(
    tmp_path: Path, ca: TestCA, app_server: Endpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    manifest = write_manifest(tmp_path, endpoint=app_server.target, root=ca.root.cert_pem())
    _this_machine(tmp_path, ca.root.cert_pem(), monkeypatch)
    with mitmdump(tmp_path / "mitmproxy") as port:
        monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{port}")
        status, out, err = run("doctor", str(manifest), "--format", "json", "--timeout", "20")
        assert status == ExitStatus.FINDINGS, err
        report = json.loads(out)
        findings = report["targets"][0]["findings"]
        intercepted = [f for f in findings if f["rule_id"] == "client.intercepted"]
        assert len(intercepted) == 1, findings
        mitm_ca = load_pem_x509_certificate(
            (tmp_path / "mitmproxy" / "mitmproxy-ca-cert.pem").read_bytes()
        )
        assert (
            f"re-signs with its CA {mitm_ca.subject.rfc4514_string()!r}"
            in (intercepted[0]["message"])
        )
        assert "certready test Issuing CA" in intercepted[0]["message"]  # the genuine issuer
        assert intercepted[0]["remediation"].startswith("Bypass these names on the proxy")

        # the server in NO_PROXY: a clean direct connection
        monkeypatch.setenv("NO_PROXY", APP)
        status, out, err = run("doctor", str(manifest), "--format", "json", "--timeout", "20")
    assert status == ExitStatus.OK, out + err
    clean = json.loads(out)["targets"][0]
    assert clean["findings"] == [] and clean["status"] == "ok"


# --- choosing the client group and servers ---------------------------------------------------


def test_client_group_choice(
    tmp_path: Path, ca: TestCA, app_server: Endpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    two = (
        "  - {name: lab linux, platform: linux, connects_to: [%(fqdn)s]}\n"
        "  - {name: kiosks, platform: linux, connects_to: [%(fqdn)s]}\n"
    )
    manifest = write_manifest(
        tmp_path, endpoint=app_server.target, root=ca.root.cert_pem(), clients=two
    )
    _this_machine(tmp_path, ca.root.cert_pem(), monkeypatch)
    status, out, err = run("doctor", str(manifest))
    assert status == ExitStatus.USAGE
    assert "'lab linux', 'kiosks'" in err and "--client NAME" in err and "Traceback" not in err
    status, out, err = run("doctor", str(manifest), "--client", "kiosks", "--format", "json")
    assert status == ExitStatus.OK, err
    assert "'kiosks'" in json.loads(out)["title"]
    status, out, err = run("doctor", str(manifest), "--client", "tablets")
    assert status == ExitStatus.USAGE and "no client group 'tablets'" in err
    status, out, err = run(
        "doctor", str(manifest), "--client", "kiosks", "--server", "production/mobile"
    )
    assert status == ExitStatus.USAGE and "servers: production/app" in err
    status, out, err = run(
        "doctor", str(manifest), "--client", "kiosks", "--server", "production/app"
    )
    assert status == ExitStatus.OK, out + err


def test_only_the_group_for_this_os(tmp_path: Path, ca: TestCA) -> None:
    manifest = write_manifest(tmp_path, endpoint=None, clients=WINDOWS_CLIENTS)
    with pytest.raises(UsageError, match="no client group is for linux"):
        doctor(manifest, DoctorOptions(environment=FakeEnvironment()))


def test_a_manifest_without_clients_says_to_add_them(tmp_path: Path) -> None:
    """Not "no client group is for linux (groups: none); pick one with --client NAME"."""
    manifest = write_manifest(tmp_path, endpoint=None, clients="")
    manifest.write_text(manifest.read_text().replace("clients:\n", ""))
    for argv in ((), ("--client", "office PCs")):
        status, _, err = run("doctor", str(manifest), *argv)
        assert status == ExitStatus.USAGE and "Traceback" not in err
        assert "lists no client groups: add a `clients:` entry" in err
        assert "--client NAME" not in err
    # control: with a group for another OS, the groups are listed and --client is the way
    windows = write_manifest(tmp_path, endpoint=None, clients=WINDOWS_CLIENTS)
    with pytest.raises(UsageError, match="pick one with --client NAME"):
        doctor(windows, DoctorOptions(environment=FakeEnvironment()))
