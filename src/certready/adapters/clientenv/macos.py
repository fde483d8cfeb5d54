"""macOS: the keychains and the system proxy. Reading needs no administrator rights.

- Stores: ``security find-certificate -a -p KEYCHAIN`` on the system roots keychain (Apple's
  public roots), the System keychain (where ``certready plan``'s script and administrators put a
  private root and its intermediates) and the user's login keychain. The System and login
  keychains are alternatives: a certificate in either serves every application. Trust settings
  (``security dump-trust-settings``) are not read: a self-signed certificate in a keychain counts
  as a root.
- Proxy: ``scutil --proxy`` (what System Settings > Network > Proxies sets): ``HTTPSEnable``,
  ``HTTPSProxy``, ``HTTPSPort``, ``ExceptionsList``, ``ExcludeSimpleHostnames`` and the PAC
  (``ProxyAutoConfigEnable``/``ProxyAutoConfigURLString``). Exceptions are matched as wildcards
  (``*.example.org``); CIDR entries (``169.254/16``) are not evaluated.
"""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from certready.adapters.clientenv.environment import environment_proxy
from certready.adapters.clientenv.nss import RunCommand
from certready.adapters.clientenv.stores import pem_certificates, store_certificates
from certready.core.client import BypassSyntax, ClientStore, ProxySetting, ProxySource, StoreHolds
from certready.core.deployment import Platform
from certready.core.location import StoreLocation

SYSTEM_ROOTS = "/System/Library/Keychains/SystemRootCertificates.keychain"
SYSTEM_KEYCHAIN = "/Library/Keychains/System.keychain"
LOGIN_KEYCHAIN = "~/Library/Keychains/login.keychain-db"


def run_command(argv: Sequence[str]) -> bytes:
    return subprocess.run(list(argv), check=True, capture_output=True, timeout=30).stdout


def parse_scutil(text: str) -> dict[str, str | list[str]]:
    """``scutil --proxy``'s dictionary: scalar values as text, arrays as lists of text."""
    out: dict[str, str | list[str]] = {}
    array: list[str] | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if array is not None:
            if line == "}":
                array = None
            elif " : " in line:
                array.append(line.split(" : ", 1)[1].strip())
            continue
        if " : " not in line:
            continue
        key, _, value = line.partition(" : ")
        value = value.strip()
        if value.startswith("<array>"):
            array = []
            out[key.strip()] = array
        elif not value.startswith("<"):
            out[key.strip()] = value
    return out


def macos_proxy(scutil_output: str) -> ProxySetting | None:
    """The system proxy for HTTPS (``None``: direct, no PAC)."""
    values = parse_scutil(scutil_output)

    def text(key: str) -> str:
        value = values.get(key, "")
        return value if isinstance(value, str) else ""

    enabled = text("HTTPSEnable") == "1" and bool(text("HTTPSProxy"))
    pac = text("ProxyAutoConfigURLString") if text("ProxyAutoConfigEnable") == "1" else ""
    if not enabled and not pac:
        return None
    exceptions = values.get("ExceptionsList", [])
    bypass = ";".join(exceptions) if isinstance(exceptions, list) else exceptions
    port = int(text("HTTPSPort")) if text("HTTPSPort").isdigit() else 8080
    description = (
        f"macOS system proxy HTTPSProxy={text('HTTPSProxy')}:{port}"
        if enabled
        else f"macOS system proxy ProxyAutoConfigURLString={pac}"
    )
    return ProxySetting(
        source=ProxySource.MACOS,
        description=description,
        host=text("HTTPSProxy") if enabled else None,
        port=port,
        bypass=bypass,
        bypass_syntax=BypassSyntax.WINDOWS,
        bypass_simple_hostnames=text("ExcludeSimpleHostnames") == "1",
        pac_url=pac or None,
    )


def read_keychain(
    run: RunCommand, path: str, *, name: str, holds: StoreHolds, public: bool
) -> ClientStore:
    store = ClientStore(
        name=name,
        location=StoreLocation("keychain", str(path)),
        holds=holds,
        certificates=(),
        includes_public_roots=public,
        users="every macOS application (Safari, Chrome, the app)",
        group="keychains",
    )
    try:
        pem = run(["security", "find-certificate", "-a", "-p", str(Path(path).expanduser())])
    except (OSError, subprocess.CalledProcessError) as exc:
        return _replace_problem(store, f"security find-certificate failed: {exc}")
    certs = pem_certificates(pem)
    return replace(
        store,
        certificates=store_certificates(
            (c, c.issuer == c.subject or holds is StoreHolds.ROOTS) for c in certs
        ),
    )


def _replace_problem(store: ClientStore, problem: str) -> ClientStore:
    return replace(store, problem=problem)


@dataclass(frozen=True, slots=True)
class MacosEnvironment:
    environ: Mapping[str, str]
    run: RunCommand = field(default=run_command)

    @classmethod
    def from_system(cls, environ: Mapping[str, str]) -> MacosEnvironment:
        return cls(environ)

    @property
    def platform(self) -> Platform:
        return Platform.MACOS

    def trust_stores(self) -> tuple[ClientStore, ...]:
        return (
            read_keychain(
                self.run,
                SYSTEM_ROOTS,
                name="the system roots keychain",
                holds=StoreHolds.ROOTS,
                public=True,
            ),
            read_keychain(
                self.run,
                SYSTEM_KEYCHAIN,
                name="the System keychain",
                holds=StoreHolds.BOTH,
                public=False,
            ),
            read_keychain(
                self.run,
                LOGIN_KEYCHAIN,
                name="the login keychain",
                holds=StoreHolds.BOTH,
                public=False,
            ),
        )

    def proxy_settings(self) -> tuple[ProxySetting, ...]:
        settings = [environment_proxy(self.environ)]
        with contextlib.suppress(OSError, subprocess.CalledProcessError):
            settings.append(macos_proxy(self.run(["scutil", "--proxy"]).decode("utf-8", "replace")))
        return tuple(s for s in settings if s is not None)
