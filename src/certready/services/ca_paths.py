"""Each CA path verified once per run: a leaf under an already verified intermediate only has its
own signature and policy checked.

A batch of leaves under the same intermediates repeated the intermediate-to-root signature checks
and CA policy of cryptography's verifier for every leaf. :func:`verify_leaf` remembers, per run
(in the :class:`~certready.services.issuer_graph.ChainCache` of the run's chain options), the CA
part of every path a full validation built, keyed by everything that can change which path the
verifier builds and whether it accepts it above the leaf: the leaf's issuer, the certificates
offered with the leaf in their order, the validation time and the kind of verifier. A later leaf
under the same key is validated with that issuer alone as its trust anchor (its signature, its
validity at the time, its own extensions and name); when that succeeds, its path is the leaf
followed by the remembered CA path, exactly what the full validation returns.

The shortcut is only taken where it cannot change a verdict, and everything else falls back to
the full validation: the leaf's issuer must be the only candidate of its name (so no other path
could be chosen), not itself an anchor; no certificate of the CA path may carry name constraints
(they judge the leaf's names, which the CA path's validation did not see); no maximum depth may be
set; and a leaf the shortcut refuses is validated in full, so every failure keeps the verifier's
own reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence

from cryptography import x509

from certready.adapters.pathbuild import Anchors, Kind, PathResult, verify_path
from certready.core.location import Location, UnknownLocation
from certready.core.model import CertFacts, ChainElement
from certready.services.issuer_graph import ChainCache, Node

CaPathKey = tuple[bytes, tuple[bytes, ...], dt.datetime, str]
"""(issuer fingerprint, fingerprints offered with the leaf in order, time, verifier kind)."""


def verify_leaf(
    leaf: Node,
    pool: Sequence[Node],
    intermediates: Sequence[x509.Certificate],
    anchors: Anchors,
    issuers: Sequence[Node],
    nodes: Mapping[bytes, Node],
    cache: ChainCache,
    *,
    at: dt.datetime,
    host: str | None,
    kind: Kind,
    max_chain_depth: int | None,
    origins: Mapping[bytes, Location],
    facts: Callable[[x509.Certificate], CertFacts],
    fingerprint: Callable[[x509.Certificate], bytes],
) -> PathResult:
    """The strict validation of ``leaf`` (:func:`verify_path`), through a CA path verified
    earlier in the run when one is known for the same key.

    ``issuers``: the analysis' certificates whose subject is the leaf's issuer name; ``nodes``:
    all of its certificates by fingerprint."""
    key, issuer = _key(leaf, pool, anchors, issuers, at, kind, max_chain_depth)
    if key is not None and issuer is not None:
        known = cache.ca_paths.get(key)
        if known is not None:
            store = cache.issuer_anchors.get(issuer.fp)
            if store is None:
                store = Anchors([issuer.cert], [issuer.fp])
                cache.issuer_anchors[issuer.fp] = store
            short = verify_path(
                leaf.cert,
                [],
                store,
                at=at,
                host=host,
                kind=kind,
                describe=False,  # described below, with this analysis' own certificates
            )
            if short.ok and len(short.certificates) == 2:
                # this analysis' own objects where it has them (looked up by identity after)
                certificates = [leaf.cert]
                path = [ChainElement(leaf.facts, origins.get(leaf.fp, UnknownLocation()))]
                for cert, fp in known:
                    node = nodes.get(fp)
                    if node is None:
                        certificates.append(cert)
                        path.append(ChainElement(facts(cert), origins.get(fp, UnknownLocation())))
                    else:
                        certificates.append(node.cert)
                        path.append(ChainElement(node.facts, origins.get(fp, UnknownLocation())))
                return PathResult(tuple(path), tuple(certificates))
    full = verify_path(
        leaf.cert,
        intermediates,
        anchors,
        at=at,
        host=host,
        kind=kind,
        max_chain_depth=max_chain_depth,
        origins=origins,
        facts=facts,
        fingerprint=fingerprint,
    )
    if (
        key is not None
        and issuer is not None
        and full.ok
        and _rememberable(full, issuer, fingerprint)
    ):
        if len(cache.ca_paths) >= cache.CA_PATHS_MAX:
            cache.ca_paths.clear()
            cache.issuer_anchors.clear()
        cache.ca_paths[key] = tuple((c, fingerprint(c)) for c in full.certificates[1:])
    return full


def _key(
    leaf: Node,
    pool: Sequence[Node],
    anchors: Anchors,
    candidates: Sequence[Node],
    at: dt.datetime,
    kind: Kind,
    max_chain_depth: int | None,
) -> tuple[CaPathKey | None, Node | None]:
    if max_chain_depth is not None:
        return None, None
    if len(candidates) != 1:
        return None, None  # several issuers of that name: the verifier chooses; let it
    issuer = candidates[0]
    if issuer.fp == leaf.fp or issuer.fp in anchors.fingerprints:
        return None, None
    return (issuer.fp, tuple(c.fp for c in pool), at, kind), issuer


def _rememberable(
    full: PathResult, issuer: Node, fingerprint: Callable[[x509.Certificate], bytes]
) -> bool:
    """The full path went through ``issuer`` and no CA of it constrains names."""
    certificates = full.certificates
    if len(certificates) < 3 or fingerprint(certificates[1]) != issuer.fp:
        return False
    for cert in certificates[1:]:
        try:
            cert.extensions.get_extension_for_class(x509.NameConstraints)
        except x509.ExtensionNotFound:
            continue
        except (x509.DuplicateExtension, ValueError, TypeError):
            return False
        return False
    return True
