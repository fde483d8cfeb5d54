"""lint: every rule of a policy over certificate files, one target per input file."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import BinaryIO, cast

from certready.adapters.inputs import (
    Bundle,
    LoadedCertificate,
    LoadedKey,
    PasswordSource,
    iter_inputs,
)
from certready.adapters.inputs.failures import unexpected
from certready.core.engine import evaluate
from certready.core.errors import InputError
from certready.core.facts import FactsCache, key_facts, request_facts
from certready.core.location import FileLocation
from certready.core.model import (
    CertFacts,
    ChainElement,
    KeyOrigin,
    KeyPairing,
    Report,
    Role,
    Rule,
    RuleContext,
    TargetResult,
    TargetStatus,
)
from certready.core.policy import Policy
from certready.services.chain import ChainAnalysis, ChainOptions, analyse_chain


@dataclass(frozen=True, slots=True)
class LintOptions:
    policy: Policy
    hosts: tuple[str, ...] = ()
    """Normalised reference identifiers (see :func:`certready.core.hostnames.normalise_host`)."""
    role: Role = Role.SSL
    now: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    chain: ChainOptions | None = None
    """Chain analysis (trust stores, ``--chain`` files, ``--at``, CRLs); ``None``: not run."""
    facts: FactsCache | None = None
    """The run's certificate facts, remembered for its targets (a bundle's CAs recur); ``None``:
    the chain options' (the run's), else new ones."""

    def __post_init__(self) -> None:
        if self.facts is None:
            run = self.chain.cache.facts if self.chain is not None else FactsCache()
            object.__setattr__(self, "facts", run)

    @property
    def facts_cache(self) -> FactsCache:
        """:attr:`facts`, resolved."""
        assert self.facts is not None  # set by __post_init__
        return self.facts


def key_pairing(leaf: CertFacts, keys: Sequence[LoadedKey]) -> KeyPairing:
    """Whether any supplied private key belongs to the leaf (SubjectPublicKeyInfo compared)."""
    if not keys:
        return KeyPairing.ABSENT
    for loaded in keys:
        if _key_spki(loaded) == leaf.public_key.spki_sha256:
            return KeyPairing.MATCHES
    return KeyPairing.MISMATCH


def choose_leaf(
    facts: Sequence[CertFacts],
    keys: Sequence[LoadedKey],
    *,
    presented: bool = False,
    served: bool = False,
) -> int | None:
    """Index of the end-entity certificate of a bundle; ``None`` when it holds only CAs.

    The certificate a supplied key belongs to wins; otherwise the first non-CA certificate. When
    the bundle is what a host presents (a served chain, an audited server's file, a lint with
    ``--host``), its first certificate is the server's even with CA:TRUE when it names hosts (a
    subjectAltName): a router's self-signed appliance certificate is judged, not skipped (RFC 5280
    §4.2.1.9; Firefox refuses it), while a file holding a root CA alone stays "only CA
    certificates". What a live server ``served`` is its certificate whatever it holds.
    """
    if keys:
        for i, f in enumerate(facts):
            if key_pairing(f, keys) is KeyPairing.MATCHES:
                return i
    for i, f in enumerate(facts):
        if not f.is_ca:
            return i
    if facts and (served or (presented and facts[0].subject_alt_name is not None)):
        return 0
    return None


def analyse(
    target: str,
    certificates: Sequence[LoadedCertificate],
    keys: Sequence[LoadedKey],
    options: LintOptions,
    *,
    served: bool = False,
    presented: bool = False,
    companions: Sequence[LoadedCertificate] = (),
    foreign_key: KeyOrigin | None = None,
    leaf_index: int | None = None,
) -> TargetResult:
    """Every rule over one target: a leaf, the certificates that came with it, and its key.

    ``presented``: the certificates are what a host presents (an audited server's file), so the
    first is judged as the leaf even when it is a CA certificate; ``served`` and ``--host``
    (``options.hosts``) imply it. ``companions``: the CA certificates of the other inputs given
    together, candidates for the leaf's path (see :func:`analyse_chain`)."""
    return analyse_detailed(
        target,
        certificates,
        keys,
        options,
        served=served,
        presented=presented,
        companions=companions,
        foreign_key=foreign_key,
        leaf_index=leaf_index,
    )[0]


def analyse_detailed(
    target: str,
    certificates: Sequence[LoadedCertificate],
    keys: Sequence[LoadedKey],
    options: LintOptions,
    *,
    served: bool = False,
    presented: bool = False,
    companions: Sequence[LoadedCertificate] = (),
    foreign_key: KeyOrigin | None = None,
    leaf_index: int | None = None,
    rules: Iterable[Rule] | None = None,
) -> tuple[TargetResult, ChainAnalysis | None]:
    """:func:`analyse`, plus the chain analysis itself (its strict verdict, for conformance runs).

    ``foreign_key``: a key given beside the certificates that belongs to none of them (the leaf
    then has a MISMATCH pairing naming it). ``leaf_index`` forces which certificate is the leaf
    (default: :func:`choose_leaf`); ``rules``
    restricts the rules evaluated (default: the whole catalogue, as the policy enables it).
    """
    facts = [options.facts_cache.facts(c.certificate) for c in certificates]
    elements = tuple(ChainElement(f, c.location) for f, c in zip(facts, certificates, strict=True))
    if leaf_index is None:
        leaf_index = choose_leaf(
            facts, keys, presented=presented or bool(options.hosts), served=served
        )
    if leaf_index is None:
        return TargetResult(
            target=target,
            location=certificates[0].location if certificates else FileLocation(target),
            status=TargetStatus.SKIPPED,
            role=options.role,
            hosts=options.hosts,
            certificates=elements,
            reason="only CA certificates: not linted as a server certificate",
        ), None
    leaf = facts[leaf_index]
    ordered = (elements[leaf_index], *elements[:leaf_index], *elements[leaf_index + 1 :])
    pairing = key_pairing(leaf, keys)
    if pairing is KeyPairing.ABSENT and foreign_key is not None:
        pairing = KeyPairing.MISMATCH
    analysis: ChainAnalysis | None = None
    if options.chain is not None:  # an STS certificate's too: its own chain and trust
        analysis = analyse_chain(
            certificates[leaf_index],
            certificates,
            options.chain,
            options.policy,
            hosts=options.hosts,
            now=options.now,
            known_facts=facts,
            facts=options.facts_cache,
            companions=companions,
            role=options.role,
        )
    ctx = RuleContext(
        leaf=leaf,
        location=certificates[leaf_index].location,
        now=options.now,
        role=options.role,
        hosts=options.hosts,
        others=tuple(e.certificate for e in ordered[1:]),
        private_key=pairing,
        served=served,
        foreign_key=foreign_key if pairing is KeyPairing.MISMATCH else None,
        path=analysis.path or None if analysis else None,
        issuer_is_public=analysis.issuer_is_public if analysis else None,
    )
    findings = evaluate(ctx, options.policy, rules)
    result = TargetResult(
        target=target,
        location=ctx.location,
        role=options.role,
        hosts=options.hosts,
        certificates=ordered,
        path=analysis.path if analysis else (),
        findings=findings + (analysis.findings if analysis else ()),
        private_key=pairing,
        issuer_is_public=ctx.issuer_is_public,
    )
    return result, analysis


def lint_bundle(bundle: Bundle, options: LintOptions) -> TargetResult:
    if not bundle.certificates:
        return TargetResult(
            target=bundle.source,
            location=FileLocation(bundle.source),
            status=TargetStatus.INPUT_ERROR,
            reason="holds a private key but no certificate",
            role=options.role,
        )
    return analyse(bundle.source, bundle.certificates, bundle.keys, options)


def _judged(
    bundle: Bundle, options: LintOptions, on_error: Callable[[InputError], None] | None
) -> TargetResult:
    """:func:`lint_bundle`, or (whatever it raises) this input's error: a certificate certready
    cannot judge ends its own target, never the batch."""
    return _guarded(bundle.source, lambda: lint_bundle(bundle, options), options, on_error)


def _guarded(
    source: str,
    judge: Callable[[], TargetResult],
    options: LintOptions,
    on_error: Callable[[InputError], None] | None,
) -> TargetResult:
    """``judge()``, or (whatever it raises) the input's error: a certificate certready cannot
    judge ends its own target, never the batch."""
    try:
        return judge()
    except Exception as exc:
        error = InputError(judging_failed(exc), location=source)
        error.__cause__ = exc  # --debug prints where it failed
        if on_error is not None:
            on_error(error)
        return input_error_result(error, options)


def judging_failed(exc: Exception) -> str:
    """The reason of a target whose judging raised: one line, the exception named."""
    return f"could not be judged: certready failed on it ({unexpected(exc)})"


def input_error_result(error: InputError, options: LintOptions) -> TargetResult:
    where = error.location or "input"
    return TargetResult(
        target=where,
        location=FileLocation(where),
        status=TargetStatus.INPUT_ERROR,
        reason=error.message,
        role=options.role,
    )


def lint(
    paths: Sequence[str],
    options: LintOptions,
    password: PasswordSource | None = None,
    on_note: Callable[[str, str], None] | None = None,
    on_error: Callable[[InputError], None] | None = None,
    *,
    stdin: BinaryIO | None = None,
) -> Report:
    """Lint every input; unreadable inputs become INPUT_ERROR targets, the rest still run.

    The inputs given together are one set (two passes, so results can still stream): the first
    indexes every input's leaf and CA certificates, the second judges each leaf with the CA
    certificates of all inputs as candidates for its path (``app.crt app.key chain.p7b``). A leaf
    given twice (cert.pem and fullchain.pem) is judged once, from the input that brought the most
    with it, and the target names both. A file of CA certificates given beside a leaf is a source
    of path candidates, not a target of its own. A private key given in a file of its own is
    paired with the certificate it belongs to; a key that belongs to none of them is reported.
    ``on_note(source, note)`` receives the inputs' non-fatal remarks (legacy PKCS#12 encryption);
    ``on_error(error)`` each unreadable input's exception (``--debug`` prints its traceback).
    ``stdin`` is what ``-`` reads.
    """
    items = list(iter_inputs(list(paths), password, stdin=stdin))
    for item in items:
        if isinstance(item, Bundle) and on_note is not None:
            for note in item.notes:
                on_note(item.source, note)
        elif isinstance(item, InputError) and on_error is not None:
            on_error(item)
    loose_keys = [
        k for item in items if isinstance(item, Bundle) and not item.certificates for k in item.keys
    ]
    paired: set[FileLocation] = set()  # keys of certificate requests
    requests: dict[int, list[TargetResult]] = {}
    for position, item in enumerate(items):
        if isinstance(item, Bundle) and item.requests:
            requests[position] = _lint_requests(item, options, loose_keys, paired)
    found = _index_inputs(items, loose_keys, options)
    foreign = [
        k for k in _foreign_keys(items, loose_keys, found, options) if k.location not in paired
    ]
    reported: set[FileLocation] = set()
    results: list[TargetResult | None] = []
    for position, item in enumerate(items):
        if isinstance(item, InputError):
            results.append(input_error_result(item, options))
        elif not item.certificates:
            results.append(None)  # a key file: decided once every certificate had its chance
        elif position in found.leaves:
            entry = found.leaves[position]
            if entry.judged_at != position:
                results.append(None)  # the same leaf, judged with the input that brought more
                continue
            own = {
                options.facts_cache.facts(c.certificate).fingerprint_sha256
                for c in item.certificates
            }
            companions = tuple(c for fp, c in found.cas.items() if fp not in own)
            label = ", ".join((item.source, *entry.also))
            keys = item.keys or entry.paired
            stray = foreign[0] if foreign and not keys else None
            if stray is not None:
                reported.add(stray.location)

            def judge(
                bundle: Bundle = item,
                given: tuple[LoadedKey, ...] = keys,
                beside: tuple[LoadedCertificate, ...] = companions,
                foreign_key: KeyOrigin | None = stray,
                index: int = entry.index,
                name: str = label if entry.also else item.source,
            ) -> TargetResult:
                return analyse(
                    name,
                    bundle.certificates,
                    given,
                    options,
                    companions=beside,
                    foreign_key=foreign_key,
                    leaf_index=index,
                )

            results.append(_guarded(item.source, judge, options, on_error))
        elif found.leaves:
            results.append(
                TargetResult(
                    target=item.source,
                    location=item.certificates[0].location,
                    role=options.role,
                    hosts=options.hosts,
                    certificates=tuple(
                        ChainElement(options.facts_cache.facts(c.certificate), c.location)
                        for c in item.certificates
                    ),
                    status=TargetStatus.SKIPPED,
                    reason="CA certificates only: candidates for the path of the other inputs' "
                    "server certificates",
                )
            )
        else:
            results.append(_judged(item, options, on_error))
    owners = {k.location: k.belongs_to for k in foreign}
    for i, item in enumerate(items):
        if results[i] is None and isinstance(item, Bundle) and not item.certificates:
            alone = [k for k in item.keys if k.location in owners and k.location not in reported]
            if not alone:
                continue
            owner = owners[alone[0].location]
            results[i] = TargetResult(
                target=item.source,
                location=FileLocation(item.source),
                status=TargetStatus.INPUT_ERROR,
                reason="a private key alone: "
                + (
                    f"it belongs to {owner}, not to a server certificate given"
                    if owner
                    else "it belongs to none of the certificates given"
                ),
                role=options.role,
            )
    return Report(
        command="lint",
        profile=options.policy.name,
        generated_at=options.now,
        targets=tuple(
            t
            for i, r in enumerate(results)
            for t in (*([r] if r is not None else []), *requests.get(i, ()))
        ),
    )


def _foreign_keys(
    items: Sequence[Bundle | InputError],
    loose_keys: Sequence[LoadedKey],
    found: _Index,
    options: LintOptions,
) -> list[KeyOrigin]:
    """The keys given in files of their own that belong to no leaf given, each with the
    certificate it does belong to (a CA certificate given), when there is one."""
    cache = options.facts_cache
    leaf_spkis: set[str] = set()
    owners: dict[str, str] = {}
    for position, item in enumerate(items):
        if not isinstance(item, Bundle):
            continue
        entry = found.leaves.get(position)
        for i, loaded in enumerate(item.certificates):
            facts = cache.facts(loaded.certificate)
            if entry is not None and i == entry.index:
                leaf_spkis.add(facts.public_key.spki_sha256)
            else:
                owners.setdefault(
                    facts.public_key.spki_sha256, f"{facts.display_name} ({loaded.location})"
                )
    out: list[KeyOrigin] = []
    for key in loose_keys:
        spki = _key_spki(key)
        if spki not in leaf_spkis:
            out.append(KeyOrigin(key.location, owners.get(spki)))
    return out


@dataclass(frozen=True, slots=True)
class _Leaf:
    """Lint's first pass over one input that holds a server certificate."""

    index: int
    """The leaf's position in the input."""
    paired: tuple[LoadedKey, ...]
    """Loose keys (given in files of their own) that belong to this input's certificates."""
    judged_at: int
    """The input whose copy of this leaf is judged (the one that brought the most with it)."""
    also: tuple[str, ...] = ()
    """The other inputs that hold the same leaf, on the judged entry."""


@dataclass(frozen=True, slots=True)
class _Index:
    leaves: dict[int, _Leaf]
    """By input position."""
    cas: dict[str, LoadedCertificate]
    """Every CA certificate of every input, by SHA-256 fingerprint (the first origin given)."""


def _index_inputs(
    items: Sequence[Bundle | InputError], loose_keys: Sequence[LoadedKey], options: LintOptions
) -> _Index:
    """Lint's first pass: each input's leaf (same rules as :func:`choose_leaf`), the CA
    certificates of all inputs, and which inputs hold the same leaf."""
    cache = options.facts_cache
    chosen: dict[int, tuple[int, tuple[LoadedKey, ...], str]] = {}
    cas: dict[str, LoadedCertificate] = {}
    bundles = [(i, b) for i, b in enumerate(items) if isinstance(b, Bundle) and b.certificates]
    facts_of = {i: [cache.facts(c.certificate) for c in b.certificates] for i, b in bundles}
    for i, bundle in bundles:
        # a loose key picks a server's certificate (a CA's only when it names hosts: an
        # appliance's); the key of a CA given beside is a wrong key, said on the leaf
        spkis = {
            f.public_key.spki_sha256
            for f in facts_of[i]
            if not f.is_ca or f.subject_alt_name is not None
        }
        mine = tuple(k for k in loose_keys if _key_spki(k) in spkis)
        index = choose_leaf(facts_of[i], bundle.keys or mine)
        if index is not None:
            chosen[i] = (index, mine, facts_of[i][index].fingerprint_sha256)
        for j, (f, c) in enumerate(zip(facts_of[i], bundle.certificates, strict=True)):
            if j != index and f.is_ca:
                cas.setdefault(f.fingerprint_sha256, c)
    if not chosen and options.hosts:  # only CA certificates, and a host presents them
        for i, bundle in bundles:
            spkis = {f.public_key.spki_sha256 for f in facts_of[i]}
            mine = tuple(k for k in loose_keys if _key_spki(k) in spkis)
            index = choose_leaf(facts_of[i], bundle.keys or mine, presented=True)
            if index is not None:
                chosen[i] = (index, mine, facts_of[i][index].fingerprint_sha256)
    by_leaf: dict[str, list[int]] = {}
    for i, (_, _, fp) in chosen.items():
        by_leaf.setdefault(fp, []).append(i)
    leaves: dict[int, _Leaf] = {}
    for group in by_leaf.values():
        items_of = {i: items[i] for i in group}
        judged = max(
            group,
            key=lambda i: (
                len(cast(Bundle, items_of[i]).certificates),
                bool(cast(Bundle, items_of[i]).keys),
                -i,
            ),
        )
        also = tuple(cast(Bundle, items[i]).source for i in group if i != judged)
        for i in group:
            index, mine, _ = chosen[i]
            leaves[i] = _Leaf(index, mine, judged, also if i == judged else ())
        if len(group) > 1:  # the judged copy pairs with a key given beside any copy
            keys = tuple(k for i in group for k in (*cast(Bundle, items[i]).keys, *chosen[i][1]))
            leaves[judged] = replace(leaves[judged], paired=keys)
    return _Index(leaves, cas)


def _lint_requests(
    bundle: Bundle,
    options: LintOptions,
    loose_keys: Sequence[LoadedKey],
    paired: set[FileLocation],
) -> list[TargetResult]:
    """Each certificate request of ``bundle`` as a target of its own (its key, given beside it,
    is paired with it rather than reported as belonging to nothing)."""
    from certready.services.request_lint import analyse_request

    spkis = {request_facts(r.request).public_key.spki_sha256 for r in bundle.requests}
    paired.update(k.location for k in loose_keys if _key_spki(k) in spkis)
    return [
        analyse_request(bundle.source, loaded, options, i)
        for i, loaded in enumerate(bundle.requests)
    ]


def _key_spki(loaded: LoadedKey) -> str:
    """SHA-256 of a private key's SubjectPublicKeyInfo: what pairs it with its certificate."""
    return key_facts(loaded.key.public_key()).spki_sha256
