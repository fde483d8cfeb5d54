"""One helper builds every test certificate (after python-trio/trustme, with realistic defaults).

>>> ca = TestCA()
>>> leaf = ca.issue("app.example.test")
>>> leaf.cert, leaf.key, ca.intermediate.cert, ca.root.cert

Defaults are what the ``homecare`` policy wants (RSA-2048 leaf, SHA-256, KU a0, EKU serverAuth +
clientAuth, SAN = the names, 397 days). Every knob a negative control needs is a keyword.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import (
    CertificateIssuerPrivateKeyTypes,
    CertificatePublicKeyTypes,
)
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
_KEY_CACHE: dict[str, list[CertificateIssuerPrivateKeyTypes]] = {}


def new_key(kind: str = "rsa2048", *, fresh: bool = False) -> CertificateIssuerPrivateKeyTypes:
    """A private key; keys are pooled per kind (RSA generation is slow) unless ``fresh``."""
    pool = _KEY_CACHE.setdefault(kind, [])
    if pool and not fresh and len(pool) >= 4:
        key = pool.pop(0)
        pool.append(key)
        return key
    key: CertificateIssuerPrivateKeyTypes
    if kind.startswith("rsa"):
        key = rsa.generate_private_key(public_exponent=65537, key_size=int(kind[3:]))
    elif kind == "p256":
        key = ec.generate_private_key(ec.SECP256R1())
    elif kind == "p384":
        key = ec.generate_private_key(ec.SECP384R1())
    elif kind == "p521":
        key = ec.generate_private_key(ec.SECP521R1())
    elif kind == "p224":
        key = ec.generate_private_key(ec.SECP224R1())
    elif kind == "secp256k1":
        key = ec.generate_private_key(ec.SECP256K1())
    else:
        raise ValueError(kind)
    if not fresh:
        pool.append(key)
    return key


@dataclass
class Issued:
    cert: x509.Certificate
    key: CertificateIssuerPrivateKeyTypes

    def cert_pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    def key_pem(self, password: bytes | None = None) -> bytes:
        enc: serialization.KeySerializationEncryption = (
            serialization.BestAvailableEncryption(password)
            if password
            else serialization.NoEncryption()
        )
        return self.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, enc
        )

    def write(self, directory: Path, stem: str) -> tuple[Path, Path]:
        cert_path, key_path = directory / f"{stem}.pem", directory / f"{stem}.key"
        cert_path.write_bytes(self.cert_pem())
        key_path.write_bytes(self.key_pem())
        return cert_path, key_path


def _name(cn: str | None, org: str = "certready tests") -> x509.Name:
    attrs = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, org)]
    if cn is not None:
        attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, cn))
    return x509.Name(attrs)


def build(
    *,
    subject: x509.Name,
    issuer: x509.Name,
    public_key: CertificatePublicKeyTypes,
    signing_key: CertificateIssuerPrivateKeyTypes,
    ca: bool,
    path_length: int | None = None,
    sans: list[x509.GeneralName] | None = None,
    key_usage: x509.KeyUsage | None = None,
    eku: list[x509.ObjectIdentifier] | None = None,
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
    hash_alg: hashes.HashAlgorithm | None = None,
    issuer_key_for_aki: CertificatePublicKeyTypes | None = None,
    policies: list[str] | None = None,
    aia_ca_issuers: str | None = None,
    extra: list[tuple[x509.ExtensionType, bool]] | None = None,
    basic_constraints: bool = True,
    serial: int | None = None,
) -> x509.Certificate:
    """The one function that assembles a certificate; everything else calls it."""
    nb = not_before or NOW - dt.timedelta(days=1)
    na = not_after or nb + dt.timedelta(days=397)
    b = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(serial or x509.random_serial_number())
        .not_valid_before(nb)
        .not_valid_after(na)
    )
    if basic_constraints:
        b = b.add_extension(x509.BasicConstraints(ca=ca, path_length=path_length), critical=True)
    b = b.add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    if issuer_key_for_aki is not None:
        b = b.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key_for_aki),  # type: ignore[arg-type]
            critical=False,
        )
    if sans:
        b = b.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    if key_usage is not None:
        b = b.add_extension(key_usage, critical=True)
    if eku:
        b = b.add_extension(x509.ExtendedKeyUsage(eku), critical=False)
    if policies:
        b = b.add_extension(
            x509.CertificatePolicies(
                [x509.PolicyInformation(x509.ObjectIdentifier(p), None) for p in policies]
            ),
            critical=False,
        )
    if aia_ca_issuers:
        b = b.add_extension(
            x509.AuthorityInformationAccess(
                [
                    x509.AccessDescription(
                        x509.AuthorityInformationAccessOID.CA_ISSUERS,
                        x509.UniformResourceIdentifier(aia_ca_issuers),
                    )
                ]
            ),
            critical=False,
        )
    for ext, critical in extra or []:
        b = b.add_extension(ext, critical=critical)
    algorithm = None if _is_eddsa(signing_key) else (hash_alg or hashes.SHA256())
    return b.sign(signing_key, algorithm)  # type: ignore[arg-type]


def _is_eddsa(key: CertificateIssuerPrivateKeyTypes) -> bool:
    from cryptography.hazmat.primitives.asymmetric import ed448, ed25519

    return isinstance(key, ed25519.Ed25519PrivateKey | ed448.Ed448PrivateKey)


CA_KEY_USAGE = x509.KeyUsage(
    digital_signature=True,
    content_commitment=False,
    key_encipherment=False,
    data_encipherment=False,
    key_agreement=False,
    key_cert_sign=True,
    crl_sign=True,
    encipher_only=False,
    decipher_only=False,
)


def key_usage(*, digital_signature: bool = True, key_encipherment: bool = True) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=False,
        key_encipherment=key_encipherment,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )


def general_names(names: list[str]) -> list[x509.GeneralName]:
    out: list[x509.GeneralName] = []
    for n in names:
        try:
            out.append(x509.IPAddress(ipaddress.ip_address(n)))
        except ValueError:
            out.append(x509.DNSName(n))
    return out


def new_root(name: str, key_kind: str = "p256", **build_options: Any) -> Issued:
    """A self-signed root CA named ``name`` (valid from 30 days ago for ten years by default);
    ``build_options`` go to :func:`build` (an EKU, other dates...)."""
    key = new_key(key_kind)
    subject = _name(name)
    options: dict[str, Any] = {
        "key_usage": CA_KEY_USAGE,
        "not_before": NOW - dt.timedelta(days=30),
        "not_after": NOW + dt.timedelta(days=3650),
        **build_options,
    }
    cert = build(
        subject=subject,
        issuer=subject,
        public_key=key.public_key(),
        signing_key=key,
        ca=True,
        **options,
    )
    return Issued(cert, key)


@dataclass
class TestCA:
    __test__ = False
    """A root and one issuing intermediate. ``issue()`` makes leaves under the intermediate."""

    name: str = "certready test"
    key_kind: str = "rsa2048"
    root: Issued = field(init=False)
    intermediate: Issued = field(init=False)

    def __post_init__(self) -> None:
        self.root = new_root(f"{self.name} Root CA", self.key_kind)
        root_key, root_name = self.root.key, self.root.cert.subject
        # its own key, never a pooled one: two "unrelated" CAs sharing an issuing key would
        # share its key identifier (test_issuer_link's impostor control failed when the pool's
        # rotation handed both the same key, depending on which tests ran before in a worker)
        inter_key = new_key(self.key_kind, fresh=True)
        inter = build(
            subject=_name(f"{self.name} Issuing CA"),
            issuer=root_name,
            public_key=inter_key.public_key(),
            signing_key=root_key,
            ca=True,
            path_length=0,
            key_usage=CA_KEY_USAGE,
            issuer_key_for_aki=root_key.public_key(),
            not_before=NOW - dt.timedelta(days=30),
            not_after=NOW + dt.timedelta(days=1825),
        )
        self.intermediate = Issued(inter, inter_key)

    def issue(
        self,
        *names: str,
        cn: str | None = "",
        key_kind: str = "rsa2048",
        key: CertificateIssuerPrivateKeyTypes | None = None,
        sans: list[str] | None = None,
        ku: x509.KeyUsage | None = None,
        no_ku: bool = False,
        eku: list[x509.ObjectIdentifier] | None = None,
        not_before: dt.datetime | None = None,
        not_after: dt.datetime | None = None,
        days: int | None = None,
        hash_alg: hashes.HashAlgorithm | None = None,
        ca: bool = False,
        issuer: Issued | None = None,
        policies: list[str] | None = None,
        extra: list[tuple[x509.ExtensionType, bool]] | None = None,
        aia_ca_issuers: str | None = None,
    ) -> Issued:
        """A leaf for ``names`` (DNS or IP). ``cn=""`` means "the first name"; ``None``: no CN."""
        leaf_key = key or new_key(key_kind)
        is_ec = isinstance(leaf_key, ec.EllipticCurvePrivateKey)
        signer = issuer or self.intermediate
        common_name = (names[0] if names else None) if cn == "" else cn
        nb = not_before or NOW - dt.timedelta(days=1)
        na = not_after or (nb + dt.timedelta(days=days) if days is not None else None)
        cert = build(
            subject=_name(common_name),
            issuer=signer.cert.subject,
            public_key=leaf_key.public_key(),
            signing_key=signer.key,
            ca=ca,
            sans=general_names(list(names) if sans is None else sans),
            key_usage=None if no_ku else (ku or key_usage(key_encipherment=not is_ec)),
            eku=[ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
            if eku is None
            else eku,
            not_before=nb,
            not_after=na,
            hash_alg=hash_alg,
            issuer_key_for_aki=signer.key.public_key(),
            policies=policies,
            aia_ca_issuers=aia_ca_issuers,
            extra=extra,
        )
        return Issued(cert, leaf_key)

    def sub_ca(
        self,
        name: str,
        *,
        issuer: Issued | None = None,
        key_kind: str | None = None,
        not_before: dt.datetime | None = None,
        not_after: dt.datetime | None = None,
        key_usage: x509.KeyUsage | None = CA_KEY_USAGE,
        path_length: int | None = None,
        eku: list[x509.ObjectIdentifier] | None = None,
    ) -> Issued:
        """Another CA certificate under ``issuer`` (default: the root), for chain defects."""
        signer = issuer or self.root
        key = new_key(key_kind or self.key_kind)
        cert = build(
            subject=_name(name),
            issuer=signer.cert.subject,
            public_key=key.public_key(),
            signing_key=signer.key,
            ca=True,
            path_length=path_length,
            key_usage=key_usage,
            eku=eku,
            issuer_key_for_aki=signer.key.public_key(),
            not_before=not_before or NOW - dt.timedelta(days=30),
            not_after=not_after or NOW + dt.timedelta(days=1825),
        )
        return Issued(cert, key)

    def crl(
        self,
        *revoked: x509.Certificate,
        issuer: Issued | None = None,
        number: bool = True,
        revoked_at: dt.datetime | None = None,
    ) -> x509.CertificateRevocationList:
        """A CRL signed by ``issuer`` (default: the intermediate) revoking ``revoked``."""
        signer = issuer or self.intermediate
        b = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(signer.cert.subject)
            .last_update(NOW - dt.timedelta(days=1))
            .next_update(NOW + dt.timedelta(days=7))
        )
        if number:
            b = b.add_extension(x509.CRLNumber(1), critical=False)
        for cert in revoked:
            b = b.add_revoked_certificate(
                x509.RevokedCertificateBuilder()
                .serial_number(cert.serial_number)
                .revocation_date(revoked_at or NOW - dt.timedelta(hours=1))
                .build()
            )
        return b.sign(signer.key, None if _is_eddsa(signer.key) else hashes.SHA256())  # type: ignore[arg-type]

    def self_signed(self, *names: str, key_kind: str = "rsa2048", days: int = 397) -> Issued:
        k = new_key(key_kind)
        subj = _name(names[0] if names else None)
        cert = build(
            subject=subj,
            issuer=subj,
            public_key=k.public_key(),
            signing_key=k,
            ca=False,
            sans=general_names(list(names)),
            key_usage=key_usage(key_encipherment=not isinstance(k, ec.EllipticCurvePrivateKey)),
            eku=[ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH],
            not_after=NOW + dt.timedelta(days=days - 1),
        )
        return Issued(cert, k)

    def root_file(self, directory: Path) -> Path:
        """The root certificate as a PEM file: what ``--trust FILE`` takes in tests."""
        path = directory / f"{self.name.replace(' ', '-')}-root.pem"
        path.write_bytes(self.root.cert_pem())
        return path

    def chain_pem(self, leaf: Issued, *, with_root: bool = False) -> bytes:
        parts = [leaf.cert_pem(), self.intermediate.cert_pem()]
        if with_root:
            parts.append(self.root.cert_pem())
        return b"".join(parts)
