"""audit's file part: each server's certificate files read once and linted (in worker processes
when there are many), a PFX's container rules, and an unreadable file as a target named by its
manifest line."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from certready.adapters.inputs import HOW_TO_UNLOCK, Bundle, PasswordSource, load_bytes, read_input
from certready.adapters.inputs.passwords import password_from_env, password_from_file
from certready.core.deployment import CertificateRef, Deployment, ServerSpec
from certready.core.engine import evaluate
from certready.core.errors import InputError
from certready.core.facts import key_facts
from certready.core.judged import Command, JudgedFor
from certready.core.model import CertFacts, Role, TargetResult, TargetStatus
from certready.core.policy import Policy
from certready.core.rules.pfx import PfxContext
from certready.services.audit_links import file_target_name
from certready.services.audit_options import AuditOptions
from certready.services.chain import ChainOptions
from certready.services.lint import LintOptions, analyse, judging_failed
from certready.services.lint_jobs import default_jobs, fork_map


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
        if Path(path).is_dir():  # certbot's live/NAME/ given instead of its files
            return InputError(
                "is a folder, not a file: name the certificate file (for certbot's folder: "
                "`certificate: .../fullchain.pem` and `key: .../privkey.pem`)",
                location=path,
            )
        try:
            data = read_input(path)  # a missing file is reported before a missing password
            return load_bytes(data, path, password_source(ref))
        except InputError as exc:
            return exc


MANIFEST_UNLOCK = "give it with `password_env:` or `password_file:` in the manifest"


def error_target(name: str, ref: CertificateRef, error: InputError, role: Role) -> TargetResult:
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


def linted_leaf(result: TargetResult) -> CertFacts | None:
    if result.status is not TargetStatus.OK or result.reason or not result.certificates:
        return None
    return result.certificates[0].certificate


def key_spkis(files: CertificateFiles, ref: CertificateRef) -> tuple[str, ...]:
    """The SPKI hashes of the keys given with ``ref`` (read again from the run's files)."""
    loaded = files.load(ref)
    if isinstance(loaded, InputError):
        return ()
    return tuple(key_facts(k.key.public_key()).spki_sha256 for k in loaded.keys)


def lint_files(
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
        return error_target(name, ref, loaded, role), None
    if not loaded.certificates:
        held = (
            "a certificate request, not the certificate: submit it to the CA and name the"
            " certificate it returns"
            if loaded.requests
            else "a private key but no certificate"
        )
        error = InputError(f"holds {held}", location=ref.path)
        return error_target(name, ref, error, role), None
    hosts = server.names if role is Role.SSL else ()
    lint_options = LintOptions(
        policy=policy,
        hosts=hosts,
        role=role,
        now=options.now,
        chain=chain,
        judged_for=JudgedFor(Command.AUDIT, loaded.server_kind),
    )
    try:
        result = analyse(name, loaded.certificates, loaded.keys, lint_options, presented=True)
    except Exception as exc:  # a certificate certready cannot judge ends this target only
        return error_target(
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
        certificate=linted_leaf(result),
    )
    found = evaluate(context, policy)
    if not found:
        return result
    return replace(result, findings=(*result.findings, *found))
