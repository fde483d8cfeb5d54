"""plan: the trust-install plan of a manifest, written as files an administrator runs.

The CA certificates come from the manifest's ``trust:`` section, or, when it has none, from the CA
certificates inside the servers' files (self-signed ones are roots). Server certificates are
referenced where they are, never copied: no private key ever lands in the plan folder.
"""

from __future__ import annotations

from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from certready.adapters.manifest import load_manifest
from certready.adapters.plan import render_plan, write_plan
from certready.adapters.sources import Bundle
from certready.core.deployment import CertificateRef, Deployment
from certready.core.errors import InputError
from certready.core.facts import cached_facts
from certready.core.model import CertFacts
from certready.core.plan import (
    ClientGroup,
    InstallPlan,
    PlanCertificate,
    ServerInstall,
    unique_stems,
)
from certready.services.audit import CertificateFiles, private_chain
from certready.services.lint import choose_leaf

PFX_SUFFIXES = (".pfx", ".p12")
_DER = Encoding.DER


def build_plan(deployment: Deployment) -> InstallPlan:
    files = CertificateFiles()
    roots: dict[str, CertFacts] = {}
    intermediates: dict[str, CertFacts] = {}
    originals: dict[str, x509.Certificate] = {}
    tops: list[x509.Certificate] = []
    for refs, bucket in (
        (deployment.trust_roots, roots),
        (deployment.trust_intermediates, intermediates),
    ):
        for ref in refs:
            for cert in _require(files, ref).certificates:
                facts = cached_facts(cert.certificate)
                bucket[facts.fingerprint_sha256] = facts
                originals[facts.fingerprint_sha256] = cert.certificate
    servers: list[ServerInstall] = []
    stems = unique_stems([s.key for s in deployment.servers])
    for server, stem in zip(deployment.servers, stems, strict=True):
        leaf, bundle = _leaf(files, server.certificate)
        sts_leaf, sts_bundle = _leaf(files, server.sts_certificate)
        if bundle is not None:
            tops.append(bundle.certificates[-1].certificate)
            if not deployment.trust_roots:
                for cert in bundle.certificates:
                    facts = cached_facts(cert.certificate)
                    if facts.is_ca:
                        (roots if facts.self_signed else intermediates)[
                            facts.fingerprint_sha256
                        ] = facts
                        originals[facts.fingerprint_sha256] = cert.certificate
        servers.append(
            ServerInstall(
                key=server.key,
                fqdn=server.fqdn,
                file_stem=stem,
                pfx_path=_pfx(server.certificate, bundle),
                certificate_path=server.certificate.path if server.certificate else None,
                thumbprint_sha1=leaf.thumbprint_sha1 if leaf else None,
                sts_pfx_path=_pfx(server.sts_certificate, sts_bundle),
                sts_thumbprint_sha1=sts_leaf.thumbprint_sha1 if sts_leaf else None,
            )
        )
    anchors = [originals[fp] for fp in roots]
    private = bool(private_chain(anchors, tops))
    if not private and not deployment.trust_roots:
        roots = {}
    return InstallPlan(
        deployment=deployment.name,
        private=private,
        roots=_plan_certs("root", roots, originals),
        intermediates=_plan_certs("intermediate", intermediates, originals),
        servers=tuple(servers),
        clients=tuple(
            ClientGroup(c.name, stem, c.platform)
            for c, stem in zip(
                deployment.clients, unique_stems([c.name for c in deployment.clients]), strict=True
            )
        ),
    )


def write_install_plan(
    manifest: str | Path, out_dir: str | Path, *, force: bool = False
) -> tuple[InstallPlan, list[Path]]:
    """Build the plan of a manifest and write it under ``out_dir`` (never overwriting unless
    ``force``)."""
    plan = build_plan(load_manifest(manifest))
    return plan, write_plan(render_plan(plan), out_dir, force=force)


def _require(files: CertificateFiles, ref: CertificateRef) -> Bundle:
    loaded = files.load(ref)
    if isinstance(loaded, InputError):
        where = ref.location.where
        raise InputError(f"{loaded}", location=where) from None
    return loaded


def _leaf(
    files: CertificateFiles, ref: CertificateRef | None
) -> tuple[CertFacts | None, Bundle | None]:
    if ref is None:
        return None, None
    loaded = files.load(ref)
    if isinstance(loaded, InputError) or not loaded.certificates:
        return None, None
    facts = [cached_facts(c.certificate) for c in loaded.certificates]
    index = choose_leaf(facts, loaded.keys)
    return (facts[index] if index is not None else None), loaded


def _pfx(ref: CertificateRef | None, bundle: Bundle | None) -> str | None:
    if ref is None:
        return None
    is_pfx = bundle is not None and bundle.format == "pkcs12"
    if is_pfx or ref.path.lower().endswith(PFX_SUFFIXES):
        return str(Path(ref.path).resolve())  # the script runs from the plan folder
    return None


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
