"""DER (and BER) inputs: a certificate, a PKCS#7 bundle, a PKCS#12 file or a private key, told
apart by their ASN.1 structure (the first two elements of the outer SEQUENCE)."""

from __future__ import annotations

from cryptography import x509

from certready.adapters.inputs.bundle import (
    Bundle,
    LoadedCertificate,
    PasswordSource,
    key_bundle,
    loaded_request,
)
from certready.adapters.inputs.bundle import location as where_in
from certready.adapters.inputs.failures import BAD_DATA, reason
from certready.adapters.inputs.keys import private_key
from certready.adapters.inputs.pkcs7 import load_pkcs7_der
from certready.adapters.inputs.pkcs12 import load_pkcs12
from certready.adapters.inputs.sniff import is_blank, not_recognised
from certready.core.errors import InputError

_OID_PKCS7_SIGNED_DATA = bytes.fromhex("06092a864886f70d010702")
_OID_PKCS7_PREFIX = bytes.fromhex("06092a864886f70d0107")
_UNKNOWN = "not a certificate, key, PKCS#7 or PKCS#12 file"


def der_header(data: bytes, offset: int) -> tuple[int, int, int | None] | None:
    """(tag, header length, content length or ``None`` for BER indefinite) at ``offset``."""
    if offset + 2 > len(data):
        return None
    tag, first = data[offset], data[offset + 1]
    if tag & 0x1F == 0x1F:  # multi-byte tags do not occur at the places we look
        return None
    if first < 0x80:
        return tag, 2, first
    if first == 0x80:
        return tag, 2, None
    count = first & 0x7F
    if count > 4 or offset + 2 + count > len(data):
        return None
    return tag, 2 + count, int.from_bytes(data[offset + 2 : offset + 2 + count], "big")


def der_end(data: bytes, offset: int) -> int | None:
    """Where the DER element at ``offset`` ends (``None``: not definite-length DER)."""
    header = der_header(data, offset)
    if header is None or header[2] is None:
        return None
    return offset + header[1] + header[2]


def load_der(data: bytes, source: str, password: PasswordSource | None) -> Bundle:
    """One DER input as a :class:`Bundle`; anything else is an :class:`InputError` naming it."""
    outer = der_header(data, 0)
    if outer is None or outer[0] != 0x30:
        raise InputError(not_recognised(data), location=source)
    _, header_length, length = outer
    if length is not None:
        end = header_length + length
        if end > len(data):
            raise InputError(
                f"truncated: the DER structure announces {end} bytes, the file has {len(data)}",
                location=source,
            )
        trailing = data[end:]
        if not is_blank(trailing):
            raise InputError(
                f"{len(trailing)} bytes of unexpected data after the DER structure (two files"
                " joined together?)",
                location=source,
            )
        data = data[:end]
    inner = der_header(data, header_length)
    if inner is None:
        raise InputError(_UNKNOWN, location=source)
    tag = inner[0]
    first = data[header_length:]
    if tag == 0x06:
        if first.startswith(_OID_PKCS7_SIGNED_DATA):
            return load_pkcs7_der(data, source)
        if first.startswith(_OID_PKCS7_PREFIX):
            raise InputError("a PKCS#7 structure that is not a certificate bundle", location=source)
        raise InputError(_UNKNOWN, location=source)
    if tag == 0x02:
        if first[:3] == b"\x02\x01\x03" and first[3:4] == b"\x30":
            return load_pkcs12(data, source, password)
        return key_bundle(source, private_key(data, source, password, where=None, pem=False))
    if tag == 0x30:
        second = der_header(data, header_length + inner[1])
        if second is not None and second[0] == 0x06:
            # EncryptedPrivateKeyInfo: SEQUENCE { AlgorithmIdentifier, OCTET STRING }.
            return key_bundle(source, private_key(data, source, password, where=None, pem=False))
        try:
            cert = x509.load_der_x509_certificate(data)
        except BAD_DATA as exc:
            request = _request(data)
            if request is None:
                raise InputError(_not_a_certificate(data, exc), location=source) from None
            return Bundle(source, "csr", (), requests=(loaded_request(source, request, 0),))
        return Bundle(source, "der", (LoadedCertificate(cert, where_in(source, 0)),))
    raise InputError(_UNKNOWN, location=source)


def _request(data: bytes) -> x509.CertificateSigningRequest | None:
    """A DER PKCS#10 certificate signing request, or ``None``."""
    try:
        return x509.load_der_x509_csr(data)
    except BAD_DATA:
        return None


def _not_a_certificate(data: bytes, exc: Exception) -> str:
    """Name what a DER SEQUENCE-of-SEQUENCE is when it is not a certificate (nor a request)."""
    try:
        x509.load_der_x509_crl(data)
    except BAD_DATA:
        pass
    else:
        return "a certificate revocation list (CRL), not a certificate"
    return f"not a valid DER certificate ({reason(exc)})"
