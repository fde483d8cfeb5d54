"""Fakes and builders for the doctor's tests: a fake client environment, stores, manifests."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
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


def certutil_or_skip() -> str:
    found = shutil.which("certutil")
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("certutil is missing: .ci/run installs libnss3-tools")
        pytest.skip("certutil not installed (apt-get install libnss3-tools)")
    return found


def new_nss_database(directory: Path) -> Path:
    directory.mkdir()
    subprocess.run(
        ["certutil", "-N", "--empty-password", "-d", f"sql:{directory}"],
        check=True,
        capture_output=True,
    )
    return directory


def nss_add(directory: Path, nickname: str, pem: bytes, trust: str, tmp: Path) -> None:
    file = tmp / f"{nickname.replace(' ', '_')}.pem"
    file.write_bytes(pem)
    subprocess.run(
        ["certutil", "-A", "-d", f"sql:{directory}", "-n", nickname, "-t", trust, "-i", str(file)],
        check=True,
        capture_output=True,
    )
