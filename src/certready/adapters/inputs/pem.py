"""PEM: the one block scanner, and what each block of a certificate/key file holds.

:func:`scan_pem` finds every ``-----BEGIN L-----`` ... ``-----END L-----`` block in one pass over
the input (time linear in its size, however many blocks or unterminated BEGIN lines it has):
the END lines are indexed once by label, and each BEGIN line looks its END up there. Every PEM
reader of the tool (certificate inputs, trust bundles, CRL files) goes through it.

A certificate/key file may hold any number of ``CERTIFICATE`` / ``TRUSTED CERTIFICATE`` /
``PKCS7`` blocks and private keys, in any order, with any text between them (``openssl x509
-text`` output). Other blocks (CSR, CRL, public key) are skipped with a note.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import re
from dataclasses import dataclass, replace
from typing import NamedTuple

from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs7

from certready.adapters.inputs.bundle import (
    Bundle,
    LoadedCertificate,
    LoadedKey,
    LoadedRequest,
    PasswordSource,
    key_location,
    loaded_request,
    location,
)
from certready.adapters.inputs.der import der_end
from certready.adapters.inputs.failures import BAD_DATA, reason
from certready.adapters.inputs.keys import private_key
from certready.adapters.inputs.pkcs7 import pkcs7_bundle, pkcs7_certificates
from certready.core.errors import InputError

_BEGIN = b"-----BEGIN "
_BEGIN_LINE = re.compile(rb"-----BEGIN ([^\r\n-]+)-----")
_END_LINE = re.compile(rb"-----END ([^\r\n-]+)-----")
"""A marker: its label has no line break and no dash, so each match is found in one pass (no
backtracking beyond the label's own characters)."""

CERT_LABELS = {b"CERTIFICATE", b"X509 CERTIFICATE", b"TRUSTED CERTIFICATE"}
PKCS7_LABELS = {b"PKCS7", b"PKCS #7 SIGNED DATA", b"CMS"}
KEY_LABELS = {
    b"PRIVATE KEY",
    b"ENCRYPTED PRIVATE KEY",
    b"RSA PRIVATE KEY",
    b"EC PRIVATE KEY",
    b"DSA PRIVATE KEY",
}
REQUEST_LABELS = {b"CERTIFICATE REQUEST", b"NEW CERTIFICATE REQUEST"}
"""PKCS#10 requests: OpenSSL's label, and the one IIS and certreq write."""
CRL_LABEL = b"X509 CRL"
_SKIPPED_LABELS: dict[bytes, str | None] = {
    CRL_LABEL: "a certificate revocation list",
    b"PUBLIC KEY": "a public key alone",
    b"RSA PUBLIC KEY": "a public key alone",
    b"EC PARAMETERS": None,  # `openssl ecparam -genkey` writes them before the key: no remark
    b"DH PARAMETERS": "Diffie-Hellman parameters",
    b"OPENSSH PRIVATE KEY": "an OpenSSH key, not a TLS key",
}


class PemBlock(NamedTuple):
    """One block (a tuple, not a dataclass: a file may hold 100,000 of them, and building a
    frozen dataclass costs ten times as much)."""

    label: bytes
    text: bytes
    """The whole block, BEGIN line through END line (what cryptography's PEM loaders take)."""
    body: bytes
    """Between the BEGIN and END markers: optional headers and the base64."""
    line: int
    """The line of its BEGIN marker, from 1."""

    @property
    def label_text(self) -> str:
        return self.label.decode("ascii", "replace")


class Unterminated(NamedTuple):
    """A BEGIN line that opens no block: its END line is missing (or it lies inside a block)."""

    label: bytes
    line: int


@dataclass(frozen=True, slots=True)
class PemScan:
    blocks: tuple[PemBlock, ...]
    unterminated: tuple[Unterminated, ...]

    def refuse_unterminated(self, source: str) -> None:
        """An :class:`InputError` for the first BEGIN line without its END line, if any."""
        if self.unterminated:
            first = self.unterminated[0]
            label = first.label.decode("ascii", "replace")
            raise InputError(
                f"line {first.line}: truncated PEM: the {label} block has no"
                f" '-----END {label}-----' line",
                location=source,
            )


class _Lines:
    """Line numbers of increasing offsets, counting each stretch of the input once."""

    def __init__(self, data: bytes) -> None:
        self._data, self._offset, self._line = data, 0, 1

    def at(self, offset: int) -> int:
        self._line += self._data.count(b"\n", self._offset, offset)
        self._offset = offset
        return self._line


def scan_pem(data: bytes) -> PemScan:
    """Every PEM block of ``data`` in order, and the BEGIN lines that open none.

    A block runs from its BEGIN line to the first END line of the same label after it; the text
    after it is scanned next, so a BEGIN line inside a block opens nothing.
    """
    ends: dict[bytes, list[tuple[int, int]]] = {}
    for end in _END_LINE.finditer(data):
        ends.setdefault(end.group(1), []).append(end.span())
    lines = _Lines(data)
    blocks: list[PemBlock] = []
    unterminated: list[Unterminated] = []
    covered = 0
    for begin in _BEGIN_LINE.finditer(data):
        start, header_end = begin.span()
        label = begin.group(1)
        if start >= covered:
            spans = ends.get(label, [])
            i = bisect.bisect_left(spans, (header_end, 0))
            if i < len(spans):
                end_start, covered = spans[i]
                body = data[header_end:end_start]
                blocks.append(PemBlock(label, data[start:covered], body, lines.at(start)))
                continue
        unterminated.append(Unterminated(label, lines.at(start)))
    return PemScan(tuple(blocks), tuple(unterminated))


def lenient_certificates(data: bytes) -> list[x509.Certificate]:
    """Every certificate of a PEM bundle that cryptography can parse; unparseable ones skipped.

    A system bundle with one odd certificate must not make the whole store unusable.
    """
    try:
        return x509.load_pem_x509_certificates(data)
    except ValueError:
        pass
    out: list[x509.Certificate] = []
    for block in scan_pem(data).blocks:
        if block.label == b"CERTIFICATE":
            try:
                out.append(x509.load_pem_x509_certificate(block.text))
            except ValueError:
                continue
    return out


def load_pem(data: bytes, source: str, password: PasswordSource | None) -> Bundle:
    """A PEM file's certificates and keys; a damaged or truncated block is an InputError."""
    begins = data.count(_BEGIN)
    if begins == data.count(b"-----BEGIN CERTIFICATE-----"):
        # The common case (a certificate or a chain): one call into the Rust parser.
        try:
            certs = x509.load_pem_x509_certificates(data)
        except BAD_DATA:
            pass  # the block-by-block parse below says which block is broken
        else:
            if len(certs) == begins:
                return Bundle(
                    source,
                    "pem",
                    tuple(LoadedCertificate(c, location(source, i)) for i, c in enumerate(certs)),
                )
    certificates: list[LoadedCertificate] = []
    keys: list[LoadedKey] = []
    requests: list[LoadedRequest] = []
    notes: list[str] = []
    skipped: list[str] = []
    pkcs7_blocks = 0
    scan = scan_pem(data)
    for block in scan.blocks:
        where = f"line {block.line}"
        if block.label in CERT_LABELS:
            cert = block_certificate(block, source, where)
            certificates.append(LoadedCertificate(cert, location(source, len(certificates))))
        elif block.label in PKCS7_LABELS:
            try:
                found = pkcs7_certificates(pkcs7.load_pem_pkcs7_certificates, pkcs7_pem(block))
            except BAD_DATA as exc:
                raise InputError(
                    f"{where}: the {block.label_text} block is not a PKCS#7 certificate bundle"
                    f" ({reason(exc)})",
                    location=source,
                ) from None
            pkcs7_blocks += 1
            part = pkcs7_bundle(found, source)
            notes.extend(f"{where}: {note}" for note in part.notes)
            for loaded in part.certificates:
                certificates.append(replace(loaded, location=location(source, len(certificates))))
        elif block.label in KEY_LABELS:
            key = private_key(block.text, source, password, where=where, pem=True)
            keys.append(LoadedKey(key, key_location(source, len(keys))))
        elif block.label in REQUEST_LABELS:
            request = block_request(block, source, where)
            requests.append(loaded_request(source, request, len(requests), where))
        else:
            why = _SKIPPED_LABELS.get(block.label, "not a certificate or private key")
            label = block.label_text
            skipped.append(label)
            if why is not None:
                notes.append(f"{where}: {label} block skipped: {why}")
    scan.refuse_unterminated(source)
    if not certificates and not keys and not requests:
        only = ", ".join(dict.fromkeys(skipped)) or "nothing readable"
        raise InputError(f"holds no certificate or private key (only: {only})", location=source)
    fmt = "pem" if certificates else "csr" if requests else "key"
    if pkcs7_blocks == begins and not keys:
        fmt = "pkcs7"
    return Bundle(
        source, fmt, tuple(certificates), tuple(keys), tuple(notes), requests=tuple(requests)
    )


def block_request(block: PemBlock, source: str, where: str) -> x509.CertificateSigningRequest:
    label = block.label_text
    try:
        der = base64.b64decode(b"".join(block.body.split()), validate=True)
        return x509.load_der_x509_csr(der)
    except (binascii.Error, *BAD_DATA) as exc:
        raise InputError(
            f"{where}: the {label} block is not a valid certificate request ({reason(exc)})",
            location=source,
        ) from None


def pkcs7_pem(block: PemBlock) -> bytes:
    """cryptography reads ``PKCS7`` blocks only: relabel the synonyms."""
    return b"-----BEGIN PKCS7-----" + block.body + b"-----END PKCS7-----\n"


def block_certificate(block: PemBlock, source: str, where: str) -> x509.Certificate:
    label = block.label_text
    try:
        der = base64.b64decode(b"".join(block.body.split()), validate=True)
    except (binascii.Error, ValueError):
        raise InputError(
            f"{where}: the {label} block is not valid base64 (damaged by an editor or e-mail?)",
            location=source,
        ) from None
    if label == "TRUSTED CERTIFICATE":
        # OpenSSL appends its trust settings after the certificate: keep the certificate only.
        end = der_end(der, 0)
        if end is not None:
            der = der[:end]
    try:
        return x509.load_der_x509_certificate(der)
    except BAD_DATA as exc:
        raise InputError(
            f"{where}: the {label} block is not a valid certificate ({reason(exc)})",
            location=source,
        ) from None
