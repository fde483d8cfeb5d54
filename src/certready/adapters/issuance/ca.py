"""The lab CA on disk (a root and an issuing intermediate) and the one function that signs a leaf.

A lab folder holds::

    root-ca.pem  root-ca.key       the private root (10 years, pathLen 1)
    issuing-ca.pem  issuing-ca.key the issuing intermediate (5 years, pathLen 0)
    ca-chain.pem                   issuing CA then root: what servers and clients install
    lab.json                       settings (CRL base URL), revoked serials, CRL number
    issuing-ca.crl  root-ca.crl    CRLs (DER), written by ``lab revoke`` / ``lab crl``

Keys are PKCS#8, 0600. Every lab certificate says what it is: subject ``O=certready lab`` and the
lab certificate policy :data:`~.extensions.LAB_POLICY_OID`.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes

from certready.adapters.inputs.read import read_bytes
from certready.adapters.issuance import openssl
from certready.adapters.issuance.extensions import (
    LAB_ORGANIZATION,
    LAB_POLICY_OID,
    Extension,
    ca_extensions,
    crl_distribution_points,
    extended_key_usage,
    general_names,
    identifiers,
    key_usage,
    policies,
    subject_name,
)
from certready.adapters.issuance.keys import (
    IssuedKey,
    generate_key,
    load_private_key,
    refuse_existing,
    write_private_key,
    write_public,
)
from certready.core.errors import InputError

ROOT_DAYS = 3652
ISSUING_DAYS = 1826
ROOT_CERT, ROOT_KEY = "root-ca.pem", "root-ca.key"
ISSUING_CERT, ISSUING_KEY = "issuing-ca.pem", "issuing-ca.key"
CA_CHAIN, SETTINGS = "ca-chain.pem", "lab.json"
ISSUING_CRL, ROOT_CRL = "issuing-ca.crl", "root-ca.crl"
CRL_DAYS = 7
"""A CRL's nextUpdate: a week, as many enterprise CAs publish."""
BACKDATE = dt.timedelta(hours=1)
"""Leaves start an hour in the past, so a client whose clock lags still accepts them."""
CA_BACKDATE = dt.timedelta(days=400)
"""The lab's CAs start 400 days before ``lab init``, so a leaf issued "last year" (the
``expired`` defect: 397 days that ended two days ago) lies inside its issuer's validity, as a
real expired certificate does; the chain then fails only for the leaf's own dates."""


@dataclass(frozen=True, slots=True)
class Authority:
    """A CA certificate, its key, and where both live."""

    certificate: x509.Certificate
    key: IssuedKey
    cert_path: Path
    key_path: Path


@dataclass(frozen=True, slots=True)
class LabCA:
    directory: Path
    root: Authority
    issuing: Authority
    crl_base_url: str | None = None

    @property
    def leaf_crl_url(self) -> str | None:
        return _crl_url(self.crl_base_url, ISSUING_CRL)


def _crl_url(base: str | None, name: str) -> str | None:
    return f"{base.rstrip('/')}/{name}" if base else None


def pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


def _sign(
    *,
    subject: x509.Name,
    issuer: x509.Name,
    public_key: CertificatePublicKeyTypes,
    signing_key: IssuedKey,
    not_before: dt.datetime,
    not_after: dt.datetime,
    extensions: list[Extension],
) -> x509.Certificate:
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
    )
    for extension, critical in extensions:
        builder = builder.add_extension(extension, critical=critical)
    return builder.sign(signing_key, hashes.SHA256())


def lab_paths(directory: Path) -> tuple[Path, ...]:
    return tuple(directory / n for n in (ROOT_CERT, ROOT_KEY, ISSUING_CERT, ISSUING_KEY, CA_CHAIN))


def create_lab(
    directory: Path,
    *,
    key_type: str = "rsa3072",
    crl_base_url: str | None = None,
    now: dt.datetime,
    force: bool = False,
) -> LabCA:
    """A new root and issuing CA in ``directory``; refuses to replace a lab without ``force``."""
    refuse_existing([*lab_paths(directory), directory / SETTINGS], force=force)
    tag = secrets.token_hex(3).upper()
    start = now - CA_BACKDATE
    root_key, issuing_key = generate_key(key_type), generate_key(key_type)
    root_name = subject_name(f"certready lab Root CA {tag}", LAB_ORGANIZATION)
    issuing_name = subject_name(f"certready lab Issuing CA {tag}", LAB_ORGANIZATION)
    root = _sign(
        subject=root_name,
        issuer=root_name,
        public_key=root_key.public_key(),
        signing_key=root_key,
        not_before=start,
        not_after=start + dt.timedelta(days=ROOT_DAYS),
        extensions=[
            *ca_extensions(path_length=1),
            *identifiers(root_key.public_key(), None),
        ],
    )
    issuing = _sign(
        subject=issuing_name,
        issuer=root_name,
        public_key=issuing_key.public_key(),
        signing_key=root_key,
        not_before=start,
        not_after=start + dt.timedelta(days=ISSUING_DAYS),
        extensions=[
            *ca_extensions(path_length=0, crl_url=_crl_url(crl_base_url, ROOT_CRL)),
            *identifiers(issuing_key.public_key(), root_key.public_key()),
        ],
    )
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)  # a new lab folder: owner only
    write_private_key(directory / ROOT_KEY, root_key, force=force)
    write_private_key(directory / ISSUING_KEY, issuing_key, force=force)
    write_public(directory / ROOT_CERT, pem(root), force=force)
    write_public(directory / ISSUING_CERT, pem(issuing), force=force)
    write_public(directory / CA_CHAIN, pem(issuing) + pem(root), force=force)
    settings = {"crl_base_url": crl_base_url, "created": now.isoformat(), "tag": tag}
    write_public(
        directory / SETTINGS, (json.dumps(settings, indent=2) + "\n").encode(), force=force
    )
    return load_lab(directory)


def _load_cert(path: Path) -> x509.Certificate:
    try:
        data = read_bytes(str(path), folder=None)
    except InputError as exc:
        raise InputError(
            f"{exc.message}: not a lab folder (create one with `certready lab init`)",
            location=str(path),
        ) from None
    try:
        return x509.load_pem_x509_certificate(data)
    except ValueError:
        raise InputError("not a PEM certificate", location=str(path)) from None


def load_lab(directory: Path) -> LabCA:
    """The lab in ``directory``; an InputError naming the missing or broken file."""
    if not directory.is_dir():
        raise InputError(
            "no such lab folder (create one with `certready lab init`)", location=str(directory)
        )
    authorities = []
    for cert_name, key_name in ((ROOT_CERT, ROOT_KEY), (ISSUING_CERT, ISSUING_KEY)):
        cert_path, key_path = directory / cert_name, directory / key_name
        certificate = _load_cert(cert_path)
        key = load_private_key(key_path)
        authorities.append(Authority(certificate, key, cert_path, key_path))
    crl_base_url = read_settings(directory).get("crl_base_url")
    if not isinstance(crl_base_url, str):
        crl_base_url = None
    return LabCA(directory, authorities[0], authorities[1], crl_base_url)


@dataclass(frozen=True, slots=True)
class LeafPlan:
    """Everything about a leaf before it is signed. Defects are plans changed in one field."""

    common_name: str | None
    hosts: tuple[str, ...] | None
    """The SAN's names; ``None``: no subjectAltName extension at all."""
    key_type: str
    key_usage: tuple[str, ...]
    extended_key_usage: tuple[str, ...]
    not_before: dt.datetime
    not_after: dt.datetime
    ca: bool = False
    digest: str = "sha256"
    self_signed: bool = False
    send_intermediate: bool = True
    policies: tuple[str, ...] = (LAB_POLICY_OID,)
    crl_url: str | None = None
    organization: str = LAB_ORGANIZATION

    @property
    def days(self) -> int:
        return (self.not_after - self.not_before).days

    def extensions(self) -> list[Extension]:
        """The leaf's extensions other than the key identifiers."""
        out: list[Extension] = [
            (x509.BasicConstraints(ca=self.ca, path_length=None), True),
            (key_usage(self.key_usage), True),
        ]
        if self.extended_key_usage:
            out.append((extended_key_usage(self.extended_key_usage), False))
        if self.hosts is not None:
            out.append((x509.SubjectAlternativeName(general_names(self.hosts)), False))
        if self.policies:
            out.append((policies(*self.policies), False))
        if self.crl_url and not self.self_signed:
            out.append((crl_distribution_points(self.crl_url), False))
        return out


def sign_leaf(plan: LeafPlan, key: IssuedKey, issuer: Authority | None) -> x509.Certificate:
    """The leaf ``plan`` describes, for ``key``, signed by ``issuer`` (``None``: by ``key``).

    A SHA-1 plan is signed by the ``openssl`` command line (cryptography refuses SHA-1).
    """
    subject = subject_name(plan.common_name, plan.organization)
    if plan.digest != "sha256":
        if issuer is None:
            raise ValueError("only an issued leaf can be signed by openssl")
        builder = x509.CertificateSigningRequestBuilder().subject_name(subject)
        for extension, critical in plan.extensions():
            builder = builder.add_extension(extension, critical=critical)
        request = builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)
        return openssl.sign_request(
            request,
            issuer_cert=issuer.cert_path,
            issuer_key=issuer.key_path,
            digest=plan.digest,
            days=plan.days,
            serial=x509.random_serial_number(),
        )
    if issuer is None:
        return _sign(
            subject=subject,
            issuer=subject,
            public_key=key.public_key(),
            signing_key=key,
            not_before=plan.not_before,
            not_after=plan.not_after,
            extensions=[*plan.extensions(), *identifiers(key.public_key(), None)],
        )
    return sign_public_key(plan, key.public_key(), issuer)


def sign_public_key(
    plan: LeafPlan, public_key: CertificatePublicKeyTypes, issuer: Authority
) -> x509.Certificate:
    """The leaf ``plan`` describes for ``public_key`` (from a request), signed by ``issuer``."""
    return _sign(
        subject=subject_name(plan.common_name, plan.organization),
        issuer=issuer.certificate.subject,
        public_key=public_key,
        signing_key=issuer.key,
        not_before=plan.not_before,
        not_after=plan.not_after,
        extensions=[
            *plan.extensions(),
            *identifiers(public_key, issuer.key.public_key()),
        ],
    )


def read_settings(directory: Path) -> dict[str, object]:
    """``lab.json`` as a dict (empty when absent); an InputError naming it when unreadable."""
    path = directory / SETTINGS
    if not path.exists():
        return {}
    try:
        settings = json.loads(read_bytes(str(path), folder=None).decode("utf-8"))
    except InputError as exc:
        raise InputError(f"unreadable lab settings: {exc.message}", location=str(path)) from None
    except ValueError as exc:
        raise InputError(f"unreadable lab settings: {exc}", location=str(path)) from None
    if not isinstance(settings, dict):
        raise InputError("lab settings are not a JSON object", location=str(path))
    return settings


def write_settings(directory: Path, settings: dict[str, object]) -> None:
    text = json.dumps(settings, indent=2) + "\n"
    write_public(directory / SETTINGS, text.encode("utf-8"), force=True)


@dataclass(frozen=True, slots=True)
class Revocation:
    serial_number: int
    revoked_at: dt.datetime


def _sign_crl(
    authority: Authority, revoked: list[Revocation], number: int, now: dt.datetime
) -> x509.CertificateRevocationList:
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(authority.certificate.subject)
        .last_update(now - BACKDATE)
        .next_update(now + dt.timedelta(days=CRL_DAYS))
        .add_extension(x509.CRLNumber(number), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(authority.key.public_key()),
            critical=False,
        )
    )
    for entry in revoked:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(entry.serial_number)
            .revocation_date(entry.revoked_at)
            .build()
        )
    return builder.sign(authority.key, hashes.SHA256())


def write_crls(
    lab: LabCA, revoked: list[Revocation], number: int, now: dt.datetime
) -> tuple[Path, Path]:
    """The issuing CA's CRL (the leaves in ``revoked``) and the root's (no intermediate revoked),
    DER, named as the CRL distribution points say; replaced on every call."""
    paths = (lab.directory / ISSUING_CRL, lab.directory / ROOT_CRL)
    for path, authority, entries in zip(paths, (lab.issuing, lab.root), (revoked, []), strict=True):
        crl = _sign_crl(authority, entries, number, now)
        write_public(path, crl.public_bytes(serialization.Encoding.DER), force=True)
    return paths
