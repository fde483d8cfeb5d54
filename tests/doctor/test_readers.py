"""The client environment readers: NO_PROXY, the environment, Windows and macOS from recorded
outputs in their documented formats, Linux against a temporary bundle and NSS database."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from certready.adapters.clientenv import this_platform
from certready.adapters.clientenv.environment import environment_proxy
from certready.adapters.clientenv.linux import LinuxEnvironment, read_bundle
from certready.adapters.clientenv.macos import MacosEnvironment, macos_proxy, parse_scutil
from certready.adapters.clientenv.nss import MISSING_TOOL, parse_certutil_listing, read_nss
from certready.adapters.clientenv.windows import (
    WindowsEnvironment,
    parse_proxy_server,
    winhttp_proxy,
    wininet_proxy,
)
from certready.core.client import BypassSyntax, ProxySource, StoreHolds
from certready.core.deployment import Platform
from certready.core.facts import EKU_SERVER_AUTH, extract_facts
from certready.core.no_proxy import no_proxy_entry
from tests.doctor.support import certutil_or_skip, new_nss_database, nss_add
from tests.pki import TestCA

# --- NO_PROXY (curl, requests) ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("no_proxy", "host", "entry"),
    [
        ("example.org", "app.example.org", "example.org"),
        (".example.org", "example.org", ".example.org"),
        ("*.example.org", "app.example.org", "*.example.org"),
        ("localhost, app.example.org:443", "APP.example.org", "app.example.org:443"),
        ("*", "anything.test", "*"),
        ("10.0.0.0/8", "10.1.2.3", "10.0.0.0/8"),
        ("127.0.0.1", "127.0.0.1", "127.0.0.1"),
    ],
)
def test_no_proxy_matches(no_proxy: str, host: str, entry: str) -> None:
    assert no_proxy_entry(no_proxy, host) == entry


@pytest.mark.parametrize(
    ("no_proxy", "host"),
    [
        ("example.org", "badexample.org"),  # a suffix on a label boundary only
        ("app.example.org", "example.org"),
        ("10.0.0.0/8", "11.0.0.1"),
        ("10.0.0.0/8", "ten.example.org"),
        ("127.0.0.1", "localhost"),
        ("", "app.example.org"),
    ],
)
def test_no_proxy_does_not_match(no_proxy: str, host: str) -> None:
    assert no_proxy_entry(no_proxy, host) is None


def test_environment_proxy_hides_credentials() -> None:
    setting = environment_proxy(
        {"HTTPS_PROXY": "http://ann:s3cret@proxy.corp:3128", "no_proxy": ".sunrise.test"}
    )
    assert setting is not None
    assert (setting.host, setting.port, setting.credentials) == (
        "proxy.corp",
        3128,
        ("ann", "s3cret"),
    )
    assert "s3cret" not in setting.description and "ann" not in setting.description
    assert setting.bypassed_by("app.sunrise.test") == ".sunrise.test"
    assert setting.bypass_syntax is BypassSyntax.NO_PROXY
    assert environment_proxy({"NO_PROXY": "x"}) is None  # control: no proxy variable, no proxy
    lower_first = environment_proxy({"https_proxy": "lower:1", "HTTPS_PROXY": "upper:2"})
    assert lower_first is not None and lower_first.host == "lower"


def test_this_platform() -> None:
    assert this_platform("win32") is Platform.WINDOWS
    assert this_platform("darwin") is Platform.MACOS
    assert this_platform("linux") is Platform.LINUX


# --- Windows ---------------------------------------------------------------------------------

# `netsh winhttp show proxy` as Windows 10/11 and Server 2016-2022 print it (English, then a
# localised copy read by position).
NETSH_DIRECT = """
Current WinHTTP proxy settings:

    Direct access (no proxy server).

"""
NETSH_PROXY = """
Current WinHTTP proxy settings:

    Proxy Server(s) :  proxy.contoso.com:8080
    Bypass List     :  *.sunrise.test;<local>

"""
NETSH_NO_BYPASS = """
Current WinHTTP proxy settings:

    Proxy Server(s) :  proxy.contoso.com:8080
    Bypass List     :  (none)

"""
NETSH_GERMAN = """
Aktuelle WinHTTP-Proxyeinstellungen:

    Proxyserver     :  http=proxy.contoso.com:80;https=proxy.contoso.com:8443
    Umgehungsliste  :  <local>

"""


def test_winhttp_from_netsh_output() -> None:
    assert winhttp_proxy(NETSH_DIRECT) is None
    setting = winhttp_proxy(NETSH_PROXY)
    assert setting is not None and setting.source is ProxySource.WINHTTP
    assert (setting.host, setting.port) == ("proxy.contoso.com", 8080)
    assert setting.bypassed_by("app.sunrise.test") == "*.sunrise.test"
    assert setting.bypassed_by("sunrise.test") is None  # Windows: *.x does not cover x
    none = winhttp_proxy(NETSH_NO_BYPASS)
    assert none is not None and none.bypass == "" and none.bypassed_by("app.sunrise.test") is None
    german = winhttp_proxy(NETSH_GERMAN)
    assert german is not None and (german.host, german.port) == ("proxy.contoso.com", 8443)
    assert german.bypassed_by("hcappserver") == "<local>"


def test_proxy_server_value() -> None:
    assert parse_proxy_server("proxy:8080") == ("proxy", 8080)
    assert parse_proxy_server("http=a:80;https=b:443") == ("b", 443)
    assert parse_proxy_server("http=a:80;ftp=c:21") is None  # HTTPS not proxied
    assert parse_proxy_server("http://proxy.corp:3128") == ("proxy.corp", 3128)


# Registry values of HKCU\...\Internet Settings as `reg query` shows them on a managed PC.
WININET_ON = {
    "ProxyEnable": 1,
    "ProxyServer": "proxy.contoso.com:8080",
    "ProxyOverride": "*.contoso.com;<local>",
}


def test_wininet_from_registry_values() -> None:
    setting = wininet_proxy(WININET_ON)
    assert setting is not None and setting.source is ProxySource.WININET
    assert (setting.host, setting.port) == ("proxy.contoso.com", 8080)
    assert setting.bypassed_by("app.sunrise.test") is None
    assert setting.bypassed_by("intranet.contoso.com") == "*.contoso.com"
    assert wininet_proxy({**WININET_ON, "ProxyEnable": 0}) is None  # control: disabled
    pac = wininet_proxy({"ProxyEnable": 0, "AutoConfigURL": "http://wpad.contoso.com/p.pac"})
    assert pac is not None and pac.host is None and pac.pac_url == "http://wpad.contoso.com/p.pac"


def test_windows_stores_from_enum_certificates(ca: TestCA) -> None:
    root_der = ca.root.cert.public_bytes(Encoding.DER)
    inter_der = ca.intermediate.cert.public_bytes(Encoding.DER)
    listed: dict[str, list[tuple[bytes, str, Any]]] = {
        "ROOT": [(root_der, "x509_asn", True), (b"junk", "pkcs_7_asn", True)],
        "CA": [(inter_der, "x509_asn", {EKU_SERVER_AUTH})],
    }
    env = WindowsEnvironment({}, lambda name: listed[name], lambda: WININET_ON, lambda: NETSH_PROXY)
    roots, cas = env.trust_stores()
    assert roots.holds is StoreHolds.ROOTS and cas.holds is StoreHolds.INTERMEDIATES
    assert [c.certificate.fingerprint_sha256 for c in roots.certificates] == [
        extract_facts(ca.root.cert).fingerprint_sha256
    ]
    assert "Trusted Root" in roots.name and "Intermediate" in cas.name
    sources = [s.source for s in env.proxy_settings()]
    assert sources == [ProxySource.WININET, ProxySource.WINHTTP]
    untrusted = {"ROOT": [(root_der, "x509_asn", {"1.3.6.1.5.5.7.3.3"})], "CA": []}
    env = WindowsEnvironment({}, lambda n: untrusted[n], dict, lambda: NETSH_DIRECT)
    assert not env.trust_stores()[0].certificates[0].trusted_root  # code signing only


# --- macOS -----------------------------------------------------------------------------------

# `scutil --proxy` on macOS 14 with a manual HTTPS proxy and the default exceptions.
SCUTIL_PROXY = """<dictionary> {
  ExceptionsList : <array> {
    0 : *.local
    1 : 169.254/16
    2 : *.sunrise.test
  }
  ExcludeSimpleHostnames : 1
  FTPPassive : 1
  HTTPEnable : 1
  HTTPPort : 3128
  HTTPProxy : proxy.example.com
  HTTPSEnable : 1
  HTTPSPort : 3128
  HTTPSProxy : proxy.example.com
}
"""
SCUTIL_PAC = """<dictionary> {
  ExceptionsList : <array> {
    0 : *.local
  }
  FTPPassive : 1
  HTTPEnable : 0
  HTTPSEnable : 0
  ProxyAutoConfigEnable : 1
  ProxyAutoConfigURLString : http://wpad.example.com/proxy.pac
}
"""
SCUTIL_NONE = """<dictionary> {
  ExceptionsList : <array> {
    0 : *.local
    1 : 169.254/16
  }
  FTPPassive : 1
  HTTPEnable : 0
  HTTPSEnable : 0
}
"""


def test_scutil_proxy() -> None:
    assert parse_scutil(SCUTIL_PROXY)["ExceptionsList"] == [
        "*.local",
        "169.254/16",
        "*.sunrise.test",
    ]
    setting = macos_proxy(SCUTIL_PROXY)
    assert setting is not None and (setting.host, setting.port) == ("proxy.example.com", 3128)
    assert setting.bypassed_by("app.sunrise.test") == "*.sunrise.test"
    assert setting.bypassed_by("hcappserver") == "ExcludeSimpleHostnames"
    assert setting.bypassed_by("app.example.org") is None
    pac = macos_proxy(SCUTIL_PAC)
    assert (
        pac is not None and pac.host is None and pac.pac_url == "http://wpad.example.com/proxy.pac"
    )
    assert macos_proxy(SCUTIL_NONE) is None


def test_macos_keychains_through_security(ca: TestCA) -> None:
    calls: list[list[str]] = []

    def run(argv: Sequence[str]) -> bytes:
        calls.append(list(argv))
        if argv[0] == "scutil":
            return SCUTIL_PROXY.encode()
        if argv[-1].endswith("SystemRootCertificates.keychain"):
            return b""
        if argv[-1] == "/Library/Keychains/System.keychain":
            return ca.root.cert_pem() + ca.intermediate.cert_pem()
        raise subprocess.CalledProcessError(44, argv, b"", b"security: SecKeychainOpen failed")

    env = MacosEnvironment({}, run)
    roots, system, login = env.trust_stores()
    assert {s.group for s in (roots, system, login)} == {"keychains"}
    assert len(system.certificates) == 2 and system.holds is StoreHolds.BOTH
    assert login.problem is not None and "security find-certificate failed" in login.problem
    assert [
        "security",
        "find-certificate",
        "-a",
        "-p",
        "/Library/Keychains/System.keychain",
    ] in calls
    assert [s.source for s in env.proxy_settings()] == [ProxySource.MACOS]


# --- Linux: a temporary bundle and a temporary NSS database ----------------------------------


def test_bundle_first_existing(tmp_path: Path, ca: TestCA) -> None:
    bundle = tmp_path / "ca-certificates.crt"
    bundle.write_bytes(ca.root.cert_pem())
    store = read_bundle((str(tmp_path / "absent.pem"), str(bundle)))
    assert store.problem is None and len(store.certificates) == 1
    assert str(bundle) in store.name
    missing = read_bundle((str(tmp_path / "absent.pem"),))
    assert missing.problem and "no CA bundle found" in missing.problem


def test_nss_database_through_certutil(tmp_path: Path, ca: TestCA, other_ca: TestCA) -> None:
    certutil_or_skip()
    db = new_nss_database(tmp_path / "nssdb")
    nss_add(db, "Sunrise Root", ca.root.cert_pem(), "C,,", tmp_path)
    nss_add(db, "Sunrise Issuing", ca.intermediate.cert_pem(), ",,", tmp_path)
    nss_add(db, "Other Root (untrusted)", other_ca.root.cert_pem(), ",,", tmp_path)
    listing = subprocess.run(
        ["certutil", "-L", "-d", f"sql:{db}"], check=True, capture_output=True
    ).stdout.decode()
    assert ("Sunrise Root", "C,,") in parse_certutil_listing(listing)
    from certready.adapters.clientenv.linux import run_command

    store = read_nss(db, run_command, users="Chromium")
    assert store.problem is None and not store.includes_public_roots
    trusted = {c.certificate.subject: c.trusted_root for c in store.certificates}
    assert trusted[extract_facts(ca.root.cert).subject] is True
    assert trusted[extract_facts(ca.intermediate.cert).subject] is False
    assert trusted[extract_facts(other_ca.root.cert).subject] is False  # listed, not trusted


def test_nss_without_certutil_says_so(tmp_path: Path) -> None:
    def run(argv: Sequence[str]) -> bytes:
        raise FileNotFoundError(argv[0])

    store = read_nss(tmp_path, run, users="Firefox")
    assert store.problem == MISSING_TOOL


def test_linux_environment_reads_injected_paths(tmp_path: Path, ca: TestCA) -> None:
    bundle = tmp_path / "bundle.pem"
    bundle.write_bytes(ca.root.cert_pem())
    env = LinuxEnvironment(
        {"HTTPS_PROXY": "http://127.0.0.1:9"},
        bundles=(str(bundle),),
        nss_databases=((str(tmp_path / "nssdb"), "Chromium"),),
        run=lambda argv: (_ for _ in ()).throw(FileNotFoundError("certutil")),
    )
    bundle_store, nss = env.trust_stores()
    assert str(bundle_store.location) == f"store:bundle:{bundle}"
    assert nss.problem == MISSING_TOOL
    assert [s.host for s in env.proxy_settings()] == ["127.0.0.1"]
