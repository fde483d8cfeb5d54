"""Rules: deployment — the clients' side of the deployment (install guide, 'Certificate
implementation', 'Root certificates', proxy settings): every name a client group connects to is a
server's and is covered by its certificate, by an iPAddress SAN when it is an address; what a
private CA means on Android and iOS; the proxy bypass list.

Each judges a :class:`~certready.core.deployment.DeploymentContext` (the whole topology) through
the engine; the servers' own certificates are :mod:`.deployment`'s.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator

from certready.core.deployment import (
    ClientSpec,
    DeploymentContext,
    Platform,
    ServerSpec,
    Topology,
)
from certready.core.hostnames import is_ip_address
from certready.core.model import CertFacts, NoParameters, Scope, Severity, Violation
from certready.core.proxy import parse_bypass
from certready.core.rules.deployment import GUIDE, client_groups
from certready.core.rules.names import host_covered as san_covers
from certready.core.rules.registry import rule

GUIDE_TRUST = "Install guide, 'Root certificates' and 'Intermediate certificates'"


def _owners_index(t: Topology) -> dict[str, list[ServerSpec]]:
    """Every name a server is reached by -> the servers that list it."""
    index: dict[str, list[ServerSpec]] = defaultdict(list)
    for server in t.deployment.servers:
        for name in server.names:
            index[name].append(server)
    return index


def _connections(
    t: Topology,
) -> Iterator[tuple[ClientSpec, str, list[tuple[ServerSpec, CertFacts | None]]]]:
    """Each (client group, name it connects to, the servers listing that name with their leaf)."""
    owners_of = _owners_index(t)
    for client in t.deployment.clients:
        for name in client.connects_to:
            owners = owners_of.get(name, [])
            yield client, name, [(s, t.observed(s).leaf) for s in owners]


def _reported_as_mobile(server: ServerSpec, name: str) -> bool:
    """A mobile server's external name: ``deployment.mobile-external-name`` already names its
    clients."""
    return server.is_mobile and name in server.external_fqdns


@rule(
    id="deployment.client-name-not-covered",
    title="Every name a client group connects to is covered by that server's certificate",
    severity=Severity.ERROR,
    rationale="Clients match the name they typed against the subjectAltName (RFC 9525); a name "
    "the server's certificate does not cover fails on every device of the group.",
    remediation="Add the name to the server certificate's SAN, or configure the clients with a "
    "name the certificate covers.",
    references=(GUIDE, "RFC 9525 §6.3"),
    scope=Scope.DEPLOYMENT,
)
def client_name_not_covered(ctx: DeploymentContext, params: NoParameters) -> Iterable[Violation]:
    """Every name a client group connects to is covered by the certificate of each server listing
    it (RFC 9525 §6.3), reported once per (server, name) with every group that uses it."""
    t = ctx.topology
    reported: set[tuple[str, str]] = set()
    for client, name, leaves in _connections(t):
        if is_ip_address(name):
            continue
        for server, leaf in leaves:
            if leaf is None or san_covers(leaf, name) or _reported_as_mobile(server, name):
                continue
            if (server.key, name) in reported:
                continue
            reported.add((server.key, name))
            yield Violation(
                f"clients {client_groups(t, name)} connect "
                f"to {name}, which the certificate of {server.key} does not cover",
                certificate=leaf,
                location=client.location,
            )


@rule(
    id="deployment.client-host-unknown",
    title="Every name a client group connects to belongs to a server of the manifest",
    severity=Severity.WARNING,
    rationale="A name no server lists cannot be checked: it is a typo or a server missing from "
    "the manifest.",
    remediation="Add the name to the server's `fqdn`/`external_fqdns`, or fix `connects_to`.",
    references=(GUIDE,),
    scope=Scope.DEPLOYMENT,
)
def client_host_unknown(ctx: DeploymentContext, params: NoParameters) -> Iterable[Violation]:
    """Every name a client group connects to is listed by a server of the manifest."""
    for client, name, leaves in _connections(ctx.topology):
        if not is_ip_address(name) and not leaves:
            yield Violation(
                f"clients {client.name!r} connect to {name}, which no server of the manifest lists",
                location=client.location,
            )


@rule(
    id="deployment.client-ip-address",
    title="Clients configured by IP address are covered by an iPAddress SAN",
    severity=Severity.ERROR,
    rationale="A client that connects by IP address matches only an iPAddress SAN entry, never a "
    "DNS name (RFC 9525 §6.2); the install guide wants the exact FQDN.",
    remediation="Configure the clients with the server's FQDN (preferred), or add the address as an "
    "iPAddress SAN.",
    references=(GUIDE, "RFC 9525 §6.2"),
    scope=Scope.DEPLOYMENT,
)
def client_ip_address(ctx: DeploymentContext, params: NoParameters) -> Iterable[Violation]:
    """A client group that connects by IP address finds an iPAddress SAN for it (RFC 9525 §6.2: a
    DNS name never matches an address)."""
    for client, name, leaves in _connections(ctx.topology):
        if not is_ip_address(name):
            continue
        if not any(leaf is not None and san_covers(leaf, name) for _, leaf in leaves):
            yield Violation(
                f"clients {client.name!r} connect to the IP address {name}, which no "
                "server certificate covers with an iPAddress SAN",
                location=client.location,
            )


@rule(
    id="deployment.client-android-private-ca",
    title="Android clients and a private CA: apps ignore user-installed roots",
    severity=Severity.WARNING,
    rationale="Since Android 7, apps trust user-installed CAs only if the app opts in "
    "(network security config); a private root installed by hand may be ignored by the app.",
    remediation="Confirm with the vendor that the app trusts user CAs, deploy the root through the "
    "device management (MDM) as a system/managed CA, or use a publicly trusted certificate.",
    references=(GUIDE_TRUST, "Android network security configuration (API 24+)"),
    scope=Scope.DEPLOYMENT,
)
def client_android_private_ca(ctx: DeploymentContext, params: NoParameters) -> Iterable[Violation]:
    """Android clients with a private CA: apps trust user-installed roots only if they opt in
    (Android 7+ network security configuration)."""
    t = ctx.topology
    if not t.private_chain:
        return
    for client in t.deployment.clients:
        if client.platform is Platform.ANDROID:
            yield Violation(
                f"clients {client.name!r} (android) and a private CA: apps ignore "
                "user-installed roots unless the app opts in",
                location=client.location,
            )


@rule(
    id="deployment.client-ios-trust-switch",
    title="iOS clients and a private CA: the trust switch after a manual profile install",
    severity=Severity.INFO,
    rationale="A root installed from a profile by hand is not trusted for TLS until "
    "Settings > General > About > Certificate Trust Settings enables it (MDM-installed roots are).",
    remediation="Install the plan's .mobileconfig, then enable full trust for the root in "
    "Certificate Trust Settings (or push the profile with MDM).",
    references=(GUIDE_TRUST, "Apple HT204477"),
    scope=Scope.DEPLOYMENT,
)
def client_ios_trust_switch(ctx: DeploymentContext, params: NoParameters) -> Iterable[Violation]:
    """iOS and iPadOS clients with a private CA: a root installed from a profile by hand needs the
    Certificate Trust Settings switch (Apple HT204477)."""
    t = ctx.topology
    if not t.private_chain:
        return
    for client in t.deployment.clients:
        if client.platform.is_apple_mobile:
            yield Violation(
                f"clients {client.name!r} ({client.platform.value}): after installing the root "
                "profile by hand, "
                "enable it in Settings > General > About > Certificate Trust Settings",
                location=client.location,
            )


@rule(
    id="deployment.proxy-bypass-missing",
    title="The proxy bypass list matches the app, mobile and Portal names",
    severity=Severity.ERROR,
    rationale="The guide recommends no proxy; with one, it must bypass the application, mobile and "
    "Physician Portal servers (a TLS-inspecting proxy also replaces their certificates).",
    remediation="Add the names (or a `*.domain` pattern) to the bypass list, separated by ';'.",
    references=(GUIDE, "Windows ProxyOverride / netsh winhttp bypass-list syntax"),
    scope=Scope.DEPLOYMENT,
)
def proxy_bypass_missing(ctx: DeploymentContext, params: NoParameters) -> Iterable[Violation]:
    """With a proxy, its bypass list matches every name of the app, mobile and Physician Portal
    servers (install guide: proxy server settings)."""
    d = ctx.deployment
    if d.proxy_bypass is None:
        return
    bypass = parse_bypass(d.proxy_bypass)
    for server in d.servers:
        if not (server.is_app or server.is_mobile or server.is_portal):
            continue
        for name in server.names:
            if not bypass.matches(name):
                yield Violation(
                    f"the proxy bypass list {d.proxy_bypass!r} does not match {name} "
                    f"(server {server.key})",
                    location=d.proxy_location,
                )


@rule(
    id="deployment.proxy-bypass-syntax",
    title="The proxy bypass list uses Windows syntax (';' separators)",
    severity=Severity.WARNING,
    rationale="Windows splits the bypass list on ';' only; a ',' or a space joins two names into "
    "one entry that matches nothing.",
    remediation="Separate the entries with ';' (`*.example.com;<local>`).",
    references=("Windows ProxyOverride / netsh winhttp bypass-list syntax",),
    scope=Scope.DEPLOYMENT,
)
def proxy_bypass_syntax(ctx: DeploymentContext, params: NoParameters) -> Iterable[Violation]:
    """The proxy bypass list is in Windows syntax: entries separated by ';' (ProxyOverride,
    ``netsh winhttp`` bypass-list)."""
    d = ctx.deployment
    if d.proxy_bypass is None:
        return
    for problem in parse_bypass(d.proxy_bypass).problems:
        yield Violation(f"proxy bypass list: {problem}", location=d.proxy_location)
