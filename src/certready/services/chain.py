"""Chain analysis: build the path of a leaf from what the user supplied plus the trust stores,
and say precisely what is wrong with it, one finding per defect (never only the first).

The path itself is built by :mod:`certready.adapters.pathbuild` (cryptography's verifier). That
verifier reports one free-text reason and cannot tell a missing intermediate from an untrusted root,
so this module walks the issuer graph itself (names, key identifiers, signatures) to name what is
missing, and checks every certificate of the path (dates, key and signature strength, CA profile,
serial numbers, revocation against ``--crl`` files).

Leaf and chain verdicts never hide each other: the path is validated in *relaxed* mode (no check
on the leaf's own extensions, the leaf's own name, a time inside the leaf's validity), so a leaf
with a bad EKU or an expired date still gets its chain analysed; the leaf's problems are reported
by the rules. :attr:`ChainAnalysis.valid` keeps the strict verdict (the exact host and time).
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
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from certready.adapters.crls import LoadedCrl, load_crls
from certready.adapters.inputs import LoadedCertificate, iter_inputs
from certready.adapters.pathbuild import Anchors, PathResult, verify_path
from certready.adapters.trust import TrustStore, load_mozilla, load_trust_path, parse_trust
from certready.core.engine import make_finding
from certready.core.errors import InputError, UsageError
from certready.core.facts import cached_facts, certificate_names, colon_hex
from certready.core.model import CertFacts, ChainElement, Finding
from certready.core.policy import Policy
from certready.core.rules.chain import key_weakness, signature_weakness, validation_type_note
from certready.core.rules.signature import weak_hash as weak_signature_hash

_SHA256 = hashes.SHA256()
MAX_DEPTH = 8
"""How far the issuer walk looks (the verifier's own default depth is 8)."""


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
    _origins: dict[bytes, str] = field(init=False, repr=False, compare=False)
    _by_subject: dict[bytes, list[tuple[int, x509.Certificate, bytes]]] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        trust = self.trust or (load_mozilla(),)
        public = self.public or load_mozilla()
        anchors: list[x509.Certificate] = []
        fingerprints: list[bytes] = []
        origins: dict[bytes, str] = {}
        for store in trust:
            for cert in store.anchors:
                fp = cert.fingerprint(_SHA256)
                if fp not in origins:
                    origins[fp] = store.label
                    anchors.append(cert)
                    fingerprints.append(fp)
        for store in trust:
            for cert in store.intermediates:
                origins.setdefault(cert.fingerprint(_SHA256), store.label)
        object.__setattr__(self, "_anchors", Anchors(anchors, fingerprints))
        object.__setattr__(self, "_origins", origins)
        same = public is trust[0] and len(trust) == 1
        by_subject: dict[bytes, list[tuple[int, x509.Certificate, bytes]]] = {}
        indexed: set[bytes] = set()
        for index, cert in enumerate((*anchors, *(c for s in trust for c in s.intermediates))):
            fp = cert.fingerprint(_SHA256)
            if fp not in indexed:
                indexed.add(fp)
                by_subject.setdefault(cert.subject.public_bytes(), []).append((index, cert, fp))
        object.__setattr__(self, "_by_subject", by_subject)
        object.__setattr__(
            self,
            "_public",
            frozenset(fingerprints)
            if same
            else frozenset(c.fingerprint(_SHA256) for c in public.anchors),
        )

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
        """:meth:`issuer_candidates` from the DER issuer names of the certificates."""
        found: dict[bytes, tuple[int, x509.Certificate]] = {}
        todo = list(issuers)
        done: set[bytes] = set()
        while todo:
            name = todo.pop()
            if name in done:
                continue
            done.add(name)
            for index, cert, fp in self._by_subject.get(name, ()):
                if fp not in found:
                    found[fp] = (index, cert)
                    todo.append(cert.issuer.public_bytes())
        ordered = sorted(found.items(), key=lambda item: item[1][0])
        return [(cert, fp) for fp, (_, cert) in ordered]

    def origin(self, fingerprint: bytes) -> str | None:
        return self._origins.get(fingerprint)

    def is_public(self, cert: x509.Certificate) -> bool:
        return self.is_public_fingerprint(cert.fingerprint(_SHA256))

    def is_public_fingerprint(self, fingerprint: bytes) -> bool:
        return fingerprint in self._public


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


@dataclass(eq=False)  # one record per certificate in an analysis: identity is equality
class _Cert:
    """A supplied or known certificate, its facts extracted at most once."""

    cert: x509.Certificate
    origin: str
    fp: bytes
    _facts: CertFacts | None = None
    _names: tuple[bytes, bytes] | None = None

    @property
    def facts(self) -> CertFacts:
        if self._facts is None:
            self._facts = cached_facts(self.cert)
        return self._facts

    @property
    def subject_der(self) -> bytes:
        return self.names[0]

    @property
    def issuer_der(self) -> bytes:
        return self.names[1]

    @property
    def names(self) -> tuple[bytes, bytes]:
        """DER subject and issuer: cryptography parses a name anew on every access."""
        if self._names is None:
            self._names = _NAMES.get(self.fp)
            if self._names is None:
                subject, issuer = certificate_names(self.cert)
                self._names = (subject.public_bytes(), issuer.public_bytes())
                if self.facts.is_ca or self.facts.self_issued:  # leaves do not recur
                    if len(_NAMES) >= _NAMES_MAX:
                        _NAMES.clear()
                    _NAMES[self.fp] = self._names
        return self._names


_NAMES: dict[bytes, tuple[bytes, bytes]] = {}
"""DER subject and issuer of CA certificates by fingerprint: they recur in every analysis."""
_NAMES_MAX = 4096


class _Graph:
    """Who could have issued whom, among supplied certificates, anchors and store intermediates."""

    def __init__(self, certs: Iterable[_Cert]) -> None:
        self.by_subject: dict[bytes, list[_Cert]] = {}
        for c in certs:
            self.by_subject.setdefault(c.subject_der, []).append(c)
        self._verified: dict[tuple[bytes, bytes], bool] = {}

    def issuers(self, child: _Cert) -> list[_Cert]:
        out = []
        for parent in self.by_subject.get(child.issuer_der, ()):
            if parent.fp != child.fp and self.signed(child, parent):
                out.append(parent)
        return out

    def candidates(self, child: _Cert) -> list[_Cert]:
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

    def signed(self, child: _Cert, parent: _Cert) -> bool:
        key = (child.fp, parent.fp)
        if key not in self._verified:
            ok = _SIGNED.get(key)
            if ok is None:
                try:
                    child.cert.verify_directly_issued_by(parent.cert)
                    ok = True
                except ValueError:
                    try:
                        ok = _weak_signature_verifies(child.cert, parent.cert)
                    except Exception:  # an issuer key cryptography cannot load
                        ok = False
                except (TypeError, InvalidSignature):
                    ok = False
                except Exception:
                    ok = False
                if len(_SIGNED) >= _SIGNED_MAX:
                    _SIGNED.clear()
                _SIGNED[key] = ok
            self._verified[key] = ok
        return self._verified[key]


_SIGNED: dict[tuple[bytes, bytes], bool] = {}
"""Signature checks by (child, parent) fingerprint, shared by every analysis of a process: the
intermediate -> root check recurs on every server of a scan and in every bundle of a lint."""
_SIGNED_MAX = 16384


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


def _fingerprint(cert: x509.Certificate) -> bytes:
    """SHA-256 fingerprint from the facts remembered per certificate (every certificate given
    gets its facts extracted anyway; hashing the DER again each time costs more)."""
    return bytes.fromhex(cached_facts(cert).fingerprint_sha256)


def _self_signed(c: _Cert, graph: _Graph) -> bool:
    return c.facts.self_issued and graph.signed(c, c)  # self_issued: subject == issuer


def _walk(leaf: _Cert, graph: _Graph, anchored: frozenset[bytes]) -> tuple[list[_Cert], bool]:
    """The shortest issuer path from ``leaf`` to an anchor, else the longest one found.

    Breadth-first with each certificate expanded once: bundles with many cross-signed
    certificates (BetterTLS) would make a depth-first search over every path exponential.
    """
    parent_of: dict[bytes, _Cert | None] = {leaf.fp: None}
    depth = {leaf.fp: 0}
    queue = [leaf]
    deepest = leaf
    end: _Cert | None = leaf if leaf.fp in anchored else None
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
    chain: list[_Cert] = []
    cursor: _Cert | None = last
    while cursor is not None:
        chain.append(cursor)
        cursor = parent_of[cursor.fp]
    chain.reverse()
    return chain, end is not None


def _reachable(leaf: _Cert, graph: _Graph) -> set[bytes]:
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


def _clamp(at: dt.datetime, cert: x509.Certificate) -> dt.datetime:
    """``at`` moved just inside ``cert``'s validity (the verifier's bounds are strict)."""
    second = dt.timedelta(seconds=1)
    nb, na = cert.not_valid_before_utc, cert.not_valid_after_utc
    if na - nb <= 2 * second:
        return nb
    return min(max(at, nb + second), na - second)


class _Emitter:
    def __init__(self, policy: Policy, location: str) -> None:
        self.policy = policy
        self.location = location
        self.findings: list[Finding] = []

    def add(
        self,
        rule_id: str,
        message: str,
        *,
        certificate: CertFacts | None = None,
        location: str | None = None,
        remediation: str | None = None,
    ) -> bool:
        finding = make_finding(
            rule_id,
            self.policy,
            message,
            location or self.location,
            certificate=certificate,
            remediation=remediation,
        )
        if finding is not None:
            self.findings.append(finding)
        return finding is not None

    def has(self, *rule_ids: str) -> bool:
        return any(f.rule_id in rule_ids for f in self.findings)


def analyse_chain(
    leaf: LoadedCertificate,
    supplied: Sequence[LoadedCertificate],
    options: ChainOptions,
    policy: Policy,
    *,
    hosts: Sequence[str] = (),
    now: dt.datetime | None = None,
    known_facts: Sequence[CertFacts] = (),
) -> ChainAnalysis:
    """Analyse the chain of ``leaf``.

    ``supplied`` is everything that came with it, in the order given (it may include the leaf
    itself, whose position then counts for the order check); ``options.extra_certificates`` are
    appended. ``hosts`` are normalised reference identifiers: the first one is used for the strict
    verdict. ``known_facts`` are facts the caller already extracted (matched by fingerprint).
    """
    cached = {bytes.fromhex(f.fingerprint_sha256): f for f in known_facts}
    at = options.at or now or dt.datetime.now(dt.UTC)
    out = _Emitter(policy, leaf.location)
    leaf_fp = _fingerprint(leaf.certificate)
    leaf_c = _Cert(leaf.certificate, leaf.location, leaf_fp, cached.get(leaf_fp))

    # The sequence as given, duplicates reported once each, the rest pooled.
    sequence: list[_Cert] = []
    seen: dict[bytes, _Cert] = {}
    leaf_in_sequence = False
    for item in (*supplied, *options.extra_certificates):
        cert = item.certificate
        fp = leaf_fp if cert is leaf.certificate else _fingerprint(cert)
        if fp == leaf_c.fp and not leaf_in_sequence:
            leaf_in_sequence = True
            sequence.append(leaf_c)
            seen[fp] = leaf_c
            continue
        if fp in seen:
            first = seen[fp]
            out.add(
                "chain.duplicate-certificate",
                f"{first.facts.display_name} is supplied again (first at {first.origin})",
                certificate=first.facts,
                location=item.location,
            )
            continue
        c = _Cert(item.certificate, item.location, fp, cached.get(fp))
        seen[fp] = c
        sequence.append(c)
    if not leaf_in_sequence:
        sequence.insert(0, leaf_c)
    pool = [c for c in sequence if c.fp != leaf_c.fp]

    known: list[_Cert] = list(sequence)
    for cert, fp in options.issuer_candidates_by_name(c.issuer_der for c in sequence):
        if fp not in seen:
            known.append(_Cert(cert, options.origin(fp) or "trust", fp))
    graph = _Graph(known)
    origins = {c.fp: c.origin for c in known}
    for c in known:  # a root the user also sent shows where the verifier took it from
        if c.fp in options.anchors.fingerprints:
            origins[c.fp] = options.origin(c.fp) or c.origin

    if _self_signed(leaf_c, graph):
        out.add(
            "chain.self-signed-leaf",
            f"{leaf_c.facts.display_name} is self-signed: no CA vouches for it",
            certificate=leaf_c.facts,
        )
        _bundle_checks(leaf_c, sequence, pool, graph, out)
        return ChainAnalysis(
            path=(ChainElement(leaf_c.facts, leaf_c.origin),),
            issuer_is_public=False,
            findings=tuple(out.findings),
            valid=False,
            reason="self-signed leaf",
        )

    _bundle_checks(leaf_c, sequence, pool, graph, out)

    def known_cert(cert: x509.Certificate) -> _Cert:
        """The analysis' record of a certificate the verifier returned (the very same object)."""
        found = by_id.get(id(cert))
        if found is not None and found.cert is cert:
            return found
        fp = cert.fingerprint(_SHA256)
        return by_fp.get(fp) or _Cert(cert, "unknown", fp)

    def facts_of(cert: x509.Certificate) -> CertFacts:
        return known_cert(cert).facts

    def fingerprint_of(cert: x509.Certificate) -> bytes:
        return known_cert(cert).fp

    by_fp = {c.fp: c for c in known}
    by_id = {id(c.cert): c for c in known}
    intermediates = [c.cert for c in pool] + list(options.store_intermediates)
    strict = verify_path(
        leaf_c.cert,
        intermediates,
        options.anchors,
        at=at,
        host=hosts[0] if hosts else None,
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

    if result.ok:
        path_certs = [known_cert(cert) for cert in result.certificates]
        anchored = True
    else:
        path_certs, anchored = _walk(leaf_c, graph, options.anchors.fingerprints)
        if not anchored:
            _explain_unanchored(path_certs[-1], graph, options, out)

    _path_checks(
        path_certs, at, options, policy, graph, out, anchored=anchored, check_dates=not strict.ok
    )

    issuer_is_public: bool | None = None
    if result.ok or anchored:
        top = path_certs[-1]
        issuer_is_public = options.is_public_fingerprint(top.fp)
        if not issuer_is_public:
            out.add(
                "chain.private-ca",
                f"the chain ends in the private root {top.facts.display_name} "
                f"(from {origins.get(top.fp, top.origin)}): install it as a trusted root on every "
                "server and client",
                certificate=top.facts,
            )
        else:
            setting = policy.setting("chain.validation-type")
            note = validation_type_note(leaf_c.facts, setting.parameters)
            if note:
                out.add("chain.validation-type", note, certificate=leaf_c.facts)
    weak_hash = policy.setting("signature.weak-hash")
    leaf_weak_only = (  # the verifier refuses a SHA-1 leaf; signature.weak-hash already says so
        not result.ok
        and anchored
        and weak_hash.enabled
        and weak_signature_hash(leaf_c.facts, weak_hash.parameters.allowed) is not None
    )
    if (
        not result.ok
        and not leaf_weak_only
        and not out.has(
            "chain.missing-intermediate",
            "chain.untrusted-root",
            "chain.intermediate-expired",
            "chain.intermediate-weak",
        )
    ):
        out.add("chain.path-invalid", f"no valid path: {result.error}", certificate=leaf_c.facts)

    return ChainAnalysis(
        path=result.path,
        issuer_is_public=issuer_is_public,
        findings=tuple(out.findings),
        valid=strict.ok and not out.has("chain.revoked"),
        reason=strict.error,
    )


def _bundle_checks(
    leaf: _Cert, sequence: list[_Cert], pool: list[_Cert], graph: _Graph, out: _Emitter
) -> None:
    """Unrelated certificates, the root sent, and the order of what was supplied."""
    related = _reachable(leaf, graph)
    for c in pool:
        if c.fp not in related:
            out.add(
                "chain.unrelated-certificate",
                f"{c.facts.display_name} (issuer {c.facts.issuer}) certifies nothing on the path of "
                f"{leaf.facts.display_name}",
                certificate=c.facts,
                location=c.origin,
            )
        elif _self_signed(c, graph):
            out.add(
                "chain.root-sent",
                f"the root {c.facts.display_name} is sent: clients use their own copy",
                certificate=c.facts,
                location=c.origin,
            )
    ordered = [c for c in sequence if c.fp in related]
    wrong = bool(ordered) and ordered[0].fp != leaf.fp
    certified: set[bytes] = set()  # what the certificates so far may have been issued by
    for i, c in enumerate(ordered):
        if i and not wrong and c.fp not in certified:
            wrong = True
        certified.update(parent.fp for parent in graph.candidates(c))
    if wrong:
        order = ", ".join(f"{c.facts.display_name} ({c.origin})" for c in ordered)
        out.add(
            "chain.wrong-order",
            f"given order: {order}; expected the leaf first, then each issuer after what it issued",
            certificate=leaf.facts,
        )


def _explain_unanchored(top: _Cert, graph: _Graph, options: ChainOptions, out: _Emitter) -> None:
    """The walk stopped before an anchor: the root is untrusted, or an issuer is missing."""
    facts = top.facts
    if _self_signed(top, graph):
        if options.is_public(top.cert):
            message = (
                f"the root {facts.display_name} is public (Mozilla) but not in the selected "
                "trust stores: add --trust mozilla"
            )
        else:
            message = (
                f"the root {facts.display_name} (from {top.origin}) is a private or self-signed CA "
                "that no selected trust store holds"
            )
            out.add(
                "chain.private-ca",
                f"{facts.display_name} is a private root: install it as a trusted root on every "
                "server and client, then pass it with --trust FILE",
                certificate=facts,
            )
        out.add("chain.untrusted-root", message, certificate=facts, location=top.origin)
        return
    where = (
        f"; its certificate can be downloaded from {', '.join(facts.ca_issuers)}"
        if (facts.ca_issuers)
        else "; the certificate gives no caIssuers URL: get it from the CA"
    )
    keyid = (
        f" (key identifier {colon_hex(facts.authority_key_identifier)})"
        if facts.authority_key_identifier
        else ""
    )
    root_hint = (
        "; if it is your organisation's private root, pass it with --trust FILE (it must also be "
        "installed as a trusted root on every server and client: see certready plan)"
        if facts.is_ca
        else ""
    )
    out.add(
        "chain.missing-intermediate",
        f"the issuer of {facts.display_name}, {facts.issuer or '(empty name)'}{keyid}, is neither "
        f"supplied nor in the trust stores{where}{root_hint}",
        certificate=facts,
        location=top.origin,
    )


def _path_checks(
    path: list[_Cert],
    at: dt.datetime,
    options: ChainOptions,
    policy: Policy,
    graph: _Graph,
    out: _Emitter,
    *,
    anchored: bool,
    check_dates: bool,
) -> None:
    """Dates, strength, CA profile, serials and revocation of every certificate of the path.

    The last certificate of an anchored path is a trust anchor: whatever its shape (a trusted
    intermediate too), its own signature and issuer links are not checked. Dates are checked
    only when the verifier did not already check them at this time (``check_dates``).
    """
    weak_params = policy.setting("chain.intermediate-weak").parameters
    for i, c in enumerate(path):
        f = c.facts
        anchor = anchored and i == len(path) - 1
        serial = c.cert.serial_number
        if not anchor and (serial <= 0 or serial.bit_length() > 159):
            out.add(
                "chain.serial-number",
                f"{f.display_name} has serial number {serial}"
                + (" (not positive)" if serial <= 0 else " (more than 20 octets)"),
                certificate=f,
                location=c.origin,
            )
        if i == 0:
            continue
        root = _self_signed(c, graph)
        what = "root" if root else "intermediate"
        if check_dates and (at < f.not_valid_before or at > f.not_valid_after):
            state = (
                f"expired on {f.not_valid_after:%Y-%m-%d}"
                if at > f.not_valid_after
                else f"not valid before {f.not_valid_before:%Y-%m-%d}"
            )
            out.add(
                "chain.intermediate-expired",
                f"the {what} {f.display_name} {state}",
                certificate=f,
                location=c.origin,
            )
        problems = [key_weakness(f, weak_params)]
        if not root and not anchor:
            problems.append(signature_weakness(f, weak_params))
        for problem in problems:
            if problem:
                out.add(
                    "chain.intermediate-weak",
                    f"the {what} {f.display_name}: {problem}",
                    certificate=f,
                    location=c.origin,
                )
        for problem in _ca_profile(c, root, anchor):
            out.add(
                "chain.ca-profile",
                f"the {what} {f.display_name}: {problem}",
                certificate=f,
                location=c.origin,
            )
        if root and f.extended_key_usage is not None:
            out.add(
                "chain.root-eku",
                f"the root {f.display_name} has an extKeyUsage extension",
                certificate=f,
                location=c.origin,
            )
    for i, c in enumerate(path[:-1]):
        issuer = path[i + 1]
        for problem in _revocation(c, issuer, options.crls, at):
            out.add("chain.revoked", problem, certificate=c.facts, location=c.origin)


def _ca_profile(c: _Cert, root: bool, anchor: bool) -> list[str]:
    key = (c.fp, root, anchor)
    problems = _CA_PROFILE.get(key)
    if problems is None:
        try:
            problems = tuple(_ca_profile_problems(c.cert, root, anchor))
        except (ValueError, TypeError, x509.DuplicateExtension) as exc:
            problems = (f"an extension cannot be parsed ({exc})",)
        if len(_CA_PROFILE) >= _CA_PROFILE_MAX:
            _CA_PROFILE.clear()
        _CA_PROFILE[key] = problems
    return list(problems)


_CA_PROFILE: dict[tuple[bytes, bool, bool], tuple[str, ...]] = {}
"""CA profile problems by (fingerprint, root, anchor): the same CAs recur in every analysis."""
_CA_PROFILE_MAX = 4096


def _ca_profile_problems(cert: x509.Certificate, root: bool, anchor: bool) -> list[str]:
    problems: list[str] = []
    exts = cert.extensions
    try:
        ski: x509.Extension[x509.SubjectKeyIdentifier] | None = exts.get_extension_for_class(
            x509.SubjectKeyIdentifier
        )
    except x509.ExtensionNotFound:
        ski = None
    try:
        aki: x509.Extension[x509.AuthorityKeyIdentifier] | None = exts.get_extension_for_class(
            x509.AuthorityKeyIdentifier
        )
    except x509.ExtensionNotFound:
        aki = None
    if ski is None:
        problems.append("no Subject Key Identifier")
    if root:
        if aki is not None:
            if aki.value.authority_cert_issuer or aki.value.authority_cert_serial_number:
                problems.append("Authority Key Identifier names an issuer and serial")
            if (
                ski is not None
                and aki.value.key_identifier is not None
                and aki.value.key_identifier != ski.value.digest
            ):
                problems.append("Authority Key Identifier differs from its Subject Key Identifier")
    elif aki is None and not anchor:
        problems.append("no Authority Key Identifier")
    # Name Constraints: RFC 5280 says critical, but CA/B BR 7.1.2.5.2 lets it be non-critical
    # (limbo's webpki::nc::permitted-dns-match-noncritical), so only Policy Constraints here.
    try:
        if not exts.get_extension_for_class(x509.PolicyConstraints).critical:
            problems.append("Policy Constraints not marked critical")
    except x509.ExtensionNotFound:
        pass
    return problems


def _revocation(c: _Cert, issuer: _Cert, crls: Sequence[LoadedCrl], at: dt.datetime) -> list[str]:
    """Why ``c`` cannot be accepted according to the CRLs its issuer signed."""
    problems: list[str] = []
    name = c.facts.display_name
    for loaded in crls:
        crl = loaded.crl
        if crl.issuer != c.cert.issuer:
            continue
        try:
            if not crl.is_signature_valid(issuer.cert.public_key()):  # type: ignore[arg-type]
                continue
        except (TypeError, ValueError):
            continue
        if issuer.facts.key_usage is not None and "crl_sign" not in issuer.facts.key_usage:
            problems.append(
                f"the CRL {loaded.location} is signed by {issuer.facts.display_name}, whose Key "
                f"Usage lacks cRLSign: the revocation status of {name} is unknown"
            )
            continue
        unknown = f"the revocation status of {name} is unknown"
        try:
            number = crl.extensions.get_extension_for_class(x509.CRLNumber)
        except x509.ExtensionNotFound:
            problems.append(
                f"the CRL {loaded.location} has no CRL Number (RFC 5280 §5.2.3): {unknown}"
            )
            continue
        except (ValueError, x509.DuplicateExtension) as exc:
            problems.append(f"the CRL {loaded.location} is malformed ({exc}): {unknown}")
            continue
        if number.critical:
            problems.append(
                f"the CRL {loaded.location} marks its CRL Number critical (RFC 5280 §5.2.3): {unknown}"
            )
            continue
        revoked = crl.get_revoked_certificate_by_serial_number(c.cert.serial_number)
        if revoked is not None and revoked.revocation_date_utc <= at:
            problems.append(
                f"{name} (serial {c.facts.serial_number}) was revoked on "
                f"{revoked.revocation_date_utc:%Y-%m-%d} according to {loaded.location}"
            )
    return problems


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
