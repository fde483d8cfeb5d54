"""A client machine as ``certready doctor`` sees it: its trust stores, its proxy settings, and what
it was presented when it connected to one server, directly and through its proxy.

Pure values: :mod:`certready.adapters.clientenv` reads the stores and proxy settings of the
machine, :mod:`certready.services.doctor` connects and fills a :class:`ClientContext` per server,
and the ``client.*`` rules (:mod:`certready.core.rules.client`) judge it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar

from certready.core.location import EndpointLocation, Location, StoreLocation
from certready.core.model import CertFacts, Role, Scope
from certready.core.no_proxy import no_proxy_entry
from certready.core.proxy import parse_bypass


class StoreHolds(StrEnum):
    """What a store is for: trust anchors, intermediates (never anchors), or both (NSS)."""

    ROOTS = "roots"
    INTERMEDIATES = "intermediates"
    BOTH = "both"

    @property
    def roots(self) -> bool:
        return self is not StoreHolds.INTERMEDIATES

    @property
    def intermediates(self) -> bool:
        return self is not StoreHolds.ROOTS


@dataclass(frozen=True, slots=True)
class StoreCertificate:
    certificate: CertFacts
    trusted_root: bool = True
    """Trusted as an anchor for TLS servers (NSS: ``C`` in the SSL trust flags; elsewhere: it is
    in a store of roots)."""


@dataclass(frozen=True, slots=True)
class ClientStore:
    """One trust store of this machine, as read."""

    name: str
    """What an administrator calls it: ``Linux CA bundle /etc/ssl/certs/ca-certificates.crt``,
    ``NSS database sql:/home/ann/.pki/nssdb``, ``Windows Trusted Root Certification Authorities``."""
    location: StoreLocation
    """``store:...``: where a finding about it points."""
    holds: StoreHolds
    certificates: tuple[StoreCertificate, ...]
    includes_public_roots: bool = True
    """The public roots (Mozilla's, Microsoft's, Apple's) are in this store. ``False`` for an NSS
    user database: browsers add their built-in roots from a module, so a public root is never
    missing from it."""
    users: str = ""
    """Which applications read it (``Chromium``); one phrase for messages."""
    group: str = ""
    """Stores of one group are alternatives: a certificate in any of them serves the same
    applications (macOS: the System or the login keychain). Empty: a group of its own."""
    install_hint: str = ""
    """How to put a certificate into this store by hand, when the install plan does not
    (``certutil -d sql:DIR -A -t "C,," -n NAME -i FILE`` for an NSS database)."""
    problem: str | None = None
    """Why the store could not be read (``certutil`` missing); its contents are then unknown."""

    @property
    def group_key(self) -> str:
        return self.group or str(self.location)

    def has(self, fingerprint_sha256: str, *, as_root: bool) -> bool:
        return any(
            c.certificate.fingerprint_sha256 == fingerprint_sha256
            and (c.trusted_root or not as_root)
            for c in self.certificates
        )

    def has_named(self, subject: str, key_identifier: str | None, *, as_root: bool) -> bool:
        """A certificate with this subject (and subject key identifier, when given)."""
        return any(
            c.certificate.subject == subject
            and (
                key_identifier is None
                or c.certificate.subject_key_identifier in (None, key_identifier)
            )
            and (c.trusted_root or not as_root)
            for c in self.certificates
        )


class CaKind(StrEnum):
    ROOT = "root"
    INTERMEDIATE = "intermediate"


@dataclass(frozen=True, slots=True)
class ExpectedCa:
    """A CA certificate of a server's path that this client must have installed."""

    kind: CaKind
    subject: str
    certificate: CertFacts | None
    """``None`` when only its name is known (the server's chain names an issuer nobody supplied)."""
    key_identifier: str | None = None
    """Its subject key identifier as its child's AKI names it, when ``certificate`` is ``None``."""
    public: bool = False
    """It belongs to a chain that ends in a public root (nothing to install by hand)."""
    sent_by_server: bool = False
    source: str = ""
    """Where certready learnt of it: ``manifest:site.yaml:31``, ``tls://app:443#1``."""

    def present_in(self, store: ClientStore) -> bool:
        as_root = self.kind is CaKind.ROOT
        if self.certificate is not None:
            return store.has(self.certificate.fingerprint_sha256, as_root=as_root)
        return store.has_named(self.subject, self.key_identifier, as_root=as_root)


class ProxySource(StrEnum):
    """Where a proxy setting comes from; each is used by different applications."""

    ENVIRONMENT = "environment"
    """``HTTPS_PROXY``/``NO_PROXY``: curl, Python, Java with the right flags, most CLI tools."""
    WININET = "wininet"
    """Internet Options (registry ``ProxyEnable``/``ProxyServer``/``ProxyOverride``): browsers,
    .NET and most Windows desktop applications."""
    WINHTTP = "winhttp"
    """``netsh winhttp``: Windows services and system components."""
    MACOS = "macos"
    """System Settings > Network > Proxies (``scutil --proxy``)."""


class BypassSyntax(StrEnum):
    NO_PROXY = "no-proxy"
    """Comma-separated domain suffixes (curl, requests, Go): ``.example.org,10.0.0.0/8``."""
    WINDOWS = "windows"
    """Semicolon-separated wildcards and ``<local>`` (:mod:`certready.core.proxy`)."""


@dataclass(frozen=True, slots=True)
class ProxySetting:
    """One proxy configuration of this machine."""

    source: ProxySource
    description: str
    """Where it was read, credentials removed: ``HTTPS_PROXY=http://proxy:3128``."""
    host: str | None = None
    """The proxy's host for HTTPS traffic; ``None``: no proxy (direct, or a PAC decides)."""
    port: int = 8080
    scheme: str = "http"
    """How certready talks to the proxy: only ``http`` proxies are tunnelled through (HTTP
    CONNECT); ``https`` and ``socks`` proxies are reported, not connected through."""
    bypass: str = ""
    bypass_syntax: BypassSyntax = BypassSyntax.WINDOWS
    bypass_simple_hostnames: bool = False
    """macOS ``ExcludeSimpleHostnames``: names without a dot go direct."""
    pac_url: str | None = None
    """A proxy auto-config script decides (reported, never evaluated)."""
    credentials: tuple[str, str] | None = None
    """``user:password`` from the proxy URL: sent to the proxy, never shown."""

    @property
    def address(self) -> str:
        host = f"[{self.host}]" if self.host and ":" in self.host else self.host
        return f"{host}:{self.port}"

    def bypassed_by(self, host: str) -> str | None:
        """The bypass entry that sends ``host`` direct, or ``None``."""
        if self.bypass_simple_hostnames and "." not in host and ":" not in host:
            return "ExcludeSimpleHostnames"
        if self.bypass_syntax is BypassSyntax.NO_PROXY:
            return no_proxy_entry(self.bypass, host)
        entry = parse_bypass(self.bypass).matching_entry(host)
        return entry.text if entry else None


class ProxyFailureKind(StrEnum):
    PROXY_UNREACHABLE = "proxy-unreachable"
    """The proxy itself did not answer (DNS, refused, timeout, not HTTP)."""
    CONNECT_REFUSED = "connect-refused"
    """The proxy answered the CONNECT with an error status (it cannot reach the server)."""
    HANDSHAKE = "handshake"
    """The tunnel opened but no TLS handshake completed through it."""


@dataclass(frozen=True, slots=True)
class ProxyFailure:
    kind: ProxyFailureKind
    message: str


@dataclass(frozen=True, slots=True)
class ProxyRoute:
    """One proxy that applies to a server's name, and what connecting through it gave."""

    setting: ProxySetting
    name: str
    """The server name the proxy applies to."""
    presented: tuple[CertFacts, ...] = ()
    """The chain presented through the tunnel, leaf first; empty when it failed or was not tried."""
    failure: ProxyFailure | None = None
    location: EndpointLocation | None = None
    """``tls://proxy:3128->app.example.org:443``."""


@dataclass(frozen=True, slots=True)
class ClientContext:
    """What a ``client.*`` rule sees: one server this client connects to, this machine's stores
    and proxies, and the chains presented directly and through each proxy that applies."""

    scope: ClassVar[Scope] = Scope.CLIENT

    client: str
    """The manifest's client group (``office PCs``)."""
    server: str
    """``production/app`` (or the bare name for a name no server of the manifest carries)."""
    names: tuple[str, ...]
    """The names this client uses for the server (FQDN or external names)."""
    location: Location
    stores: tuple[ClientStore, ...] = ()
    expected: tuple[ExpectedCa, ...] = ()
    """The CA certificates of the server's path (the manifest's ``trust:`` and what it sends)."""
    proxies: tuple[ProxySetting, ...] = ()
    """Every proxy setting of this machine, whether it applies or not."""
    routes: tuple[ProxyRoute, ...] = ()
    """The proxies that apply to one of :attr:`names`, one per proxy address."""
    direct: tuple[CertFacts, ...] = ()
    """The chain presented to a direct connection, leaf first; empty when it failed."""
    direct_failure: str | None = None
    direct_location: Location | None = None
    needs_bypass: bool = True
    """The server runs an app, mobile or Portal role (the guide's bypass list covers those)."""
    plan_hint: str = ""
    """The install-plan file for this client group (``plan/clients-office-pcs.ps1``)."""

    @property
    def role(self) -> Role | None:
        return None

    @property
    def subject_certificate(self) -> CertFacts | None:
        return self.direct[0] if self.direct else None
