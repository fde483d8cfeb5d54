"""lint: every rule of a policy over certificate files, one target per input file."""

from __future__ import annotations

import collections
import contextlib
import datetime as dt
import io
import pickle
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence, Set
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import BinaryIO

from cryptography import x509
from cryptography.hazmat.primitives import serialization

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
from certready.adapters.inputs.load import (
    empty_folder,
    load_in_folder,
    load_one,
    within_folder_limits,
)
from certready.adapters.inputs.read import folder_files
from certready.adapters.trust import load_mozilla
from certready.core.engine import evaluate
from certready.core.errors import InputError
from certready.core.facts import FactsCache, key_facts, request_facts
from certready.core.judged import LINT_FILES, JudgedFor, ServerKind
from certready.core.location import FileLocation, Location
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
from certready.services.lint_jobs import JOBS_AT, can_fork, default_jobs, fork_map

_DER = serialization.Encoding.DER
_PICKLE = pickle.HIGHEST_PROTOCOL


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
    if bundle.format == "pkcs12":  # what IIS imports: its chain comes from Windows' stores
        options = replace(
            options, judged_for=replace(options.judged_for, server=ServerKind.WINDOWS)
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


STREAM_AT = JOBS_AT
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
    jobs: int | None = 1,
) -> Iterator[TargetResult]:
    """:func:`lint`'s targets, one at a time in input order, as each is judged.

    Two passes: the first reads every input for what judging any one of them needs (private keys
    in files of their own, each input's leaf, the CA certificates of all inputs, the same leaf
    given twice: a :class:`Seen` per input), planned into one :class:`Plan` per input; the
    second judges each input with its plan. A small run keeps its inputs between the passes; a
    big one (:data:`STREAM_AT` inputs or more) keeps only the index (CA certificates are few,
    and of the rest only fingerprints and names) and reads the inputs again.

    ``jobs``: worker processes for both passes (``None``: :func:`default_jobs` of the number of
    input files). Each worker reads and judges whole files and sends back what this process would
    yield, in input order; this process plans between the passes. It does it all alone for one
    worker or one file, a terminal password prompt (a worker has no terminal to ask on) and
    private keys in files of their own (pairing them needs the keys here). Standard input and a
    folder over the size limits are read through :func:`iter_inputs` (which reports the folder
    where it crosses them), in this process too.
    """
    if stdin is not None and STDIN in paths:  # read by both passes: kept, as bounded as the reader
        with contextlib.suppress(OSError):  # unreadable: the reader says so, naming it
            stdin = io.BytesIO(stdin.read(MAX_INPUT_BYTES + 1))

    if password is not None and hasattr(password, "rejected"):  # a prompt: ask once per input
        password = _Remembered(password)

    files = _Files.of(paths, password, jobs)
    if files is not None:
        plans = files.plans(files.index(options), options)
        yield from _delivered(files.judge(options, plans), on_note, on_error)
        return
    local = _InProcess(paths, password, stdin)
    plans = _plans(local.index(options), options)
    yield from _delivered(local.judge(options, plans), on_note, on_error)


@dataclass(frozen=True, slots=True)
class Seen:
    """What lint's first pass notes of one input (it pickles once a ``--jobs`` worker has
    :meth:`portable` it: no certificate objects, no private keys)."""

    found: IndexedInput | None = None
    """The input's certificates (``None``: none)."""
    request_spkis: frozenset[str] = frozenset()
    """The keys of its certificate requests (a key file they pair with is no stray)."""
    keys: tuple[LoadedKey, ...] = ()
    """Private keys in a file without certificates: paired with another input's leaf."""
    key_file: bool = False
    """It holds such keys (a worker's answer keeps the fact, not the keys)."""
    cas: tuple[tuple[int, bytes, Location, str | None], ...] = ()
    """A worker's answer: the CA certificates of ``found`` as DER (restored by the parent)."""

    @classmethod
    def of(cls, item: Bundle | InputError, options: LintOptions) -> Seen:
        if not isinstance(item, Bundle):
            return cls()
        spkis = frozenset(request_facts(r.request).public_key.spki_sha256 for r in item.requests)
        if not item.certificates:
            return cls(None, spkis, item.keys, bool(item.keys))
        return cls(IndexedInput.of(item, options), spkis)

    def portable(self) -> Seen:
        """This record as a worker sends it: CA certificates as DER, no keys."""
        if self.found is None:
            return replace(self, keys=())
        cas = tuple(
            (j, c.certificate.public_bytes(_DER), c.location, c.friendly_name)
            for j, _, c in self.found.cas
        )
        return replace(self, found=replace(self.found, keys=(), cas=[]), keys=(), cas=cas)


def _plans(seen: Sequence[Seen], options: LintOptions) -> dict[int, Plan]:
    """Every input's :class:`Plan` (by position) from the first pass."""
    index = InputIndex()
    loose_keys: list[LoadedKey] = []
    for position, one in enumerate(seen):
        index.request_spkis.update(one.request_spkis)
        if one.keys:
            index.key_files[position] = one.keys
            loose_keys.extend(one.keys)
        if one.found is not None:
            index.keep(position, one.found)
    return index.plans(loose_keys, options)


@dataclass(frozen=True, slots=True)
class Judged:
    """What lint made of one input (in the first pass where it could, else in the second): its
    targets, and what to tell on the way."""

    results: list[TargetResult]
    source: str
    notes: tuple[str, ...] = ()
    errors: tuple[InputError, ...] = ()
    """Its input error, or the error a judging that failed was turned into (``--debug``)."""
    held: bool = False
    """It held a certificate or a request (a folder none of whose files does is an error)."""

    @classmethod
    def of(cls, item: Bundle | InputError, options: LintOptions, plan: Plan) -> Judged:
        if isinstance(item, InputError):
            return cls([input_error_result(item, options)], item.location or "", errors=(item,))
        errors: list[InputError] = []
        results = judge_item(item, options, plan, errors.append)
        held = bool(item.certificates or item.requests)
        return cls(results, item.source, item.notes, tuple(errors), held)


def _delivered(
    judged: Iterable[Judged],
    on_note: Callable[[str, str], None] | None,
    on_error: Callable[[InputError], None] | None,
) -> Iterator[TargetResult]:
    for one in judged:
        if on_note is not None:
            for note in one.notes:
                on_note(one.source, note)
        if on_error is not None:
            for error in one.errors:
                on_error(error)
        yield from one.results


class _InProcess:
    """Both passes in this process over :func:`iter_inputs`, for standard input and folders
    over the size limits (:class:`_Files` does the rest)."""

    def __init__(
        self, paths: Sequence[str], password: PasswordSource | None, stdin: BinaryIO | None
    ) -> None:
        self._paths = list(paths)
        self._password = password
        self._stdin = stdin
        self._kept: list[Bundle | InputError] | None = None

    def _read(self) -> Iterator[Bundle | InputError]:
        if isinstance(self._stdin, io.BytesIO):
            self._stdin.seek(0)
        return iter_inputs(self._paths, self._password, stdin=self._stdin)

    def index(self, options: LintOptions) -> list[Seen]:
        seen: list[Seen] = []
        kept: list[Bundle | InputError] | None = []
        for item in self._read():
            seen.append(Seen.of(item, options))
            if kept is not None:
                kept.append(item)
                if len(kept) >= STREAM_AT:
                    kept = None
        self._kept = kept
        return seen

    def judge(self, options: LintOptions, plans: dict[int, Plan]) -> Iterator[Judged]:
        items = self._kept if self._kept is not None else self._read()
        self._kept = None
        for position, item in enumerate(items):
            yield Judged.of(item, options, plans.get(position, _NO_PLAN))


Group = tuple[str, list[str] | None]
"""An input as given, and its files when it is a folder (``None``: a file)."""


@dataclass(slots=True)
class _Files:
    """Both passes over the input files, one task per file: in this process, or in forked
    workers (:func:`fork_map`).

    The first pass also judges each input that holds a CA certificate (a fleet's fullchain
    files) or could not be read, as if it were given alone (:func:`_guess`), so that the second
    pass neither reads nor parses it again: where the run's plan for it is the plan it would
    have alone, that judgement is the one the second pass would make; where not (a leaf given
    twice, another input's CA certificate on its path, a key of another file), it is judged
    again with its plan. This for the first :data:`STREAM_AT` inputs, whose judgements wait in
    memory (:class:`_Spool`): past them, one process would pay for pickling a judgement to a
    file and back what it saves by not reading the input again, and workers that judged
    everything in the first pass would leave this process alone afterwards with the rendering
    of every target, where the second pass lets it render while they judge."""

    groups: list[Group]
    files: list[tuple[str, bool]]
    """Every input file in order, and whether a folder walk found it."""
    workers: int
    password: PasswordSource | None
    kept: list[Bundle | InputError] | None = None
    """In one process, a small run's inputs between its passes."""
    guessed: array[int] = field(default_factory=lambda: array("i"))
    """By position: the plan (in :attr:`distinct`) the first pass judged the input with, -1 for
    none (4 bytes an input: most plans are the same one, "its first certificate is the
    leaf")."""
    distinct: list[Plan] = field(default_factory=list)
    ids: dict[Plan, int] = field(default_factory=dict)
    spool: _Spool | None = None
    """Those judgements, in input order."""

    @classmethod
    def of(
        cls, paths: Sequence[str], password: PasswordSource | None, jobs: int | None
    ) -> _Files | None:
        """The files of ``paths`` and the workers for them (see :func:`lint_results`); ``None``
        for standard input and a folder over the size limits, which :class:`_InProcess`
        reads."""
        if STDIN in paths:
            return None
        groups = [(name, folder_files(name) if Path(name).is_dir() else None) for name in paths]
        if any(files is not None and not within_folder_limits(files) for _, files in groups):
            return None
        files = [
            (file, found is not None)
            for name, found in groups
            for file in (found if found is not None else [name])
        ]
        workers = min(default_jobs(len(files)) if jobs is None else jobs, len(files))
        if hasattr(password, "rejected") or not can_fork():  # only this process can prompt
            workers = 1
        return cls(groups, files, max(workers, 1), password)

    def _load(self, position: int) -> Bundle | InputError:
        file, in_folder = self.files[position]
        if in_folder:
            return load_in_folder(file, self.password)
        return load_one(file, self.password)

    def index(self, options: LintOptions) -> list[Seen]:
        """The first pass (with workers, falling back to one process when a file holds private
        keys alone: only this process can pair them)."""
        self.close()
        self.spool = _Spool()
        if self.workers > 1:
            seen = self._index_forked(options)
            if seen is not None:
                return seen
            self.workers = 1
            self.close()
            self.spool = _Spool()
        out: list[Seen] = []
        kept: list[Bundle | InputError] | None = []
        for position in range(len(self.files)):
            item = self._load(position)
            one = Seen.of(item, options)
            out.append(one)
            guess = _guess(item, one, options) if position < STREAM_AT else None
            if guess is not None:
                self._guessed(position, guess[0])
                self.spool.put(guess[1])
            if kept is not None:
                kept.append(item)
                if len(kept) >= STREAM_AT:
                    kept = None
        self.kept = kept
        return out

    def _index_forked(self, options: LintOptions) -> list[Seen] | None:
        assert self.spool is not None

        def see(position: int) -> tuple[Seen, Plan | None, bytes]:
            item = self._load(position)
            one = Seen.of(item, options)
            guess = _guess(item, one, options) if position < STREAM_AT else None
            if guess is None:
                return one.portable(), None, b""
            return one.portable(), guess[0], pickle.dumps(guess[1], _PICKLE)

        seen: list[Seen] = []
        for position, (one, plan, judged) in enumerate(
            fork_map(see, len(self.files), self.workers)
        ):
            seen.append(one)
            if plan is not None:
                self._guessed(position, plan)
                self.spool.put(judged)
        if any(one.key_file for one in seen):
            return None
        restored: dict[str, LoadedCertificate] = {}  # one object per CA certificate of the run
        for n, one in enumerate(seen):
            if one.found is not None and one.cas:
                cas = []
                for j, der, where, name in one.cas:
                    fingerprint = one.found.facts[j].fingerprint_sha256
                    loaded = restored.get(fingerprint)
                    if loaded is None:
                        cert = x509.load_der_x509_certificate(der)
                        loaded = restored[fingerprint] = LoadedCertificate(cert, where, name)
                    cas.append((j, options.facts_cache.facts(loaded.certificate), loaded))
                seen[n] = replace(one, found=replace(one.found, cas=cas), cas=())
        return seen

    def _guessed(self, position: int, plan: Plan) -> None:
        if len(self.guessed) < len(self.files):
            self.guessed = array("i", [-1]) * len(self.files)
        index = None
        with contextlib.suppress(TypeError):  # a plan holding a key that does not hash
            index = self.ids.get(plan)
        if index is None:
            index = len(self.distinct)
            self.distinct.append(plan)
            with contextlib.suppress(TypeError):
                self.ids[plan] = index
        self.guessed[position] = index

    def _guess(self, position: int) -> Plan | None:
        """The plan the first pass judged the input at ``position`` with (``None``: not
        judged)."""
        if position >= len(self.guessed) or self.guessed[position] < 0:
            return None
        return self.distinct[self.guessed[position]]

    def plans(self, seen: Sequence[Seen], options: LintOptions) -> dict[int, Plan]:
        """:func:`_plans`; with workers, a leaf given twice whose copy not judged has its own
        key sends the second pass to one process (the workers did not send keys)."""
        plans = _plans(seen, options)
        if self.workers > 1:
            for position, plan in plans.items():
                found = seen[position].found
                if plan.duplicate and found is not None and found.has_keys:
                    self.workers = 1
                    return _plans(self.index(options), options)
        return plans

    def judge(self, options: LintOptions, plans: dict[int, Plan]) -> Iterator[Judged]:
        """The second pass, in input order; after a folder's files, the folder's own error when
        none of them held a certificate (as :func:`iter_inputs` yields it)."""
        kept, self.kept = self.kept, None
        todo = [p for p in range(len(self.files)) if self._guess(p) != plans.get(p, _NO_PLAN)]

        def judge(n: int) -> Judged:
            position = todo[n]
            item = self._load(position) if kept is None else kept[position]
            return Judged.of(item, options, plans.get(position, _NO_PLAN))

        workers = min(self.workers, len(todo))
        fresh: Iterator[Judged] = map(judge, range(len(todo)))
        if workers > 1:
            fresh = fork_map(judge, len(todo), workers)
        try:
            position = 0
            for name, files in self.groups:
                held = False
                for _ in files if files is not None else [name]:
                    one = None
                    guess = self._guess(position)
                    if guess is not None:
                        assert self.spool is not None
                        one = self.spool.take()
                        if guess != plans.get(position, _NO_PLAN):
                            one = None
                    if one is None:
                        one = next(fresh)
                    held = held or one.held
                    position += 1
                    yield one
                if files is not None and not held:
                    error = empty_folder(name, len(files))
                    yield Judged([input_error_result(error, options)], name, errors=(error,))
        finally:
            self.close()

    def close(self) -> None:
        if self.spool is not None:
            self.spool.close()
        self.spool = None
        self.guessed = array("i")
        self.distinct = []
        self.ids = {}


def _guess(
    item: Bundle | InputError, seen: Seen, options: LintOptions
) -> tuple[Plan, Judged] | None:
    """An input judged in the first pass with the plan it would have alone: one that could not
    be read (its plan is always none), or one that holds a CA certificate (a fullchain: the
    run's plan is most likely its own); ``None``: left to the second pass."""
    if isinstance(item, InputError):
        return _NO_PLAN, Judged.of(item, options, _NO_PLAN)
    if seen.found is None or not seen.found.cas:
        return None
    alone = _plans([seen], options).get(0, _NO_PLAN)
    return alone, Judged.of(item, options, alone)


class _Spool:
    """What the first pass judged (at most :data:`STREAM_AT` inputs), in input order, until the
    second pass takes it back: as judged in this process, pickled as a worker sent it."""

    def __init__(self) -> None:
        self._kept: collections.deque[Judged | bytes] = collections.deque()

    def put(self, judged: Judged | bytes) -> None:
        self._kept.append(judged)

    def take(self) -> Judged:
        one = self._kept.popleft()
        if isinstance(one, bytes):
            judged: Judged = pickle.loads(one)  # noqa: S301 - sent by this run's own workers
            return judged
        return one

    def close(self) -> None:
        self._kept.clear()


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
    if item.format == "pkcs12":  # what IIS imports: its chain comes from Windows' stores
        options = replace(
            options, judged_for=replace(options.judged_for, server=ServerKind.WINDOWS)
        )

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
        if c.spki_sha256 in key_spkis:
            return i
    for i, c in enumerate(certificates):
        if not c.is_ca:
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
        keyed = next(
            (
                i
                for i, f in enumerate(facts)
                if item.keys and key_pairing(f, item.keys) is KeyPairing.MATCHES
            ),
            None,
        )
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
    and the keys of the certificate requests."""

    inputs: dict[int, IndexedInput] = field(default_factory=dict)
    key_files: dict[int, tuple[LoadedKey, ...]] = field(default_factory=dict)
    request_spkis: set[str] = field(default_factory=set)
    shared: dict[str, tuple[IndexedCertificate, LoadedCertificate | None]] = field(
        default_factory=dict
    )
    """One record (and one CA certificate object, its first origin) per certificate however many
    inputs repeat it: a fleet's intermediate is in every file."""

    def keep(self, position: int, found: IndexedInput) -> None:
        """``found`` indexed, its records shared with the inputs before it."""
        for i, record in enumerate(found.facts):
            first = self.shared.setdefault(record.fingerprint_sha256, (record, None))
            found.facts[i] = first[0]
        for n, (j, facts, loaded) in enumerate(found.cas):
            record, ca = self.shared[facts.fingerprint_sha256]
            if ca is None:
                self.shared[facts.fingerprint_sha256] = (record, loaded)
            else:
                found.cas[n] = (j, facts, ca)
        self.inputs[position] = found

    def plans(self, loose_keys: Sequence[LoadedKey], options: LintOptions) -> dict[int, Plan]:
        """Each input's :class:`Plan` (by position)."""
        hosts = bool(options.hosts)
        paired = {k.location for k in loose_keys if _key_spki(k) in self.request_spkis}
        chosen: dict[int, tuple[int, tuple[LoadedKey, ...], str]] = {}
        cas: dict[str, tuple[CertFacts, LoadedCertificate]] = {}
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
            for j, f, c in one.cas:
                if j != index:
                    cas.setdefault(f.fingerprint_sha256, (f, c))
        if not chosen and hosts:  # only CA certificates, and a host presents them
            for i, one in self.inputs.items():
                spkis = {f.spki_sha256 for f in one.facts}
                mine = tuple(k for k in loose_keys if _key_spki(k) in spkis)
                index = one.keyed
                if index is None:
                    index = _choose(
                        one.facts, set() if one.has_keys else _spkis(mine), presented=True
                    )
                if index is not None:
                    chosen[i] = (index, mine, one.facts[index].fingerprint_sha256)
        by_leaf: dict[str, list[int]] = {}
        for i, (_, _, fp) in chosen.items():
            by_leaf.setdefault(fp, []).append(i)
        plans: dict[int, Plan] = {}
        for group in by_leaf.values():
            judged = max(
                group,
                key=lambda i: (len(self.inputs[i].facts), self.inputs[i].has_keys, -i),
            )
            also = tuple(self.inputs[i].source for i in group if i != judged)
            for i in group:
                index, mine, _ = chosen[i]
                plans[i] = Plan(leaf_index=index, keys=mine, duplicate=i != judged)
            if also:
                keys = tuple(k for i in group for k in (*self.inputs[i].keys, *chosen[i][1]))
                label = ", ".join((self.inputs[judged].source, *also))
                plans[judged] = replace(plans[judged], keys=keys, label=label)
        foreign = [k for k in self._foreign_keys(loose_keys, chosen) if k.location not in paired]
        reported: set[FileLocation] = set()
        candidates = PathCandidates(cas, options)
        for i, plan in list(plans.items()):
            if plan.duplicate:
                continue
            one = self.inputs[i]
            own = {f.fingerprint_sha256 for f in one.facts}
            companions = candidates.companions(one.issuers, own)
            stray = foreign[0] if foreign and not (one.has_keys or plan.keys) else None
            if stray is not None:
                reported.add(stray.location)
            plans[i] = replace(plan, companions=companions, foreign_key=stray)
        if chosen:
            for i in self.inputs:
                if i not in plans:
                    plans[i] = Plan(ca_only=True)
        owners = {k.location: k for k in foreign}
        for i, keys in self.key_files.items():
            alone = [k for k in keys if k.location in owners and k.location not in reported]
            if alone:
                plans[i] = Plan(key_alone=owners[alone[0].location])
        return plans

    def _foreign_keys(
        self,
        loose_keys: Sequence[LoadedKey],
        chosen: dict[int, tuple[int, tuple[LoadedKey, ...], str]],
    ) -> list[KeyOrigin]:
        """The keys given in files of their own that belong to no leaf given, each with the
        certificate it does belong to (a CA certificate given), when there is one."""
        leaf_spkis: set[str] = set()
        owners: dict[str, str] = {}
        for position, one in self.inputs.items():
            entry = chosen.get(position)
            for i, facts in enumerate(one.facts):
                if entry is not None and i == entry[0]:
                    leaf_spkis.add(facts.spki_sha256)
                else:
                    owners.setdefault(
                        facts.spki_sha256,
                        f"{facts.display_name} ({one.locations[i]})",
                    )
        out: list[KeyOrigin] = []
        for key in loose_keys:
            spki = _key_spki(key)
            if spki not in leaf_spkis:
                out.append(KeyOrigin(key.location, owners.get(spki)))
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
    The analysis is then the one a leaf given alone gets (the CA-path shortcut included), and a
    fleet's folder of many hierarchies does not validate every leaf in full.
    """

    CACHE_MAX = 4096

    def __init__(
        self, cas: dict[str, tuple[CertFacts, LoadedCertificate]], options: LintOptions
    ) -> None:
        self._cas = cas
        self._chain = options.chain
        self._facts = options.facts_cache
        self._by_subject: dict[str, list[str]] = {}
        self._issuer: dict[str, str] = {}
        for fingerprint, (facts, _) in cas.items():
            self._by_subject.setdefault(name_key(facts.subject), []).append(fingerprint)
            self._issuer[fingerprint] = name_key(facts.issuer)
        self._store: dict[str, set[str]] | None = None
        self._reachable: dict[frozenset[str], frozenset[str]] = {}

    def companions(self, issuers: frozenset[str], own: Set[str]) -> tuple[LoadedCertificate, ...]:
        """The candidates for an input whose certificates have ``issuers`` (:func:`name_key`)
        and fingerprints ``own``, in the run's order."""
        others = [(fp, c) for fp, (_, c) in self._cas.items() if fp not in own]
        if not others or self._chain is None:  # no chain analysis: nothing to leave out
            return tuple(c for _, c in others)
        reachable = self._reachable.get(issuers)
        if reachable is None:
            if len(self._reachable) >= self.CACHE_MAX:
                self._reachable.clear()
            reachable = self._reachable[issuers] = self._walk(issuers)
        return tuple(c for fp, c in others if fp in reachable)

    def _walk(self, issuers: Iterable[str]) -> frozenset[str]:
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
            assert self._chain is not None
            stores = self._chain.trust or (load_mozilla(),)
            certificates = [
                *(c.certificate for c in self._chain.extra_certificates),
                *(c for s in stores for c in (*s.anchors, *s.intermediates)),
            ]
            self._store = {}
            for cert in certificates:
                facts = self._facts.facts(cert)
                self._store.setdefault(name_key(facts.subject), set()).add(name_key(facts.issuer))
        return self._store


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
