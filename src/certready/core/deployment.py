"""The deployment topology: servers, clients, trust and proxy as a manifest describes them.

Pure values (no files): :mod:`certready.adapters.manifest` builds a :class:`Deployment` from YAML,
:mod:`certready.services.audit` adds what it learnt from the certificate files and live servers as
:class:`ServerObservation` values, and the ``deployment.*`` rules
(:mod:`certready.core.rules.deployment`, :mod:`certready.core.rules.deployment_clients`) judge the
whole :class:`Topology` through the engine (:class:`DeploymentContext`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import ClassVar

from certready.core.location import Location, ManifestLocation
from certready.core.model import CertFacts, KeyPairing, Role, Scope, Severity

UNPLACED = ManifestLocation("")
"""The location of a manifest entry built in code rather than read from a file (tests)."""


class ServerRole(StrEnum):
    """What runs on a server (the install guide's features)."""

    APP = "app"
    STS = "sts"
    MOBILE_PHONE = "mobile-phone"
    MOBILE_TABLET = "mobile-tablet"
    PHYSICIAN_PORTAL = "physician-portal"

    @property
    def is_mobile(self) -> bool:
        return self in (ServerRole.MOBILE_PHONE, ServerRole.MOBILE_TABLET)


class Platform(StrEnum):
    """A client group's operating system: decides how the trust anchors get installed."""

    WINDOWS = "windows"
    MACOS = "macos"
    LINUX = "linux"
    IOS = "ios"
    IPADOS = "ipados"
    ANDROID = "android"

    @property
    def is_apple_mobile(self) -> bool:
        """iOS and iPadOS: configuration profiles, and the Certificate Trust Settings switch."""
        return self in (Platform.IOS, Platform.IPADOS)


@dataclass(frozen=True, slots=True)
class CertificateRef:
    """A certificate file named by the manifest, and how to open it (never the password itself)."""

    path: str
    """As resolved against the manifest's folder."""
    key: str | None = None
    """A separate private-key file, when the certificate file holds none."""
    password_env: str | None = None
    password_file: str | None = None
    location: ManifestLocation = UNPLACED
    """``manifest:<path>:<line>`` of the manifest key naming the file."""


@dataclass(frozen=True, slots=True)
class ServerSpec:
    environment: str
    name: str
    roles: frozenset[ServerRole]
    fqdn: str
    """Normalised (lower-case A-label, or an IP address)."""
    external_fqdns: tuple[str, ...] = ()
    endpoint: str | None = None
    """``host:port`` to scan with ``--live``."""
    certificate: CertificateRef | None = None
    sts_certificate: CertificateRef | None = None
    location: ManifestLocation = UNPLACED
    """``manifest:<path>:<line>`` of the server's entry."""

    @property
    def key(self) -> str:
        """``production/app``: unique within a deployment."""
        return f"{self.environment}/{self.name}"

    @property
    def names(self) -> tuple[str, ...]:
        """Every name clients use: the FQDN, then the external ones."""
        return (self.fqdn, *(n for n in self.external_fqdns if n != self.fqdn))

    @property
    def is_app(self) -> bool:
        return ServerRole.APP in self.roles

    @property
    def is_mobile(self) -> bool:
        return any(r.is_mobile for r in self.roles)

    @property
    def is_portal(self) -> bool:
        return ServerRole.PHYSICIAN_PORTAL in self.roles


@dataclass(frozen=True, slots=True)
class ClientSpec:
    name: str
    platform: Platform
    connects_to: tuple[str, ...]
    """Normalised names or IP addresses the clients type."""
    location: ManifestLocation = UNPLACED


@dataclass(frozen=True, slots=True)
class Deployment:
    """Everything a manifest says."""

    name: str
    source: str
    """The manifest's path."""
    policy: str = "homecare"
    policy_location: ManifestLocation = UNPLACED
    """``manifest:<path>:<line>`` of ``policy:`` (or of the top when it is not given)."""
    servers: tuple[ServerSpec, ...] = ()
    clients: tuple[ClientSpec, ...] = ()
    trust_roots: tuple[CertificateRef, ...] = ()
    trust_intermediates: tuple[CertificateRef, ...] = ()
    proxy_bypass: str | None = None
    """The Windows bypass list; ``None`` when there is no proxy."""
    proxy_location: ManifestLocation = UNPLACED
    proxy_server: str | None = None
    """The proxy's ``host:port`` (what ``netsh winhttp set proxy`` needs), when given."""
    profile_identifier: str | None = None
    """The organisation's reverse-DNS prefix for Apple configuration profiles."""
    notes: tuple[str, ...] = ()
    """Non-fatal remarks about reading the manifest (a UTF-16 file from PowerShell 5)."""


@dataclass(frozen=True, slots=True)
class ServerObservation:
    """What the audit learnt about one server from its files (and its endpoint with ``--live``)."""

    leaf: CertFacts | None = None
    """The server certificate; ``None`` when none was named or readable."""
    private_key: KeyPairing = KeyPairing.ABSENT
    location: Location | None = None
    """Where the leaf came from (``file:certs/app.pfx#0``)."""
    input_error: bool = False
    """The certificate file could not be read (its target says why)."""
    key_spkis: tuple[str, ...] = ()
    """When the key given is not the certificate's own: the SHA-256 of each key's
    SubjectPublicKeyInfo, to say whose certificate it belongs to."""
    sts_leaf: CertFacts | None = None
    sts_private_key: KeyPairing = KeyPairing.ABSENT
    sts_worst: Severity | None = None
    """The worst finding of the STS certificate's own rules (``sts.*``, keys, validity)."""
    sts_location: Location | None = None
    served: CertFacts | None = None
    """The leaf the endpoint presented (``--live``)."""
    served_location: Location | None = None
    served_by_name: tuple[tuple[str, CertFacts, Location], ...] = ()
    """``--live``: (SNI, leaf, location) for each external name whose handshake presented another
    leaf than the FQDN's."""


@dataclass(frozen=True, slots=True)
class Topology:
    deployment: Deployment
    observations: Mapping[str, ServerObservation] = field(default_factory=dict)
    """By :attr:`ServerSpec.key`."""
    private_chain: bool | None = None
    """The trust anchors are private (must be installed on clients); ``None``: unknown."""

    def observed(self, server: ServerSpec) -> ServerObservation:
        return self.observations.get(server.key, ServerObservation())


@dataclass(frozen=True, slots=True)
class DeploymentContext:
    """What a ``deployment.*`` rule sees: the whole topology (servers, clients, trust, proxy, and
    what the audit observed of each server's files and, with ``--live``, its endpoint)."""

    scope: ClassVar[Scope] = Scope.DEPLOYMENT

    topology: Topology

    @property
    def deployment(self) -> Deployment:
        return self.topology.deployment

    @property
    def location(self) -> ManifestLocation:
        """The manifest, ``manifest:<path>``: where a finding about the whole deployment is."""
        return ManifestLocation(self.topology.deployment.source)

    @property
    def role(self) -> Role | None:
        return None

    @property
    def subject_certificate(self) -> CertFacts | None:
        return None
