"""Windows: the Root and CA certificate stores, the WinINET and WinHTTP proxies, and the
environment's proxy. Reading needs no administrator rights.

- Stores: ``ssl.enum_certificates("ROOT")`` and ``("CA")`` read the LocalMachine and CurrentUser
  system stores merged, so a finding names the store (Trusted Root / Intermediate Certification
  Authorities) without the location.
- WinINET (browsers, .NET, most desktop applications): the current user's
  ``HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings`` values ``ProxyEnable``,
  ``ProxyServer`` (``proxy:8080`` or ``http=proxy:80;https=proxy:443``), ``ProxyOverride`` (the
  bypass list) and ``AutoConfigURL`` (a PAC script), read through ``winreg``.
- WinHTTP (services, system components): ``netsh winhttp show proxy``. Its labels are translated
  on localised Windows, so the output is read by position: the first ``label : value`` line is
  the proxy, the second the bypass list.
"""

from __future__ import annotations

import contextlib
import importlib
import ssl
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from certready.adapters.clientenv.environment import environment_proxy
from certready.adapters.clientenv.stores import store_certificates
from certready.adapters.trust.system import EnumCertificates, trusted_for_tls, windows_store
from certready.core.client import BypassSyntax, ClientStore, ProxySetting, ProxySource, StoreHolds
from certready.core.deployment import Platform
from certready.core.location import StoreLocation

WININET_KEY = r"Software\Microsoft\Windows\CurrentVersion\Internet Settings"
WININET_VALUES = ("ProxyEnable", "ProxyServer", "ProxyOverride", "AutoConfigURL")
PLAN_IMPORT = (
    "Import-Certificate -FilePath <file.cer> -CertStoreLocation Cert:\\LocalMachine\\{store}"
)


def windows_stores(enum_certificates: EnumCertificates) -> tuple[ClientStore, ...]:
    """The Trusted Root (anchors trusted for server authentication) and Intermediate stores."""
    roots = [(c, trusted_for_tls(t)) for c, t in windows_store(enum_certificates, "ROOT")]
    cas = [(c, False) for c, _ in windows_store(enum_certificates, "CA")]
    return (
        ClientStore(
            name="the Trusted Root Certification Authorities store (LocalMachine or CurrentUser)",
            location=StoreLocation("windows", "Root"),
            holds=StoreHolds.ROOTS,
            certificates=store_certificates(roots),
            users="every Windows application",
        ),
        ClientStore(
            name="the Intermediate Certification Authorities store (LocalMachine or CurrentUser)",
            location=StoreLocation("windows", "CA"),
            holds=StoreHolds.INTERMEDIATES,
            certificates=store_certificates(cas),
            users="every Windows application",
        ),
    )


def parse_proxy_server(text: str) -> tuple[str, int] | None:
    """WinINET ``ProxyServer`` -> the proxy for HTTPS, or ``None`` when HTTPS goes direct.

    ``proxy:8080`` serves every protocol; ``http=a:80;https=b:443`` names one per protocol (no
    ``https=`` entry: HTTPS is not proxied)."""
    entries = [e.strip() for e in text.split(";") if e.strip()]
    chosen: str | None = None
    for entry in entries:
        if "=" in entry:
            scheme, _, value = entry.partition("=")
            if scheme.strip().lower() == "https":
                chosen = value.strip()
        elif chosen is None:
            chosen = entry
    if not chosen:
        return None
    chosen = chosen.split("://", 1)[-1].rstrip("/")
    if chosen.startswith("["):
        host, _, rest = chosen[1:].partition("]")
        port_text = rest.lstrip(":")
    elif chosen.count(":") == 1:
        host, _, port_text = chosen.partition(":")
    else:
        host, port_text = chosen, ""
    port = int(port_text) if port_text.isdigit() else 80
    return host, port


def wininet_proxy(values: Mapping[str, Any]) -> ProxySetting | None:
    """The WinINET setting from its registry values (``None``: direct, no PAC)."""
    enabled = bool(values.get("ProxyEnable"))
    server = str(values.get("ProxyServer") or "")
    pac = str(values.get("AutoConfigURL") or "") or None
    bypass = str(values.get("ProxyOverride") or "")
    proxy = parse_proxy_server(server) if enabled and server else None
    if proxy is None and pac is None:
        return None
    description = (
        f"Internet Options (WinINET) ProxyServer={server}"
        if proxy
        else f"Internet Options (WinINET) AutoConfigURL={pac}"
    )
    return ProxySetting(
        source=ProxySource.WININET,
        description=description,
        host=proxy[0] if proxy else None,
        port=proxy[1] if proxy else 8080,
        bypass=bypass,
        bypass_syntax=BypassSyntax.WINDOWS,
        pac_url=pac,
    )


def winhttp_proxy(netsh_output: str) -> ProxySetting | None:
    """``netsh winhttp show proxy`` -> the WinHTTP setting (``None``: direct access)."""
    values = [
        line.split(":", 1)[1].strip()
        for line in netsh_output.splitlines()
        if ":" in line and line.split(":", 1)[1].strip()
    ]
    if not values:
        return None
    proxy = parse_proxy_server(values[0])
    if proxy is None:
        return None
    bypass = values[1] if len(values) > 1 and not values[1].startswith("(") else ""
    return ProxySetting(
        source=ProxySource.WINHTTP,
        description=f"WinHTTP proxy {values[0]} (netsh winhttp)",
        host=proxy[0],
        port=proxy[1],
        bypass=bypass,
        bypass_syntax=BypassSyntax.WINDOWS,
    )


def read_wininet_registry() -> dict[str, Any]:
    """The current user's WinINET values (only on Windows; missing values are left out)."""
    winreg: Any = importlib.import_module("winreg")
    out: dict[str, Any] = {}
    with winreg.OpenKey(winreg.HKEY_CURRENT_USER, WININET_KEY) as key:
        for name in WININET_VALUES:
            try:
                out[name] = winreg.QueryValueEx(key, name)[0]
            except OSError:
                continue
    return out


def run_netsh() -> str:
    result = subprocess.run(
        ["netsh", "winhttp", "show", "proxy"], check=True, capture_output=True, timeout=30
    )
    return result.stdout.decode("utf-8", "replace")


@dataclass(frozen=True, slots=True)
class WindowsEnvironment:
    environ: Mapping[str, str]
    enum_certificates: EnumCertificates
    registry: Callable[[], Mapping[str, Any]]
    netsh: Callable[[], str]

    @classmethod
    def from_system(cls, environ: Mapping[str, str]) -> WindowsEnvironment:
        enum: EnumCertificates = getattr(ssl, "enum_certificates")  # noqa: B009 - Windows only
        return cls(environ, enum, read_wininet_registry, run_netsh)

    @property
    def platform(self) -> Platform:
        return Platform.WINDOWS

    def trust_stores(self) -> tuple[ClientStore, ...]:
        return windows_stores(self.enum_certificates)

    def proxy_settings(self) -> tuple[ProxySetting, ...]:
        settings = [environment_proxy(self.environ)]
        with contextlib.suppress(OSError):
            settings.append(wininet_proxy(self.registry()))
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            settings.append(winhttp_proxy(self.netsh()))
        return tuple(s for s in settings if s is not None)
