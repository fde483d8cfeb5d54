"""Rules: deployment — the topology of a whole deployment (install guide, 'Certificate implementation').

Every rule here needs more than one certificate (several servers, the clients, the proxy), so each
is declared with :func:`analysed_elsewhere` and judged by :func:`check_topology`, a pure function of
a :class:`~certready.core.deployment.Topology`. :mod:`certready.services.audit` turns the issues into
findings through the policy (which decides severity and whether a rule runs).

Whether each certificate covers *its own* names is ``names.host-not-covered``: the audit lints every
server certificate with all of that server's names (FQDN and external FQDNs).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from certready.core.deployment import Platform, ServerRole, ServerSpec, Topology
from certready.core.hostnames import is_ip_address
from certready.core.location import Location
from certready.core.model import CertFacts, KeyPairing, Severity
from certready.core.proxy import parse_bypass
from certready.core.rules.names import host_covered as san_covers
from certready.core.rules.names import is_public_suffix, wildcard_problem
from certready.core.rules.registry import analysed_elsewhere, rule

GUIDE = "Install guide, 'Certificate implementation'"
GUIDE_TRUST = "Install guide, 'Root certificates' and 'Intermediate certificates'"

CERTIFICATE_MISSING = "deployment.certificate-missing"
PRIVATE_KEY_MISSING = "deployment.private-key-missing"
CERTIFICATE_REUSED = "deployment.certificate-reused"
HOST_MULTIPLE_CERTIFICATES = "deployment.host-multiple-certificates"
APP_MOBILE_SHARED = "deployment.app-mobile-shared-certificate"
MOBILE_EXTERNAL_NAME = "deployment.mobile-external-name"
CLIENT_NAME_NOT_COVERED = "deployment.client-name-not-covered"
CLIENT_HOST_UNKNOWN = "deployment.client-host-unknown"
CLIENT_IP_ADDRESS = "deployment.client-ip-address"
STS_MISSING = "deployment.sts-certificate-missing"
STS_FAILING = "deployment.sts-certificate-failing"
PROXY_BYPASS_MISSING = "deployment.proxy-bypass-missing"
PROXY_BYPASS_SYNTAX = "deployment.proxy-bypass-syntax"
ANDROID_PRIVATE_CA = "deployment.client-android-private-ca"
IOS_TRUST_SWITCH = "deployment.client-ios-trust-switch"
SERVED_DIFFERS = "deployment.served-certificate-differs"


@dataclass(frozen=True, slots=True)
class TopologyIssue:
    """One deployment rule's verdict, before the policy turns it into a finding."""

    rule_id: str
    message: str
    location: Location
    certificate: CertFacts | None = None
    remediation: str | None = None


rule(
    id=CERTIFICATE_MISSING,
    title="Every server names a readable server certificate",
    severity=Severity.ERROR,
    rationale="Each server requires its own certificate; a server without one cannot offer TLS.",
    remediation="Add `certificate:` (PEM, DER or PFX) to the server's entry in the manifest.",
    references=(GUIDE,),
)(analysed_elsewhere)


rule(
    id=PRIVATE_KEY_MISSING,
    title="Every server certificate comes with its private key",
    severity=Severity.ERROR,
    rationale="One SSL certificate with a private key must be installed on each host; a "
    "certificate without its key (or with another key) cannot be bound to the site.",
    remediation="Export the certificate with its private key (PFX) from the machine that made the "
    "CSR, or name the matching key file with `key:`.",
    references=(GUIDE,),
)(analysed_elsewhere)


rule(
    id=CERTIFICATE_REUSED,
    title="Servers on different hosts do not share a certificate (test and public copies included)",
    severity=Severity.ERROR,
    rationale="Each server (including test and public app servers) requires its own certificate "
    "matching its FQDN; sharing is only acceptable for a wildcard that validly covers every host.",
    remediation="Issue a certificate per server for its FQDN, or one valid wildcard covering all.",
    references=(GUIDE,),
)(analysed_elsewhere)


rule(
    id=HOST_MULTIPLE_CERTIFICATES,
    title="One certificate per host serves every role on it",
    severity=Severity.WARNING,
    rationale="An SSL certificate is required per host: all features installed on one host use "
    "the same certificate, so two certificates for one host mean one of them is not served.",
    remediation="Use one certificate for every role on the host (its SAN covering all its names).",
    references=(GUIDE,),
)(analysed_elsewhere)


rule(
    id=APP_MOBILE_SHARED,
    title="App and mobile servers use distinct certificates unless one wildcard covers both",
    severity=Severity.ERROR,
    rationale="If an organisation has an app and a mobile server, both must have unique "
    "certificates matching each server's FQDN; a wildcard that validly covers both is the exception.",
    remediation="Issue separate certificates for the app and mobile FQDNs, or one wildcard "
    "(`*.example.com`, not over a public suffix) covering both.",
    references=(GUIDE,),
)(analysed_elsewhere)


rule(
    id=MOBILE_EXTERNAL_NAME,
    title="Mobile servers' certificates cover the external names devices type",
    severity=Severity.ERROR,
    rationale="The mobile server's certificate must match the FQDN users specify on their devices; "
    "if they connect to the internet-facing FQDN, that is the name the certificate must protect.",
    remediation="Reissue the mobile certificate with the external FQDN in its subjectAltName.",
    references=(GUIDE,),
)(analysed_elsewhere)


rule(
    id=CLIENT_NAME_NOT_COVERED,
    title="Every name a client group connects to is covered by that server's certificate",
    severity=Severity.ERROR,
    rationale="Clients match the name they typed against the subjectAltName (RFC 9525); a name "
    "the server's certificate does not cover fails on every device of the group.",
    remediation="Add the name to the server certificate's SAN, or configure the clients with a "
    "name the certificate covers.",
    references=(GUIDE, "RFC 9525 §6.3"),
)(analysed_elsewhere)


rule(
    id=CLIENT_HOST_UNKNOWN,
    title="Every name a client group connects to belongs to a server of the manifest",
    severity=Severity.WARNING,
    rationale="A name no server lists cannot be checked: it is a typo or a server missing from "
    "the manifest.",
    remediation="Add the name to the server's `fqdn`/`external_fqdns`, or fix `connects_to`.",
    references=(GUIDE,),
)(analysed_elsewhere)


rule(
    id=CLIENT_IP_ADDRESS,
    title="Clients configured by IP address are covered by an iPAddress SAN",
    severity=Severity.ERROR,
    rationale="A client that connects by IP address matches only an iPAddress SAN entry, never a "
    "DNS name (RFC 9525 §6.2); the install guide wants the exact FQDN.",
    remediation="Configure the clients with the server's FQDN (preferred), or add the address as an "
    "iPAddress SAN.",
    references=(GUIDE, "RFC 9525 §6.2"),
)(analysed_elsewhere)


rule(
    id=STS_MISSING,
    title="An app server has a token-signing (STS) certificate",
    severity=Severity.ERROR,
    rationale="Two types of certificates are needed: STS and SSL; the Security Token Service on "
    "the app server signs tokens with the STS certificate.",
    remediation="Add `sts_certificate:` (a PFX with its private key) to the app server's entry.",
    references=(GUIDE,),
)(analysed_elsewhere)


rule(
    id=STS_FAILING,
    title="The app server's STS certificate passes the sts rules",
    severity=Severity.ERROR,
    rationale="A token-signing certificate needs its private key, digitalSignature, a strong key "
    "and hash, and must not be expired; otherwise sign-in fails.",
    remediation="Fix the STS certificate's own findings (listed under its target) and reissue it.",
    references=(GUIDE,),
)(analysed_elsewhere)


rule(
    id=PROXY_BYPASS_MISSING,
    title="The proxy bypass list matches the app, mobile and Portal names",
    severity=Severity.ERROR,
    rationale="The guide recommends no proxy; with one, it must bypass the application, mobile and "
    "Physician Portal servers (a TLS-inspecting proxy also replaces their certificates).",
    remediation="Add the names (or a `*.domain` pattern) to the bypass list, separated by ';'.",
    references=(GUIDE, "Windows ProxyOverride / netsh winhttp bypass-list syntax"),
)(analysed_elsewhere)


rule(
    id=PROXY_BYPASS_SYNTAX,
    title="The proxy bypass list uses Windows syntax (';' separators)",
    severity=Severity.WARNING,
    rationale="Windows splits the bypass list on ';' only; a ',' or a space joins two names into "
    "one entry that matches nothing.",
    remediation="Separate the entries with ';' (`*.example.com;<local>`).",
    references=("Windows ProxyOverride / netsh winhttp bypass-list syntax",),
)(analysed_elsewhere)


rule(
    id=ANDROID_PRIVATE_CA,
    title="Android clients and a private CA: apps ignore user-installed roots",
    severity=Severity.WARNING,
    rationale="Since Android 7, apps trust user-installed CAs only if the app opts in "
    "(network security config); a private root installed by hand may be ignored by the app.",
    remediation="Confirm with the vendor that the app trusts user CAs, deploy the root through the "
    "device management (MDM) as a system/managed CA, or use a publicly trusted certificate.",
    references=(GUIDE_TRUST, "Android network security configuration (API 24+)"),
)(analysed_elsewhere)


rule(
    id=IOS_TRUST_SWITCH,
    title="iOS clients and a private CA: the trust switch after a manual profile install",
    severity=Severity.INFO,
    rationale="A root installed from a profile by hand is not trusted for TLS until "
    "Settings > General > About > Certificate Trust Settings enables it (MDM-installed roots are).",
    remediation="Install the plan's .mobileconfig, then enable full trust for the root in "
    "Certificate Trust Settings (or push the profile with MDM).",
    references=(GUIDE_TRUST, "Apple HT204477"),
)(analysed_elsewhere)


rule(
    id=SERVED_DIFFERS,
    title="The live server presents the manifest's certificate",
    severity=Severity.ERROR,
    rationale="The file audited is only what clients get if the server presents it: compare the "
    "thumbprints (an old binding or a TLS-inspecting proxy shows up here).",
    remediation="Bind the manifest's certificate to the site (IIS bindings / netsh http sslcert), "
    "or update the manifest to the certificate really in use.",
    references=(GUIDE,),
)(analysed_elsewhere)


def valid_wildcard_covering(cert: CertFacts, hosts: tuple[str, ...]) -> str | None:
    """A SAN wildcard of ``cert`` that is not over a public suffix and covers every host."""
    san = cert.subject_alt_name
    for pattern in san.dns_names if san else ():
        if not pattern.startswith("*.") or wildcard_problem(pattern) is not None:
            continue
        if is_public_suffix(pattern[2:]):
            continue
        if all(not is_ip_address(h) and san_covers(cert, h) for h in hosts):
            return pattern
    return None


def check_topology(topology: Topology) -> Iterator[TopologyIssue]:
    """Every deployment rule over the whole topology, server by server then client by client."""
    yield from _certificates(topology)
    yield from _sharing(topology)
    yield from _sts(topology)
    yield from _clients(topology)
    yield from _proxy(topology)
    yield from _served_certificates(topology)


def _certificates(t: Topology) -> Iterator[TopologyIssue]:
    for server in t.deployment.servers:
        seen = t.observed(server)
        if server.certificate is None:
            yield TopologyIssue(
                CERTIFICATE_MISSING,
                f"server {server.key} ({server.fqdn}) names no certificate",
                server.location,
            )
            continue
        if seen.leaf is None:
            if not seen.input_error:
                yield TopologyIssue(
                    CERTIFICATE_MISSING,
                    f"server {server.key}: {server.certificate.path} holds no server certificate "
                    "(only CA certificates)",
                    server.certificate.location or server.location,
                )
            continue  # unreadable: the target carries the input error
        if seen.private_key is not KeyPairing.MATCHES:
            why = (
                "comes without its private key"
                if seen.private_key is KeyPairing.ABSENT
                else "comes with a private key that is not its own"
            )
            yield TopologyIssue(
                PRIVATE_KEY_MISSING,
                f"server {server.key}: certificate {server.certificate.path} {why}",
                server.certificate.location or server.location,
                seen.leaf,
            )
        if server.is_mobile:
            for name in server.external_fqdns:
                if not san_covers(seen.leaf, name):
                    yield TopologyIssue(
                        MOBILE_EXTERNAL_NAME,
                        f"mobile server {server.key}: certificate does not cover the external "
                        f"name {name} that devices connect to{_used_by(t, name)}",
                        server.location,
                        seen.leaf,
                    )


def _groups(t: Topology, name: str) -> str:
    """``'office PCs', 'kiosks'``: the client groups that connect to ``name``."""
    return ", ".join(repr(c.name) for c in t.deployment.clients if name in c.connects_to)


def _used_by(t: Topology, name: str) -> str:
    groups = _groups(t, name)
    return f" (clients {groups})" if groups else ""


def _reported_as_mobile(server: ServerSpec, name: str) -> bool:
    """A mobile server's external name: :data:`MOBILE_EXTERNAL_NAME` already names its clients."""
    return server.is_mobile and name in server.external_fqdns


def _sharing(t: Topology) -> Iterator[TopologyIssue]:
    by_cert: dict[str, list[ServerSpec]] = defaultdict(list)
    by_host: dict[str, list[ServerSpec]] = defaultdict(list)
    for server in t.deployment.servers:
        leaf = t.observed(server).leaf
        if leaf is not None:
            by_cert[leaf.fingerprint_sha256].append(server)
            by_host[server.fqdn].append(server)
    for servers in by_cert.values():
        hosts = tuple(dict.fromkeys(s.fqdn for s in servers))
        if len(hosts) < 2:
            continue
        leaf = t.observed(servers[0]).leaf
        assert leaf is not None
        names = tuple(dict.fromkeys(n for s in servers for n in s.names))
        if valid_wildcard_covering(leaf, names) is not None:
            continue
        keys = ", ".join(s.key for s in servers)
        if any(s.is_app for s in servers) and any(s.is_mobile for s in servers):
            yield TopologyIssue(
                APP_MOBILE_SHARED,
                f"app and mobile servers share one certificate ({keys}) and no valid wildcard "
                "in it covers both",
                servers[1].location,
                leaf,
            )
        else:
            yield TopologyIssue(
                CERTIFICATE_REUSED,
                f"servers on different hosts share one certificate: {keys} ({', '.join(hosts)})",
                servers[1].location,
                leaf,
            )
    for host, servers in by_host.items():
        prints = {t.observed(s).leaf.fingerprint_sha256 for s in servers}  # type: ignore[union-attr]
        if len(prints) > 1:
            yield TopologyIssue(
                HOST_MULTIPLE_CERTIFICATES,
                f"host {host} has {len(prints)} different certificates "
                f"({', '.join(s.key for s in servers)}); one serves every role on a host",
                servers[1].location,
            )


def _sts(t: Topology) -> Iterator[TopologyIssue]:
    for server in t.deployment.servers:
        if not server.is_app and ServerRole.STS not in server.roles:
            continue
        if server.sts_certificate is None:
            yield TopologyIssue(
                STS_MISSING,
                f"app server {server.key} names no STS (token-signing) certificate",
                server.location,
            )
            continue
        seen = t.observed(server)
        if seen.sts_leaf is None:
            continue  # unreadable: the STS target carries the input error
        problems: list[str] = []
        if seen.sts_private_key is not KeyPairing.MATCHES:
            problems.append("no matching private key")
        if seen.sts_worst is not None and seen.sts_worst >= Severity.ERROR:
            problems.append("errors in its own findings")
        if problems:
            yield TopologyIssue(
                STS_FAILING,
                f"app server {server.key}: STS certificate {server.sts_certificate.path} "
                f"fails: {'; '.join(problems)}",
                server.sts_certificate.location or server.location,
                seen.sts_leaf,
            )


def _owners_index(t: Topology) -> dict[str, list[ServerSpec]]:
    """Every name a server is reached by -> the servers that list it (built once per topology)."""
    index: dict[str, list[ServerSpec]] = defaultdict(list)
    for server in t.deployment.servers:
        for name in server.names:
            index[name].append(server)
    return index


def _clients(t: Topology) -> Iterator[TopologyIssue]:
    d = t.deployment
    reported: set[tuple[str, str]] = set()
    owners_of = _owners_index(t)
    for client in d.clients:
        for name in client.connects_to:
            owners = owners_of.get(name, [])
            leaves = [(s, t.observed(s).leaf) for s in owners]
            if is_ip_address(name):
                if not any(leaf is not None and san_covers(leaf, name) for _, leaf in leaves):
                    yield TopologyIssue(
                        CLIENT_IP_ADDRESS,
                        f"clients {client.name!r} connect to the IP address {name}, which no "
                        "server certificate covers with an iPAddress SAN",
                        client.location,
                    )
                continue
            if not owners:
                yield TopologyIssue(
                    CLIENT_HOST_UNKNOWN,
                    f"clients {client.name!r} connect to {name}, which no server of the "
                    "manifest lists",
                    client.location,
                )
                continue
            for server, leaf in leaves:
                if leaf is None or san_covers(leaf, name) or _reported_as_mobile(server, name):
                    continue
                if (server.key, name) in reported:
                    continue
                reported.add((server.key, name))
                yield TopologyIssue(
                    CLIENT_NAME_NOT_COVERED,
                    f"clients {_groups(t, name)} connect "
                    f"to {name}, which the certificate of {server.key} does not cover",
                    client.location,
                    leaf,
                )
        if t.private_chain:
            if client.platform is Platform.ANDROID:
                yield TopologyIssue(
                    ANDROID_PRIVATE_CA,
                    f"clients {client.name!r} (android) and a private CA: apps ignore "
                    "user-installed roots unless the app opts in",
                    client.location,
                )
            elif client.platform.is_apple_mobile:
                yield TopologyIssue(
                    IOS_TRUST_SWITCH,
                    f"clients {client.name!r} ({client.platform.value}): after installing the root "
                    "profile by hand, "
                    "enable it in Settings > General > About > Certificate Trust Settings",
                    client.location,
                )


def _proxy(t: Topology) -> Iterator[TopologyIssue]:
    d = t.deployment
    if d.proxy_bypass is None:
        return
    bypass = parse_bypass(d.proxy_bypass)
    for problem in bypass.problems:
        yield TopologyIssue(PROXY_BYPASS_SYNTAX, f"proxy bypass list: {problem}", d.proxy_location)
    for server in d.servers:
        if not (server.is_app or server.is_mobile or server.is_portal):
            continue
        for name in server.names:
            if not bypass.matches(name):
                yield TopologyIssue(
                    PROXY_BYPASS_MISSING,
                    f"the proxy bypass list {d.proxy_bypass!r} does not match {name} "
                    f"(server {server.key})",
                    d.proxy_location,
                )


def _served_certificates(t: Topology) -> Iterator[TopologyIssue]:
    for server in t.deployment.servers:
        seen = t.observed(server)
        if seen.leaf is None:
            continue
        served: list[tuple[str | None, CertFacts, Location | None]] = (
            [(None, seen.served, seen.served_location)] if seen.served else []
        )
        served += seen.served_by_name
        for sni, leaf, where in served:
            if leaf.fingerprint_sha256 == seen.leaf.fingerprint_sha256:
                continue
            asked = f" for {sni}" if sni else ""
            yield TopologyIssue(
                SERVED_DIFFERS,
                f"server {server.key}: {server.endpoint} presents{asked} {leaf.display_name} "
                f"(SHA-1 {leaf.thumbprint_sha1}), not the manifest's certificate "
                f"(SHA-1 {seen.leaf.thumbprint_sha1})",
                where or server.location,
                leaf,
            )
