"""lint of a bundle that holds several server certificates: one target per leaf.

A fleet's inventory exported as one PEM file, a CA's issued certificates in one ``.pem`` or
``.p7b``: each certificate that is not a CA (a leaf) is a target of its own, named by the file,
its position and (PEM) its line: ``fleet.pem#3 (line 57)``. Its path candidates are the bundle's
CA certificates (and those of the other inputs given together), never judged as "supplied with
it": a fleet bundle's CAs of another hierarchy are not an unrelated certificate of each leaf.
A private key in the bundle is paired with the leaf whose public key it matches; a leaf whose key
is not there has none (ABSENT), unless the bundle holds a key that belongs to no leaf of it:
then each such leaf says so (MISMATCH, naming the key), as a key file given beside does.

What stays as it was: a bundle of one leaf and its CA certificates (certbot's ``fullchain.pem``,
``server.pem`` with its key) is one target, its CAs supplied with the leaf; a bundle of CA
certificates only is skipped (or is the other inputs' path candidates); a PKCS#12 file is one
target (Windows binds one certificate with its key: other leaves in it are unrelated
certificates), and a DER file holds one certificate.

Memory: the first pass (:func:`survey`) keeps the bundle's CA certificates and keys (few); the
leaves are judged one at a time in the second pass (:func:`judge_bundle`), read again from the
file block by block.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import BinaryIO

from cryptography import x509

from certready.adapters.inputs import (
    STDIN,
    Bundle,
    LoadedCertificate,
    LoadedKey,
    LoadedRequest,
    PasswordSource,
)
from certready.adapters.inputs.load import load_one
from certready.adapters.inputs.pem_stream import (
    PemBlockError,
    PemEntry,
    PemNote,
    PemStream,
    pem_entries_of,
)
from certready.core.errors import InputError
from certready.core.facts import key_facts
from certready.core.location import FileLocation
from certready.core.model import KeyOrigin, TargetResult, TargetStatus
from certready.services.lint import (
    InputIndex,
    LintOptions,
    analyse,
    input_error_result,
)
from certready.services.lint import _guarded as guarded

BUNDLE_FORMATS = ("pem", "pkcs7")
"""Formats whose leaves are targets of their own (a PKCS#12 file stays one target)."""


@dataclass(frozen=True, slots=True)
class BundleSurvey:
    """What lint's first pass keeps of a bundle of several leaves."""

    source: str
    leaves: int
    cas: tuple[LoadedCertificate, ...]
    """The bundle's CA certificates, in file order: candidates for every leaf's path."""
    keys: tuple[LoadedKey, ...]
    streamed: bool
    """Read again block by block in the second pass (PEM text); else judged from ``bundle``."""
    bundle: Bundle | None = None
    """A bundle that is not PEM text (a .p7b): its certificates, judged from memory."""
    issuing: frozenset[x509.Name] = frozenset()
    """Subjects of certificates without CA:TRUE that issue another of the bundle (an old v1
    intermediate): path candidates, not leaves."""

    def is_leaf(
        self, loaded: LoadedCertificate, is_ca: Callable[[LoadedCertificate], bool]
    ) -> bool:
        return not is_ca(loaded) and loaded.certificate.subject not in self.issuing


def _spki(key: LoadedKey) -> str:
    return key_facts(key.key.public_key()).spki_sha256


ISSUERS_MAX = 4096
"""Distinct issuer names remembered to tell an issuing certificate from a leaf (a fleet has a few;
past this many, the rest are not looked at)."""


def leaves_of(
    certificates: Callable[[], Iterable[LoadedCertificate]],
    is_ca: Callable[[LoadedCertificate], bool],
) -> tuple[int, frozenset[x509.Name]]:
    """How many leaves the certificates hold (``certificates()`` gives them, twice), and the
    subjects of those without CA:TRUE that issue another of them (by name, as a path builder
    looks issuers up): not leaves. A chain of one server certificate and an old v1 intermediate
    is one leaf, as it always was. Memory: the distinct issuer names, not the certificates."""
    issuers: set[x509.Name] = set()
    for loaded in certificates():
        cert = loaded.certificate
        if len(issuers) < ISSUERS_MAX and cert.issuer != cert.subject:
            issuers.add(cert.issuer)
    leaves = 0
    issuing: set[x509.Name] = set()
    for loaded in certificates():
        if not is_ca(loaded):
            subject = loaded.certificate.subject
            if subject in issuers:
                issuing.add(subject)
            else:
                leaves += 1
    return leaves, frozenset(issuing)


def _certificates(
    item: PemStream, password: PasswordSource | None, stdin: BinaryIO | None
) -> Iterator[LoadedCertificate]:
    for entry in pem_entries_of(item.source, stdin, password, keys=False):
        if isinstance(entry, LoadedCertificate):
            yield entry


def survey_stream(
    item: PemStream,
    is_ca: Callable[[LoadedCertificate], bool],
    password: PasswordSource | None,
    stdin: BinaryIO | None = None,
) -> tuple[BundleSurvey, int]:
    """The first pass over a PEM bundle read block by block; also how many certificates it held
    (blocks that cannot be read are the second pass' to report). When it seems to hold several
    leaves, the issuer names are checked (:func:`leaves_of`): more reads, of names only."""
    nonca = certificates = 0
    cas: list[LoadedCertificate] = []
    keys: list[LoadedKey] = []
    for entry in pem_entries_of(item.source, stdin, password):
        if isinstance(entry, LoadedCertificate):
            certificates += 1
            if is_ca(entry):
                cas.append(entry)
            else:
                nonca += 1
        elif isinstance(entry, LoadedKey):
            keys.append(entry)
    issuing: frozenset[x509.Name] = frozenset()
    leaves = nonca
    if nonca >= 2:
        leaves, issuing = leaves_of(lambda: _certificates(item, password, stdin), is_ca)
        if issuing:
            cas.extend(
                c
                for c in _certificates(item, password, stdin)
                if not is_ca(c) and c.certificate.subject in issuing
            )
    survey = BundleSurvey(
        item.source, leaves, tuple(cas), tuple(keys), streamed=True, issuing=issuing
    )
    return survey, certificates


def survey_bundle(
    bundle: Bundle, is_ca: Callable[[LoadedCertificate], bool]
) -> BundleSurvey | None:
    """The survey of a bundle already loaded, when it holds several leaves (else ``None``)."""
    if bundle.format not in BUNDLE_FORMATS:
        return None
    leaves, issuing = leaves_of(lambda: bundle.certificates, is_ca)
    if leaves < 2:
        return None
    cas = tuple(c for c in bundle.certificates if is_ca(c) or c.certificate.subject in issuing)
    return BundleSurvey(
        bundle.source, leaves, cas, bundle.keys, streamed=False, bundle=bundle, issuing=issuing
    )


def _entries(
    survey: BundleSurvey, password: PasswordSource | None, stdin: BinaryIO | None
) -> Iterator[PemEntry]:
    if survey.streamed:
        yield from pem_entries_of(survey.source, stdin, password)
        return
    assert survey.bundle is not None
    yield from survey.bundle.certificates
    yield from survey.bundle.requests


def unpaired_keys(
    survey: BundleSurvey,
    keys: Sequence[LoadedKey],
    is_ca: Callable[[LoadedCertificate], bool],
    password: PasswordSource | None,
    stdin: BinaryIO | None = None,
) -> tuple[LoadedKey, ...]:
    """Those of ``keys`` that belong to no leaf of the bundle (one more read of it, only when it
    has keys to pair)."""
    if not keys:
        return ()
    wanted = {_spki(k): k for k in keys}
    for entry in _entries(survey, password, stdin):
        if isinstance(entry, LoadedCertificate) and survey.is_leaf(entry, is_ca):
            wanted.pop(key_facts(entry.certificate.public_key()).spki_sha256, None)
            if not wanted:
                break
    return tuple(k for k in keys if _spki(k) in wanted)


def judge_bundle(
    survey: BundleSurvey,
    judge_leaf: Callable[
        [str, LoadedCertificate, tuple[LoadedKey, ...], KeyOrigin | None], TargetResult
    ],
    judge_request: Callable[[LoadedRequest, int], TargetResult],
    error_result: Callable[[InputError], TargetResult],
    is_ca: Callable[[LoadedCertificate], bool],
    *,
    keys: Sequence[LoadedKey] = (),
    unpaired: Sequence[LoadedKey] = (),
    owners: Callable[[LoadedKey], str | None] = lambda _key: None,
    password: PasswordSource | None = None,
    stdin: BinaryIO | None = None,
    on_note: Callable[[str, str], None] | None = None,
    on_error: Callable[[InputError], None] | None = None,
) -> Iterator[TargetResult]:
    """Each leaf of the bundle judged in turn (``judge_leaf(name, leaf, keys, foreign_key)``),
    each unreadable block an error target in its place, each request a target."""
    by_spki = {_spki(k): k for k in keys}
    stray = KeyOrigin(unpaired[0].location, owners(unpaired[0])) if unpaired else None
    requests = 0
    for entry in _entries(survey, password, stdin):
        if isinstance(entry, LoadedCertificate):
            if not survey.is_leaf(entry, is_ca):
                continue
            spki = key_facts(entry.certificate.public_key()).spki_sha256
            mine = by_spki.get(spki)
            where = entry.location
            name = where.where if isinstance(where, FileLocation) else str(where)
            yield judge_leaf(name, entry, (mine,) if mine else (), None if mine else stray)
        elif isinstance(entry, PemBlockError):
            if on_error is not None:
                on_error(entry)
            yield _block_error(entry, error_result)
        elif isinstance(entry, PemNote):
            if on_note is not None:
                on_note(survey.source, entry.text)
        elif not isinstance(entry, LoadedKey):
            yield judge_request(entry, requests)
            requests += 1


def _block_error(
    error: PemBlockError, error_result: Callable[[InputError], TargetResult]
) -> TargetResult:
    result = error_result(error)
    where = error.where
    if where.index is None and where.line is None:
        return result
    return TargetResult(
        target=where.where,
        location=where,
        status=TargetStatus.INPUT_ERROR,
        reason=result.reason,
        role=result.role,
    )


class BundleRun:
    """The bundles of several leaves of one lint run: found in its first pass, judged leaf by
    leaf in its second (:func:`certready.services.lint.lint_results` drives it)."""

    def __init__(
        self, options: LintOptions, password: PasswordSource | None, stdin: BinaryIO | None
    ) -> None:
        self.options = options
        self.password = password
        self.stdin = stdin
        self.surveys: dict[int, BundleSurvey] = {}
        self._keys: dict[int, tuple[tuple[LoadedKey, ...], tuple[LoadedKey, ...]]] = {}

    def is_ca(self, loaded: LoadedCertificate) -> bool:
        return self.options.facts_cache.facts(loaded.certificate).is_ca

    def first_look(
        self, position: int, item: Bundle | InputError | PemStream
    ) -> Bundle | InputError | PemStream:
        """``item`` surveyed when it holds several leaves; a streamed file of one leaf (or none)
        is loaded as one bundle, as any other file."""
        if isinstance(item, PemStream):
            survey, _ = survey_stream(item, self.is_ca, self.password)
            if survey.leaves < 2:
                return load_one(item.source, self.password)
            self.surveys[position] = survey
            return item
        if not isinstance(item, Bundle) or len(item.certificates) < 2:
            return item
        found = survey_bundle(item, self.is_ca)
        if found is None:
            return item
        if item.format == "pem":  # plain PEM text: read again block by block, lines counted
            stdin = self.stdin if item.source == STDIN else None
            streamed, count = survey_stream(
                PemStream(item.source, 0), self.is_ca, self.password, stdin
            )
            if count == len(item.certificates) and streamed.leaves == found.leaves:
                found = streamed
        self.surveys[position] = found
        return item

    def prepare(self, index: InputIndex, loose_keys: Sequence[LoadedKey]) -> None:
        """Before the plans: the bundles' CA certificates and the loose keys their leaves claim."""
        index.bundles = len(self.surveys)
        for position, survey in self.surveys.items():
            for c in survey.cas:
                index.bundle_cas.setdefault(self._fingerprint(c), c)
            pool = (*survey.keys, *loose_keys)
            stray = unpaired_keys(survey, pool, self.is_ca, self.password, self._stdin(survey))
            strays = {k.location for k in stray}
            index.claimed_keys |= {k.location for k in loose_keys if k.location not in strays}
            own_stray = tuple(k for k in survey.keys if k.location in strays)
            mine = tuple(k for k in pool if k.location not in strays)
            self._keys[position] = (mine, own_stray)

    def _fingerprint(self, loaded: LoadedCertificate) -> str:
        return self.options.facts_cache.facts(loaded.certificate).fingerprint_sha256

    def _stdin(self, survey: BundleSurvey) -> BinaryIO | None:
        return self.stdin if survey.source == STDIN else None

    def judge(
        self,
        position: int,
        index: InputIndex,
        on_note: Callable[[str, str], None] | None,
        on_error: Callable[[InputError], None] | None,
    ) -> Iterator[TargetResult]:
        """The targets of bundle ``position``, one leaf at a time."""
        survey = self.surveys[position]
        options = self.options
        if survey.bundle is not None and on_note is not None:
            for note in survey.bundle.notes:
                on_note(survey.source, note)
        own = {self._fingerprint(c) for c in survey.cas}
        companions = (
            *survey.cas,
            *(c for fp, c in index.candidates.items() if fp not in own),
        )
        keys, stray = self._keys.get(position, (survey.keys, ()))
        owners = {
            self.options.facts_cache.facts(c.certificate).public_key.spki_sha256: (
                f"{self.options.facts_cache.facts(c.certificate).display_name} ({c.location})"
            )
            for c in survey.cas
        }

        def judge_leaf(
            name: str,
            leaf: LoadedCertificate,
            leaf_keys: tuple[LoadedKey, ...],
            foreign: KeyOrigin | None,
        ) -> TargetResult:
            def judge() -> TargetResult:
                return analyse(
                    name,
                    (leaf,),
                    leaf_keys,
                    options,
                    companions=companions,
                    foreign_key=foreign,
                    leaf_index=0,
                )

            return guarded(name, judge, options, on_error)

        def judge_request(loaded: LoadedRequest, number: int) -> TargetResult:
            from certready.services.request_lint import analyse_request

            return analyse_request(survey.source, loaded, options, number)

        yield from judge_bundle(
            survey,
            judge_leaf,
            judge_request,
            lambda error: input_error_result(error, options),
            self.is_ca,
            keys=keys,
            unpaired=stray,
            owners=lambda key: owners.get(_spki(key)),
            password=self.password,
            stdin=self._stdin(survey),
            on_note=on_note,
            on_error=on_error,
        )
