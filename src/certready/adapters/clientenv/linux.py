"""Linux: the distribution's CA bundle, the NSS databases of Chromium and Firefox, and the
environment's proxy. Reading needs no administrator rights.

OpenSSL applications (curl, wget, Python, most services) read the bundle that
``update-ca-certificates``/``update-ca-trust`` build; Chromium reads ``~/.pki/nssdb`` and Firefox
its profile's ``cert9.db``: a private root must be in each that an application of this machine
uses. Desktop proxy settings (GNOME, KDE) are not read: most command-line applications follow
``HTTPS_PROXY``/``NO_PROXY``.
"""

from __future__ import annotations

import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from certready.adapters.clientenv.environment import environment_proxy
from certready.adapters.clientenv.nss import RunCommand, read_nss
from certready.adapters.clientenv.stores import pem_certificates, store_certificates
from certready.adapters.inputs import read_bytes
from certready.adapters.trust.system import LINUX_BUNDLES
from certready.core.client import ClientStore, ProxySetting, StoreHolds
from certready.core.deployment import Platform
from certready.core.errors import InputError
from certready.core.location import StoreLocation

BUNDLE_USERS = "OpenSSL applications: curl, wget, Python, Java with the system store"


def run_command(argv: Sequence[str]) -> bytes:
    return subprocess.run(list(argv), check=True, capture_output=True, timeout=30).stdout


def default_nss_databases(home: Path) -> tuple[tuple[str, str], ...]:
    """``(directory, users)`` of each NSS database under ``home`` that exists."""
    found: list[tuple[str, str]] = []
    chromium = home / ".pki" / "nssdb"
    if (chromium / "cert9.db").is_file():
        found.append((str(chromium), "Chromium, Chrome"))
    for profiles in (
        home / ".mozilla" / "firefox",
        home / "snap" / "firefox" / "common" / ".mozilla" / "firefox",
    ):
        if profiles.is_dir():
            for profile in sorted(profiles.iterdir()):
                if (profile / "cert9.db").is_file():
                    found.append((str(profile), f"Firefox (profile {profile.name})"))
    return tuple(found)


def read_bundle(candidates: Sequence[str]) -> ClientStore:
    """The first CA bundle of ``candidates`` that exists."""
    for name in candidates:
        path = Path(name)
        if path.is_file():
            try:
                certs = pem_certificates(read_bytes(str(path), what="a CA bundle"))
            except InputError as exc:
                return ClientStore(
                    name=f"the CA bundle {path}",
                    location=StoreLocation("bundle", str(path)),
                    holds=StoreHolds.ROOTS,
                    certificates=(),
                    users=BUNDLE_USERS,
                    problem=exc.message,
                )
            return ClientStore(
                name=f"the CA bundle {path}",
                location=StoreLocation("bundle", str(path)),
                holds=StoreHolds.ROOTS,
                certificates=store_certificates((c, True) for c in certs),
                users=BUNDLE_USERS,
            )
    looked = ", ".join(candidates)
    return ClientStore(
        name="the distribution's CA bundle",
        location=StoreLocation("bundle"),
        holds=StoreHolds.ROOTS,
        certificates=(),
        users=BUNDLE_USERS,
        problem=f"no CA bundle found (looked for {looked})",
    )


@dataclass(frozen=True, slots=True)
class LinuxEnvironment:
    environ: Mapping[str, str]
    bundles: tuple[str, ...] = LINUX_BUNDLES
    """Candidate bundle paths; the first that exists is read."""
    nss_databases: tuple[tuple[str, str], ...] = ()
    """``(directory, users)`` of the NSS databases to read."""
    run: RunCommand = field(default=run_command)

    @classmethod
    def from_system(cls, environ: Mapping[str, str]) -> LinuxEnvironment:
        return cls(environ, nss_databases=default_nss_databases(Path.home()))

    @property
    def platform(self) -> Platform:
        return Platform.LINUX

    def trust_stores(self) -> tuple[ClientStore, ...]:
        nss = tuple(read_nss(d, self.run, users=users) for d, users in self.nss_databases)
        return (read_bundle(self.bundles), *nss)

    def proxy_settings(self) -> tuple[ProxySetting, ...]:
        setting = environment_proxy(self.environ)
        return (setting,) if setting else ()
