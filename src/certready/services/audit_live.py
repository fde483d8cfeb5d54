"""audit's live part (``--live``): every endpoint scanned through the scan service, and each
server's served leaf added to what the deployment rules observe."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import replace

from certready.core.deployment import Deployment, ServerObservation, ServerSpec
from certready.core.hostnames import is_ip_address
from certready.core.judged import Command
from certready.core.location import Location
from certready.core.model import CertFacts, TargetResult, TargetStatus
from certready.core.policy import Policy
from certready.core.targets import parse_target
from certready.services.audit_links import live_target_name
from certready.services.audit_options import AuditOptions, LiveProbe
from certready.services.chain import ChainOptions
from certready.services.scan import ScanOptions, scan_async


def scan_probe(policy: Policy, chain: ChainOptions | None, options: AuditOptions) -> LiveProbe:
    """The live probe of ``--live``: every endpoint scanned concurrently (the scan service), with
    the server's FQDN as SNI and host name, the same policy and the same chain trust."""

    def probe(servers: Sequence[ServerSpec]) -> Mapping[str, Sequence[TargetResult]]:
        # One set of handshakes and facts for the whole probe: every name of a server shares its
        # endpoint's no-SNI handshake, and servers sharing an endpoint and a name share that one.
        # One protocol probe set per endpoint too (the shared options' ProtocolProbes).
        shared = ScanOptions(
            policy=policy,
            chain=chain,
            now=options.now,
            timeout=options.timeout,
            protocol_probe=options.protocol_probe,
            command=Command.AUDIT,
        )
        shown = options.progress

        async def one(key: str, endpoint: str, name: str, limit: asyncio.Semaphore) -> TargetResult:
            sni = None if is_ip_address(name) else name
            scan_options = replace(shared, sni=sni)
            label = f"{key} {endpoint}" + ("" if name == firsts[key] else f" SNI {name}")
            async with limit:
                if shown is not None:
                    shown.started(label)
                report = await scan_async([parse_target(endpoint)], scan_options)
                if shown is not None:
                    shown.done(label)
            return report.targets[0]

        jobs = [(s.key, s.endpoint, name) for s in servers if s.endpoint for name in s.names]
        firsts = {s.key: s.names[0] for s in servers if s.names}
        if shown is not None:
            shown.expect(len(jobs))

        async def every() -> list[TargetResult]:
            limit = asyncio.Semaphore(SCAN_CONCURRENCY)
            return list(await asyncio.gather(*(one(k, e, n, limit) for k, e, n in jobs)))

        out: dict[str, list[TargetResult]] = {}
        for (key, _, _), result in zip(jobs, asyncio.run(every()), strict=True):
            out.setdefault(key, []).append(result)
        return out

    return probe


SCAN_CONCURRENCY = 50


def _served_leaf(result: TargetResult) -> tuple[CertFacts, Location] | None:
    if result.status is not TargetStatus.OK or not result.certificates:
        return None
    return result.certificates[0].certificate, result.certificates[0].origin


def with_served(
    deployment: Deployment, observations: dict[str, ServerObservation], live: LiveProbe
) -> tuple[dict[str, ServerObservation], list[TargetResult]]:
    """Each endpoint's scan as a target of its own, and its leaf for the served-vs-file rule."""
    with_endpoint = [s for s in deployment.servers if s.endpoint]
    served = live(with_endpoint) if with_endpoint else {}
    out = dict(observations)
    targets: list[TargetResult] = []
    for server in with_endpoint:
        results = list(served.get(server.key, ()))
        if not results:
            continue
        main, others = results[0], results[1:]
        targets.append(replace(main, target=live_target_name(server)))
        main_leaf = _served_leaf(main)
        by_name: list[tuple[str, CertFacts, Location]] = []
        for name, result in zip(server.names[1:], others, strict=False):
            leaf = _served_leaf(result)
            if leaf is None or (
                main_leaf and leaf[0].fingerprint_sha256 == main_leaf[0].fingerprint_sha256
            ):
                continue  # the same leaf as for the FQDN: nothing new to show
            targets.append(replace(result, target=live_target_name(server, name)))
            by_name.append((name, *leaf))
        base = out.get(server.key, ServerObservation())
        out[server.key] = replace(
            base,
            served=main_leaf[0] if main_leaf else None,
            served_location=main_leaf[1] if main_leaf else None,
            served_by_name=tuple(by_name),
        )
    return out, targets
