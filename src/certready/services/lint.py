"""lint: every rule of a policy over certificate files, one target per input file."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
from collections.abc import Callable, Iterable, Iterator, Sequence, Set
from dataclasses import dataclass, field, replace
from typing import BinaryIO

from certready.adapters.inputs import (
    MAX_INPUT_BYTES,
    STDIN,
    Bundle,
    LoadedCertificate,
    LoadedKey,
    PasswordSource,
    iter_inputs,
)
from certready.adapters.inputs.failures import unexpected
from certready.adapters.inputs.load import load_one
from certready.adapters.inputs.pem_stream import PemStream
from certready.adapters.trust import load_mozilla
from certready.core.engine import evaluate
from certready.core.errors import InputError
from certready.core.facts import FactsCache, key_facts, request_facts
from certready.core.judged import LINT_FILES, JudgedFor, ServerKind
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
from certready.services.lint_records import PlainInputs, ca_companions


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
    judged_for: JudgedFor = LINT_FILES
    """The command and kind of input judged (a PFX: Windows' stores), for the fix texts."""

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

    The non-CA certificate a supplied key belongs to wins; otherwise the first non-CA certificate.
    A key never makes a CA certificate the leaf of a bundle holding a server's certificate (the
    issuing CA's key given with fullchain.pem is a wrong key, said on the leaf); of CA
    certificates only, the one a key belongs to is the server's when it names hosts (an
    appliance's, below). When the bundle is what a host presents (a served chain, an audited
    server's file, a lint with ``--host``), its first certificate is the server's even with CA:TRUE when it names hosts (a
    subjectAltName): a router's self-signed appliance certificate is judged, not skipped (RFC 5280
    §4.2.1.9; Firefox refuses it), while a file holding a root CA alone stays "only CA
    certificates". What a live server ``served`` is its certificate whatever it holds.
    """
    if keys:
        for i, f in enumerate(facts):
            if not f.is_ca and key_pairing(f, keys) is KeyPairing.MATCHES:
                return i
    for i, f in enumerate(facts):
        if not f.is_ca:
            return i
    if keys:
        for i, f in enumerate(facts):
            if f.subject_alt_name is not None and key_pairing(f, keys) is KeyPairing.MATCHES:
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
            judged_for=options.judged_for,
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
        judged_for=options.judged_for,
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
    if bundle.server_kind is not ServerKind.FILES:  # a .pfx/.p7b: IIS sends its stores' chain
        options = replace(
            options, judged_for=replace(options.judged_for, server=bundle.server_kind)
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


STREAM_AT = 256
"""From this many inputs on, a run keeps no input in memory between its passes: the first pass
only notes what it needs (loose keys, its index) and the second reads each input again
(``--jobs``' default turns on at the same count)."""


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
    results = lint_results(paths, options, password, on_note, on_error, stdin=stdin)
    return lint_report(options, tuple(results))


def lint_report(options: LintOptions, targets: tuple[TargetResult, ...] = ()) -> Report:
    """The Report of a lint run (``targets`` empty: its header, for a streamed run)."""
    return Report(
        command="lint", profile=options.policy.name, generated_at=options.now, targets=targets
    )


def lint_results(
    paths: Sequence[str],
    options: LintOptions,
    password: PasswordSource | None = None,
    on_note: Callable[[str, str], None] | None = None,
    on_error: Callable[[InputError], None] | None = None,
    *,
    stdin: BinaryIO | None = None,
) -> Iterator[TargetResult]:
    """:func:`lint`'s targets, one at a time in input order, as each is judged.

    Two passes: the first reads every input for what judging any one of them needs (private keys
    in files of their own, each input's leaf, the CA certificates of all inputs, the same leaf
    given twice: an :class:`InputIndex`, planned into one :class:`Plan` per input); the second
    judges each input with its plan. A small run keeps its inputs between the passes; a big one
    (:data:`STREAM_AT` inputs or more) keeps only the index (CA certificates are few, and of
    the rest only fingerprints and names) and reads the inputs again.
    """
    if stdin is not None and STDIN in paths:  # read by both passes: kept, as bounded as the reader
        with contextlib.suppress(OSError):  # unreadable: the reader says so, naming it
            stdin = io.BytesIO(stdin.read(MAX_INPUT_BYTES + 1))

    if password is not None and hasattr(password, "rejected"):  # a prompt: ask once per input
        password = _Remembered(password)

    def read() -> Iterator[Bundle | InputError | PemStream]:
        if isinstance(stdin, io.BytesIO):
            stdin.seek(0)
        return iter_inputs(list(paths), password, stdin=stdin, streams=True)

    kept: list[Bundle | InputError | PemStream] | None = []
    loose_keys: list[LoadedKey] = []
    index = InputIndex()  # CA certificates are few: kept even when the inputs are read again
    from certready.services.lint_bundles import BundleRun  # (it imports this module)

    bundles = BundleRun(options, password, stdin)  # several leaves in one input: many targets
    for position, found in enumerate(read()):
        item = bundles.first_look(position, found)
        if not isinstance(item, PemStream) and position not in bundles.surveys:
            index.add(position, item, options)
        if isinstance(item, Bundle) and not item.certificates:
            loose_keys.extend(item.keys)
        if kept is not None:
            kept.append(item)
            if len(kept) >= STREAM_AT:
                kept = None

    def again() -> Iterable[Bundle | InputError | PemStream]:
        return kept if kept is not None else read()

    bundles.prepare(index, loose_keys)
    plans = index.plans(loose_keys, hosts=bool(options.hosts), options=options)
    for position, found in enumerate(again()):
        if position in bundles.surveys:
            yield from bundles.judge(position, index, on_note, on_error)
            continue
        item = load_one(found.source, password) if isinstance(found, PemStream) else found
        if isinstance(item, Bundle) and on_note is not None:
            for note in item.notes:
                on_note(item.source, note)
        elif isinstance(item, InputError) and on_error is not None:
            on_error(item)
        yield from judge_item(item, options, plans.get(position) or _NO_PLAN, on_error)


class _Remembered:
    """A password source that answers the second pass as the first (a prompt asks once)."""

    def __init__(self, source: PasswordSource) -> None:
        self._source = source
        self._answers: dict[str, bytes | None] = {}

    def __call__(self, name: str) -> bytes | None:
        if name not in self._answers:
            self._answers[name] = self._source(name)
        return self._answers[name]

    def rejected(self, name: str) -> None:
        self._answers.pop(name, None)
        self._source.rejected(name)  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class Plan:
    """What lint's first pass decided for one input (its second pass, or a ``--jobs`` worker,
    judges the input with it)."""

    leaf_index: int | None = None
    """The position of the input's leaf; ``None``: none (or no first pass)."""
    keys: tuple[LoadedKey, ...] = ()
    """Keys given in files of their own that belong to this input's certificates."""
    companions: tuple[LoadedCertificate, ...] = ()
    """The CA certificates of the other inputs: candidates for the leaf's path."""
    label: str | None = None
    """The target's name when the same leaf was given in several inputs (all of them)."""
    duplicate: bool = False
    """The same leaf is judged with another input (the one that brought more with it)."""
    ca_only: bool = False
    """Only CA certificates, beside other inputs' server certificates: path candidates."""
    foreign_key: KeyOrigin | None = None
    """A key of its own file that belongs to no leaf given, said on this leaf."""
    key_alone: KeyOrigin | None = None
    """For a key file: the key to report as belonging to no server certificate given."""
    requests_paired: bool = False


_NO_PLAN = Plan()


def judge_item(
    item: Bundle | InputError,
    options: LintOptions,
    plan: Plan = _NO_PLAN,
    on_error: Callable[[InputError], None] | None = None,
) -> list[TargetResult]:
    """One input's targets as the first pass planned them: its leaf's (none for a key file some
    certificate or request of the run claimed, nor for a leaf judged with another input), then
    one per certificate request it holds."""
    if isinstance(item, InputError):
        return [input_error_result(item, options)]
    requests = _lint_requests(item, options) if item.requests else []
    if not item.certificates:
        alone = plan.key_alone
        if alone is None:
            return requests
        owner = alone.belongs_to
        return [
            TargetResult(
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
            ),
            *requests,
        ]
    if plan.duplicate:
        return requests
    if plan.ca_only:
        skipped = TargetResult(
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
        return [skipped, *requests]
    if plan.leaf_index is None:
        return [_judged(item, options, on_error), *requests]
    keys = item.keys or plan.keys
    if item.server_kind is not ServerKind.FILES:  # a .pfx/.p7b: IIS sends its stores' chain
        options = replace(options, judged_for=replace(options.judged_for, server=item.server_kind))

    def judge() -> TargetResult:
        return analyse(
            plan.label or item.source,
            item.certificates,
            keys,
            options,
            companions=plan.companions,
            foreign_key=plan.foreign_key,
            leaf_index=plan.leaf_index,
        )

    return [_guarded(item.source, judge, options, on_error), *requests]


@dataclass(frozen=True, slots=True)
class IndexedCertificate:
    """What the first pass keeps of a certificate (not its facts: a long run would hold every
    leaf's)."""

    fingerprint_sha256: str
    spki_sha256: str
    is_ca: bool
    names_hosts: bool
    """It has a subjectAltName."""
    display_name: str

    @classmethod
    def of(cls, facts: CertFacts) -> IndexedCertificate:
        return cls(
            facts.fingerprint_sha256,
            facts.public_key.spki_sha256,
            facts.is_ca,
            facts.subject_alt_name is not None,
            facts.display_name,
        )


def _choose(
    certificates: Sequence[IndexedCertificate], key_spkis: Set[str], *, presented: bool = False
) -> int | None:
    """:func:`choose_leaf` over the first pass' record of an input."""
    for i, c in enumerate(certificates):
        if not c.is_ca and c.spki_sha256 in key_spkis:
            return i
    for i, c in enumerate(certificates):
        if not c.is_ca:
            return i
    for i, c in enumerate(certificates):
        if c.names_hosts and c.spki_sha256 in key_spkis:
            return i
    if certificates and presented and certificates[0].names_hosts:
        return 0
    return None


@dataclass(slots=True)
class IndexedInput:
    """Lint's first pass over one input that holds certificates (no certificate kept but its
    CA certificates)."""

    source: str
    facts: list[IndexedCertificate]
    keys: tuple[LoadedKey, ...]
    """The input's own keys (a PFX's; empty in a ``--jobs`` worker's answer)."""
    has_keys: bool
    keyed: int | None
    """The certificate the input's own key belongs to."""
    cas: list[tuple[int, CertFacts, LoadedCertificate]]
    locations: list[str]
    issuers: frozenset[str] = frozenset()
    """Its certificates' issuers (:func:`name_key`): where a path up from them starts."""

    @classmethod
    def of(cls, item: Bundle, options: LintOptions) -> IndexedInput:
        facts = [options.facts_cache.facts(c.certificate) for c in item.certificates]
        keyed = choose_leaf(facts, item.keys) if item.keys else None
        if keyed is not None and key_pairing(facts[keyed], item.keys) is not KeyPairing.MATCHES:
            keyed = None  # the input's key belongs to none of its possible leaves
        cas = [
            (j, f, c)
            for j, (f, c) in enumerate(zip(facts, item.certificates, strict=True))
            if f.is_ca
        ]
        locations = [str(c.location) for c in item.certificates]
        indexed = [IndexedCertificate.of(f) for f in facts]
        issuers = frozenset(name_key(f.issuer) for f in facts)
        return cls(item.source, indexed, item.keys, bool(item.keys), keyed, cas, locations, issuers)


@dataclass(slots=True)
class InputIndex:
    """Lint's first pass: every input's certificates' facts, its CA certificates, the key files
    and the keys of the certificate requests.

    A plain input (one leaf, its CA certificates, no key: most of a fleet's files) is kept in
    :class:`~certready.services.lint_records.PlainInputs`, a few bytes each; the others (keys,
    several or no server certificates) as an :class:`IndexedInput` in :attr:`inputs`."""

    inputs: dict[int, IndexedInput] = field(default_factory=dict)
    key_files: dict[int, tuple[LoadedKey, ...]] = field(default_factory=dict)
    request_spkis: set[str] = field(default_factory=set)
    shared: dict[str, tuple[IndexedCertificate, LoadedCertificate | None]] = field(
        default_factory=dict
    )
    """One record (and one CA certificate object, its first origin) per CA certificate however
    many inputs repeat it: a fleet's intermediate is in every file."""
    plain: PlainInputs = field(default_factory=PlainInputs)
    last: IndexedInput | None = None
    """The input :meth:`add` indexed last (what a ``--jobs`` worker sends back)."""
    bundle_cas: dict[str, LoadedCertificate] = field(default_factory=dict)
    """The CA certificates of the bundles of several leaves (lint_bundles): path candidates of
    every input, and their leaves a reason to treat a file of CA certificates as candidates."""
    bundles: int = 0
    """How many inputs are bundles of several leaves."""
    claimed_keys: set[FileLocation] = field(default_factory=set)
    """Keys of files of their own that a bundle's leaf claims (not reported as stray)."""
    candidates: dict[str, LoadedCertificate] = field(default_factory=dict)
    """Every input's CA certificates by fingerprint (set by :meth:`plans`)."""

    def add(self, position: int, item: Bundle | InputError, options: LintOptions) -> None:
        self.last = None
        if not isinstance(item, Bundle):
            return
        self.request_spkis.update(
            request_facts(r.request).public_key.spki_sha256 for r in item.requests
        )
        if not item.certificates:
            if item.keys:
                self.key_files[position] = item.keys
            return
        self.last = IndexedInput.of(item, options)
        self.keep(position, self.last)

    def keep(self, position: int, found: IndexedInput) -> None:
        """``found`` indexed, its CA records shared with the inputs before it."""
        for i, record in enumerate(found.facts):
            if record.is_ca:
                first = self.shared.setdefault(record.fingerprint_sha256, (record, None))
                found.facts[i] = first[0]
        for n, (j, facts, loaded) in enumerate(found.cas):
            record, ca = self.shared[facts.fingerprint_sha256]
            if ca is None:
                self.shared[facts.fingerprint_sha256] = (record, loaded)
            else:
                found.cas[n] = (j, facts, ca)
        leaves = [i for i, f in enumerate(found.facts) if not f.is_ca]
        plain = (
            not found.has_keys
            and len(leaves) == 1
            and self.plain.fits(leaves[0])
            and not any(f.is_ca and f.names_hosts for f in found.facts)
        )
        if not plain:
            self.inputs[position] = found
            return
        leaf = found.facts[leaves[0]]
        self.plain.add(
            position,
            found.source,
            leaves[0],
            (leaf.fingerprint_sha256, leaf.spki_sha256),
            len(found.facts),
            [
                (
                    j,
                    facts.fingerprint_sha256,
                    facts.public_key.spki_sha256,
                    f"{facts.display_name} ({found.locations[j]})",
                )
                for j, facts, _ in found.cas
            ],
            found.issuers,
        )

    def plans(
        self, loose_keys: Sequence[LoadedKey], *, hosts: bool, options: LintOptions | None = None
    ) -> Plans:
        """Each input's :class:`Plan` (by position); with the run's ``options``, a leaf's path
        candidates from the other inputs are only those a path can use (:class:`PathCandidates`)."""
        paired = {k.location for k in loose_keys if _key_spki(k) in self.request_spkis}
        paired |= self.claimed_keys
        plain = self.plain
        chosen: dict[int, tuple[int, tuple[LoadedKey, ...], str]] = {}
        order: dict[str, tuple[int, int]] = {}  # each CA certificate's first place (not a leaf)
        for fp, place in plain.first_ca.items():
            order[fp] = place
        for i, one in self.inputs.items():
            # a loose key picks a server's certificate (a CA's only when it names hosts: an
            # appliance's); the key of a CA given beside is a wrong key, said on the leaf
            spkis = {f.spki_sha256 for f in one.facts if not f.is_ca or f.names_hosts}
            mine = tuple(k for k in loose_keys if _key_spki(k) in spkis)
            index = one.keyed
            if index is None:
                index = _choose(one.facts, set() if one.has_keys else _spkis(mine))
            if index is not None:
                chosen[i] = (index, mine, one.facts[index].fingerprint_sha256)
            for j, f, _ in one.cas:
                if j != index and (i, j) < order.get(f.fingerprint_sha256, (i + 1, 0)):
                    order[f.fingerprint_sha256] = (i, j)
        cas: dict[str, LoadedCertificate] = {}
        for fp in sorted(order, key=order.__getitem__):
            ca = self.shared[fp][1]
            assert ca is not None  # every CA record keeps its first certificate
            cas[fp] = ca
        for fp, c in self.bundle_cas.items():
            cas.setdefault(fp, c)
        self.candidates = cas
        paths = PathCandidates(cas, options)
        if not chosen and not plain.count and hosts and not self.bundles:
            for i, one in self.inputs.items():  # only CA certificates, and a host presents them
                spkis = {f.spki_sha256 for f in one.facts}
                mine = tuple(k for k in loose_keys if _key_spki(k) in spkis)
                index = one.keyed
                if index is None:
                    index = _choose(
                        one.facts, set() if one.has_keys else _spkis(mine), presented=True
                    )
                if index is not None:
                    chosen[i] = (index, mine, one.facts[index].fingerprint_sha256)
        plain_mine: dict[int, tuple[LoadedKey, ...]] = {}
        for k in loose_keys:
            for i in plain.with_key(_key_spki(k)):
                plain_mine[i] = (*plain_mine.get(i, ()), k)
        by_leaf: dict[str, list[int]] = {}
        for i, (_, _, fp) in chosen.items():
            by_leaf.setdefault(fp, []).append(i)
        for fp in [*by_leaf, *plain.repeated_leaves()]:
            group = by_leaf.setdefault(fp, [])
            group.extend(i for i in plain.with_leaf(fp) if i not in group)
            group.sort()
        for i in plain_mine:
            by_leaf.setdefault(plain.row(i)[2], [i])

        def size(i: int) -> tuple[int, bool]:
            one = self.inputs.get(i)
            return (len(one.facts), one.has_keys) if one is not None else (plain.row(i)[1], False)

        def source(i: int) -> str:
            one = self.inputs.get(i)
            return one.source if one is not None else plain.row(i)[0]

        def own_keys(i: int) -> tuple[LoadedKey, ...]:
            one = self.inputs.get(i)
            return one.keys if one is not None else ()

        def entry(i: int) -> tuple[int, tuple[LoadedKey, ...]]:
            if i in chosen:
                return chosen[i][0], chosen[i][1]
            index = plain.leaf_index(i)
            assert index is not None
            return index, plain_mine.get(i, ())

        plans: dict[int, Plan] = {}
        for group in by_leaf.values():
            judged = max(group, key=lambda i: (*size(i), -i))
            also = tuple(source(i) for i in group if i != judged)
            for i in group:
                index, mine = entry(i)
                plans[i] = Plan(leaf_index=index, keys=mine, duplicate=i != judged)
            if also:
                keys = tuple(k for i in group for k in (*own_keys(i), *entry(i)[1]))
                label = ", ".join((source(judged), *also))
                plans[judged] = replace(plans[judged], keys=keys, label=label)
        foreign = [k for k in self._foreign_keys(loose_keys, chosen) if k.location not in paired]
        reported: set[FileLocation] = set()
        for i, plan in list(plans.items()):
            if plan.duplicate:
                continue
            kept = self.inputs.get(i)
            if kept is not None:
                own = tuple(f.fingerprint_sha256 for f in kept.facts)
                issuers: frozenset[str] | None = kept.issuers
            else:
                own = plain.sets[plain.ca_set(i)]
                issuers = plain.set_issuers[plain.ca_set(i)]
            companions = paths.companions(issuers, own)
            has_keys = kept is not None and kept.has_keys
            stray = foreign[0] if foreign and not (has_keys or plan.keys) else None
            if stray is not None:
                reported.add(stray.location)
            plans[i] = replace(plan, companions=companions, foreign_key=stray)
        stray = foreign[0] if foreign else None
        if stray is not None and plain.count > sum(plain.leaf_index(i) is not None for i in plans):
            reported.add(stray.location)
        if chosen or plain.count or self.bundles:
            for i in self.inputs:
                if i not in plans:
                    plans[i] = Plan(ca_only=True)
        owners = {k.location: k for k in foreign}
        for i, keys in self.key_files.items():
            alone = [k for k in keys if k.location in owners and k.location not in reported]
            if alone:
                plans[i] = Plan(key_alone=owners[alone[0].location])
        return Plans(plans, plain, cas, stray, paths)

    def _foreign_keys(
        self,
        loose_keys: Sequence[LoadedKey],
        chosen: dict[int, tuple[int, tuple[LoadedKey, ...], str]],
    ) -> list[KeyOrigin]:
        """The keys given in files of their own that belong to no leaf given, each with the
        certificate it does belong to (a CA certificate given), when there is one."""
        if not loose_keys:
            return []
        leaf_spkis: set[str] = set()
        owners: dict[str, tuple[int, int, str]] = dict(self.plain.owners)
        for position, one in self.inputs.items():
            entry = chosen.get(position)
            for i, facts in enumerate(one.facts):
                if entry is not None and i == entry[0]:
                    leaf_spkis.add(facts.spki_sha256)
                elif (position, i) < owners.get(facts.spki_sha256, (position + 1, 0))[:2]:
                    owners[facts.spki_sha256] = (
                        position,
                        i,
                        f"{facts.display_name} ({one.locations[i]})",
                    )
        out: list[KeyOrigin] = []
        for key in loose_keys:
            spki = _key_spki(key)
            if spki not in leaf_spkis and not self.plain.with_key(spki):
                owner = owners.get(spki)
                out.append(KeyOrigin(key.location, owner[2] if owner else None))
        return out


def name_key(text: str) -> str:
    """A distinguished name (its RFC 4514 text) compared loosely, case and spacing folded: two
    names a verifier could take for the same one never get different keys."""
    return " ".join(text.casefold().split())


class PathCandidates:
    """Which CA certificates of the other inputs can be on a leaf's path.

    cryptography's verifier and the chain analysis look for a certificate's issuer by name only
    (:class:`~certready.services.issuer_graph.Graph`), so a CA certificate whose subject is not
    the issuer of a certificate that came with the leaf, of a ``--chain`` or trust-store
    certificate, or of another such candidate in turn, can be on no path of it: it is left out.
    The analysis is then the one the leaf gets given alone (the CA-path shortcut included), and
    a folder of several hierarchies does not validate every leaf in full. Without the run's
    options (or an input's issuer names) every other CA certificate is a candidate.
    """

    CACHE_MAX = 4096

    def __init__(self, cas: dict[str, LoadedCertificate], options: LintOptions | None) -> None:
        self._cas = cas
        self._options = options
        self._by_subject: dict[str, list[str]] | None = None
        self._issuer: dict[str, str] = {}
        self._store: dict[str, set[str]] | None = None
        self._reachable: dict[frozenset[str], frozenset[str]] = {}

    def companions(
        self, issuers: frozenset[str] | None, own: Iterable[str]
    ) -> tuple[LoadedCertificate, ...]:
        """The candidates for an input whose certificates have ``issuers`` (:func:`name_key`;
        ``None``: unknown) and fingerprints ``own``, in the run's order."""
        others = ca_companions(self._cas, tuple(own))
        if not others or issuers is None or self._options is None:
            return others
        if self._options.chain is None:  # no chain analysis: nothing to leave out
            return others
        reachable = self._reachable.get(issuers)
        if reachable is None:
            if len(self._reachable) >= self.CACHE_MAX:
                self._reachable.clear()
            reachable = self._reachable[issuers] = self._walk(issuers)
        mine = set(own)
        return tuple(c for fp, c in self._cas.items() if fp in reachable and fp not in mine)

    def _walk(self, issuers: Iterable[str]) -> frozenset[str]:
        assert self._options is not None
        if self._by_subject is None:
            self._by_subject = {}
            for fingerprint, loaded in self._cas.items():
                facts = self._options.facts_cache.facts(loaded.certificate)
                self._by_subject.setdefault(name_key(facts.subject), []).append(fingerprint)
                self._issuer[fingerprint] = name_key(facts.issuer)
        store = self._store_names()
        found: set[str] = set()
        todo = list(issuers)
        done: set[str] = set()
        while todo:
            name = todo.pop()
            if name in done:
                continue
            done.add(name)
            for fingerprint in self._by_subject.get(name, ()):
                found.add(fingerprint)
                todo.append(self._issuer[fingerprint])
            todo.extend(store.get(name, ()))
        return frozenset(found)

    def _store_names(self) -> dict[str, set[str]]:
        """Subject -> issuers of the trust stores' and ``--chain`` certificates (once per run)."""
        if self._store is None:
            assert self._options is not None and self._options.chain is not None
            chain = self._options.chain
            stores = chain.trust or (load_mozilla(),)
            certificates = [
                *(c.certificate for c in chain.extra_certificates),
                *(c for s in stores for c in (*s.anchors, *s.intermediates)),
            ]
            self._store = {}
            for cert in certificates:
                facts = self._options.facts_cache.facts(cert)
                self._store.setdefault(name_key(facts.subject), set()).add(name_key(facts.issuer))
        return self._store


class Plans:
    """Every input's :class:`Plan`: those decided one by one, and a plain input's (one leaf, its
    CA certificates) made when asked for, from its few bytes of record."""

    def __init__(
        self,
        plans: dict[int, Plan],
        plain: PlainInputs,
        cas: dict[str, LoadedCertificate],
        stray: KeyOrigin | None,
        paths: PathCandidates | None = None,
    ) -> None:
        self._plans = plans
        self._plain = plain
        self._cas = cas
        self._stray = stray
        self._paths = paths or PathCandidates(cas, None)
        self._companions: dict[int, tuple[LoadedCertificate, ...]] = {}
        plain.close()  # (what follows reads its arrays only: forked workers may ask too)

    def get(self, position: int, default: Plan | None = None) -> Plan | None:
        found = self._plans.get(position)
        if found is not None:
            return found
        index = self._plain.leaf_index(position)
        if index is None:
            return default
        number = self._plain.ca_set(position)
        companions = self._companions.get(number)
        if companions is None:
            own = self._plain.sets[number]
            issuers = self._plain.set_issuers[number]
            companions = self._companions[number] = self._paths.companions(issuers, own)
        return Plan(leaf_index=index, companions=companions, foreign_key=self._stray)

    def items(self) -> Iterator[tuple[int, Plan]]:
        for position in sorted({*self._plans, *self._plain.positions()}):
            plan = self.get(position)
            assert plan is not None
            yield position, plan


def _lint_requests(bundle: Bundle, options: LintOptions) -> list[TargetResult]:
    """Each certificate request of ``bundle`` as a target of its own."""
    from certready.services.request_lint import analyse_request

    return [
        analyse_request(bundle.source, loaded, options, i)
        for i, loaded in enumerate(bundle.requests)
    ]


def _spkis(keys: Iterable[LoadedKey]) -> set[str]:
    return {_key_spki(k) for k in keys}


def _key_spki(loaded: LoadedKey) -> str:
    """SHA-256 of a private key's SubjectPublicKeyInfo: what pairs it with its certificate."""
    return key_facts(loaded.key.public_key()).spki_sha256
