"""``audit --live``: what each server's endpoint serves, by each of its names, and the served leaf
the deployment rules compare with the file.

Every name of every server with an ``endpoint:`` is one :class:`~certready.services.scan.NamedTarget`
of one scan run (:func:`certready.services.scan.scan_stream`): each (endpoint, name) is handshaken
once, each endpoint once without SNI and probed once, however many servers and names share them.
A server's live targets come out as soon as its names and the servers before it are judged.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace

from certready.core.deployment import ServerObservation, ServerSpec
from certready.core.judged import Command
from certready.core.location import Location
from certready.core.model import CertFacts, TargetResult, TargetStatus
from certready.core.policy import Policy
from certready.core.targets import parse_target
from certready.services.audit_links import live_target_name
from certready.services.audit_options import AuditOptions, LiveProbe
from certready.services.chain import ChainOptions
from certready.services.scan import NamedTarget, ScanOptions, scan_stream

SCAN_CONCURRENCY = 50


def scanned(
    servers: Sequence[ServerSpec],
    policy: Policy,
    chain: ChainOptions | None,
    options: AuditOptions,
) -> Iterator[tuple[ServerSpec, list[TargetResult]]]:
    """Each server with an endpoint and its scan results (one per name, the FQDN first), in
    manifest order, each server as soon as its names and those before it are judged."""
    shared = ScanOptions(
        policy=policy,
        chain=chain,
        now=options.now,
        timeout=options.timeout,
        protocol_probe=options.protocol_probe,
        command=Command.AUDIT,
        concurrency=SCAN_CONCURRENCY,
    )
    with_endpoint = [s for s in servers if s.endpoint]
    jobs = [
        NamedTarget(parse_target(endpoint), name, _label(s, name))
        for s in with_endpoint
        if (endpoint := s.endpoint)
        for name in s.names
    ]
    shown = options.progress
    if shown is not None:
        shown.expect(len(jobs))
    results = scan_stream(
        jobs,
        shared,
        started=shown.started if shown is not None else None,
        progress=(lambda r: shown.done(r.target)) if shown is not None else None,
    )
    for server in with_endpoint:
        yield server, [next(results) for _ in server.names]


def probed(
    servers: Sequence[ServerSpec], probe: LiveProbe
) -> Iterator[tuple[ServerSpec, list[TargetResult]]]:
    """:func:`scanned`'s pairs from a probe other than the scan service (tests), which answers for
    every server at once."""
    with_endpoint = [s for s in servers if s.endpoint]
    answered = probe(with_endpoint) if with_endpoint else {}
    for server in with_endpoint:
        yield server, list(answered.get(server.key, ()))


def _label(server: ServerSpec, name: str) -> str:
    """What the progress display says while ``server``'s endpoint is waited on for ``name``."""
    first = name == server.names[0]
    return f"{server.key} {server.endpoint}" + ("" if first else f" SNI {name}")


def _served_leaf(result: TargetResult) -> tuple[CertFacts, Location] | None:
    if result.status is not TargetStatus.OK or not result.certificates:
        return None
    return result.certificates[0].certificate, result.certificates[0].origin


def served(
    server: ServerSpec, results: Sequence[TargetResult], seen: ServerObservation
) -> tuple[ServerObservation, list[TargetResult]]:
    """A server's scan results as its live targets (the FQDN's, then each other name's whose
    leaf differs), and ``seen`` with the served leaf for the served-vs-file rules."""
    if not results:
        return seen, []
    main, others = results[0], results[1:]
    targets = [replace(main, target=live_target_name(server))]
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
    observation = replace(
        seen,
        served=main_leaf[0] if main_leaf else None,
        served_location=main_leaf[1] if main_leaf else None,
        served_by_name=tuple(by_name),
    )
    return observation, targets


__all__ = ["probed", "scanned", "served"]
