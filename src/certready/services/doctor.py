"""doctor: check this client machine the way its applications connect to a deployment's servers.

For the client group this machine belongs to (the manifest's ``clients:``), each server it
connects to (``connects_to``, or ``--server``) is reached at its ``endpoint`` (else its FQDN on
port 443, SNI the FQDN) directly and, for each proxy setting of this machine that applies to one
of its names, through that proxy (HTTP CONNECT). The ``client.*`` rules then judge, per server:
whether the roots and intermediates of its path are in this machine's stores, whether its names
bypass the proxy, whether the chain through the proxy is re-signed by another CA (TLS
interception), and whether the proxy answers at all.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509

from certready.adapters.clientenv import ClientEnvironment, this_machine
from certready.adapters.manifest import load_manifest
from certready.adapters.proxyfetch import fetch_chain_via_proxy
from certready.adapters.tlsfetch import FetchFailure, Presented, Resolver, fetch_chain
from certready.core.client import (
    CaKind,
    ClientContext,
    ClientStore,
    ExpectedCa,
    ProxyFailure,
    ProxyFailureKind,
    ProxyRoute,
    ProxySetting,
)
from certready.core.deployment import ClientSpec, Deployment, Platform, ServerSpec
from certready.core.engine import evaluate
from certready.core.errors import InputError, UsageError
from certready.core.facts import extract_facts
from certready.core.hostnames import is_ip_address
from certready.core.issuer_link import issued_by
from certready.core.location import EndpointLocation, Location
from certready.core.model import (
    CertFacts,
    ChainElement,
    Report,
    TargetResult,
    TargetStatus,
    TlsFacts,
)
from certready.core.plan import unique_stems
from certready.core.policy import Policy
from certready.core.targets import parse_target
from certready.services.audit import CertificateFiles, manifest_policy
from certready.services.chain_options import ChainOptions

PLAN_SUFFIX = {Platform.WINDOWS: ".ps1", Platform.LINUX: ".sh", Platform.MACOS: ".sh"}


@dataclass(frozen=True, slots=True)
class DoctorOptions:
    client: str | None = None
    """The client group's name (``--client``); ``None``: the only group for this OS."""
    servers: tuple[str, ...] = ()
    """``ENV/NAME`` keys (``--server``); empty: every server the group connects to."""
    policy: Policy | None = None
    """``None``: the manifest's ``policy:``."""
    timeout: float = 10.0
    """Seconds per connection (direct, or through one proxy)."""
    environment: ClientEnvironment | None = None
    """This machine's stores and proxies; ``None``: the reader for the OS certready runs on."""
    resolver: Resolver | None = None
    now: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))


@dataclass(frozen=True, slots=True)
class ServerTarget:
    """One server as this client reaches it."""

    key: str
    names: tuple[str, ...]
    """The names the client group uses for it."""
    host: str
    port: int
    sni: str | None
    server: ServerSpec | None

    @property
    def authority(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"

    @property
    def location(self) -> EndpointLocation:
        return EndpointLocation(self.host, self.port)

    @property
    def needs_bypass(self) -> bool:
        server = self.server
        return server is None or server.is_app or server.is_mobile or server.is_portal


def doctor(manifest: str | Path, options: DoctorOptions | None = None) -> tuple[Report, Policy]:
    """Check this machine against the manifest; the report and the policy it used. ManifestError
    when the manifest is bad; UsageError when the client group or a server cannot be chosen."""
    options = options or DoctorOptions()
    deployment = load_manifest(manifest)
    policy = options.policy or manifest_policy(deployment)
    environment = options.environment or this_machine()
    group = choose_client(deployment, options.client, environment.platform)
    targets = choose_servers(deployment, group, options.servers)
    stores = environment.trust_stores()
    proxies = environment.proxy_settings()
    trust = _trust_certificates(deployment)
    public = ChainOptions()  # Mozilla's store: what makes a CA public for every command
    fetched = asyncio.run(_fetch_all(targets, proxies, options))
    hint = plan_file(deployment, group)
    results = tuple(
        _judge(t, direct, routes, stores, proxies, trust, public, group, hint, policy)
        for t, (direct, routes) in zip(targets, fetched, strict=True)
    )
    title = f"{deployment.name}: client group {group.name!r} ({environment.platform.value})"
    return (
        Report(
            command="doctor",
            profile=policy.name,
            generated_at=options.now,
            targets=results,
            title=title,
        ),
        policy,
    )


def choose_client(deployment: Deployment, name: str | None, platform: Platform) -> ClientSpec:
    """The group named ``name``, else the only group for ``platform``; UsageError otherwise."""
    source = deployment.source
    if not deployment.clients:
        raise UsageError(
            f"{source}: the manifest lists no client groups: add a `clients:` entry for this "
            "machine's group (name, platform, connects_to), as `certready manifest init` shows"
        )
    groups = ", ".join(f"{c.name!r} ({c.platform.value})" for c in deployment.clients)
    if name is not None:
        for client in deployment.clients:
            if client.name == name:
                return client
        raise UsageError(f"{source}: no client group {name!r} (groups: {groups})")
    mine = [c for c in deployment.clients if c.platform is platform]
    if len(mine) == 1:
        return mine[0]
    if not mine:
        raise UsageError(
            f"{source}: no client group is for {platform.value} (groups: {groups}); "
            "pick one with --client NAME"
        )
    several = ", ".join(repr(c.name) for c in mine)
    raise UsageError(
        f"{source}: several client groups are for {platform.value}: {several}; "
        "pick one with --client NAME"
    )


def choose_servers(
    deployment: Deployment, group: ClientSpec, keys: Sequence[str]
) -> tuple[ServerTarget, ...]:
    """The servers ``keys`` names, else each server (or bare name) the group connects to."""
    by_key = {s.key: s for s in deployment.servers}
    if keys:
        unknown = [k for k in keys if k not in by_key]
        if unknown:
            known = ", ".join(by_key) or "none"
            raise UsageError(
                f"{deployment.source}: no server {', '.join(unknown)} (servers: {known})"
            )
        chosen = [by_key[k] for k in dict.fromkeys(keys)]
        return tuple(
            _target(s, tuple(n for n in group.connects_to if n in s.names) or (s.fqdn,))
            for s in chosen
        )
    names: dict[str, list[str]] = {}
    servers: dict[str, ServerSpec | None] = {}
    for name in group.connects_to:
        server = next((s for s in deployment.servers if name in s.names), None)
        key = server.key if server else name
        names.setdefault(key, []).append(name)
        servers[key] = server
    if not names:
        raise UsageError(
            f"{group.location.where or deployment.source}: client group "
            f"{group.name!r} connects to no server (add `connects_to:`), or name one with --server"
        )
    return tuple(
        _target(servers[k], tuple(n)) if servers[k] else _bare(k) for k, n in names.items()
    )


def _target(server: ServerSpec | None, names: tuple[str, ...]) -> ServerTarget:
    assert server is not None
    endpoint = parse_target(server.endpoint) if server.endpoint else None
    host, port = (endpoint.host, endpoint.port) if endpoint else (server.fqdn, 443)
    sni = None if _is_ip(server.fqdn) else server.fqdn
    return ServerTarget(server.key, names, host, port, sni, server)


def _bare(name: str) -> ServerTarget:
    return ServerTarget(name, (name,), name, 443, None if _is_ip(name) else name, None)


def _is_ip(name: str) -> bool:
    return is_ip_address(name)


def plan_file(deployment: Deployment, group: ClientSpec) -> str:
    """The install-plan file ``certready plan`` writes for this group (``windows-office-pcs.ps1``)."""
    stems = unique_stems([c.name for c in deployment.clients])
    suffix = PLAN_SUFFIX.get(group.platform)
    for client, stem in zip(deployment.clients, stems, strict=True):
        if client is group and suffix:
            return f"{group.platform.value}-{stem}{suffix}"
    return ""


@dataclass(frozen=True, slots=True)
class _TrustCa:
    kind: CaKind
    facts: CertFacts
    source: str
    certificate: x509.Certificate


def _trust_certificates(deployment: Deployment) -> tuple[_TrustCa, ...]:
    """The manifest's ``trust:`` roots and intermediates; an unreadable file is an InputError."""
    files = CertificateFiles()
    out: list[_TrustCa] = []
    for refs, kind in (
        (deployment.trust_roots, CaKind.ROOT),
        (deployment.trust_intermediates, CaKind.INTERMEDIATE),
    ):
        for ref in refs:
            bundle = files.load(ref)
            if isinstance(bundle, InputError):
                raise bundle
            out.extend(
                _TrustCa(kind, extract_facts(c.certificate), str(ref.location), c.certificate)
                for c in bundle.certificates
            )
    return tuple(out)


Fetched = tuple[
    Presented | FetchFailure, tuple[tuple[ProxySetting, str, Presented | ProxyFailure | None], ...]
]


async def _fetch_all(
    targets: Sequence[ServerTarget], proxies: Sequence[ProxySetting], options: DoctorOptions
) -> list[Fetched]:
    return list(await asyncio.gather(*(_fetch_one(t, proxies, options) for t in targets)))


async def _fetch_one(
    target: ServerTarget, proxies: Sequence[ProxySetting], options: DoctorOptions
) -> Fetched:
    """The direct handshake, and one through each applying proxy (each address tried once)."""
    direct_job = fetch_chain(
        target.host, target.port, sni=target.sni, timeout=options.timeout, resolver=options.resolver
    )
    applying: list[tuple[ProxySetting, str]] = []
    for setting in proxies:
        if setting.host is None:
            continue
        name = next((n for n in target.names if setting.bypassed_by(n) is None), None)
        if name is not None:
            applying.append((setting, name))
    tunnels: dict[tuple[str, int], asyncio.Task[Presented | ProxyFailure]] = {}
    for setting, _ in applying:
        assert setting.host is not None
        address = (setting.host, setting.port)
        if setting.scheme == "http" and address not in tunnels:
            tunnels[address] = asyncio.ensure_future(
                fetch_chain_via_proxy(
                    setting.host,
                    setting.port,
                    target.host,
                    target.port,
                    sni=target.sni,
                    timeout=options.timeout,
                    credentials=setting.credentials,
                    resolver=options.resolver,
                )
            )
    direct = await direct_job
    routes = []
    for setting, name in applying:
        assert setting.host is not None
        task = tunnels.get((setting.host, setting.port)) if setting.scheme == "http" else None
        routes.append((setting, name, await task if task else None))
    return direct, tuple(routes)


def _judge(
    target: ServerTarget,
    direct: Presented | FetchFailure,
    fetched_routes: Sequence[tuple[ProxySetting, str, Presented | ProxyFailure | None]],
    stores: tuple[ClientStore, ...],
    proxies: tuple[ProxySetting, ...],
    trust: tuple[_TrustCa, ...],
    public: ChainOptions,
    group: ClientSpec,
    hint: str,
    policy: Policy,
) -> TargetResult:
    parsed: tuple[Parsed, ...] = ()
    elements: tuple[ChainElement, ...] = ()
    tls: TlsFacts | None = None
    failure: str | None = None
    if isinstance(direct, Presented):
        parsed = _parsed(direct.chain)
        elements = tuple(
            ChainElement(c, target.location.presented(i)) for i, (_, c) in enumerate(parsed)
        )
        tls = TlsFacts(
            direct.address, direct.sni, direct.protocol, direct.cipher, direct.handshake_ms
        )
    else:
        failure = direct.message
    direct_chain = tuple(facts for _, facts in parsed)
    routes = tuple(_route(target, s, n, r) for s, n, r in fetched_routes)
    ctx = ClientContext(
        client=group.name,
        server=target.key,
        names=target.names,
        location=target.location,
        stores=stores,
        expected=expected_cas(parsed, trust, target.location, public),
        proxies=proxies,
        routes=routes,
        direct=direct_chain,
        direct_failure=failure,
        direct_location=target.location,
        needs_bypass=target.needs_bypass,
        plan_hint=hint,
    )
    findings = evaluate(ctx, policy)
    status, reason = _status(target, failure, routes)
    return TargetResult(
        target=target.key,
        location=target.location,
        status=status,
        reason=reason,
        hosts=target.names,
        certificates=elements,
        findings=findings,
        tls=tls,
    )


def _status(
    target: ServerTarget, failure: str | None, routes: Sequence[ProxyRoute]
) -> tuple[TargetStatus, str | None]:
    """Unreachable when neither the direct connection nor a proxy gave a chain, unless a proxy
    that did not answer is the reason (``client.proxy-unreachable`` says so: not the server)."""
    if failure is None or any(r.presented for r in routes):
        return TargetStatus.OK, None
    if any(r.failure and r.failure.kind is ProxyFailureKind.PROXY_UNREACHABLE for r in routes):
        return TargetStatus.OK, None
    via = "".join(f"; {r.failure.message}" for r in routes if r.failure)
    return TargetStatus.UNREACHABLE, f"{target.authority}: {failure}{via}"


def _route(
    target: ServerTarget,
    setting: ProxySetting,
    name: str,
    result: Presented | ProxyFailure | None,
) -> ProxyRoute:
    location = EndpointLocation(target.host, target.port, via=setting.address)
    if isinstance(result, Presented):
        return ProxyRoute(setting, name, _facts(result.chain), location=location)
    return ProxyRoute(setting, name, failure=result, location=location)


Parsed = tuple[x509.Certificate, CertFacts]
"""A presented certificate and its facts."""


def _parsed(chain: Sequence[bytes]) -> tuple[Parsed, ...]:
    out: list[Parsed] = []
    for der in chain:
        try:
            certificate = x509.load_der_x509_certificate(der)
            out.append((certificate, extract_facts(certificate)))
        except ValueError:
            continue
    return tuple(out)


def _facts(chain: Sequence[bytes]) -> tuple[CertFacts, ...]:
    return tuple(facts for _, facts in _parsed(chain))


def is_public(top: x509.Certificate, public: ChainOptions) -> bool:
    """Whether the path whose highest known certificate is ``top`` ends in a public root: the
    decision every other command makes (:meth:`ChainOptions.path_is_public`)."""
    return public.path_is_public(top)


def expected_cas(
    presented: Sequence[Parsed],
    trust: Sequence[_TrustCa],
    location: Location,
    public: ChainOptions,
) -> tuple[ExpectedCa, ...]:
    """The CA certificates of the server's path: from its leaf up through what it sent and the
    manifest's ``trust:`` files; without a presented chain, every CA of ``trust:``."""
    if not presented:
        return tuple(ExpectedCa(t.kind, t.facts.subject, t.facts, source=t.source) for t in trust)
    sent = {c.fingerprint_sha256 for _, c in presented}
    candidates: list[tuple[x509.Certificate, CertFacts, str]] = [
        (cert, c, f"{location}#{i}") for i, (cert, c) in enumerate(presented[1:], start=1)
    ]
    candidates += [(t.certificate, t.facts, t.source) for t in trust]
    path: list[tuple[x509.Certificate, CertFacts, str]] = []
    current_certificate, current = presented[0]
    seen = {current.fingerprint_sha256}
    while not current.self_issued:
        parent = next(
            (
                (cert, c, src)
                for cert, c, src in candidates
                if c.fingerprint_sha256 not in seen and issued_by(current, c)
            ),
            None,
        )
        if parent is None:
            break
        path.append(parent)
        current_certificate, current, _ = parent
        seen.add(current.fingerprint_sha256)
    if not path and current.self_issued:
        return ()  # a self-signed leaf: the chain rules of `audit` judge it
    top = current
    public_path = is_public(current_certificate, public)
    out = [
        ExpectedCa(
            CaKind.ROOT if c.self_issued else CaKind.INTERMEDIATE,
            c.subject,
            c,
            public=public_path,
            sent_by_server=c.fingerprint_sha256 in sent,
            source=src,
        )
        for _, c, src in path
    ]
    if not top.self_issued:
        out.append(
            ExpectedCa(
                CaKind.ROOT,
                top.issuer,
                None,
                key_identifier=top.authority_key_identifier,
                public=public_path,
                source=f"{location} (issuer of {top.subject!r})",
            )
        )
    return tuple(out)
