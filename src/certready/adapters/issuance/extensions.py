"""What a request or a certificate asks for, once, as a value; and the X.509 extensions for it.

:class:`RequestSpec` is the single description the CSR, the ``certreq`` INF and the OpenSSL config
are all rendered from, so the three cannot disagree. :func:`leaf_extensions` and
:func:`ca_extensions` give the extensions of lab certificates.

Key Usage follows the key type: RSA ``digitalSignature + keyEncipherment`` (the install guide's
"a0"); EC ``digitalSignature`` alone, since RFC 8813 §3 forbids keyEncipherment on EC keys. EKU
requests serverAuth + clientAuth (install guide; RFC 5280 §4.2.1.12).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes

from certready.core.facts import EKU_CLIENT_AUTH, EKU_SERVER_AUTH
from certready.core.hostnames import ip_address, is_ip_address

LAB_POLICY_OID = "2.25.313718674873805184913413927390378665853"
"""The certificate policy every lab certificate asserts: never mistaken for production."""
LAB_ORGANIZATION = "certready lab"

SERVER_AUTH = EKU_SERVER_AUTH
CLIENT_AUTH = EKU_CLIENT_AUTH
TLS_EKU: tuple[str, ...] = (SERVER_AUTH, CLIENT_AUTH)

RSA_KEY_USAGE: tuple[str, ...] = ("digital_signature", "key_encipherment")
EC_KEY_USAGE: tuple[str, ...] = ("digital_signature",)
CA_KEY_USAGE: tuple[str, ...] = ("key_cert_sign", "crl_sign")


def key_usage_for(key_type: str) -> tuple[str, ...]:
    """RSA: digitalSignature + keyEncipherment ("a0"); EC: digitalSignature (RFC 8813)."""
    return RSA_KEY_USAGE if key_type.startswith("rsa") else EC_KEY_USAGE


@dataclass(frozen=True, slots=True)
class RequestSpec:
    """A certificate request's content: names, key type, usages, subject organisation."""

    hosts: tuple[str, ...]
    """Normalised host names or IP addresses; the first is the subject CN."""
    key_type: str
    key_usage: tuple[str, ...]
    """Key Usage bit names as cryptography spells them."""
    extended_key_usage: tuple[str, ...] = TLS_EKU
    """Dotted OIDs."""
    organization: str | None = None

    @property
    def common_name(self) -> str:
        return self.hosts[0]

    @property
    def dns_names(self) -> tuple[str, ...]:
        return tuple(h for h in self.hosts if not is_ip_address(h))

    @property
    def ip_addresses(self) -> tuple[str, ...]:
        return tuple(h for h in self.hosts if is_ip_address(h))


def subject_name(common_name: str | None, organization: str | None) -> x509.Name:
    attributes = []
    if organization:
        attributes.append(x509.NameAttribute(x509.NameOID.ORGANIZATION_NAME, organization))
    if common_name:
        attributes.append(x509.NameAttribute(x509.NameOID.COMMON_NAME, common_name))
    return x509.Name(attributes)


def general_names(hosts: Iterable[str]) -> list[x509.GeneralName]:
    """DNS names as dNSName, addresses as iPAddress (clients connecting by IP match only that)."""
    names: list[x509.GeneralName] = []
    for host in hosts:
        address = ip_address(host)
        names.append(x509.DNSName(host) if address is None else x509.IPAddress(address))
    return names


def key_usage(bits: Iterable[str]) -> x509.KeyUsage:
    """A KeyUsage with exactly ``bits`` set (names as in :data:`certready.core.facts.KEY_USAGE_BITS`)."""
    chosen = set(bits)
    return x509.KeyUsage(
        digital_signature="digital_signature" in chosen,
        content_commitment="content_commitment" in chosen,
        key_encipherment="key_encipherment" in chosen,
        data_encipherment="data_encipherment" in chosen,
        key_agreement="key_agreement" in chosen,
        key_cert_sign="key_cert_sign" in chosen,
        crl_sign="crl_sign" in chosen,
        encipher_only=False,
        decipher_only=False,
    )


def extended_key_usage(oids: Iterable[str]) -> x509.ExtendedKeyUsage:
    return x509.ExtendedKeyUsage([x509.ObjectIdentifier(o) for o in oids])


Extension = tuple[x509.ExtensionType, bool]
"""An extension value and whether it is critical."""


def request_extensions(spec: RequestSpec) -> list[Extension]:
    """What a CSR asks for: SAN (every name), Key Usage (critical), EKU, CA:FALSE."""
    extensions: list[Extension] = [
        (x509.BasicConstraints(ca=False, path_length=None), True),
        (key_usage(spec.key_usage), True),
    ]
    if spec.extended_key_usage:
        extensions.append((extended_key_usage(spec.extended_key_usage), False))
    if spec.hosts:
        extensions.append((x509.SubjectAlternativeName(general_names(spec.hosts)), False))
    return extensions


def policies(*oids: str) -> x509.CertificatePolicies:
    return x509.CertificatePolicies(
        [x509.PolicyInformation(x509.ObjectIdentifier(o), None) for o in oids]
    )


def crl_distribution_points(url: str) -> x509.CRLDistributionPoints:
    return x509.CRLDistributionPoints(
        [x509.DistributionPoint([x509.UniformResourceIdentifier(url)], None, None, None)]
    )


def identifiers(
    subject_key: CertificatePublicKeyTypes, issuer_key: CertificatePublicKeyTypes | None
) -> list[Extension]:
    """Subject and (when there is an issuer) Authority Key Identifier (RFC 5280 §4.2.1.1-2)."""
    out: list[Extension] = [(x509.SubjectKeyIdentifier.from_public_key(subject_key), False)]
    if issuer_key is not None:
        out.append(
            (
                x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key),  # type: ignore[arg-type]
                False,
            )
        )
    return out


def ca_extensions(*, path_length: int | None, crl_url: str | None = None) -> list[Extension]:
    """A CA: CA:TRUE with a path length, keyCertSign + cRLSign, the lab policy, no EKU."""
    out: list[Extension] = [
        (x509.BasicConstraints(ca=True, path_length=path_length), True),
        (key_usage(CA_KEY_USAGE), True),
        (policies(LAB_POLICY_OID), False),
    ]
    if crl_url:
        out.append((crl_distribution_points(crl_url), False))
    return out
