"""The client and server trust-install plan: which certificate goes into which store, where.

A pure value built by :mod:`certready.services.plan` from a manifest and rendered to files an
administrator runs by :mod:`certready.adapters.plan`. It holds CA certificates only (public data):
server certificates with private keys stay with the administrator, who copies each server's PFX
next to its script; the plan names them by file name, never by a path of the auditing machine.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from certready.core.deployment import Platform

CaKind = Literal["root", "intermediate"]
Purpose = Literal["ssl", "sts"]


@dataclass(frozen=True, slots=True)
class PlanCertificate:
    """A CA certificate to install: a root (Trusted Root store) or an intermediate (CA store).

    A self-signed server certificate the guide lets you trust by hand is a ``root`` too."""

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
class ServerCertificate:
    """A certificate with its private key that a server imports into ``LocalMachine\\My``."""

    purpose: Purpose
    """``ssl``: the HTTPS binding's certificate; ``sts``: the token-signing one."""
    source: str
    """The manifest's file, as the manifest names it (relative to the manifest's folder)."""
    pfx_name: str
    """The PFX file name the script looks for next to itself (``app.pfx``)."""
    is_pfx: bool
    """Whether ``source`` already is a PFX; otherwise ``certready pfx`` makes ``pfx_name``."""
    key_source: str | None
    """A PEM certificate's private-key file (``source`` itself when it holds the key)."""
    thumbprint_sha1: str | None
    """The leaf's thumbprint, when it could be read (the final checks look for it)."""

    @property
    def label(self) -> str:
        return "server certificate" if self.purpose == "ssl" else "STS (token-signing) certificate"


@dataclass(frozen=True, slots=True)
class ServerInstall:
    """What one server's script does: trust the CAs, import its PFX files, bind HTTPS."""

    key: str
    """``production/app``."""
    fqdn: str
    file_stem: str
    names: tuple[str, ...] = ()
    """Every name clients use (the HTTPS binding's host names)."""
    port: int = 443
    certificate: ServerCertificate | None = None
    sts: ServerCertificate | None = None
    app_id: str = "00000000-0000-0000-0000-000000000000"
    """A stable GUID for ``netsh http add sslcert appid=``."""

    @property
    def sni(self) -> bool:
        """Several names share the IP:port: each binding needs the SNI flag."""
        return len(self.names) > 1

    @property
    def imports(self) -> tuple[ServerCertificate, ...]:
        return tuple(c for c in (self.certificate, self.sts) if c is not None)


@dataclass(frozen=True, slots=True)
class ClientGroup:
    name: str
    file_stem: str
    platform: Platform


@dataclass(frozen=True, slots=True)
class ProxyPlan:
    """The manifest's proxy: the bypass list both Windows proxy stacks need."""

    bypass: str
    """Windows bypass-list syntax (``*.example.org;<local>``)."""
    server: str | None = None
    """``host:port``; WinHTTP (``netsh winhttp set proxy``) needs it, WinINET can do without."""


@dataclass(frozen=True, slots=True)
class InstallPlan:
    deployment: str
    private: bool
    """Whether clients must install the roots (a private or self-signed chain)."""
    roots: tuple[PlanCertificate, ...]
    intermediates: tuple[PlanCertificate, ...]
    servers: tuple[ServerInstall, ...]
    clients: tuple[ClientGroup, ...]
    proxy: ProxyPlan | None = None
    profile_identifier: str = ""
    """The organisation's reverse-DNS prefix of the Apple profiles (``org.example``)."""

    @property
    def ca_certificates(self) -> tuple[PlanCertificate, ...]:
        return (*self.roots, *self.intermediates)

    @property
    def pem_servers(self) -> tuple[tuple[ServerInstall, ServerCertificate], ...]:
        """Each server certificate kept as PEM: ``certready pfx`` makes its PFX first."""
        return tuple((s, c) for s in self.servers for c in s.imports if not c.is_pfx)


def slug(text: str) -> str:
    """``Office PCs (Main St)`` -> ``office-pcs-main-st``: ASCII, safe in every file system.

    Accents are dropped (``Zürich`` -> ``zurich``); a name with no ASCII letter left becomes a
    short hash of itself, so two such names never collide."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    out = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if out:
        return out
    if not text.strip():
        return "unnamed"
    return "x" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]


def unique_stems(names: list[str]) -> list[str]:
    """Slugs of ``names`` made unique with ``-2``, ``-3``... in order."""
    seen: dict[str, int] = {}
    out: list[str] = []
    for name in names:
        base = slug(name)
        seen[base] = seen.get(base, 0) + 1
        out.append(base if seen[base] == 1 else f"{base}-{seen[base]}")
    return out


_IDENTIFIER = re.compile(r"[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*")


def is_profile_identifier(text: str) -> bool:
    """A reverse-DNS identifier Apple accepts: ASCII labels of letters, digits and ``-``."""
    return _IDENTIFIER.fullmatch(text) is not None


def default_profile_identifier(server_names: list[str]) -> str:
    """The organisation's domain reversed, from the first server's FQDN (``hcapp.sunrise.org``
    -> ``org.sunrise``); ``local.certready`` when no server has a DNS name."""
    for name in server_names:
        labels = [label for label in name.split(".") if label]
        if len(labels) >= 2 and not name.replace(".", "").isdigit() and ":" not in name:
            parent = labels[1:] if len(labels) > 2 else labels
            candidate = ".".join(reversed(parent))
            if is_profile_identifier(candidate):
                return candidate
    return "local.certready"
