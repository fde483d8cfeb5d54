"""audit: one Report for a whole deployment manifest.

For every server: its certificate file linted with every rule and all of the server's names (FQDN
and external FQDNs), its STS certificate with the ``sts`` role; then the deployment rules over the
whole topology (:func:`certready.core.rules.deployment.check_topology`). Rules run through
:func:`certready.services.lint.analyse` only. Each file is read once, however many servers name it.
"""

from __future__ import annotations

import datetime as dt
import functools
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import certifi
from cryptography import x509

from certready.adapters.manifest import load_manifest, policy_spec
from certready.adapters.passwords import password_from_env, password_from_file
from certready.adapters.sources import Bundle, LoadedKey, PasswordSource, load_bytes, read_input
from certready.core.deployment import (
    CertificateRef,
    Deployment,
    ServerObservation,
    ServerSpec,
    Topology,
)
from certready.core.engine import make_finding
from certready.core.errors import InputError
from certready.core.model import (
    CertFacts,
    KeyPairing,
    Report,
    Role,
    TargetResult,
    TargetStatus,
)
from certready.core.policy import Policy, load_policy
from certready.core.rules.deployment import check_topology
from certready.services.lint import LintOptions, analyse

LiveProbe = Callable[[Sequence[ServerSpec]], dict[str, tuple[CertFacts | None, str]]]
"""``--live``: server key -> (the leaf its endpoint presented, the location of that leaf)."""


@dataclass(frozen=True, slots=True)
class AuditOptions:
    policy: Policy | None = None
    """``None``: the manifest's ``policy:``."""
    now: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    live: LiveProbe | None = None
    """How to fetch what each endpoint presents; ``None`` audits the files only."""


def password_source(ref: CertificateRef) -> PasswordSource | None:
    """The password of a certificate file from ``password_env`` or ``password_file`` (through
    :mod:`certready.adapters.passwords`), never from the manifest itself."""
    if ref.password_env:
        return password_from_env(ref.password_env)
    if ref.password_file:
        return password_from_file(ref.password_file)
    return None


class CertificateFiles:
    """Each certificate/key file read once per audit (a shared wildcard is parsed once)."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, str | None, str | None], Bundle | InputError] = {}

    def load(self, ref: CertificateRef) -> Bundle | InputError:
        cache_key = (ref.path, ref.password_env, ref.password_file)
        if cache_key not in self._cache:
            self._cache[cache_key] = self._read(ref.path, ref)
        bundle = self._cache[cache_key]
        if isinstance(bundle, InputError) or ref.key is None:
            return bundle
        key_ref = CertificateRef(
            ref.key, password_env=ref.password_env, password_file=ref.password_file
        )
        key_cache = (ref.key, ref.password_env, ref.password_file)
        if key_cache not in self._cache:
            self._cache[key_cache] = self._read(ref.key, key_ref)
        keys = self._cache[key_cache]
        if isinstance(keys, InputError):
            return keys
        return Bundle(bundle.source, bundle.format, bundle.certificates, (*bundle.keys, *keys.keys))

    @staticmethod
    def _read(path: str, ref: CertificateRef) -> Bundle | InputError:
        try:
            data = read_input(path)  # a missing file is reported before a missing password
            return load_bytes(data, path, password_source(ref))
        except InputError as exc:
            return exc


def audit(manifest: str | Path, options: AuditOptions | None = None) -> Report:
    """Audit the deployment a manifest file describes. ManifestError when the manifest is bad."""
    options = options or AuditOptions()
    deployment = load_manifest(manifest)
    policy = options.policy or load_policy(policy_spec(deployment))
    return audit_deployment(deployment, policy, options)


def _error_target(name: str, ref: CertificateRef, error: InputError, role: Role) -> TargetResult:
    return TargetResult(
        target=name,
        location=ref.location,
        status=TargetStatus.INPUT_ERROR,
        reason=f"{ref.location.removeprefix('manifest:')}: {error}",
        role=role,
    )


def _leaf(result: TargetResult) -> CertFacts | None:
    if result.status is not TargetStatus.OK or result.reason or not result.certificates:
        return None
    return result.certificates[0].certificate


def audit_deployment(deployment: Deployment, policy: Policy, options: AuditOptions) -> Report:
    files = CertificateFiles()
    targets: list[TargetResult] = []
    observations: dict[str, ServerObservation] = {}
    chain_tops: list[x509.Certificate] = []
    for server in deployment.servers:
        seen = ServerObservation()
        if server.certificate is not None:
            result, top = _lint_one(server, server.certificate, Role.SSL, files, policy, options)
            targets.append(result)
            if top is not None:
                chain_tops.append(top)
            leaf = _leaf(result)
            seen = ServerObservation(
                leaf=leaf,
                private_key=result.private_key,
                location=result.location,
                input_error=result.status is not TargetStatus.OK,
            )
        if server.sts_certificate is not None:
            result, _ = _lint_one(server, server.sts_certificate, Role.STS, files, policy, options)
            targets.append(result)
            seen = replace(
                seen,
                sts_leaf=_leaf(result),
                sts_private_key=result.private_key,
                sts_worst=result.worst,
                sts_location=result.location,
            )
        observations[server.key] = seen
    anchors: list[x509.Certificate] = []
    for ref in (*deployment.trust_roots, *deployment.trust_intermediates):
        loaded = files.load(ref)
        if isinstance(loaded, InputError):
            targets.append(_error_target("trust", ref, loaded, Role.SSL))
        elif ref in deployment.trust_roots:
            anchors.extend(c.certificate for c in loaded.certificates)
    if options.live is not None:
        observations = _with_served(deployment, observations, options.live)
    topology = Topology(deployment, observations, private_chain(anchors, chain_tops))
    findings = tuple(
        f
        for issue in check_topology(topology)
        if (
            f := make_finding(
                issue.rule_id,
                policy,
                issue.message,
                issue.location,
                certificate=issue.certificate,
                remediation=issue.remediation,
            )
        )
        is not None
    )
    return Report(
        command="audit",
        profile=policy.name,
        generated_at=options.now,
        targets=tuple(targets),
        findings=findings,
        title=deployment.name,
    )


def _lint_one(
    server: ServerSpec,
    ref: CertificateRef,
    role: Role,
    files: CertificateFiles,
    policy: Policy,
    options: AuditOptions,
) -> tuple[TargetResult, x509.Certificate | None]:
    name = f"{server.key}{' (sts)' if role is Role.STS else ''}"
    loaded = files.load(ref)
    if isinstance(loaded, InputError):
        return _error_target(name, ref, loaded, role), None
    if not loaded.certificates:
        error = InputError("holds a private key but no certificate", location=ref.path)
        return _error_target(name, ref, error, role), None
    hosts = server.names if role is Role.SSL else ()
    lint_options = LintOptions(policy=policy, hosts=hosts, role=role, now=options.now)
    keys: Sequence[LoadedKey] = loaded.keys
    result = analyse(name, loaded.certificates, keys, lint_options)
    return result, loaded.certificates[-1].certificate


@functools.cache
def _public_subjects() -> frozenset[bytes]:
    """Subjects (DER) of the roots in Mozilla's store as certifi ships it."""
    pem = Path(certifi.where()).read_bytes()
    with warnings.catch_warnings():  # some Mozilla roots have serial 0 (DESIGN §6)
        warnings.simplefilter("ignore")
        roots = x509.load_pem_x509_certificates(pem)
    return frozenset(c.subject.public_bytes() for c in roots)


def private_chain(
    anchors: Sequence[x509.Certificate], tops: Sequence[x509.Certificate]
) -> bool | None:
    """Whether clients must install a root: a manifest root, or a leaf file's chain, that does
    not end in Mozilla's store. ``None`` when there is nothing to decide from."""
    public = _public_subjects()
    if anchors:
        return any(a.subject.public_bytes() not in public for a in anchors)
    if tops:
        return any(
            t.issuer.public_bytes() not in public and t.subject.public_bytes() not in public
            for t in tops
        )
    return None


def _with_served(
    deployment: Deployment, observations: dict[str, ServerObservation], live: LiveProbe
) -> dict[str, ServerObservation]:
    with_endpoint = [s for s in deployment.servers if s.endpoint]
    served = live(with_endpoint)
    out = dict(observations)
    for key, (leaf, where) in served.items():
        out[key] = replace(out.get(key, ServerObservation()), served=leaf, served_location=where)
    return out


__all__ = ["AuditOptions", "KeyPairing", "audit", "audit_deployment", "password_source"]
