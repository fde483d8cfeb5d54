"""Fakes and builders for the doctor's tests: a fake client environment, stores, manifests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cryptography import x509

from certready.adapters.clientenv.stores import store_certificates
from certready.core.client import ClientStore, ProxySetting, StoreHolds
from certready.core.deployment import Platform

APP = "app.sunrise.test"


@dataclass(frozen=True)
class FakeEnvironment:
    """A ``ClientEnvironment`` with the stores and proxies a test gives it."""

    stores: tuple[ClientStore, ...] = ()
    proxies: tuple[ProxySetting, ...] = ()
    platform: Platform = Platform.LINUX

    def trust_stores(self) -> tuple[ClientStore, ...]:
        return self.stores

    def proxy_settings(self) -> tuple[ProxySetting, ...]:
        return self.proxies


def store(
    name: str,
    *certs: x509.Certificate,
    holds: StoreHolds = StoreHolds.ROOTS,
    public: bool = True,
    group: str = "",
) -> ClientStore:
    return ClientStore(
        name=name,
        location=f"store:test:{name}",
        holds=holds,
        certificates=store_certificates((c, holds is not StoreHolds.INTERMEDIATES) for c in certs),
        includes_public_roots=public,
        group=group,
    )


def write_manifest(
    directory: Path,
    *,
    endpoint: str | None,
    fqdn: str = APP,
    root: bytes | None = None,
    intermediate: bytes | None = None,
    clients: str = "  - {name: lab linux, platform: linux, connects_to: [%(fqdn)s]}\n",
) -> Path:
    """A manifest with one app server (and the CA files under ``trust:`` when given)."""
    lines = ["deployment: Sunrise doctor", "environments:", "  production:", "    servers:"]
    lines += ["      - name: app", "        roles: [app]", f"        fqdn: {fqdn}"]
    if endpoint:
        lines.append(f"        endpoint: {endpoint}")
    trust = []
    if root is not None:
        (directory / "root.pem").write_bytes(root)
        trust.append("  roots: [root.pem]")
    if intermediate is not None:
        (directory / "issuing.pem").write_bytes(intermediate)
        trust.append("  intermediates: [issuing.pem]")
    if trust:
        lines += ["trust:", *trust]
    lines.append("clients:")
    text = "\n".join(lines) + "\n" + clients % {"fqdn": fqdn}
    path = directory / "site.yaml"
    path.write_text(text, "utf-8")
    return path
