"""Rules: deployment — each server's certificates across the whole deployment (install guide,
'Certificate implementation'): one readable certificate with its key per server, no sharing between
hosts unless one valid wildcard covers them, the mobile server's external names, the app server's
STS certificate, and (``--live``) the certificate really served.

Every rule here needs more than one certificate, so each judges a
:class:`~certready.core.deployment.DeploymentContext` (the whole topology) through the engine. What
the clients connect to, trust and go through lives in :mod:`.deployment_clients`.

Whether each certificate covers *its own* names is ``names.host-not-covered``: the audit lints every
server certificate with all of that server's names (FQDN and external FQDNs).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator

from certready.core.deployment import DeploymentContext, ServerRole, ServerSpec, Topology
from certready.core.hostnames import is_ip_address
from certready.core.location import Location
from certready.core.model import CertFacts, KeyPairing, NoParameters, Scope, Severity, Violation
from certready.core.rules.names import host_covered as san_covers
from certready.core.rules.names import host_not_covered, is_public_suffix, wildcard_problem
from certready.core.rules.registry import rule

GUIDE = "Install guide, 'Certificate implementation'"


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


def client_groups(t: Topology, name: str) -> str:
    """``'office PCs', 'kiosks'``: the client groups that connect to ``name``."""
    return ", ".join(repr(c.name) for c in t.deployment.clients if name in c.connects_to)


def _used_by(t: Topology, name: str) -> str:
    groups = client_groups(t, name)
    return f" (clients {groups})" if groups else ""


def _with_leaf(t: Topology) -> Iterator[tuple[ServerSpec, CertFacts]]:
    """Each server that names a certificate file whose server certificate could be read."""
    for server in t.deployment.servers:
        leaf = t.observed(server).leaf
        if server.certificate is not None and leaf is not None:
            yield server, leaf


def borrowed_certificates(t: Topology) -> dict[str, ServerSpec]:
    """Servers whose certificate is another server's, by key, with that other server: the same
    certificate (by fingerprint), covering the other server's FQDN and not this one's. One
    mistake (the manifest points at the wrong file) with one finding,
    ``deployment.certificate-of-another-server``; the name findings it causes are not repeated."""
    out: dict[str, ServerSpec] = {}
    holders: dict[str, list[ServerSpec]] = defaultdict(list)
    for server, leaf in _with_leaf(t):
        holders[leaf.fingerprint_sha256].append(server)
    for servers in holders.values():
        shared = t.observed(servers[0]).leaf
        assert shared is not None
        owners = [s for s in servers if san_covers(shared, s.fqdn)]
        if not owners:
            continue
        for server in servers:
            if server.fqdn != owners[0].fqdn and not san_covers(shared, server.fqdn):
                out[server.key] = owners[0]
    return out


def _uncovered(leaf: CertFacts, names: Iterable[str]) -> list[str]:
    return [n for n in names if not san_covers(leaf, n)]


@rule(
    id="deployment.certificate-of-another-server",
    title="Each server's certificate file is its own, not another server's",
    severity=Severity.ERROR,
    rationale="A server pointed at another server's certificate (the app server's PFX given for "
    "the portal) fails for every name it serves. That one mistake is said once, here; the name "
    "and sharing findings it causes are not repeated for that server.",
    remediation="Point the server's `certificate:` at its own certificate file (issued for its "
    "FQDN), or have one issued for it.",
    references=(GUIDE,),
    scope=Scope.DEPLOYMENT,
)
def certificate_of_another_server(
    ctx: DeploymentContext, params: NoParameters
) -> Iterable[Violation]:
    """A server's certificate is the same as another server's and covers only that server's FQDN
    (install guide: each server has a certificate for its own FQDN)."""
    t = ctx.topology
    for key, owner in borrowed_certificates(t).items():
        server = next(s for s in t.deployment.servers if s.key == key)
        leaf = t.observed(server).leaf
        assert leaf is not None and server.certificate is not None
        missing = ", ".join(_uncovered(leaf, server.names))
        yield Violation(
            f"{server.key} uses the certificate of {owner.key}: {server.certificate.path} covers "
            f"{owner.fqdn}, not {missing}",
            certificate=leaf,
            location=server.certificate.location or server.location,
        )


@rule(
    id="deployment.certificate-missing",
    title="Every server names a readable server certificate",
    severity=Severity.ERROR,
    rationale="Each server requires its own certificate; a server without one cannot offer TLS.",
    remediation="Add `certificate:` (PEM, DER or PFX) to the server's entry in the manifest.",
    references=(GUIDE,),
    scope=Scope.DEPLOYMENT,
)
def certificate_missing(ctx: DeploymentContext, params: NoParameters) -> Iterable[Violation]:
    """Each server names a certificate file, and it holds a server certificate (install guide).
    An unreadable file is not reported here: its target carries the input error."""
    t = ctx.topology
    for server in t.deployment.servers:
        if server.certificate is None:
            yield Violation(
                f"server {server.key} ({server.fqdn}) names no certificate",
                location=server.location,
            )
            continue
        seen = t.observed(server)
        if seen.leaf is None and not seen.input_error:
            yield Violation(
                f"server {server.key}: {server.certificate.path} holds no server certificate "
                "(only CA certificates)",
                location=server.certificate.location or server.location,
            )


def _whose_key(t: Topology, server: ServerSpec, spkis: tuple[str, ...]) -> str:
    """`` (it belongs to production/app's certificate)`` when another server's leaf is the key's."""
    for other, leaf in _with_leaf(t):
        if other.key != server.key and leaf.public_key.spki_sha256 in spkis:
            return f" (it belongs to {other.key}'s certificate)"
    return ""


@rule(
    id="deployment.private-key-missing",
    title="Every server certificate comes with its private key",
    severity=Severity.ERROR,
    rationale="One SSL certificate with a private key must be installed on each host; a "
    "certificate without its key (or with another key) cannot be bound to the site.",
    remediation="Export the certificate with its private key (PFX) from the machine that made the "
    "CSR, or name the matching key file with `key:`.",
    references=(GUIDE,),
    scope=Scope.DEPLOYMENT,
)
def private_key_missing(ctx: DeploymentContext, params: NoParameters) -> Iterable[Violation]:
    """Each server certificate comes with its own private key (install guide: one certificate with
    its private key per host)."""
    t = ctx.topology
    for server, leaf in _with_leaf(t):
        pairing = t.observed(server).private_key
        if pairing is KeyPairing.MATCHES:
            continue
        why = (
            "comes without its private key"
            if pairing is KeyPairing.ABSENT
            else "comes with a private key that is not its own"
            + _whose_key(t, server, t.observed(server).key_spkis)
        )
        assert server.certificate is not None
        yield Violation(
            f"server {server.key}: certificate {server.certificate.path} {why}",
            certificate=leaf,
            location=server.certificate.location or server.location,
        )


@rule(
    id="deployment.mobile-external-name",
    title="Mobile servers' certificates cover the external names devices type",
    severity=Severity.ERROR,
    rationale="The mobile server's certificate must match the FQDN users specify on their devices; "
    "if they connect to the internet-facing FQDN, that is the name the certificate must protect.",
    remediation="Reissue the mobile certificate with the external FQDN in its subjectAltName.",
    references=(GUIDE,),
    scope=Scope.DEPLOYMENT,
    supersedes=(host_not_covered,),
)
def mobile_external_name(ctx: DeploymentContext, params: NoParameters) -> Iterable[Violation]:
    """A mobile server's certificate covers every external name devices type (install guide;
    RFC 9525 matching through ``names.host_covered``). It says who types the name, so the audit
    drops the server's ``names.host-not-covered`` finding about the same name (one defect, one
    finding)."""
    t = ctx.topology
    borrowed = borrowed_certificates(t)
    for server, leaf in _with_leaf(t):
        if not server.is_mobile or server.key in borrowed:
            continue
        for name in server.external_fqdns:
            if not san_covers(leaf, name):
                yield Violation(
                    f"mobile server {server.key}: certificate does not cover the external "
                    f"name {name} that devices connect to{_used_by(t, name)}",
                    certificate=leaf,
                    location=server.location,
                    host=name,
                )


def _shared_across_hosts(t: Topology) -> Iterator[tuple[list[ServerSpec], CertFacts]]:
    """Servers on two or more hosts that share one certificate in which no valid wildcard covers
    all of their names, with that certificate."""
    by_cert: dict[str, list[ServerSpec]] = defaultdict(list)
    for server in t.deployment.servers:
        leaf = t.observed(server).leaf
        if leaf is not None:
            by_cert[leaf.fingerprint_sha256].append(server)
    borrowed = borrowed_certificates(t)
    for servers in by_cert.values():
        hosts = tuple(dict.fromkeys(s.fqdn for s in servers))
        if len(hosts) < 2 or any(s.key in borrowed for s in servers):
            continue  # a server given another's file: said once, as its own finding
        leaf = t.observed(servers[0]).leaf
        assert leaf is not None
        # a valid wildcard covering every server's FQDN is allowed sharing; an external name it
        # misses is deployment.mobile-external-name's finding, not a sharing one
        if valid_wildcard_covering(leaf, hosts) is None:
            yield servers, leaf


def _wildcard_gap(leaf: CertFacts, servers: list[ServerSpec]) -> str:
    """`` (*.example.com covers a, not b)``: which names the certificate's best wildcard misses."""
    san = leaf.subject_alt_name
    names = tuple(dict.fromkeys(s.fqdn for s in servers))
    best: tuple[str, list[str]] | None = None
    for pattern in san.dns_names if san else ():
        if not pattern.startswith("*.") or wildcard_problem(pattern) is not None:
            continue
        missing = _uncovered(leaf, names)
        if len(missing) < len(names) and (best is None or len(missing) < len(best[1])):
            best = (pattern, missing)
    if best is None:
        return " and no valid wildcard in it covers them"
    return f"; its wildcard {best[0]} does not cover {', '.join(best[1])}"


def _app_and_mobile(servers: list[ServerSpec]) -> bool:
    return any(s.is_app for s in servers) and any(s.is_mobile for s in servers)


@rule(
    id="deployment.certificate-reused",
    title="Servers on different hosts do not share a certificate (test and public copies included)",
    severity=Severity.ERROR,
    rationale="Each server (including test and public app servers) requires its own certificate "
    "matching its FQDN; sharing is only acceptable for a wildcard that validly covers every host.",
    remediation="Issue a certificate per server for its FQDN, or one valid wildcard covering all.",
    references=(GUIDE,),
    scope=Scope.DEPLOYMENT,
)
def certificate_reused(ctx: DeploymentContext, params: NoParameters) -> Iterable[Violation]:
    """Servers on different hosts do not share a certificate unless one valid wildcard covers them
    all (install guide); app and mobile servers sharing one are the more specific
    ``deployment.app-mobile-shared-certificate``."""
    for servers, leaf in _shared_across_hosts(ctx.topology):
        if _app_and_mobile(servers):
            continue
        keys = ", ".join(s.key for s in servers)
        hosts = ", ".join(dict.fromkeys(s.fqdn for s in servers))
        yield Violation(
            f"servers on different hosts share one certificate: {keys} ({hosts})",
            certificate=leaf,
            location=servers[1].location,
        )


@rule(
    id="deployment.app-mobile-shared-certificate",
    title="App and mobile servers use distinct certificates unless one wildcard covers both",
    severity=Severity.ERROR,
    rationale="If an organisation has an app and a mobile server, both must have unique "
    "certificates matching each server's FQDN; a wildcard that validly covers both is the exception.",
    remediation="Issue separate certificates for the app and mobile FQDNs, or one wildcard "
    "(`*.example.com`, not over a public suffix) covering both.",
    references=(GUIDE,),
    scope=Scope.DEPLOYMENT,
)
def app_mobile_shared_certificate(
    ctx: DeploymentContext, params: NoParameters
) -> Iterable[Violation]:
    """App and mobile servers have distinct certificates unless one valid wildcard (not over a
    public suffix) covers both (install guide)."""
    for servers, leaf in _shared_across_hosts(ctx.topology):
        if not _app_and_mobile(servers):
            continue
        keys = ", ".join(s.key for s in servers)
        yield Violation(
            f"app and mobile servers share one certificate ({keys}){_wildcard_gap(leaf, servers)}",
            certificate=leaf,
            location=servers[1].location,
        )


@rule(
    id="deployment.host-multiple-certificates",
    title="One certificate per host serves every role on it",
    severity=Severity.WARNING,
    rationale="An SSL certificate is required per host: all features installed on one host use "
    "the same certificate, so two certificates for one host mean one of them is not served.",
    remediation="Use one certificate for every role on the host (its SAN covering all its names).",
    references=(GUIDE,),
    scope=Scope.DEPLOYMENT,
)
def host_multiple_certificates(ctx: DeploymentContext, params: NoParameters) -> Iterable[Violation]:
    """The servers (roles) on one host use one certificate (install guide: a certificate per host
    serves every feature on it)."""
    t = ctx.topology
    by_host: dict[str, list[tuple[ServerSpec, CertFacts]]] = defaultdict(list)
    for server in t.deployment.servers:
        leaf = t.observed(server).leaf
        if leaf is not None:
            by_host[server.fqdn].append((server, leaf))
    for host, served in by_host.items():
        prints = {leaf.fingerprint_sha256 for _, leaf in served}
        if len(prints) > 1:
            yield Violation(
                f"host {host} has {len(prints)} different certificates "
                f"({', '.join(s.key for s, _ in served)}); one serves every role on a host",
                location=served[1][0].location,
            )


def _token_signers(t: Topology) -> Iterator[ServerSpec]:
    """The servers that run the Security Token Service: app servers, and those given the role."""
    for server in t.deployment.servers:
        if server.is_app or ServerRole.STS in server.roles:
            yield server


@rule(
    id="deployment.sts-certificate-missing",
    title="An app server has a token-signing (STS) certificate",
    severity=Severity.ERROR,
    rationale="Two types of certificates are needed: STS and SSL; the Security Token Service on "
    "the app server signs tokens with the STS certificate.",
    remediation="Add `sts_certificate:` (a PFX with its private key) to the app server's entry.",
    references=(GUIDE,),
    scope=Scope.DEPLOYMENT,
)
def sts_certificate_missing(ctx: DeploymentContext, params: NoParameters) -> Iterable[Violation]:
    """An app server names its token-signing (STS) certificate (install guide: two types of
    certificates, STS and SSL)."""
    for server in _token_signers(ctx.topology):
        if server.sts_certificate is None:
            yield Violation(
                f"app server {server.key} names no STS (token-signing) certificate",
                location=server.location,
            )


@rule(
    id="deployment.sts-certificate-failing",
    title="The app server's STS certificate passes the sts rules",
    severity=Severity.ERROR,
    rationale="A token-signing certificate needs its private key, digitalSignature, a strong key "
    "and hash, and must not be expired; otherwise sign-in fails.",
    remediation="Fix the STS certificate's own findings (listed under its target) and reissue it.",
    references=(GUIDE,),
    scope=Scope.DEPLOYMENT,
)
def sts_certificate_failing(ctx: DeploymentContext, params: NoParameters) -> Iterable[Violation]:
    """The STS certificate comes with its private key and has no error among its own findings
    (``sts.*``, key, validity rules). An unreadable file is its target's input error."""
    t = ctx.topology
    for server in _token_signers(t):
        seen = t.observed(server)
        if server.sts_certificate is None or seen.sts_leaf is None:
            continue
        problems: list[str] = []
        if seen.sts_private_key is not KeyPairing.MATCHES:
            problems.append("no matching private key")
        if seen.sts_worst is not None and seen.sts_worst >= Severity.ERROR:
            problems.append("errors in its own findings")
        if problems:
            yield Violation(
                f"app server {server.key}: STS certificate {server.sts_certificate.path} "
                f"fails: {'; '.join(problems)}",
                certificate=seen.sts_leaf,
                location=server.sts_certificate.location or server.location,
            )


@rule(
    id="deployment.served-certificate-differs",
    title="The live server presents the manifest's certificate",
    severity=Severity.ERROR,
    rationale="The file audited is only what clients get if the server presents it: compare the "
    "thumbprints (an old binding or a TLS-inspecting proxy shows up here).",
    remediation="Bind the manifest's certificate to the site (IIS bindings / netsh http sslcert), "
    "or update the manifest to the certificate really in use.",
    references=(GUIDE,),
    scope=Scope.DEPLOYMENT,
)
def served_certificate_differs(ctx: DeploymentContext, params: NoParameters) -> Iterable[Violation]:
    """``--live``: the endpoint presents the manifest's certificate, for the FQDN and for each
    external name (thumbprints compared)."""
    t = ctx.topology
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
            yield Violation(
                f"server {server.key}: {server.endpoint} presents{asked} {leaf.display_name} "
                f"(SHA-1 {leaf.thumbprint_sha1}), not the manifest's certificate "
                f"(SHA-1 {seen.leaf.thumbprint_sha1})",
                certificate=leaf,
                location=where or server.location,
            )
