"""audit: one Report for a whole deployment manifest.

For every server: its certificate file linted with every rule and all of the server's names (FQDN
and external FQDNs), its STS certificate with the ``sts`` role; then the deployment rules over the
whole topology (a :class:`~certready.core.deployment.DeploymentContext`), through the engine like
every rule. Certificate rules run through :func:`certready.services.lint.analyse` only. Each file is read once, however many servers name it.

This module assembles the deployment; the file part is :mod:`certready.services.audit_files`, the
live part (``--live``) :mod:`certready.services.audit_live`, the options
:mod:`certready.services.audit_options`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path

from cryptography import x509

from certready.adapters.manifest import load_manifest, policy_spec
from certready.adapters.profiles import load_policy
from certready.adapters.trust import TrustStore, load_mozilla
from certready.core.deployment import Deployment, DeploymentContext, ServerObservation, Topology
from certready.core.engine import evaluate
from certready.core.errors import InputError, PolicyError
from certready.core.location import TrustKind, TrustLocation
from certready.core.model import Finding, KeyPairing, Report, Role, TargetResult
from certready.core.policy import Policy
from certready.core.rules import get_rule
from certready.core.rules.deployment import (
    borrowed_certificates,
    certificate_of_another_server,
    mobile_external_name,
)
from certready.core.rules.names import host_not_covered
from certready.services.audit_files import (
    CertificateFiles,
    error_target,
    key_spkis,
    lint_files,
    linted_leaf,
    password_source,
)
from certready.services.audit_links import link_to_targets
from certready.services.audit_live import probed, scanned, served
from certready.services.audit_options import AuditOptions, LiveProbe, LiveProgress
from certready.services.chain import ChainOptions


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
        for note in (*deployment.notes, *_unscanned_note(deployment, options)):
            options.on_note(deployment.source, note)
    policy = options.policy or manifest_policy(deployment)
    return AuditStream(deployment, policy, options)


def _unscanned_note(deployment: Deployment, options: AuditOptions) -> tuple[str, ...]:
    """``--live`` scans the servers that have an ``endpoint:``: say which are not scanned (all of
    them is easy to miss: the report then looks like an offline audit)."""
    if not (options.scan or options.live) or not deployment.servers:
        return ()
    missing = [s.key for s in deployment.servers if s.endpoint is None]
    if not missing:
        return ()
    if len(missing) == len(deployment.servers):
        return (
            "--live: no server has an `endpoint:`, so nothing was scanned (add `endpoint: "
            "host:port` to each server to scan it)",
        )
    one = len(missing) == 1
    return (
        f"--live: {', '.join(missing)} {'has' if one else 'have'} no `endpoint:` and "
        f"{'was' if one else 'were'} not scanned (add `endpoint: host:port` to scan "
        f"{'it' if one else 'them'})",
    )


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
                targets.append(error_target("trust", ref, loaded, Role.SSL))
                continue
            bucket = anchors if ref in deployment.trust_roots else intermediates
            bucket.extend(c.certificate for c in loaded.certificates)
        chain = chain_options(anchors, intermediates, deployment.source) if options.chain else None
        observations: dict[str, ServerObservation] = {}
        chain_tops: list[x509.Certificate] = []
        publics: list[bool] = []
        linted = lint_files(deployment, files, policy, options, chain)
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
                    leaf=linted_leaf(result),
                    private_key=result.private_key,
                    location=result.location,
                    input_error=result.status.failed,
                    key_spkis=key_spkis(files, server.certificate)
                    if result.private_key is KeyPairing.MISMATCH
                    else (),
                )
            if server.sts_certificate is not None:
                result, _ = next(linted)
                targets.append(result)
                seen = replace(
                    seen,
                    sts_leaf=linted_leaf(result),
                    sts_private_key=result.private_key,
                    sts_worst=result.worst,
                    sts_location=result.location,
                )
            observations[server.key] = seen
        private = (not all(publics)) if publics else private_chain(anchors, chain_tops, chain)
        # the files alone decide which servers borrow another's certificate (the live part
        # never changes a file leaf), so the file targets are final before the live scan
        files_only = Topology(deployment, observations, private)
        early_rules = tuple(get_rule(r.id) for r in _EARLY_RULES)  # the catalogue's, as planned
        early = evaluate(DeploymentContext(files_only), policy, early_rules)
        targets = _root_cause_only(targets, files_only, early)
        yield from _superseded_dropped(targets, deployment, early)
        if options.live is not None or options.scan:
            pairs = (
                probed(deployment.servers, options.live)
                if options.live is not None
                else scanned(deployment.servers, policy, chain, options)
            )
            for server, results in pairs:
                observations[server.key], live_targets = served(
                    server, results, observations.get(server.key, ServerObservation())
                )
                yield from live_targets
        topology = Topology(deployment, observations, private)
        findings = evaluate(DeploymentContext(topology), policy)
        self.findings = link_to_targets(findings, deployment, self._targets)


_EARLY_RULES = (certificate_of_another_server, mobile_external_name)
"""Deployment rules the file targets' findings depend on, judged on the files alone before the
file targets are out (the live part never changes a file leaf)."""


def _superseded_dropped(
    targets: list[TargetResult], deployment: Deployment, findings: tuple[Finding, ...]
) -> list[TargetResult]:
    """A target's findings that a deployment finding about the same target and the same host
    supersedes (:attr:`Rule.supersedes`, :attr:`Finding.host`) are dropped: one defect, one
    finding (``deployment.mobile-external-name`` says what ``names.host-not-covered`` would)."""
    rules = {r.id: get_rule(r.id) for r in _EARLY_RULES}
    gone: dict[str, set[tuple[str, str]]] = {}  # target -> (superseded rule id, host)
    for f in link_to_targets(findings, deployment, targets):
        if f.host is None:
            continue
        for rule_id in rules[f.rule_id].supersedes:
            for name in f.about:
                gone.setdefault(name, set()).add((rule_id, f.host))
    if not gone:
        return targets
    return [
        replace(
            t,
            findings=tuple(
                f for f in t.findings if f.host is None or (f.rule_id, f.host) not in gone[t.target]
            ),
        )
        if t.target in gone
        else t
        for t in targets
    ]


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


def private_chain(
    anchors: Sequence[x509.Certificate],
    tops: Sequence[x509.Certificate],
    public: ChainOptions | None = None,
) -> bool | None:
    """Whether clients must install a root, when no chain analysis decided it: a manifest root
    that is not in the public program's store (the very certificate, not a namesake), or a leaf
    file's chain whose top is not on a public path (:meth:`ChainOptions.path_is_public`: in the
    store by fingerprint, or signed by the key of a public root of its issuer's name; a private
    CA named like a public one is private). ``None`` when there is nothing to decide from.
    ``public``: the run's chain options (their public store), else Mozilla's."""
    if not anchors and not tops:
        return None
    public = public or ChainOptions()
    if anchors:
        return any(not public.is_public(a) for a in anchors)
    return any(not public.path_is_public(t) for t in tops)


__all__ = [
    "AuditOptions",
    "AuditStream",
    "CertificateFiles",
    "LiveProbe",
    "LiveProgress",
    "audit",
    "audit_deployment",
    "audit_stream",
    "password_source",
]
