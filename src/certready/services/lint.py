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
from certready.core.engine import evaluate
from certready.core.errors import InputError
from certready.core.facts import FactsCache, key_facts, request_facts
from certready.core.judged import LINT_FILES, JudgedFor, ServerKind
from certready.core.location import FileLocation
from certready.core.model import (
    CertFacts,
    ChainElement,
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


def choose_leaf(facts: Sequence[CertFacts], keys: Sequence[LoadedKey]) -> int | None:
    """Index of the end-entity certificate of a bundle; ``None`` when it holds only CAs.

    The certificate a supplied key belongs to wins; otherwise the first non-CA certificate.
    """
    if keys:
        for i, f in enumerate(facts):
            if key_pairing(f, keys) is KeyPairing.MATCHES:
                return i
    for i, f in enumerate(facts):
        if not f.is_ca:
            return i
    return None


def analyse(
    target: str,
    certificates: Sequence[LoadedCertificate],
    keys: Sequence[LoadedKey],
    options: LintOptions,
    *,
    served: bool = False,
) -> TargetResult:
    """Every rule over one target: a leaf, the certificates that came with it, and its key."""
    return analyse_detailed(target, certificates, keys, options, served=served)[0]


def analyse_detailed(
    target: str,
    certificates: Sequence[LoadedCertificate],
    keys: Sequence[LoadedKey],
    options: LintOptions,
    *,
    served: bool = False,
    leaf_index: int | None = None,
    rules: Iterable[Rule] | None = None,
) -> tuple[TargetResult, ChainAnalysis | None]:
    """:func:`analyse`, plus the chain analysis itself (its strict verdict, for conformance runs).

    ``leaf_index`` forces which certificate is the leaf (default: :func:`choose_leaf`); ``rules``
    restricts the rules evaluated (default: the whole catalogue, as the policy enables it).
    """
    facts = [options.facts_cache.facts(c.certificate) for c in certificates]
    elements = tuple(ChainElement(f, c.location) for f, c in zip(facts, certificates, strict=True))
    if leaf_index is None:
        leaf_index = choose_leaf(facts, keys)
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
    analysis: ChainAnalysis | None = None
    if options.chain is not None and options.role is Role.SSL:
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
    try:
        return lint_bundle(bundle, options)
    except Exception as exc:
        error = InputError(judging_failed(exc), location=bundle.source)
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
only notes what it needs (loose keys) and the second reads each input again (``--jobs``' default
turns on at the same count)."""


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

    A private key given in a file of its own (``app.pem app.key``) is paired with the certificate
    it belongs to; a key that belongs to none of them is reported as an input error.
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
    in files of their own, paired with whichever certificate they belong to); the second judges
    each input. A small run keeps its inputs between the passes; a big one (:data:`STREAM_AT`
    inputs or more) reads them again, so memory stays flat however many there are.
    """
    if stdin is not None and STDIN in paths:  # read by both passes: kept, as bounded as the reader
        with contextlib.suppress(OSError):  # unreadable: the reader says so, naming it
            stdin = io.BytesIO(stdin.read(MAX_INPUT_BYTES + 1))

    if password is not None and hasattr(password, "rejected"):  # a prompt: ask once per input
        password = _Remembered(password)

    def read() -> Iterator[Bundle | InputError]:
        if isinstance(stdin, io.BytesIO):
            stdin.seek(0)
        return iter_inputs(list(paths), password, stdin=stdin)

    kept: list[Bundle | InputError] | None = []
    loose_keys: list[LoadedKey] = []
    for item in read():
        if isinstance(item, Bundle) and not item.certificates:
            loose_keys.extend(item.keys)
        if kept is not None:
            kept.append(item)
            if len(kept) >= STREAM_AT:
                kept = None

    def again() -> Iterable[Bundle | InputError]:
        return kept if kept is not None else read()

    paired: set[FileLocation] = set()
    if loose_keys:  # which key files some certificate claims (a key file may come first)
        for item in again():
            if isinstance(item, Bundle) and item.certificates:
                paired.update(k.location for k in _keys_of(item, loose_keys, options))
            if isinstance(item, Bundle) and item.requests:
                paired.update(k.location for k in _request_keys(item, loose_keys))
    for item in again():
        if isinstance(item, Bundle) and on_note is not None:
            for note in item.notes:
                on_note(item.source, note)
        elif isinstance(item, InputError) and on_error is not None:
            on_error(item)
        yield from judge_item(item, options, loose_keys, paired, on_error)


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


def judge_item(
    item: Bundle | InputError,
    options: LintOptions,
    loose_keys: Sequence[LoadedKey] = (),
    paired: Set[FileLocation] = frozenset(),
    on_error: Callable[[InputError], None] | None = None,
) -> list[TargetResult]:
    """One input's targets: its leaf's (none for a key file some certificate or request of the
    run claimed), then one per certificate request it holds."""
    if isinstance(item, InputError):
        return [input_error_result(item, options)]
    requests = _lint_requests(item, options) if item.requests else []
    if not item.certificates:
        if all(k.location in paired for k in item.keys):
            return requests
        return [
            TargetResult(
                target=item.source,
                location=FileLocation(item.source),
                status=TargetStatus.INPUT_ERROR,
                reason="a private key alone: it belongs to none of the certificates given",
                role=options.role,
            ),
            *requests,
        ]
    bundle = item
    if loose_keys and not bundle.keys:
        bundle = replace(bundle, keys=_keys_of(bundle, loose_keys, options))
    return [_judged(bundle, options, on_error), *requests]


def _keys_of(
    bundle: Bundle, loose_keys: Sequence[LoadedKey], options: LintOptions
) -> tuple[LoadedKey, ...]:
    """The loose keys that belong to one of ``bundle``'s certificates (also a PFX's own key given
    again)."""
    spkis = {
        options.facts_cache.facts(c.certificate).public_key.spki_sha256 for c in bundle.certificates
    }
    return tuple(k for k in loose_keys if _key_spki(k) in spkis)


def _request_keys(bundle: Bundle, loose_keys: Sequence[LoadedKey]) -> list[LoadedKey]:
    """The loose keys of ``bundle``'s certificate requests (paired with them rather than reported
    as belonging to nothing)."""
    spkis = {request_facts(r.request).public_key.spki_sha256 for r in bundle.requests}
    return [k for k in loose_keys if _key_spki(k) in spkis]


def _lint_requests(bundle: Bundle, options: LintOptions) -> list[TargetResult]:
    """Each certificate request of ``bundle`` as a target of its own."""
    from certready.services.request_lint import analyse_request

    return [
        analyse_request(bundle.source, loaded, options, i)
        for i, loaded in enumerate(bundle.requests)
    ]


def _key_spki(loaded: LoadedKey) -> str:
    """SHA-256 of a private key's SubjectPublicKeyInfo: what pairs it with its certificate."""
    return key_facts(loaded.key.public_key()).spki_sha256
