"""PKCS#10 certificate requests (RFC 2986) built from a :class:`~.extensions.RequestSpec`."""

from __future__ import annotations

import re
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

from certready.adapters.inputs.read import read_bytes
from certready.adapters.issuance.extensions import RequestSpec, request_extensions, subject_name
from certready.adapters.issuance.keys import IssuedKey
from certready.core.errors import InputError


def build_csr(spec: RequestSpec, key: IssuedKey) -> x509.CertificateSigningRequest:
    """A request signed with SHA-256 carrying every name as a SAN and the spec's usages."""
    builder = x509.CertificateSigningRequestBuilder().subject_name(
        subject_name(spec.common_name, spec.organization)
    )
    for extension, critical in request_extensions(spec):
        builder = builder.add_extension(extension, critical=critical)
    return builder.sign(key, hashes.SHA256())


def csr_pem(csr: x509.CertificateSigningRequest) -> bytes:
    return csr.public_bytes(serialization.Encoding.PEM)


def parse_failure(data: bytes, expected: str) -> str:
    """Why ``data`` is not the ``expected`` object, in words (not the ASN.1 parser's internals)."""
    if not data.strip():
        return "empty file"
    match = re.search(rb"-----BEGIN ([A-Z0-9 ]+)-----", data)
    if match:
        label = match.group(1).decode("ascii")
        if label.endswith("PRIVATE KEY"):
            return f"holds a private key, not a {expected}"
        return f"holds a PEM {label} block, not a {expected} (or the block is damaged)"
    return f"not a {expected} (neither PEM nor DER)"


def load_csr(path: Path) -> x509.CertificateSigningRequest:
    """A PEM or DER request whose self-signature verifies; errors name the file."""
    data = read_bytes(str(path), folder=None)
    try:
        csr = (
            x509.load_pem_x509_csr(data) if b"-----BEGIN" in data else x509.load_der_x509_csr(data)
        )
    except ValueError:
        raise InputError(parse_failure(data, "certificate request"), location=str(path)) from None
    if not csr.is_signature_valid:
        raise InputError("the request's signature does not verify", location=str(path))
    return csr


def requested_names(csr: x509.CertificateSigningRequest) -> tuple[str, ...]:
    """The SAN DNS names and addresses a request asks for, in its order (none: empty)."""
    try:
        san = csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return ()
    dns = san.get_values_for_type(x509.DNSName)
    ips = [str(a) for a in san.get_values_for_type(x509.IPAddress)]
    return (*dns, *ips)


def requested_common_name(csr: x509.CertificateSigningRequest) -> str | None:
    values = csr.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    if not values:
        return None
    value = values[0].value
    return value if isinstance(value, str) else value.decode("utf-8", "replace")
