"""scan: what live servers present, judged by the same rules as ``lint`` plus the ``tls.*`` rules.

``scan_endpoints(targets, options)`` is the stable entry point (``audit --live`` calls it): a sync
wrapper over :func:`scan_async`, which handshakes with every target under bounded concurrency and a
per-target deadline. An unreachable target is a ``TargetResult`` with status UNREACHABLE and a
one-line reason, never an abort of the batch.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from cryptography import x509

from certready.adapters.inputs import LoadedCertificate, load_file
from certready.adapters.tlsfetch import (
    MAX_HANDSHAKE_BYTES,
    FetchFailure,
    FetchSettings,
    Presented,
    Resolver,
    pinned_resolver,
)
from certready.core.engine import drop_superseded, evaluate
from certready.core.errors import InputError, UsageError
from certready.core.facts import FactsCache, certificate_names, normalise_fingerprint
from certready.core.failure import FailureReason, FetchStep, ScanFailure
from certready.core.handshake import Expectations, HandshakeContext
from certready.core.hostnames import is_ip_address, normalise_host, reference_host
from certready.core.issuer_link import issued_by
from certready.core.judged import Command, JudgedFor, ServerKind
from certready.core.location import InputLocation, Location, TrustKind
from certready.core.model import ChainElement, Report, Role, TargetResult, TargetStatus, TlsFacts
from certready.core.policy import Policy
from certready.core.protocols import ProtocolSupport
from certready.core.rules.tls import sni_differs
from certready.core.targets import ScanTarget, parse_target
from certready.services.chain import ChainOptions
from certready.services.handshakes import Handshakes, Outcome
from certready.services.lint import LintOptions, analyse, judging_failed

Progress = Callable[[TargetResult], None]
"""Called once per finished target (in completion order), e.g. to advance a progress bar."""
Started = Callable[[str], None]
"""Called with a target's name when its connection starts (it is then being waited on); the
same name as the finished :attr:`TargetResult.target`."""


def _parsed(der: bytes) -> x509.Certificate:
    """A certificate a server sent; ValueError when it or its names cannot be parsed."""
    certificate = x509.load_der_x509_certificate(der)
    certificate_names(certificate)  # parsed on access: a damaged name fails here
    return certificate


class SentCertificates:
    """The certificates after the leaf that a run's servers sent, by DER, parsed once: up to
    :attr:`MAX`, then the table starts over (as :class:`~certready.core.facts.FactsCache`)."""

    MAX = 1024

    def __init__(self) -> None:
        self._parsed: dict[bytes, x509.Certificate] = {}

    def parsed(self, der: bytes) -> x509.Certificate:
        """:func:`_parsed`, remembered (one that cannot be parsed is not)."""
        certificate = self._parsed.get(der)
        if certificate is None:
            certificate = _parsed(der)
            if len(self._parsed) >= self.MAX:
                self._parsed.clear()
            self._parsed[der] = certificate
        return certificate


@dataclass(frozen=True, slots=True)
class ScanOptions:
    policy: Policy
    timeout: float = 10.0
    """Per-target deadline in seconds, covering DNS, connect and handshake."""
    concurrency: int = 50
    sni: str | None = None
    """Server name to send instead of the target's host name (also the name checked in the SAN)."""
    expect_sha256: str | None = None
    expect_issuers: tuple[str, ...] = ()
    """Acceptable issuing CAs (subject DNs or parts of them): anything else is tls.unexpected-issuer."""
    chain: ChainOptions | None = None
    """Chain analysis as ``lint`` runs it (trust stores, ``--at``, CRLs); ``None``: not run. Its
    anchors also excuse a leaf issued directly by a trusted root from tls.intermediate-not-sent."""
    now: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    compare_without_sni: bool = True
    """Also handshake without SNI and report a different leaf (tls.sni-differs): only when the
    policy runs that rule, once per endpoint."""
    max_handshake_bytes: int = MAX_HANDSHAKE_BYTES
    resolver: Resolver | None = None
    """Name resolution (``None``: the system resolver); tests inject their own."""
    resolve: tuple[tuple[str, int, str], ...] = ()
    """``--resolve``: (host, port, address) pins, tried before ``resolver``."""
    facts: FactsCache = field(default_factory=FactsCache)
    """The run's certificate facts, remembered for its servers (their CAs recur)."""
    handshakes: Handshakes = field(default_factory=Handshakes, compare=False)
    """The run's handshakes, one per (endpoint, SNI name), and protocol probe sets, one per
    endpoint, shared by every target needing them."""
    protocol_probe: bool = True
    """Also find out which protocol versions each endpoint accepts (TLS 1.0 to 1.3, one
    handshake each, concurrently with the main one, within the same deadline and byte budget;
    not counted in :attr:`Handshakes.count`); ``--no-protocol-probe`` turns it off."""
    command: Command = Command.SCAN
    """The command the findings are for (``audit --live`` scans for the audit's fix texts)."""
    sent: SentCertificates = field(default_factory=SentCertificates, compare=False)
    """The CA certificates the run's servers sent, parsed once (every server of a CA sends the
    same intermediates)."""


@dataclass(frozen=True, slots=True)
class NamedTarget:
    """An endpoint reached by one of its server's names (``audit --live``): ``name`` is sent as
    SNI (an IP address: none) and checked in the SAN, instead of the target's own host; the
    result is called ``label``."""

    target: ScanTarget
    name: str
    label: str


TargetInput = str | ScanTarget | NamedTarget | InputError


def expected_issuers(specs: Sequence[str], chain: ChainOptions) -> tuple[str, ...]:
    """``--expect-issuer``: each a file of CA certificates (their subjects) or a subject name (or
    part of one). Without any, the roots of the user's own ``--trust`` files and folders: a leaf
    issued by anything else means something re-signed the traffic."""
    issuers: list[str] = []
    for spec in specs:
        if Path(spec).is_file():
            issuers.extend(_ca_subjects(spec))
        else:
            issuers.append(spec)
    if not issuers:
        issuers = [
            c.subject.rfc4514_string()
            for store in chain.trust
            if store.kind in (TrustKind.FILE, TrustKind.DIRECTORY)
            for c in store.anchors
        ]
    return tuple(issuers)


def _ca_subjects(path: str) -> list[str]:
    """The subjects of the CA certificates in an ``--expect-issuer`` file, read as every input is
    (PEM, DER, PKCS#7, PKCS#12: :mod:`certready.adapters.inputs`)."""
    bundle = load_file(path)
    if not bundle.certificates:
        raise InputError("--expect-issuer: holds no certificate", location=path)
    return [c.certificate.subject.rfc4514_string() for c in bundle.certificates]


def scan_endpoints(
    targets: Sequence[TargetInput],
    options: ScanOptions,
    *,
    progress: Progress | None = None,
    started: Started | None = None,
) -> Report:
    """Scan every target; results in the order given. Runs its own event loop."""
    return Report(
        command="scan",
        profile=options.policy.name,
        generated_at=options.now,
        targets=tuple(scan_stream(targets, options, progress=progress, started=started)),
    )


def target_name(item: TargetInput) -> str:
    """The name a target's result will carry (:attr:`TargetResult.target`)."""
    if isinstance(item, InputError):
        return str(item.location)
    if isinstance(item, NamedTarget):
        return item.label
    if isinstance(item, str):
        try:
            return parse_target(item).text
        except UsageError:
            return item
    return item.text


def scan_stream(
    targets: Iterable[TargetInput],
    options: ScanOptions,
    *,
    progress: Progress | None = None,
    started: Started | None = None,
) -> Iterator[TargetResult]:
    """Every target's result in the order given, each as soon as it and the targets before it
    are judged (``--format jsonl`` writes it then). Targets are scanned ``options.concurrency``
    at a time; those that finish before an earlier, slower one wait for it, at most
    :data:`AHEAD` times the concurrency of them (then no new target starts until it is done).
    Options are checked before anything starts (UsageError)."""
    sni_override = reference_host(options.sni) if options.sni else None
    run = _Run(_checked(options), sni_override, progress, started)
    return run.results(targets)


AHEAD = 4
"""How many times the concurrency a stream may run ahead of its slowest unfinished target."""


def _checked(options: ScanOptions) -> ScanOptions:
    if options.concurrency < 1:
        raise UsageError("--concurrency must be at least 1")
    if options.timeout <= 0:
        raise UsageError("--timeout must be more than 0 seconds")
    if options.expect_sha256 is not None:
        fp = normalise_fingerprint(options.expect_sha256)
        if len(fp) != 64 or any(ch not in "0123456789ABCDEF" for ch in fp):
            raise UsageError(
                f"--expect-sha256 {options.expect_sha256!r} is not a SHA-256 fingerprint"
            )
    if options.resolve:
        pins = {(normalise_host(h), port): a for h, port, a in options.resolve}
        options = replace(options, resolver=pinned_resolver(pins, options.resolver))
    return options


class _Run:
    """One scan: its event loop (run only while a result is awaited), its settings, and the
    targets in flight."""

    def __init__(
        self,
        options: ScanOptions,
        sni_override: str | None,
        progress: Progress | None,
        started: Started | None,
    ) -> None:
        self.options = options
        self.sni_override = sni_override
        self.progress = progress
        self.started = started
        self.expectations = Expectations(
            leaf_sha256=options.expect_sha256, issuers=options.expect_issuers
        )
        self.settings = FetchSettings(
            options.timeout, options.max_handshake_bytes, options.resolver
        )
        # a client without SNI is asked only where a rule reads what it gets
        self.without_sni = options.compare_without_sni and options.policy.enabled(sni_differs.id)

    def results(self, targets: Iterable[TargetInput]) -> Iterator[TargetResult]:
        loop = asyncio.new_event_loop()
        pending: deque[asyncio.Task[TargetResult]] = deque()
        try:
            limit = asyncio.Semaphore(self.options.concurrency)
            items = iter(targets)
            ahead = AHEAD * self.options.concurrency
            for item in items:  # the first window
                pending.append(loop.create_task(self._one(item, limit)))
                if len(pending) >= ahead:
                    break
            while pending:
                task = pending.popleft()
                result = task.result() if task.done() else loop.run_until_complete(task)
                for item in items:
                    pending.append(loop.create_task(self._one(item, limit)))
                    if len(pending) >= ahead:
                        break
                yield result
        finally:
            for task in pending:
                task.cancel()
            if pending:
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    async def _one(self, item: TargetInput, limit: asyncio.Semaphore) -> TargetResult:
        async with limit:
            if self.started is not None:
                self.started(target_name(item))
            try:
                result = await self._scan(item)
            except Exception as exc:  # one target certready cannot judge never ends the scan
                result = _failed(item, exc)
        if self.progress is not None:
            self.progress(result)
        return result

    async def _scan(self, item: TargetInput) -> TargetResult:
        options = self.options
        if isinstance(item, InputError):
            return _input_error(item, str(item.location))
        sni_override = self.sni_override
        if isinstance(item, NamedTarget):
            if not is_ip_address(item.name):
                sni_override = reference_host(item.name)
            target = replace(item.target, text=item.label)
        elif isinstance(item, str):
            try:
                target = parse_target(item)
            except UsageError as exc:
                return _input_error(exc, item)
        else:
            target = item
        sni = sni_override or (None if target.is_ip else target.host)
        handshakes, settings = options.handshakes, self.settings
        probe = (
            asyncio.ensure_future(handshakes.protocols(target.host, target.port, sni, settings))
            if options.protocol_probe
            else None
        )
        main = handshakes.fetch(target.host, target.port, sni, settings)
        without_sni: Outcome | None = None
        if self.without_sni and sni is not None:  # what clients that send no SNI get, meanwhile
            first, without_sni = await asyncio.gather(
                main, handshakes.fetch(target.host, target.port, None, settings)
            )
        else:
            first = await main
        protocols = await probe if probe is not None else None
        if isinstance(first, FetchFailure):
            return TargetResult(
                target=target.text,
                location=target.location,
                status=TargetStatus.UNREACHABLE,
                reason=first.message,
                failure=ScanFailure(first.reason, first.step),
                hosts=(sni or target.host,),
            )
        return analyse_presented(
            target,
            first,
            options,
            self.expectations,
            hosts=(sni or target.host,),
            without_sni=without_sni,
            protocols=protocols,
        )


def _failed(item: TargetInput, exc: Exception) -> TargetResult:
    """The result of a target whose scan or judging raised: its own error, in one line."""
    location: Location
    if isinstance(item, NamedTarget):
        text, location = item.label, item.target.location
    else:
        text = item.text if isinstance(item, ScanTarget) else str(getattr(item, "location", item))
        location = item.location if isinstance(item, ScanTarget) else InputLocation(text)
    return TargetResult(
        target=text,
        location=location,
        status=TargetStatus.INPUT_ERROR,
        reason=judging_failed(exc),
    )


def _input_error(item: InputError | UsageError, text: str) -> TargetResult:
    where = item.location or text
    return TargetResult(
        target=where,
        location=InputLocation(where),
        status=TargetStatus.INPUT_ERROR,
        reason=item.message,
    )


def analyse_presented(
    target: ScanTarget,
    presented: Presented,
    options: ScanOptions,
    expectations: Expectations,
    *,
    hosts: tuple[str, ...],
    without_sni: Presented | FetchFailure | None = None,
    protocols: ProtocolSupport | None = None,
) -> TargetResult:
    """The lint rules (``served=True``) and the ``tls.*`` rules over one completed handshake
    (and the endpoint's protocol probe set, when it ran)."""
    tls = TlsFacts(
        address=presented.address,
        sni=presented.sni,
        protocol=presented.protocol,
        cipher=presented.cipher,
        handshake_ms=round(presented.handshake_ms, 3),
    )
    loaded: list[LoadedCertificate] = []
    for index, der in enumerate(presented.chain):
        origin = target.location.presented(index)
        try:
            certificate = options.sent.parsed(der) if index else _parsed(der)
            loaded.append(LoadedCertificate(certificate, origin))
        except ValueError as exc:
            return TargetResult(
                target=target.text,
                location=origin,
                status=TargetStatus.INPUT_ERROR,
                reason=f"the server sent a certificate that cannot be parsed: {exc}",
                failure=ScanFailure(FailureReason.UNPARSEABLE_CERTIFICATE, FetchStep.HANDSHAKE),
                hosts=hosts,
                tls=tls,
            )
    if not loaded:
        return TargetResult(
            target=target.text,
            location=target.location,
            status=TargetStatus.UNREACHABLE,
            reason="the handshake completed without a server certificate (anonymous cipher?)",
            failure=ScanFailure(FailureReason.NO_CERTIFICATE, FetchStep.HANDSHAKE),
            hosts=hosts,
            tls=tls,
        )
    judged_for = JudgedFor(options.command, ServerKind.LIVE, name_given=presented.sni is not None)
    lint_options = LintOptions(
        policy=options.policy,
        hosts=hosts,
        role=Role.SSL,
        now=options.now,
        chain=options.chain,
        facts=options.facts,
        judged_for=judged_for,
    )
    result = analyse(target.text, loaded, (), lint_options, served=True)
    # The tls rules judge the server's own order (analyse() puts the leaf it chose first).
    facts = {e.origin: e for e in result.certificates}
    sent = tuple(facts[c.location] for c in loaded)
    leaf_without_sni = None
    if isinstance(without_sni, Presented) and without_sni.chain:
        if without_sni.chain[0] == presented.chain[0]:
            leaf_without_sni = sent[0].certificate  # the same leaf: nothing to parse again
        else:
            try:
                leaf_without_sni = options.facts.facts(
                    x509.load_der_x509_certificate(without_sni.chain[0])
                )
            except ValueError:
                leaf_without_sni = None
    if options.chain is not None and _anchors_read(sent, expectations):
        trusted = options.chain.anchors.fingerprints
        anchors = tuple(
            options.facts.facts(cert)
            for cert, fp in options.chain.issuer_candidates([loaded[0].certificate])
            if fp in trusted
        )
        expectations = replace(expectations, anchors=expectations.anchors + anchors)
    handshake = HandshakeContext(
        presented=sent,
        tls=tls,
        expectations=expectations,
        leaf_without_sni=leaf_without_sni,
        without_sni_failure=without_sni.message if isinstance(without_sni, FetchFailure) else None,
        protocols=protocols,
        judged_for=judged_for,
    )
    # A tls finding that says a chain finding's defect more precisely supersedes it (one defect,
    # one finding): the tls rules declare which.
    tls_rules = (r for r, _ in options.policy.plan(HandshakeContext.scope, handshake.role))
    findings = drop_superseded(result.findings + evaluate(handshake, options.policy), tls_rules)
    return replace(result, findings=findings, tls=tls)


def _anchors_read(sent: Sequence[ChainElement], expectations: Expectations) -> bool:
    """Whether a tls rule reads the trusted anchors that issued the leaf: tls.unexpected-issuer
    when issuers are expected, tls.intermediate-not-sent when the leaf's issuer is not sent
    (finding them costs a look-up in the trust stores for every endpoint)."""
    if expectations.issuers:
        return True
    leaf = sent[0].certificate
    return not leaf.self_issued and not any(issued_by(leaf, c.certificate) for c in sent[1:])
