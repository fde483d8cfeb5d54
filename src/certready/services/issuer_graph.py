"""The issuer graph of one chain analysis: who could have issued whom, among the supplied
certificates, the trust anchors and the stores' intermediates, and the walks over it.

cryptography's verifier reports one free-text reason and cannot tell a missing intermediate from
an untrusted root, so the chain service walks this graph (names, key identifiers, signatures) to
name what is missing. What recurs between analyses of one run (the names and facts of CA
certificates, the intermediate -> root signature checks, CA profiles) is remembered by the run's
:class:`ChainCache`, owned by its :class:`~certready.services.chain_options.ChainOptions`.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from certready.adapters.pathbuild import Anchors
from certready.core.facts import FactsCache
from certready.core.location import Location
from certready.core.model import CertFacts

MAX_DEPTH = 8
"""How far the issuer walk looks (the verifier's own default depth is 8)."""


ShapeKey = tuple[tuple[bytes, ...], int, bytes, str | None]
"""(fingerprints supplied besides the leaf in order, the leaf's place, its DER issuer name, its
Authority Key Identifier): see :func:`bundle_shape`."""


class ChainCache:
    """What chain analyses of one run remember about the certificates they meet again: the
    same intermediates and roots recur in every bundle of a lint and on every server of a scan.

    Each table is bounded (it starts over when full), so a long run does not hold everything.
    """

    NAMES_MAX = 4096
    SIGNED_MAX = 16384
    CA_PROFILE_MAX = 4096
    CA_PATHS_MAX = 4096
    SHAPES_MAX = 4096

    def __init__(self, facts: FactsCache | None = None) -> None:
        self.facts = facts or FactsCache()
        self.names: dict[bytes, tuple[bytes, bytes]] = {}
        """DER subject and issuer of CA certificates by fingerprint."""
        self.signed: dict[tuple[bytes, bytes], bool] = {}
        """Signature checks by (child, parent) fingerprint."""
        self.ca_profile: dict[tuple[bytes, bool, bool], tuple[str, ...]] = {}
        """CA profile problems by (fingerprint, root, anchor)."""
        self.ca_paths: dict[
            tuple[bytes, tuple[bytes, ...], dt.datetime, str],
            tuple[tuple[x509.Certificate, bytes], ...],
        ] = {}
        """The CA part of paths a full validation built (:mod:`certready.services.ca_paths`)."""
        self.issuer_anchors: dict[bytes, Anchors] = {}
        """A one-certificate store per verified issuer, for the leaves under it."""
        self.shapes: dict[ShapeKey, Shape] = {}
        """What the issuer graph said about bundles by shape (:func:`bundle_shape`)."""

    def remember_shape(self, key: ShapeKey, shape: Shape) -> None:
        if len(self.shapes) >= self.SHAPES_MAX:
            self.shapes.clear()
        self.shapes[key] = shape

    def using(self, facts: FactsCache | None) -> ChainCache:
        """This cache, reading facts from ``facts`` (the run's facts cache) when given."""
        if facts is None or facts is self.facts:
            return self
        view = copy.copy(self)  # the same tables
        view.facts = facts
        return view


@dataclass(eq=False)  # one record per certificate in an analysis: identity is equality
class Node:
    """A supplied or known certificate, its facts extracted at most once."""

    cert: x509.Certificate
    origin: Location
    fp: bytes
    cache: ChainCache
    _facts: CertFacts | None = None
    _names: tuple[bytes, bytes] | None = None

    @property
    def facts(self) -> CertFacts:
        if self._facts is None:
            self._facts = self.cache.facts.facts(self.cert)
        return self._facts

    @property
    def subject_der(self) -> bytes:
        return self.names[0]

    @property
    def issuer_der(self) -> bytes:
        if self._names is None and not (self.facts.is_ca or self.facts.self_issued):
            return self.cache.facts.issuer_der(self.cert)  # a leaf's subject may not be needed
        return self.names[1]

    @property
    def names(self) -> tuple[bytes, bytes]:
        """DER subject and issuer: cryptography parses a name anew on every access."""
        if self._names is None:
            table = self.cache.names
            self._names = table.get(self.fp)
            if self._names is None:
                self._names = self.cache.facts.name_ders(self.cert)
                if self.facts.is_ca or self.facts.self_issued:  # leaves do not recur
                    if len(table) >= ChainCache.NAMES_MAX:
                        table.clear()
                    table[self.fp] = self._names
        return self._names


class Graph:
    """Who could have issued whom, among supplied certificates, anchors and store intermediates."""

    def __init__(self, certs: Iterable[Node], cache: ChainCache) -> None:
        self._certs = tuple(certs)
        self._by_subject: dict[bytes, list[Node]] | None = None
        self._verified: dict[tuple[bytes, bytes], bool] = {}
        self.cache = cache

    @property
    def by_subject(self) -> dict[bytes, list[Node]]:
        """The certificates by DER subject (indexed on first use: an analysis whose bundle shape
        is remembered only checks signatures, which need no index)."""
        if self._by_subject is None:
            by_subject: dict[bytes, list[Node]] = {}
            for c in self._certs:
                by_subject.setdefault(c.subject_der, []).append(c)
            self._by_subject = by_subject
        return self._by_subject

    def issuers(self, child: Node) -> list[Node]:
        out = []
        for parent in self.by_subject.get(child.issuer_der, ()):
            if parent.fp != child.fp and self.signed(child, parent):
                out.append(parent)
        return out

    def candidates(self, child: Node) -> list[Node]:
        """Possible issuers by name and key identifier only (no signature check: cheap)."""
        aki = child.facts.authority_key_identifier  # facts are cached per certificate
        out = []
        for parent in self.by_subject.get(child.issuer_der, ()):
            if parent.fp == child.fp:
                continue
            if aki is not None and parent.facts.subject_key_identifier not in (None, aki):
                continue
            out.append(parent)
        return out

    def signed(self, child: Node, parent: Node) -> bool:
        key = (child.fp, parent.fp)
        if key not in self._verified:
            shared = self.cache.signed
            ok = shared.get(key)
            if ok is None:
                ok = _verifies(child.cert, parent.cert)
                if len(shared) >= ChainCache.SIGNED_MAX:
                    shared.clear()
                shared[key] = ok
            self._verified[key] = ok
        return self._verified[key]

    def self_signed(self, c: Node) -> bool:
        return c.facts.self_issued and self.signed(c, c)  # self_issued: subject == issuer


def _verifies(child: x509.Certificate, parent: x509.Certificate) -> bool:
    try:
        child.verify_directly_issued_by(parent)
        return True
    except ValueError:
        try:
            return _weak_signature_verifies(child, parent)
        except Exception:  # an issuer key cryptography cannot load
            return False
    except (TypeError, InvalidSignature):
        return False
    except Exception:
        return False


def _weak_signature_verifies(child: x509.Certificate, parent: x509.Certificate) -> bool:
    """A SHA-1 (or MD5) signature cryptography's ``verify_directly_issued_by`` refuses, checked
    by hand: the issuer is found, and signature.weak-hash reports the weakness."""
    algorithm = child.signature_hash_algorithm
    key = parent.public_key()
    if child.issuer != parent.subject or algorithm is None:
        return False
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(child.signature, child.tbs_certificate_bytes, padding.PKCS1v15(), algorithm)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(child.signature, child.tbs_certificate_bytes, ec.ECDSA(algorithm))
        else:
            return False
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


@dataclass(frozen=True, slots=True)
class Shape:
    """What the issuer graph said about a bundle of one shape (:func:`bundle_shape`): the same for
    every leaf of that shape, so an analysis that finds it remembered skips the graph walks."""

    store_candidates: tuple[tuple[x509.Certificate, bytes], ...]
    """The stores' certificates that can be on a path up from the bundle, with fingerprints."""
    store_fingerprints: frozenset[bytes]
    """Their fingerprints: a leaf that is one of them is not of this shape."""
    above: frozenset[bytes]
    """The fingerprints that may be on a path of the leaf (:func:`reachable`), less the leaf's."""
    pool_self_signed: tuple[bool, ...]
    """For each supplied certificate but the leaf: related and self-signed."""
    in_issuing_order: bool
    leaf_issuers: tuple[bytes, ...]
    """The fingerprints of the certificates named as the leaf's issuer, in the analysis' order."""

    def fits(self, leaf: Node) -> bool:
        """The shape holds for ``leaf`` (not one of the stores' certificates)."""
        return leaf.fp not in self.store_fingerprints


def bundle_shape(
    leaf: Node, sequence: Sequence[Node], pool: Sequence[Node], beside: Sequence[Node]
) -> ShapeKey | None:
    """What the issuer graph's verdicts on a bundle depend on besides the run's stores: the other
    certificates supplied (in order), the leaf's place among them, its issuer name and its
    Authority Key Identifier. ``None`` where the leaf itself could take part in the graph beyond
    that (a self-issued leaf: its own issuer by name) or other inputs' CA certificates join it.

    Why that is enough: the walks go up from the leaf, which enters them only through its issuer
    name and key identifier (a certificate that names the leaf as its issuer is never walked
    back to it: the leaf is where every walk starts), and everything else is decided by the
    certificates' own facts and signatures, named by their fingerprints. A leaf that is itself
    one of the stores' certificates could meet itself on the way up: :meth:`Shape.fits` refuses
    it (and such an analysis is not remembered).
    """
    if beside or leaf.facts.self_issued:
        return None
    position = next(i for i, c in enumerate(sequence) if c is leaf)
    return (
        tuple(c.fp for c in pool),
        position,
        leaf.issuer_der,
        leaf.facts.authority_key_identifier,
    )


def walk(leaf: Node, graph: Graph, anchored: frozenset[bytes]) -> tuple[list[Node], bool]:
    """The shortest issuer path from ``leaf`` to an anchor, else the longest one found.

    Breadth-first with each certificate expanded once: bundles with many cross-signed
    certificates (BetterTLS) would make a depth-first search over every path exponential.
    """
    parent_of: dict[bytes, Node | None] = {leaf.fp: None}
    depth = {leaf.fp: 0}
    queue = [leaf]
    deepest = leaf
    end: Node | None = leaf if leaf.fp in anchored else None
    head = 0
    while end is None and head < len(queue):
        node = queue[head]
        head += 1
        if depth[node.fp] > MAX_DEPTH:
            continue
        for parent in graph.issuers(node):
            if parent.fp in parent_of:
                continue
            parent_of[parent.fp] = node
            depth[parent.fp] = depth[node.fp] + 1
            if depth[parent.fp] > depth[deepest.fp]:
                deepest = parent
            if parent.fp in anchored:
                end = parent
                break
            queue.append(parent)
    last = end or deepest
    chain: list[Node] = []
    cursor: Node | None = last
    while cursor is not None:
        chain.append(cursor)
        cursor = parent_of[cursor.fp]
    chain.reverse()
    return chain, end is not None


def reachable(leaf: Node, graph: Graph) -> set[bytes]:
    """Every certificate that may be on a path of ``leaf`` (names and key identifiers)."""
    seen = {leaf.fp}
    todo = [leaf]
    while todo:
        node = todo.pop()
        for parent in graph.candidates(node):
            if parent.fp not in seen:
                seen.add(parent.fp)
                todo.append(parent)
    return seen


def in_issuing_order(ordered: list[Node], leaf: Node, graph: Graph) -> bool:
    """``ordered`` starts with ``leaf`` and each certificate may certify one before it."""
    if ordered and ordered[0].fp != leaf.fp:
        return False
    # Each certificate's candidate issuers are collected once, as the walk goes: linear in the
    # bundle (asking every earlier certificate again made 4,000 certificates take a minute).
    certified: set[int] = set()  # id() of what the certificates so far may have been issued by
    for i, c in enumerate(ordered):
        if i and id(c) not in certified:
            return False
        certified.update(id(parent) for parent in graph.candidates(c))
    return True
