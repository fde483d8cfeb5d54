"""audit: one Report for a whole deployment manifest.

For every server: its certificate file linted with every rule and all of the server's names (FQDN
and external FQDNs), its STS certificate with the ``sts`` role; then the deployment rules over the
whole topology (a :class:`~certready.core.deployment.DeploymentContext`), through the engine like
every rule. Certificate rules run through :func:`certready.services.lint.analyse` only. Each file is read once, however many servers name it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

from certready.adapters.inputs import (
    HOW_TO_UNLOCK,
    Bundle,
    PasswordSource,
    load_bytes,
    read_input,
)
from certready.adapters.inputs.passwords import password_from_env, password_from_file
from certready.adapters.manifest import load_manifest, policy_spec
from certready.adapters.profiles import load_policy
from certready.adapters.trust import TrustStore, load_mozilla
from certready.core.deployment import (
    CertificateRef,
    Deployment,
    DeploymentContext,
    ServerObservation,
    ServerSpec,
    Topology,
)
from certready.core.engine import evaluate
from certready.core.errors import InputError, PolicyError
from certready.core.facts import key_facts
from certready.core.judged import Command, JudgedFor, ServerKind
from certready.core.location import TrustKind, TrustLocation
from certready.core.model import (
    CertFacts,
    Finding,
    KeyPairing,
    Report,
    Role,
    TargetResult,
    TargetStatus,
)
from certready.core.policy import Policy
from certready.core.rules.deployment import borrowed_certificates, certificate_of_another_server
from certready.core.rules.names import host_not_covered
from certready.core.rules.pfx import PfxContext
from certready.services.audit_links import file_target_name, link_to_targets
from certready.services.audit_live import (
    LiveProbe,
    LiveProgress,
    LiveScan,
    probed,
    scanned,
    served,
)
from certready.services.chain import ChainOptions
from certready.services.lint import LintOptions, analyse, judging_failed
from certready.services.lint_jobs import default_jobs, fork_map


@dataclass(frozen=True, slots=True)
class AuditOptions:
    policy: Policy | None = None
    """``None``: the manifest's ``policy:``."""
    now: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    chain: bool = True
    """Run the chain analysis (against Mozilla's store plus the manifest's ``trust:``)."""
    scan: bool = False
    """``--live``: scan every ``endpoint:`` with :mod:`certready.services.scan`."""
    live: LiveProbe | None = None
    """A probe other than the scan service (tests); implies a live audit."""
    timeout: float = 10.0
    """Per-endpoint deadline of the live scan, seconds."""
    protocol_probe: bool = True
    """``--live``: also probe which protocol versions each endpoint accepts, once per endpoint
    (``--no-protocol-probe`` turns it off)."""
    progress: LiveProgress | None = None
    """Told how many endpoints the live scan connects to, and which it is waiting on."""
    on_note: Callable[[str, str], None] | None = field(default=None, compare=False)
    """``on_note(source, note)``: non-fatal remarks about the inputs (a UTF-16 manifest)."""
    jobs: int | None = None
    """Certificate files judged in this many worker processes (``None``: every core from 256
    files on, one process below)."""


def password_source(ref: CertificateRef) -> PasswordSource | None:
    """The password of a certificate file from ``password_env`` or ``password_file`` (through
    :mod:`certready.adapters.inputs.passwords`), never from the manifest itself."""
    if ref.password_env:
        try:
            return password_from_env(ref.password_env)
        except InputError as exc:  # the manifest's key, not the command line's --password-env
            raise InputError(
                f"password_env: {ref.password_env}: {exc.message.split(' (', 1)[0]} "
                "(export it before the audit, or use password_file:)"
            ) from None
    if ref.password_file:
        return password_from_file(ref.password_file)
    return None


class CertificateFiles:
    """Each certificate/key file read once per audit (a shared wildcard is parsed once).

    Only files named more than once are kept: holding every parsed bundle of a large manifest
    would only make the garbage collector walk them.
    """

    def __init__(self, deployment: Deployment | None = None) -> None:
        self._cache: dict[tuple[str, str | None, str | None], Bundle | InputError] = {}
        self._shared: set[str] | None = None
        if deployment is not None:
            named = Counter(
                p
                for s in deployment.servers
                for ref in (s.certificate, s.sts_certificate)
                if ref is not None
                for p in (ref.path, ref.key)
                if p is not None
            )
            self._shared = {p for p, n in named.items() if n > 1}

    def _get(self, path: str, ref: CertificateRef) -> Bundle | InputError:
        cache_key = (path, ref.password_env, ref.password_file)
        if cache_key in self._cache:
            return self._cache[cache_key]
        loaded = self._read(path, ref)
        if self._shared is None or path in self._shared:
            self._cache[cache_key] = loaded
        return loaded

    def load(self, ref: CertificateRef) -> Bundle | InputError:
        bundle = self._get(ref.path, ref)
        if isinstance(bundle, InputError) or ref.key is None:
            return bundle
        keys = self._get(ref.key, ref)
        if isinstance(keys, InputError):
            return keys
        return replace(bundle, keys=(*bundle.keys, *keys.keys))

    @staticmethod
    def _read(path: str, ref: CertificateRef) -> Bundle | InputError:
        try:
            data = read_input(path)  # a missing file is reported before a missing password
            return load_bytes(data, path, password_source(ref))
        except InputError as exc:
            return exc


def audit(manifest: str | Path, options: AuditOptions | None = None) -> Report:
    """Audit the deployment a manifest file describes. ManifestError when the manifest is bad."""
    return audit_with_policy(manifest, options)[0]


def audit_with_policy(
    manifest: str | Path, options: AuditOptions | None = None
) -> tuple[Report, Policy]:
    """:func:`audit`, and the policy it used (the option's, else the manifest's ``policy:``)."""
    run = audit_stream(manifest, options)
    return run.report(tuple(run)), run.policy


def audit_stream(manifest: str | Path, options: AuditOptions | None = None) -> AuditStream:
    """The audit of a manifest file as a stream of targets (:class:`AuditStream`); the manifest
    and the policy are read first (ManifestError, PolicyError)."""
    options = options or AuditOptions()
    deployment = load_manifest(manifest)
    if options.on_note is not None:
        for note in deployment.notes:
            options.on_note(deployment.source, note)
    policy = options.policy or manifest_policy(deployment)
    return AuditStream(deployment, policy, options)


def manifest_policy(deployment: Deployment) -> Policy:
    """The manifest's ``policy:``; a profile that cannot be loaded names the manifest line."""
    try:
        return load_policy(policy_spec(deployment))
    except PolicyError as exc:
        if exc.location and exc.location != deployment.policy:
            raise  # an error inside the profile file: it names that file
        raise PolicyError(
            f"policy: {exc}",
            location=deployment.policy_location.where,
            key="policy",
        ) from None


MANIFEST_UNLOCK = "give it with `password_env:` or `password_file:` in the manifest"


def _error_target(name: str, ref: CertificateRef, error: InputError, role: Role) -> TargetResult:
    """An unreadable file as a target, named by its manifest line (the CLI's password advice
    rephrased for the manifest)."""
    text = str(error).replace(HOW_TO_UNLOCK, MANIFEST_UNLOCK)
    return TargetResult(
        target=name,
        location=ref.location,
        status=TargetStatus.INPUT_ERROR,
        reason=f"{ref.location.where}: {text}",
        role=role,
    )


def _leaf(result: TargetResult) -> CertFacts | None:
    if result.status is not TargetStatus.OK or result.reason or not result.certificates:
        return None
    return result.certificates[0].certificate


_SHA256 = hashes.SHA256()


def audit_deployment(deployment: Deployment, policy: Policy, options: AuditOptions) -> Report:
    run = AuditStream(deployment, policy, options)
    return run.report(tuple(run))


class AuditStream:
    """One audit, judged as it is iterated, in report order: the trust and certificate-file
    targets once every file is judged (a server's file findings can depend on another server's
    file: deployment.certificate-of-another-server), then each server's live targets as soon as
    its endpoint and the servers before it are judged; :attr:`findings`, the deployment findings,
    once the last target is out."""

    def __init__(self, deployment: Deployment, policy: Policy, options: AuditOptions) -> None:
        self.deployment = deployment
        self.policy = policy
        self.options = options
        self.findings: tuple[Finding, ...] = ()
        self._targets: list[TargetResult] = []  # what the deployment findings are linked to

    @property
    def header(self) -> Report:
        """The report without its targets and findings (what a stream writes first)."""
        return Report(
            command="audit",
            profile=self.policy.name,
            generated_at=self.options.now,
            targets=(),
            title=self.deployment.name,
        )

    def report(self, targets: tuple[TargetResult, ...]) -> Report:
        """The whole report, once the stream is through."""
        return replace(self.header, targets=targets, findings=self.findings)

    def __iter__(self) -> Iterator[TargetResult]:
        for target in self._judged():
            self._targets.append(target)
            yield target

    def _judged(self) -> Iterator[TargetResult]:
        deployment, policy, options = self.deployment, self.policy, self.options
        files = CertificateFiles(deployment)
        targets: list[TargetResult] = []
        anchors: list[x509.Certificate] = []
        intermediates: list[x509.Certificate] = []
        for ref in (*deployment.trust_roots, *deployment.trust_intermediates):
            loaded = files.load(ref)
            if isinstance(loaded, InputError):
                targets.append(_error_target("trust", ref, loaded, Role.SSL))
                continue
            bucket = anchors if ref in deployment.trust_roots else intermediates
            bucket.extend(c.certificate for c in loaded.certificates)
        chain = chain_options(anchors, intermediates, deployment.source) if options.chain else None
        observations: dict[str, ServerObservation] = {}
        chain_tops: list[x509.Certificate] = []
        publics: list[bool] = []
        linted = _lint_files(deployment, files, policy, options, chain)
        for server in deployment.servers:
            seen = ServerObservation()
            if server.certificate is not None:
                result, top = next(linted)
                targets.append(result)
                if top is not None:
                    chain_tops.append(top)
                if result.issuer_is_public is not None:
                    publics.append(result.issuer_is_public)
                seen = ServerObservation(
                    leaf=_leaf(result),
                    private_key=result.private_key,
                    location=result.location,
                    input_error=result.status.failed,
                    key_spkis=_key_spkis(files, server.certificate)
                    if result.private_key is KeyPairing.MISMATCH
                    else (),
                )
            if server.sts_certificate is not None:
                result, _ = next(linted)
                targets.append(result)
                seen = replace(
                    seen,
                    sts_leaf=_leaf(result),
                    sts_private_key=result.private_key,
                    sts_worst=result.worst,
                    sts_location=result.location,
                )
            observations[server.key] = seen
        private = (not all(publics)) if publics else private_chain(anchors, chain_tops)
        # the files alone decide which servers borrow another's certificate (the live part
        # never changes a file leaf), so the file targets are final before the live scan
        files_only = Topology(deployment, observations, private)
        borrowing = evaluate(
            DeploymentContext(files_only), policy, (certificate_of_another_server,)
        )
        yield from _root_cause_only(targets, files_only, borrowing)
        live = options.live
        if live is not None or options.scan:
            pairs = (
                probed(deployment.servers, live)
                if live is not None
                else scanned(
                    deployment.servers,
                    LiveScan(
                        policy,
                        chain,
                        options.now,
                        options.timeout,
                        options.protocol_probe,
                        options.progress,
                    ),
                )
            )
            for server, results in pairs:
                observations[server.key], live_targets = served(
                    server, results, observations.get(server.key, ServerObservation())
                )
                yield from live_targets
        topology = Topology(deployment, observations, private)
        findings = evaluate(DeploymentContext(topology), policy)
        self.findings = link_to_targets(findings, deployment, self._targets)


def _key_spkis(files: CertificateFiles, ref: CertificateRef) -> tuple[str, ...]:
    """The SPKI hashes of the keys given with ``ref`` (read again from the run's files)."""
    loaded = files.load(ref)
    if isinstance(loaded, InputError):
        return ()
    return tuple(key_facts(k.key.public_key()).spki_sha256 for k in loaded.keys)


def _root_cause_only(
    targets: list[TargetResult], topology: Topology, findings: tuple[Finding, ...]
) -> list[TargetResult]:
    """A server given another server's certificate (``deployment.certificate-of-another-server``)
    has that one finding: its target's name findings, which the mistake causes, are attached to
    it (its message lists the names) instead of repeated."""
    if not any(f.rule_id == certificate_of_another_server.id for f in findings):
        return targets
    borrowed = borrowed_certificates(topology)
    out: list[TargetResult] = []
    for target in targets:
        if target.role is Role.SSL and target.target in borrowed:
            target = replace(
                target,
                findings=tuple(f for f in target.findings if f.rule_id != host_not_covered.id),
            )
        out.append(target)
    return out


def chain_options(
    anchors: Sequence[x509.Certificate], intermediates: Sequence[x509.Certificate], source: str
) -> ChainOptions:
    """What the deployment's clients trust: Mozilla's store plus the manifest's ``trust:``."""
    stores = [load_mozilla()]
    if anchors or intermediates:
        stores.insert(
            0,
            TrustStore(
                TrustLocation(TrustKind.MANIFEST, source), tuple(anchors), tuple(intermediates)
            ),
        )
    return ChainOptions(trust=tuple(stores))


def _lint_files(
    deployment: Deployment,
    files: CertificateFiles,
    policy: Policy,
    options: AuditOptions,
    chain: ChainOptions | None,
) -> Iterator[tuple[TargetResult, x509.Certificate | None]]:
    """Every server's certificate, then its STS certificate, linted in manifest order: in worker
    processes when ``options.jobs`` (or the number of files) asks for them."""
    work = [
        (server, ref, role)
        for server in deployment.servers
        for ref, role in ((server.certificate, Role.SSL), (server.sts_certificate, Role.STS))
        if ref is not None
    ]
    workers = default_jobs(len(work)) if options.jobs is None else options.jobs
    if min(workers, len(work)) <= 1:
        for server, ref, role in work:
            yield _lint_one(server, ref, role, files, policy, options, chain)
        return

    def task(index: int) -> tuple[TargetResult, bytes | None]:
        server, ref, role = work[index]
        result, top = _lint_one(server, ref, role, files, policy, options, chain)
        return result, top.public_bytes(serialization.Encoding.DER) if top is not None else None

    for result, der in fork_map(task, len(work), min(workers, len(work))):
        yield result, x509.load_der_x509_certificate(der) if der is not None else None


def _lint_one(
    server: ServerSpec,
    ref: CertificateRef,
    role: Role,
    files: CertificateFiles,
    policy: Policy,
    options: AuditOptions,
    chain: ChainOptions | None = None,
) -> tuple[TargetResult, x509.Certificate | None]:
    name = file_target_name(server, role)
    loaded = files.load(ref)
    if isinstance(loaded, InputError):
        return _error_target(name, ref, loaded, role), None
    if not loaded.certificates:
        held = (
            "a certificate request, not the certificate: submit it to the CA and name the"
            " certificate it returns"
            if loaded.requests
            else "a private key but no certificate"
        )
        error = InputError(f"holds {held}", location=ref.path)
        return _error_target(name, ref, error, role), None
    hosts = server.names if role is Role.SSL else ()
    kind = ServerKind.WINDOWS if loaded.format == "pkcs12" else ServerKind.FILES
    lint_options = LintOptions(
        policy=policy,
        hosts=hosts,
        role=role,
        now=options.now,
        chain=chain,
        judged_for=JudgedFor(Command.AUDIT, kind),
    )
    try:
        result = analyse(name, loaded.certificates, loaded.keys, lint_options, presented=True)
    except Exception as exc:  # a certificate certready cannot judge ends this target only
        return _error_target(
            name, ref, InputError(judging_failed(exc), location=ref.path), role
        ), None
    if loaded.pfx_encryption is not None:
        result = _with_pfx_finding(result, server, ref, loaded, policy)
    return result, loaded.certificates[-1].certificate


def _with_pfx_finding(
    result: TargetResult, server: ServerSpec, ref: CertificateRef, loaded: Bundle, policy: Policy
) -> TargetResult:
    """The container rules (:data:`pfx_windows_import`) on the server's PFX, located at the
    manifest line naming the file; their findings join the server's target."""
    context = PfxContext(
        location=ref.location,
        path=ref.path,
        encryption=loaded.pfx_encryption,
        cipher=loaded.pfx_cipher,
        server=server.key,
        fqdn=server.fqdn,
        manifest_key="sts_certificate" if ref is server.sts_certificate else "certificate",
        role=result.role,
        certificate=_leaf(result),
    )
    found = evaluate(context, policy)
    if not found:
        return result
    return replace(result, findings=(*result.findings, *found))


def private_chain(
    anchors: Sequence[x509.Certificate], tops: Sequence[x509.Certificate]
) -> bool | None:
    """Whether clients must install a root, when no chain analysis decided it: a manifest root
    that is not in the public program's store (the very certificate, not a namesake), or a leaf
    file's chain whose top neither is nor is issued by a name of that store. ``None`` when there
    is nothing to decide from."""
    store = load_mozilla()
    if anchors:
        public_roots = {c.fingerprint(_SHA256) for c in store.anchors}
        return any(a.fingerprint(_SHA256) not in public_roots for a in anchors)
    public = frozenset(c.subject.public_bytes() for c in store.anchors)
    if tops:
        return any(
            t.issuer.public_bytes() not in public and t.subject.public_bytes() not in public
            for t in tops
        )
    return None


__all__ = [
    "AuditOptions",
    "AuditStream",
    "audit",
    "audit_deployment",
    "audit_stream",
    "password_source",
]
