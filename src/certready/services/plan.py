"""plan: the trust-install plan of a manifest, written as files an administrator runs.

The CA certificates are the manifest's ``trust:`` section plus every CA certificate found on any
server's path (SSL and STS): the guide wants each intermediate in the Intermediate store and each
private root in Trusted Root on every machine, listed in the manifest or not. A self-signed server
certificate (which the guide lets you trust by hand) goes into Trusted Root as well.

Server certificates are never copied into the plan: the plan names each server's PFX by file name
(the administrator copies it next to the server's script) and, for PEM files, the ``certready pfx``
command that makes that PFX. No path of the auditing machine ends up in a file of the plan.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path, PurePath

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from certready.adapters.inputs import Bundle, read_bytes
from certready.adapters.issuance.keys import load_private_key
from certready.adapters.manifest import load_manifest
from certready.adapters.plan import ProfileSigner, render_plan, write_plan
from certready.core.deployment import CertificateRef, Deployment, ServerSpec
from certready.core.errors import CertReadyError, InputError, UsageError
from certready.core.facts import FactsCache
from certready.core.model import CertFacts
from certready.core.plan import (
    ClientGroup,
    InstallPlan,
    PlanCertificate,
    ProxyPlan,
    Purpose,
    ServerCertificate,
    ServerInstall,
    default_profile_identifier,
    is_profile_identifier,
    unique_stems,
)
from certready.core.targets import parse_target
from certready.services.audit import CertificateFiles, private_chain
from certready.services.lint import choose_leaf

PFX_SUFFIXES = (".pfx", ".p12")
_DER = Encoding.DER
_APP_IDS = uuid.UUID("8a0c7f5e-3b1d-4f2a-9c6e-5d4b3a291807")


@dataclass(frozen=True, slots=True)
class PlanOptions:
    profile_identifier: str | None = None
    """Overrides the manifest's ``profile_identifier``."""
    signer: ProfileSigner | None = None
    """Signs the Apple configuration profiles."""


@dataclass
class _Found:
    """The CA certificates collected while reading the manifest and the servers' files."""

    roots: dict[str, CertFacts]
    intermediates: dict[str, CertFacts]
    on_paths: dict[str, CertFacts]
    """Roots found in server files and self-signed server certificates (trusted by hand)."""
    originals: dict[str, x509.Certificate]
    facts: FactsCache = field(default_factory=FactsCache)
    """The facts of the certificates this plan reads (one cache per plan)."""

    def add(self, bucket: dict[str, CertFacts], cert: x509.Certificate) -> CertFacts:
        facts = self.facts.facts(cert)
        bucket.setdefault(facts.fingerprint_sha256, facts)
        self.originals.setdefault(facts.fingerprint_sha256, cert)
        return facts


def build_plan(deployment: Deployment, options: PlanOptions | None = None) -> InstallPlan:
    options = options or PlanOptions()
    files = CertificateFiles()
    found = _Found({}, {}, {}, {})
    tops: list[x509.Certificate] = []
    for trust_ref in deployment.trust_roots:
        for cert in _require(files, trust_ref).certificates:
            found.add(found.roots, cert.certificate)
    for trust_ref in deployment.trust_intermediates:
        for cert in _require(files, trust_ref).certificates:
            found.add(found.intermediates, cert.certificate)
    base = Path(deployment.source).parent
    servers: list[ServerInstall] = []
    stems = unique_stems([s.key for s in deployment.servers])
    for server, stem in zip(deployment.servers, stems, strict=True):
        imports: dict[Purpose, ServerCertificate | None] = {}
        pairs: tuple[tuple[Purpose, CertificateRef | None], ...] = (
            ("ssl", server.certificate),
            ("sts", server.sts_certificate),
        )
        for purpose, server_ref in pairs:
            leaf, bundle = _leaf(files, server_ref, found.facts)
            if bundle is not None and bundle.certificates:
                tops.append(bundle.certificates[-1].certificate)
                _collect(found, bundle, leaf)
            imports[purpose] = _server_certificate(purpose, server_ref, bundle, leaf, base)
        servers.append(
            ServerInstall(
                key=server.key,
                fqdn=server.fqdn,
                file_stem=stem,
                names=server.names,
                port=_port(server),
                certificate=imports["ssl"],
                sts=imports["sts"],
                app_id=str(uuid.uuid5(_APP_IDS, f"{deployment.name}/{server.key}")),
            )
        )
    anchors = [found.originals[fp] for fp in (*found.roots, *found.on_paths)]
    private = bool(private_chain(anchors, tops))
    roots = dict(found.roots)
    if private:
        for fp, facts in found.on_paths.items():
            roots.setdefault(fp, facts)
    elif not deployment.trust_roots:
        roots = {}
    intermediates = {fp: f for fp, f in found.intermediates.items() if fp not in roots}
    return InstallPlan(
        deployment=deployment.name,
        private=private,
        roots=_plan_certs("root", roots, found.originals),
        intermediates=_plan_certs("intermediate", intermediates, found.originals),
        servers=tuple(servers),
        clients=tuple(
            ClientGroup(c.name, stem, c.platform)
            for c, stem in zip(
                deployment.clients, unique_stems([c.name for c in deployment.clients]), strict=True
            )
        ),
        proxy=ProxyPlan(deployment.proxy_bypass, deployment.proxy_server)
        if deployment.proxy_bypass is not None
        else None,
        profile_identifier=_identifier(deployment, options),
    )


def write_install_plan(
    manifest: str | Path,
    out_dir: str | Path,
    *,
    force: bool = False,
    options: PlanOptions | None = None,
) -> tuple[InstallPlan, list[Path]]:
    """Build the plan of a manifest and write it under ``out_dir`` (never overwriting unless
    ``force``)."""
    options = options or PlanOptions()
    plan = build_plan(load_manifest(manifest), options)
    return plan, write_plan(render_plan(plan, signer=options.signer), out_dir, force=force)


def load_signer(certificate: str | Path, key: str | Path) -> ProfileSigner:
    """The profile signer: the first certificate of a PEM/DER file (the rest sent with it) and
    its private key; a key that does not match is a UsageError naming both files."""
    path = Path(certificate)
    data = read_bytes(str(path))
    try:
        certs = (
            x509.load_pem_x509_certificates(data)
            if b"-----BEGIN" in data
            else [x509.load_der_x509_certificate(data)]
        )
    except ValueError:
        raise InputError("not a PEM or DER certificate", location=str(path)) from None
    private_key = load_private_key(Path(key))
    if private_key.public_key().public_bytes(
        Encoding.DER, PublicFormat.SubjectPublicKeyInfo
    ) != certs[0].public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo):
        raise UsageError(f"the key {key} does not belong to the certificate", location=str(path))
    return ProfileSigner(certs[0], private_key, tuple(certs[1:]))


def _identifier(deployment: Deployment, options: PlanOptions) -> str:
    chosen = options.profile_identifier or deployment.profile_identifier
    if chosen is None:
        return default_profile_identifier([s.fqdn for s in deployment.servers])
    if not is_profile_identifier(chosen):
        raise UsageError(
            f"--profile-identifier {chosen!r} is not a reverse-DNS identifier (ASCII letters, "
            "digits, '-' and dots: org.example)"
        )
    return chosen


def _collect(found: _Found, bundle: Bundle, leaf: CertFacts | None) -> None:
    """Every CA certificate of a server's file; a self-signed leaf is trusted as a root."""
    for loaded in bundle.certificates:
        facts = found.facts.facts(loaded.certificate)
        if facts.is_ca:
            bucket = found.on_paths if facts.self_signed else found.intermediates
            found.add(bucket, loaded.certificate)
        elif facts.self_signed and leaf is not None and facts == leaf:
            found.add(found.on_paths, loaded.certificate)


def _port(server: ServerSpec) -> int:
    if server.endpoint is None:
        return 443
    try:
        return parse_target(server.endpoint).port
    except CertReadyError:
        return 443


def _relative(path: str, base: Path) -> str:
    """The manifest's own spelling of a file (relative to its folder), never an absolute path."""
    try:
        relative = os.path.relpath(path, base)
    except ValueError:  # another drive on Windows
        return PurePath(path).name
    return PurePath(relative).as_posix()


def _server_certificate(
    purpose: Purpose,
    ref: CertificateRef | None,
    bundle: Bundle | None,
    leaf: CertFacts | None,
    base: Path,
) -> ServerCertificate | None:
    if ref is None:
        return None
    source = _relative(ref.path, base)
    is_pfx = (bundle is not None and bundle.format == "pkcs12") or ref.path.lower().endswith(
        PFX_SUFFIXES
    )
    name = PurePath(source).name
    if not is_pfx:
        stem = name.rsplit(".", 1)[0] if "." in name else name
        name = f"{stem}.pfx"
    key_source = None
    if not is_pfx:
        if ref.key is not None:
            key_source = _relative(ref.key, base)
        elif bundle is not None and bundle.keys:
            key_source = source
    return ServerCertificate(
        purpose=purpose,
        source=source,
        pfx_name=name,
        is_pfx=is_pfx,
        key_source=key_source,
        thumbprint_sha1=leaf.thumbprint_sha1 if leaf else None,
    )


def _require(files: CertificateFiles, ref: CertificateRef) -> Bundle:
    loaded = files.load(ref)
    if isinstance(loaded, InputError):
        where = ref.location.where
        raise InputError(f"{loaded}", location=where) from None
    return loaded


def _leaf(
    files: CertificateFiles, ref: CertificateRef | None, cache: FactsCache
) -> tuple[CertFacts | None, Bundle | None]:
    if ref is None:
        return None, None
    loaded = files.load(ref)
    if isinstance(loaded, InputError) or not loaded.certificates:
        return None, None
    facts = [cache.facts(c.certificate) for c in loaded.certificates]
    index = choose_leaf(facts, loaded.keys)
    return (facts[index] if index is not None else None), loaded


def _plan_certs(
    kind: str, certs: dict[str, CertFacts], originals: dict[str, x509.Certificate]
) -> tuple[PlanCertificate, ...]:
    stems = unique_stems([f"{kind}-{f.display_name}" for f in certs.values()])
    return tuple(
        PlanCertificate(
            kind="root" if kind == "root" else "intermediate",
            file_stem=stem,
            subject=f.subject,
            thumbprint_sha1=f.thumbprint_sha1,
            fingerprint_sha256=f.fingerprint_sha256,
            der=originals[fp].public_bytes(_DER),
        )
        for (fp, f), stem in zip(certs.items(), stems, strict=True)
    )
