"""Chain analysis: build the path of a leaf from what the user supplied plus the trust stores,
compute the path facts, and let the chain rules say precisely what is wrong with it, one finding
per defect (never only the first).

The path itself is built by :mod:`certready.adapters.pathbuild` (cryptography's verifier). That
verifier reports one free-text reason and cannot tell a missing intermediate from an untrusted root,
so this module walks the issuer graph itself (:mod:`certready.services.issuer_graph`) to find what
is missing, and looks at every certificate of the path (signatures, CA profile and revocation
against ``--crl`` files: :mod:`certready.services.path_certificates`). What it found is a
:class:`~certready.core.chain_facts.ChainContext`; the rules of :mod:`certready.core.rules.chain`
judge it through the engine, like every other rule (so a crashing chain check becomes
``engine.rule-failed`` for that target, not an aborted batch).

Leaf and chain verdicts never hide each other: the path is validated in *relaxed* mode (no check
on the leaf's own extensions, the leaf's own name, a time inside the leaf's validity), so a leaf
with a bad EKU or an expired date still gets its chain analysed; the leaf's problems are reported
by the rules. :attr:`ChainAnalysis.valid` keeps the strict verdict (the exact host and time).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence, Set
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes

from certready.adapters.inputs import LoadedCertificate
from certready.adapters.pathbuild import PathResult, verify_path
from certready.core.chain_facts import (
    ChainContext,
    Duplicate,
    PathCertificate,
    SuppliedCertificate,
    UnanchoredTop,
)
from certready.core.engine import evaluate
from certready.core.facts import FactsCache
from certready.core.judged import LINT_FILES, JudgedFor
from certready.core.location import Location, UnknownLocation
from certready.core.model import CertFacts, ChainElement, Finding, Role
from certready.core.policy import Policy
from certready.core.rules.chain import revoked
from certready.core.rules.signature import weak_hash as weak_signature_hash
from certready.core.rules.signature import weak_signature
from certready.services.ca_paths import verify_leaf
from certready.services.chain_options import (
    ChainOptions,
    bench_options,
    make_chain_options,
    parse_time,
)
from certready.services.issuer_graph import (
    Graph,
    Node,
    Shape,
    bundle_shape,
    in_issuing_order,
    reachable,
    walk,
)
from certready.services.path_certificates import ca_profile, revocation

__all__ = [
    "ChainAnalysis",
    "ChainOptions",
    "analyse_chain",
    "bench_options",
    "chain_context",
    "make_chain_options",
    "parse_time",
]

_SHA256 = hashes.SHA256()


@dataclass(frozen=True, slots=True)
class ChainAnalysis:
    """The built path (leaf -> anchor, ``()`` when none), public or private, and the findings."""

    path: tuple[ChainElement, ...]
    issuer_is_public: bool | None
    findings: tuple[Finding, ...]
    valid: bool = False
    """The strict verdict: cryptography accepted the chain for the exact host and time."""
    reason: str | None = None
    """Why the strict validation failed, in the verifier's words."""


@dataclass(frozen=True, slots=True)
class _Facts:
    """The path facts for the rules, and what the analysis itself returns besides findings."""

    context: ChainContext
    path: tuple[ChainElement, ...]
    strict_ok: bool
    reason: str | None


def analyse_chain(
    leaf: LoadedCertificate,
    supplied: Sequence[LoadedCertificate],
    options: ChainOptions,
    policy: Policy,
    *,
    hosts: Sequence[str] = (),
    now: dt.datetime | None = None,
    known_facts: Sequence[CertFacts] = (),
    facts: FactsCache | None = None,
    judged_for: JudgedFor = LINT_FILES,
    companions: Sequence[LoadedCertificate] = (),
    role: Role = Role.SSL,
) -> ChainAnalysis:
    """Analyse the chain of ``leaf``: compute its path facts, and evaluate the policy's chain
    rules over them.

    ``supplied`` is everything that came with it, in the order given (it may include the leaf
    itself, whose position then counts for the order check); ``options.extra_certificates`` are
    appended. ``hosts`` are normalised reference identifiers: the first one is used for the strict
    verdict. ``known_facts`` are the facts of ``supplied``, in the same order, when the caller
    already extracted them; ``facts`` is the run's facts cache (default: the one ``options``
    holds). ``companions`` are the CA certificates of the other inputs given together (a .p7b, a
    chain.pem, a PFX's extra certificates beside ``app.crt``): candidates for the path like a trust
    store's intermediates, each keeping its own origin, never judged as supplied with the leaf.
    ``role``: an STS certificate's chain is judged by the chain rules that apply to it (its path
    and trust; not what a TLS server sends), without host names.
    """
    found = _path_facts(
        leaf,
        supplied,
        options,
        policy,
        hosts,
        now,
        known_facts,
        facts,
        companions,
        judged_for,
        role,
    )
    context = found.context
    findings = evaluate(context, policy)
    return ChainAnalysis(
        path=found.path,
        issuer_is_public=found.context.issuer_is_public,
        findings=findings,
        valid=found.strict_ok and not any(f.rule_id == revoked.id for f in findings),
        reason=found.reason,
    )


def chain_context(
    leaf: LoadedCertificate,
    supplied: Sequence[LoadedCertificate],
    options: ChainOptions,
    policy: Policy,
    *,
    hosts: Sequence[str] = (),
    now: dt.datetime | None = None,
) -> ChainContext:
    """The path facts :func:`analyse_chain` hands to the chain rules (for tests and tools)."""
    return _path_facts(leaf, supplied, options, policy, hosts, now, (), None).context


def _path_facts(
    leaf: LoadedCertificate,
    supplied: Sequence[LoadedCertificate],
    options: ChainOptions,
    policy: Policy,
    hosts: Sequence[str],
    now: dt.datetime | None,
    known_facts: Sequence[CertFacts],
    facts: FactsCache | None,
    companions: Sequence[LoadedCertificate] = (),
    judged_for: JudgedFor = LINT_FILES,
    role: Role = Role.SSL,
) -> _Facts:
    cache = options.cache.using(facts)
    given: dict[int, CertFacts] = {}  # the caller's facts of the certificates of this call
    if len(known_facts) == len(supplied):
        given = {id(item.certificate): f for item, f in zip(supplied, known_facts, strict=True)}
    at = options.at or now or dt.datetime.now(dt.UTC)

    def facts_of_given(cert: x509.Certificate) -> CertFacts:
        """The caller's facts, else the run's (looking a certificate up hashes its DER)."""
        return given.get(id(cert)) or cache.facts.facts(cert)

    leaf_facts = facts_of_given(leaf.certificate)
    leaf_fp = bytes.fromhex(leaf_facts.fingerprint_sha256)
    leaf_c = Node(leaf.certificate, leaf.location, leaf_fp, cache, leaf_facts)

    # The sequence as given, duplicates noted once each, the rest pooled.
    sequence: list[Node] = []
    seen: dict[bytes, Node] = {}
    duplicates: list[Duplicate] = []
    leaf_in_sequence = False
    for item in (*supplied, *options.extra_certificates):
        cert = item.certificate
        item_facts = leaf_facts if cert is leaf.certificate else facts_of_given(cert)
        fp = bytes.fromhex(item_facts.fingerprint_sha256)
        if fp == leaf_c.fp and not leaf_in_sequence:
            leaf_in_sequence = True
            sequence.append(leaf_c)
            seen[fp] = leaf_c
            continue
        if fp in seen:
            first = seen[fp]
            duplicates.append(Duplicate(first.facts, item.location, first.origin))
            continue
        c = Node(item.certificate, item.location, fp, cache, item_facts)
        seen[fp] = c
        sequence.append(c)
    if not leaf_in_sequence:
        sequence.insert(0, leaf_c)
    pool = [c for c in sequence if c.fp != leaf_c.fp]

    known: list[Node] = list(sequence)
    beside: list[Node] = []  # the other inputs' CA certificates (lint's first pass)
    for item in companions:
        fp = bytes.fromhex(facts_of_given(item.certificate).fingerprint_sha256)
        if fp not in seen:
            node = Node(item.certificate, item.location, fp, cache)
            seen[fp] = node
            beside.append(node)
    known.extend(beside)
    shape_key = bundle_shape(leaf_c, sequence, pool, beside)
    shape = cache.shapes.get(shape_key) if shape_key is not None else None
    if shape is not None and not shape.fits(leaf_c):
        shape = shape_key = None
    store_candidates = (
        shape.store_candidates
        if shape is not None
        else options.issuer_candidates_by_name(c.issuer_der for c in known)
    )
    for cert, fp in store_candidates:
        if fp not in seen:
            known.append(Node(cert, options.origin(fp) or UnknownLocation(), fp, cache))
    graph = Graph(known, cache)
    origins: dict[bytes, Location] = {c.fp: c.origin for c in known}
    for c in known:  # a root the user also sent shows where the verifier took it from
        if c.fp in options.anchors.fingerprints:
            origins[c.fp] = options.origin(c.fp) or c.origin
    by_fp = {c.fp: c for c in known}

    if shape is None:
        related: Set[bytes] = reachable(leaf_c, graph)
        pool_self_signed = tuple(c.fp in related and graph.self_signed(c) for c in pool)
    else:
        related, pool_self_signed = shape.above | {leaf_c.fp}, shape.pool_self_signed
    ordered = [c for c in sequence if c.fp in related]
    supplied_facts = tuple(
        SuppliedCertificate(c.facts, c.origin, c.fp in related, self_signed)
        for c, self_signed in zip(pool, pool_self_signed, strict=True)
    )
    given_order = tuple(ChainElement(c.facts, c.origin) for c in ordered)
    if shape is None:
        issuing_order = in_issuing_order(ordered, leaf_c, graph)
        leaf_issuers = graph.by_subject.get(leaf_c.issuer_der, [])
        store_fingerprints = frozenset(fp for _, fp in store_candidates)
        if shape_key is not None and leaf_c.fp not in store_fingerprints:
            cache.remember_shape(
                shape_key,
                Shape(
                    tuple(store_candidates),
                    store_fingerprints,
                    frozenset(related - {leaf_c.fp}),
                    pool_self_signed,
                    issuing_order,
                    tuple(c.fp for c in leaf_issuers),
                ),
            )
    else:
        issuing_order = shape.in_issuing_order
        leaf_issuers = [by_fp[fp] for fp in shape.leaf_issuers]

    if graph.self_signed(leaf_c):
        return _Facts(
            context=ChainContext(
                leaf=leaf_c.facts,
                location=leaf.location,
                at=at,
                leaf_self_signed=True,
                leaf_trusted=leaf_c.fp in options.anchors.fingerprints,
                duplicates=tuple(duplicates),
                supplied=supplied_facts,
                given_order=given_order,
                in_issuing_order=issuing_order,
                issuer_is_public=False,
                role=role,
                judged_for=judged_for,
            ),
            path=(ChainElement(leaf_c.facts, leaf_c.origin),),
            strict_ok=False,
            reason="self-signed leaf",
        )

    def known_cert(cert: x509.Certificate) -> Node:
        """The analysis' record of a certificate the verifier returned (the very same object)."""
        found = by_id.get(id(cert))
        if found is not None and found.cert is cert:
            return found
        fp = cert.fingerprint(_SHA256)
        return by_fp.get(fp) or Node(cert, UnknownLocation(), fp, cache)

    def facts_of(cert: x509.Certificate) -> CertFacts:
        return known_cert(cert).facts

    def fingerprint_of(cert: x509.Certificate) -> bytes:
        return known_cert(cert).fp

    by_id = {id(c.cert): c for c in known}
    intermediates = (
        [c.cert for c in pool] + [c.cert for c in beside] + list(options.store_intermediates)
    )
    host = hosts[0] if hosts else None
    if beside:
        # other inputs' CA certificates are candidates too: the CA-path shortcut's key knows
        # only what came with the leaf, so validate in full
        strict = verify_path(
            leaf_c.cert,
            intermediates,
            options.anchors,
            at=at,
            host=host,
            kind=options.kind,
            max_chain_depth=options.max_chain_depth,
            origins=origins,
            facts=facts_of,
            fingerprint=fingerprint_of,
        )
    else:
        strict = verify_leaf(  # through a CA path verified earlier in the run, where one is known
            leaf_c,
            pool,
            intermediates,
            options.anchors,
            leaf_issuers,
            by_fp,
            cache,
            at=at,
            host=host,
            kind=options.kind,
            max_chain_depth=options.max_chain_depth,
            origins=origins,
            facts=facts_of,
            fingerprint=fingerprint_of,
        )
    result: PathResult = strict
    if not strict.ok:
        result = verify_path(
            leaf_c.cert,
            intermediates,
            options.anchors,
            at=_clamp(at, leaf_c.cert),
            kind=options.kind,
            relaxed=True,
            max_chain_depth=options.max_chain_depth,
            origins=origins,
            facts=facts_of,
            fingerprint=fingerprint_of,
        )

    unanchored: UnanchoredTop | None = None
    if result.ok:
        path_certs = [known_cert(cert) for cert in result.certificates]
        anchored = True
    else:
        path_certs, anchored = walk(leaf_c, graph, options.anchors.fingerprints)
        if not anchored:
            top = path_certs[-1]
            unanchored = UnanchoredTop(
                top.facts, top.origin, graph.self_signed(top), options.is_public(top.cert)
            )
    path = _path(path_certs, at, options, graph, origins, anchored=anchored)

    setting = policy.setting(weak_signature.id)
    leaf_weak_only = (  # the verifier refuses a SHA-1 leaf; signature.weak-hash already says so
        not result.ok
        and anchored
        and setting.enabled
        and weak_signature_hash(leaf_c.facts, setting.parameters.allowed) is not None
    )
    return _Facts(
        context=ChainContext(
            leaf=leaf_c.facts,
            location=leaf.location,
            at=at,
            duplicates=tuple(duplicates),
            supplied=supplied_facts,
            given_order=given_order,
            in_issuing_order=issuing_order,
            path=path,
            anchored=anchored,
            unanchored_top=unanchored,
            issuer_is_public=options.is_public_fingerprint(path_certs[-1].fp) if anchored else None,
            check_dates=not strict.ok,
            verifier_error=result.error,
            leaf_weak_signature_reported=leaf_weak_only,
            role=role,
            judged_for=judged_for,
        ),
        path=result.path,
        strict_ok=strict.ok,
        reason=strict.error,
    )


def _path(
    path: list[Node],
    at: dt.datetime,
    options: ChainOptions,
    graph: Graph,
    origins: dict[bytes, Location],
    *,
    anchored: bool,
) -> tuple[PathCertificate, ...]:
    """Each certificate of the path with what the rules need beyond its facts.

    The last certificate of an anchored path is a trust anchor: whatever its shape (a trusted
    intermediate too), its own signature and issuer links are not judged.
    """
    out: list[PathCertificate] = []
    last = len(path) - 1
    crls = options.crls
    for i, c in enumerate(path):
        anchor = anchored and i == last
        root = i > 0 and graph.self_signed(c)
        out.append(
            PathCertificate(
                certificate=c.facts,
                origin=c.origin,
                trusted_from=origins.get(c.fp, c.origin),
                serial_number=c.cert.serial_number,
                root=root,
                anchor=anchor,
                ca_profile_problems=ca_profile(c, root, anchor, graph.cache) if i else (),
                revocation_problems=(
                    revocation(c, path[i + 1], crls, at) if crls and i < last else ()
                ),
            )
        )
    return tuple(out)


def _clamp(at: dt.datetime, cert: x509.Certificate) -> dt.datetime:
    """``at`` moved just inside ``cert``'s validity (the verifier's bounds are strict)."""
    second = dt.timedelta(seconds=1)
    nb, na = cert.not_valid_before_utc, cert.not_valid_after_utc
    if na - nb <= 2 * second:
        return nb
    return min(max(at, nb + second), na - second)
