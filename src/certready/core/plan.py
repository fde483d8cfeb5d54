"""The client and server trust-install plan: which certificate goes into which store, where.

A pure value built by :mod:`certready.services.plan` from a manifest and rendered to files an
administrator runs by :mod:`certready.adapters.plan`. It holds CA certificates only (public data):
server certificates with private keys stay where the manifest names them and are never copied.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from certready.core.deployment import Platform

CaKind = Literal["root", "intermediate"]


@dataclass(frozen=True, slots=True)
class PlanCertificate:
    """A CA certificate to install: a root (Trusted Root store) or an intermediate (CA store)."""

    kind: CaKind
    file_stem: str
    """``root-sunrise-lab-root-ca``: unique within the plan."""
    subject: str
    thumbprint_sha1: str
    fingerprint_sha256: str
    der: bytes

    @property
    def store(self) -> str:
        """The Windows store name (certutil): ``Root`` or ``CA``."""
        return "Root" if self.kind == "root" else "CA"


@dataclass(frozen=True, slots=True)
class ServerInstall:
    """A server's certificate with its key: imported from where it is, never copied."""

    key: str
    """``production/app``."""
    fqdn: str
    file_stem: str
    pfx_path: str | None
    """The manifest's certificate file when it is a PKCS#12 (PFX) file."""
    certificate_path: str | None
    thumbprint_sha1: str | None
    """The leaf's thumbprint, when it could be read (the final check looks for it)."""
    sts_pfx_path: str | None = None
    sts_thumbprint_sha1: str | None = None


@dataclass(frozen=True, slots=True)
class ClientGroup:
    name: str
    file_stem: str
    platform: Platform


@dataclass(frozen=True, slots=True)
class InstallPlan:
    deployment: str
    private: bool
    """Whether clients must install the roots (a private or self-signed chain)."""
    roots: tuple[PlanCertificate, ...]
    intermediates: tuple[PlanCertificate, ...]
    servers: tuple[ServerInstall, ...]
    clients: tuple[ClientGroup, ...]

    @property
    def ca_certificates(self) -> tuple[PlanCertificate, ...]:
        return (*self.roots, *self.intermediates)


def slug(text: str) -> str:
    """``Office PCs (Main St)`` -> ``office-pcs-main-st``: safe in every file system."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "unnamed"


def unique_stems(names: list[str]) -> list[str]:
    """Slugs of ``names`` made unique with ``-2``, ``-3``... in order."""
    seen: dict[str, int] = {}
    out: list[str] = []
    for name in names:
        base = slug(name)
        seen[base] = seen.get(base, 0) + 1
        out.append(base if seen[base] == 1 else f"{base}-{seen[base]}")
    return out
