"""Chain options: the trust stores, extra certificates, time and CRLs a run's chain analyses use
(``--trust``, ``--chain``, ``--at``, ``--crl``), the anchors indexed once per run, and the run's
:class:`~certready.services.issuer_graph.ChainCache`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Literal

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes

from certready.adapters.crls import LoadedCrl, load_crls
from certready.adapters.inputs import SKIPPED, LoadedCertificate, iter_inputs
from certready.adapters.pathbuild import Anchors
from certready.adapters.trust import TrustStore, load_mozilla, load_trust_path, parse_trust
from certready.core.errors import InputError, UsageError
from certready.core.location import TrustLocation
from certready.services.issuer_graph import ChainCache

_SHA256 = hashes.SHA256()
_CANDIDATES_MAX = 1024


@dataclass(frozen=True, slots=True)
class ChainOptions:
    """How to analyse chains: which stores to trust, extra certificates, time, CRLs."""

    trust: tuple[TrustStore, ...] = ()
    """The anchors a client has; empty means Mozilla's store."""
    extra_certificates: tuple[LoadedCertificate, ...] = ()
    """Certificates from ``--chain`` files, appended after the target's own."""
    at: dt.datetime | None = None
    """Validate at this time (``--at``); ``None``: the lint's ``now``."""
    crls: tuple[LoadedCrl, ...] = ()
    public: TrustStore | None = None
    """The store that makes a CA "public" (no client install needed); ``None``: Mozilla's."""
    kind: Literal["server", "client"] = "server"
    max_chain_depth: int | None = None
    _anchors: Anchors = field(init=False, repr=False, compare=False)
    _public: frozenset[bytes] = field(init=False, repr=False, compare=False)
    _origins: dict[bytes, TrustLocation] = field(init=False, repr=False, compare=False)
    _by_subject: dict[bytes, list[tuple[int, x509.Certificate, bytes, bytes]]] = field(
        init=False, repr=False, compare=False
    )
    _candidates: dict[frozenset[bytes], list[tuple[x509.Certificate, bytes]]] = field(
        init=False, repr=False, compare=False
    )
    _cache: ChainCache = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_cache", ChainCache())
        trust = self.trust or (load_mozilla(),)
        public = self.public or load_mozilla()
        anchors: list[x509.Certificate] = []
        fingerprints: list[bytes] = []
        origins: dict[bytes, TrustLocation] = {}
        for store in trust:
            for cert in store.anchors:
                fp = cert.fingerprint(_SHA256)
                if fp not in origins:
                    origins[fp] = store.origin
                    anchors.append(cert)
                    fingerprints.append(fp)
        for store in trust:
            for cert in store.intermediates:
                origins.setdefault(cert.fingerprint(_SHA256), store.origin)
        object.__setattr__(self, "_anchors", Anchors(anchors, fingerprints))
        object.__setattr__(self, "_origins", origins)
        same = public is trust[0] and len(trust) == 1
        by_subject: dict[bytes, list[tuple[int, x509.Certificate, bytes, bytes]]] = {}
        indexed: set[bytes] = set()
        for index, cert in enumerate((*anchors, *(c for s in trust for c in s.intermediates))):
            fp = cert.fingerprint(_SHA256)
            if fp not in indexed:
                indexed.add(fp)
                by_subject.setdefault(cert.subject.public_bytes(), []).append(
                    (index, cert, fp, cert.issuer.public_bytes())
                )
        object.__setattr__(self, "_by_subject", by_subject)
        object.__setattr__(self, "_candidates", {})
        object.__setattr__(
            self,
            "_public",
            frozenset(fingerprints)
            if same
            else frozenset(c.fingerprint(_SHA256) for c in public.anchors),
        )

    @property
    def cache(self) -> ChainCache:
        """What the analyses of this run remember about the CA certificates they meet again."""
        return self._cache

    @property
    def anchors(self) -> Anchors:
        return self._anchors

    @property
    def store_intermediates(self) -> tuple[x509.Certificate, ...]:
        return tuple(c for s in self.trust for c in s.intermediates)

    def issuer_candidates(
        self, certs: Iterable[x509.Certificate]
    ) -> list[tuple[x509.Certificate, bytes]]:
        """The anchors and store intermediates that can be on a path up from ``certs`` (their
        issuers by name, transitively), with fingerprints, in store order: an analysis looks at
        these few instead of fingerprinting the whole store (Mozilla's: ~150) every time."""
        return self.issuer_candidates_by_name(c.issuer.public_bytes() for c in certs)

    def issuer_candidates_by_name(
        self, issuers: Iterable[bytes]
    ) -> list[tuple[x509.Certificate, bytes]]:
        """:meth:`issuer_candidates` from the DER issuer names of the certificates (remembered
        per set of names: the bundles of a run have the same few issuers)."""
        names = frozenset(issuers)
        known = self._candidates.get(names)
        if known is None:
            known = self._issuer_candidates(names)
            if len(self._candidates) >= _CANDIDATES_MAX:
                self._candidates.clear()
            self._candidates[names] = known
        return list(known)

    def _issuer_candidates(self, names: frozenset[bytes]) -> list[tuple[x509.Certificate, bytes]]:
        found: dict[bytes, tuple[int, x509.Certificate]] = {}
        todo = list(names)
        done: set[bytes] = set()
        while todo:
            name = todo.pop()
            if name in done:
                continue
            done.add(name)
            for index, cert, fp, issuer in self._by_subject.get(name, ()):
                if fp not in found:
                    found[fp] = (index, cert)
                    todo.append(issuer)
        ordered = sorted(found.items(), key=lambda item: item[1][0])
        return [(cert, fp) for fp, (_, cert) in ordered]

    def origin(self, fingerprint: bytes) -> TrustLocation | None:
        return self._origins.get(fingerprint)

    def is_public(self, cert: x509.Certificate) -> bool:
        return self.is_public_fingerprint(cert.fingerprint(_SHA256))

    def is_public_fingerprint(self, fingerprint: bytes) -> bool:
        return fingerprint in self._public

    def path_is_public(self, top: x509.Certificate) -> bool:
        """Whether the path whose highest known certificate is ``top`` ends in a public root:
        ``top`` itself is in the public store (:meth:`is_public`, by fingerprint), or ``top`` is a
        certificate whose root nobody supplied and a public root of its issuer's name (the
        trust-store lookup by name) has the key that verifies ``top``'s signature. A private CA
        named like a public one is never public."""
        if self.is_public(top):
            return True
        for anchor, fingerprint in self.issuer_candidates([top]):
            if anchor.subject != top.issuer or not self.is_public_fingerprint(fingerprint):
                continue
            try:
                top.verify_directly_issued_by(anchor)
            except (InvalidSignature, ValueError, TypeError):
                continue
            return True
        return False


def bench_options(roots_file: Path) -> ChainOptions:
    """The chain options bench/lint.py uses: trust the bench's generated roots."""
    store = load_trust_path(str(roots_file))
    return ChainOptions(trust=(store,), public=store)


def parse_time(text: str) -> dt.datetime:
    """``--at``: ISO 8601 (``2027-03-01``, ``2027-03-01T12:00``, with or without offset); naive is UTC."""
    try:
        value = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(
            f"--at {text!r} is not an ISO 8601 date or time (e.g. 2027-03-01 or 2027-03-01T12:00Z)"
        ) from None
    value = value.replace(microsecond=0)  # X.509 times are whole seconds (RFC 5280 §4.1.2.5)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def make_chain_options(
    trust: Sequence[str] | None = None,
    chain_files: Sequence[str] = (),
    at: str | None = None,
    crl_files: Sequence[str] = (),
    stdin: BinaryIO | None = None,
) -> ChainOptions:
    """The chain options of a command line: ``--trust``, ``--chain``, ``--at``, ``--crl``.

    Unreadable files are :class:`InputError` naming the file: validating against a trust store
    or CRL that silently failed to load would be a wrong verdict, not a partial one.
    """
    extra: list[LoadedCertificate] = []
    for item in iter_inputs(list(chain_files), stdin=stdin):
        if isinstance(item, InputError):
            raise InputError(f"--chain: {item.message}", location=item.location)
        if item.format == SKIPPED:  # a folder's README
            continue
        if not item.certificates:
            what = "a private key" if item.keys else "nothing usable"
            raise InputError(
                f"--chain: holds {what}, no certificate (give the intermediates' file)",
                location=item.source,
            )
        extra.extend(item.certificates)
    return ChainOptions(
        trust=parse_trust(list(trust) if trust else None),
        extra_certificates=tuple(extra),
        at=parse_time(at) if at else None,
        crls=load_crls(crl_files),
    )
