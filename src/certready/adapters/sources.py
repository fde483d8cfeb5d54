"""Certificate and key inputs: PEM, DER, PKCS#7, PKCS#12, private keys, stdin, folders.

The format is detected from the content, never the extension. Every certificate comes out with a
precise location (``file:certs/app.pfx#0``) and every failure is an :class:`InputError` naming the
file, so one bad file never stops the others.

What is recognised:

- PEM: any number of ``CERTIFICATE`` / ``TRUSTED CERTIFICATE`` / ``PKCS7`` blocks and private keys
  (``PRIVATE KEY``, ``ENCRYPTED PRIVATE KEY``, ``RSA PRIVATE KEY``, ``EC PRIVATE KEY``, with or
  without the OpenSSL ``Proc-Type`` encryption headers) in one file, in any order, with any text
  between them (``openssl x509 -text`` output). Other blocks (CSR, CRL, public key) are skipped
  with a note; a file of nothing else is an error.
- DER: a certificate, a PKCS#7 ``.p7b`` (DER or BER), a PKCS#12 ``.pfx``/``.p12``, a private key
  (PKCS#1, PKCS#8 encrypted or not, SEC1), told apart by their ASN.1 structure.
- PEM written as UTF-16 (PowerShell 5's ``>`` redirection); bare base64 of a DER or PEM file
  (a Kubernetes secret's ``tls.crt`` value).
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import stat
import sys
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO, TypeVar

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.serialization import pkcs7, pkcs12

from certready.core.errors import InputError, PasswordError
from certready.core.facts import certificate_names
from certready.core.location import STDIN as STDIN
from certready.core.location import FileLocation, Location

T = TypeVar("T")

PasswordSource = Callable[[str], bytes | None]
"""Given the input's display name, the password to try (``None``: there is none).

A source that can ask again (the terminal prompt) also has ``rejected(source)``: the loader calls
it after a wrong password and asks once more, three tries in all."""

MAX_INPUT_BYTES = 16 * 1024 * 1024
"""No certificate file is this large; a bigger input is refused before it is parsed."""


_BAD_DATA = (ValueError, x509.InvalidVersion, UnsupportedAlgorithm)
"""What cryptography raises on damaged input (``InvalidVersion`` is no ``ValueError``)."""

HOW_TO_UNLOCK = "give it with --password-env VAR or --password-file FILE"


@dataclass(frozen=True, slots=True)
class LoadedCertificate:
    certificate: x509.Certificate
    location: Location
    """``file:certs/app.pfx#0``: the input and the certificate's index within it (a served
    certificate: ``tls://app:443#leaf``)."""
    friendly_name: str | None = None
    """The PKCS#12 friendly name (what Windows' certificate manager shows), when there is one."""


@dataclass(frozen=True, slots=True)
class LoadedKey:
    key: PrivateKeyTypes
    location: FileLocation
    """``file:certs/app.pem#key0``: the input and the key's index among its keys."""


@dataclass(frozen=True, slots=True)
class Bundle:
    """Everything one input held, in the order it held it."""

    source: str
    """The input as the user named it (a path, or ``-`` for stdin)."""
    format: str
    """``pem``, ``der``, ``pkcs7``, ``pkcs12``, ``key``."""
    certificates: tuple[LoadedCertificate, ...]
    keys: tuple[LoadedKey, ...] = ()
    notes: tuple[str, ...] = ()
    """Non-fatal remarks about the input (legacy PKCS#12 encryption, skipped PEM blocks)."""


def location(source: str, index: int) -> FileLocation:
    """``file:certs/app.pfx#0`` (``stdin:#0`` for standard input)."""
    return FileLocation(source, index)


def key_location(source: str, index: int) -> FileLocation:
    """``file:certs/app.pem#key0``: the ``index``-th private key of the input."""
    return FileLocation(source, key=index)


def display_name(source: str) -> str:
    """How messages name an input: the path, or ``standard input``."""
    return "standard input" if source == STDIN else source


# --------------------------------------------------------------------------------------- parsing


def load_bytes(data: bytes, source: str, password: PasswordSource | None = None) -> Bundle:
    """Parse one input's bytes into its certificates and keys.

    Raises :class:`InputError` (:class:`PasswordError` for a missing or wrong password) whose
    ``location`` is ``source``; the message never contains the password.
    """
    if len(data) > MAX_INPUT_BYTES:
        raise InputError(_too_large(len(data)), location=source)
    try:
        return _checked(_load_bytes(data, source, password))
    except BaseException as exc:
        # cryptography's Rust parsers can panic on damaged input (a malformed DEK-Info IV in an
        # encrypted PEM key); pyo3 raises that as a BaseException that must not end the batch.
        if type(exc).__name__ == "PanicException":
            raise InputError(
                "damaged beyond parsing (cryptography's parser failed on it)", location=source
            ) from None
        raise


def _checked(bundle: Bundle) -> Bundle:
    """Refuse a certificate whose names cannot be read.

    cryptography parses the subject and issuer lazily, so a damaged name would otherwise surface
    as a ``ValueError`` in the middle of the analysis. (Damaged extensions are left alone: the
    facts record them, and rules report them.)
    """
    for i, loaded in enumerate(bundle.certificates):
        if i and loaded.certificate in _NAMES_READ:
            continue
        try:
            certificate_names(loaded.certificate)  # parsed on access; remembered for the facts
        except _BAD_DATA as exc:
            where = loaded.location
            index = (
                where.index if isinstance(where, FileLocation) and where.index is not None else i
            )
            raise InputError(
                f"certificate #{index} is damaged: its names cannot be read ({_reason(exc)})",
                location=bundle.source,
            ) from None
        if i:  # what comes after the first certificate (its chain) recurs with every leaf
            if len(_NAMES_READ) >= _NAMES_READ_MAX:
                _NAMES_READ.clear()
            _NAMES_READ[loaded.certificate] = None
    return bundle


_NAMES_READ: dict[x509.Certificate, None] = {}
"""Chain certificates (equal DER) whose names were read: the same CA certificates come with every
leaf, and reading a name costs several microseconds each time."""
_NAMES_READ_MAX = 4096


def _load_bytes(data: bytes, source: str, password: PasswordSource | None) -> Bundle:
    notes: list[str] = []
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        data = _from_utf16(data, source)
        notes.append("UTF-16 text (as PowerShell 5 writes it): read as ASCII")
    if b"-----BEGIN" in data:
        bundle = _load_pem(data, source, password)
    elif not data.strip(b" \t\r\n\x00"):
        raise InputError("empty input" if source == STDIN else "empty file", location=source)
    elif data[0] == 0x30:
        bundle = _load_der(data, source, password)
    else:
        decoded = _bare_base64(data)
        if decoded is None:
            raise InputError(_not_recognised(data), location=source)
        if b"-----BEGIN" in decoded:
            bundle = _load_pem(decoded, source, password)
            notes.append("base64 of a PEM file (as a Kubernetes secret holds it): decoded")
        else:
            bundle = _load_der(decoded, source, password)
            notes.append("base64 without PEM header lines: decoded as DER")
    if notes:
        bundle = replace(bundle, notes=(*notes, *bundle.notes))
    return bundle


def _too_large(size: int) -> str:
    """``size`` is exact, or ``MAX_INPUT_BYTES + 1`` when reading stopped there (unknown)."""
    limit = MAX_INPUT_BYTES // (1024 * 1024)
    if size > MAX_INPUT_BYTES + 1:
        return f"too large for a certificate file ({size / (1024 * 1024):.0f} MiB; the limit is {limit} MiB)"
    return f"too large for a certificate file (over the {limit} MiB limit)"


def _from_utf16(data: bytes, source: str) -> bytes:
    try:
        return data.decode("utf-16").encode("ascii")
    except UnicodeError:
        raise InputError("UTF-16 text that is not a PEM file", location=source) from None


def _not_recognised(data: bytes) -> str:
    if data[:4] == b"\xfe\xed\xfe\xed":
        return (
            "a Java keystore (JKS), not a certificate file: export it with "
            "`keytool -exportcert -rfc` or convert it to PKCS#12 with `keytool -importkeystore`"
        )
    if data.lstrip()[:8] in (b"ssh-rsa ", b"ssh-ed25", b"ecdsa-sh"):
        return "an SSH public key, not an X.509 certificate"
    head = data[:4096].lower()
    if b"<html" in head or b"<!doctype html" in head:
        return "an HTML page, not a certificate (a download that went to a login or error page?)"
    if re.search(rb"BEGIN [A-Z ]*(CERTIFICATE|PRIVATE KEY|PKCS7)", data[:_TEXT_SCAN]):
        return (
            "has a BEGIN line without the five dashes PEM needs ('-----BEGIN ...-----'):"
            " pasted through a word processor or e-mail that changed the dashes?"
        )
    return "not a certificate, key, PKCS#7 or PKCS#12 file (neither PEM nor DER)"


_TEXT_SCAN = 64 * 1024
"""How far into an unrecognised input to look for a mangled PEM header."""

_BASE64_CHARS = re.compile(rb"[A-Za-z0-9+/=\s]+")


def _bare_base64(data: bytes) -> bytes | None:
    """The DER inside base64 text that lacks PEM header lines, or ``None``."""
    if not _BASE64_CHARS.fullmatch(data):
        return None
    try:
        decoded = base64.b64decode(b"".join(data.split()), validate=True)
    except (binascii.Error, ValueError):
        return None
    return decoded if decoded[:1] == b"\x30" or decoded.lstrip()[:10] == b"-----BEGIN" else None


# ------------------------------------------------------------------------------------------- PEM

_PEM_BLOCK = re.compile(rb"-----BEGIN ([^\r\n-]+)-----(.*?)-----END \1-----", re.DOTALL)
_PEM_BEGIN = re.compile(rb"-----BEGIN ([^\r\n-]+)-----")
_CERT_LABELS = {b"CERTIFICATE", b"X509 CERTIFICATE", b"TRUSTED CERTIFICATE"}
_PKCS7_LABELS = {b"PKCS7", b"PKCS #7 SIGNED DATA", b"CMS"}
_KEY_LABELS = {
    b"PRIVATE KEY",
    b"ENCRYPTED PRIVATE KEY",
    b"RSA PRIVATE KEY",
    b"EC PRIVATE KEY",
    b"DSA PRIVATE KEY",
}
_SKIPPED_LABELS: dict[bytes, str | None] = {
    b"CERTIFICATE REQUEST": "a certificate signing request (CSR) is not a certificate",
    b"NEW CERTIFICATE REQUEST": "a certificate signing request (CSR) is not a certificate",
    b"X509 CRL": "a certificate revocation list",
    b"PUBLIC KEY": "a public key alone",
    b"RSA PUBLIC KEY": "a public key alone",
    b"EC PARAMETERS": None,  # `openssl ecparam -genkey` writes them before the key: no remark
    b"DH PARAMETERS": "Diffie-Hellman parameters",
    b"OPENSSH PRIVATE KEY": "an OpenSSH key, not a TLS key",
}


def _line(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _load_pem(data: bytes, source: str, password: PasswordSource | None) -> Bundle:
    begins = data.count(b"-----BEGIN ")
    if begins == data.count(b"-----BEGIN CERTIFICATE-----"):
        # The common case (a certificate or a chain): one call into the Rust parser.
        try:
            certs = x509.load_pem_x509_certificates(data)
        except _BAD_DATA:
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
    notes: list[str] = []
    skipped: list[str] = []
    matched_starts: set[int] = set()
    pkcs7_blocks = 0
    for match in _PEM_BLOCK.finditer(data):
        matched_starts.add(match.start())
        label = match.group(1)
        label_text = label.decode("ascii", "replace")
        where = f"line {_line(data, match.start())}"
        if label in _CERT_LABELS:
            cert = _pem_certificate(match, source, where)
            certificates.append(LoadedCertificate(cert, location(source, len(certificates))))
        elif label in _PKCS7_LABELS:
            try:
                found = _pkcs7_certificates(pkcs7.load_pem_pkcs7_certificates, _pkcs7_pem(match))
            except _BAD_DATA as exc:
                raise InputError(
                    f"{where}: the {label_text} block is not a PKCS#7 certificate bundle"
                    f" ({_reason(exc)})",
                    location=source,
                ) from None
            pkcs7_blocks += 1
            part = _pkcs7_bundle(found, source)
            notes.extend(f"{where}: {note}" for note in part.notes)
            for loaded in part.certificates:
                certificates.append(replace(loaded, location=location(source, len(certificates))))
        elif label in _KEY_LABELS:
            key = _private_key(match.group(0), source, password, where=where, pem=True)
            keys.append(LoadedKey(key, key_location(source, len(keys))))
        else:
            why = _SKIPPED_LABELS.get(label, "not a certificate or private key")
            skipped.append(label_text)
            if why is not None:
                notes.append(f"{where}: {label_text} block skipped: {why}")
    for begin in _PEM_BEGIN.finditer(data):
        if begin.start() not in matched_starts:
            label_text = begin.group(1).decode("ascii", "replace")
            raise InputError(
                f"line {_line(data, begin.start())}: truncated PEM: the {label_text} block has no"
                f" '-----END {label_text}-----' line",
                location=source,
            )
    if not certificates and not keys:
        only = ", ".join(dict.fromkeys(skipped)) or "nothing readable"
        raise InputError(f"holds no certificate or private key (only: {only})", location=source)
    fmt = "pem" if certificates else "key"
    if pkcs7_blocks == begins and not keys:
        fmt = "pkcs7"
    return Bundle(source, fmt, tuple(certificates), tuple(keys), tuple(notes))


def _pkcs7_pem(match: re.Match[bytes]) -> bytes:
    """cryptography reads ``PKCS7`` blocks only: relabel the synonyms."""
    return b"-----BEGIN PKCS7-----" + match.group(2) + b"-----END PKCS7-----\n"


def _pem_certificate(match: re.Match[bytes], source: str, where: str) -> x509.Certificate:
    label = match.group(1).decode("ascii")
    try:
        der = base64.b64decode(b"".join(match.group(2).split()), validate=True)
    except (binascii.Error, ValueError):
        raise InputError(
            f"{where}: the {label} block is not valid base64 (damaged by an editor or e-mail?)",
            location=source,
        ) from None
    if label == "TRUSTED CERTIFICATE":
        # OpenSSL appends its trust settings after the certificate: keep the certificate only.
        end = _der_end(der, 0)
        if end is not None:
            der = der[:end]
    try:
        return x509.load_der_x509_certificate(der)
    except _BAD_DATA as exc:
        raise InputError(
            f"{where}: the {label} block is not a valid certificate ({_reason(exc)})",
            location=source,
        ) from None


def _reason(exc: Exception) -> str:
    """cryptography's message, short: the first clause of its first line."""
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    text = text.split(" {", 1)[0].split("(", 1)[0].strip().rstrip(":")
    return text[:120] or type(exc).__name__


# ------------------------------------------------------------------------------------------- DER


def _der_header(data: bytes, offset: int) -> tuple[int, int, int | None] | None:
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


def _der_end(data: bytes, offset: int) -> int | None:
    header = _der_header(data, offset)
    if header is None or header[2] is None:
        return None
    return offset + header[1] + header[2]


_OID_PKCS7_SIGNED_DATA = bytes.fromhex("06092a864886f70d010702")
_OID_PKCS7_PREFIX = bytes.fromhex("06092a864886f70d0107")


def _load_der(data: bytes, source: str, password: PasswordSource | None) -> Bundle:
    outer = _der_header(data, 0)
    if outer is None or outer[0] != 0x30:
        raise InputError(_not_recognised(data), location=source)
    _, header_length, length = outer
    if length is not None:
        end = header_length + length
        if end > len(data):
            raise InputError(
                f"truncated: the DER structure announces {end} bytes, the file has {len(data)}",
                location=source,
            )
        trailing = data[end:]
        if trailing.strip(b" \t\r\n\x00"):
            raise InputError(
                f"{len(trailing)} bytes of unexpected data after the DER structure (two files"
                " joined together?)",
                location=source,
            )
        data = data[:end]
    inner = _der_header(data, header_length)
    if inner is None:
        raise InputError("not a certificate, key, PKCS#7 or PKCS#12 file", location=source)
    tag = inner[0]
    first = data[header_length:]
    if tag == 0x06:
        if first.startswith(_OID_PKCS7_SIGNED_DATA):
            return _load_pkcs7_der(data, source)
        if first.startswith(_OID_PKCS7_PREFIX):
            raise InputError("a PKCS#7 structure that is not a certificate bundle", location=source)
        raise InputError("not a certificate, key, PKCS#7 or PKCS#12 file", location=source)
    if tag == 0x02:
        if first[:3] == b"\x02\x01\x03" and first[3:4] == b"\x30":
            return _load_pkcs12(data, source, password)
        key = _private_key(data, source, password, where=None, pem=False)
        return Bundle(source, "key", (), (LoadedKey(key, key_location(source, 0)),))
    if tag == 0x30:
        second = _der_header(data, header_length + inner[1])
        if second is not None and second[0] == 0x06:
            # EncryptedPrivateKeyInfo: SEQUENCE { AlgorithmIdentifier, OCTET STRING }.
            key = _private_key(data, source, password, where=None, pem=False)
            return Bundle(source, "key", (), (LoadedKey(key, key_location(source, 0)),))
        try:
            cert = x509.load_der_x509_certificate(data)
        except _BAD_DATA as exc:
            raise InputError(_not_a_certificate(data, exc), location=source) from None
        return Bundle(source, "der", (LoadedCertificate(cert, location(source, 0)),))
    raise InputError("not a certificate, key, PKCS#7 or PKCS#12 file", location=source)


def _not_a_certificate(data: bytes, exc: Exception) -> str:
    """Name what a DER SEQUENCE-of-SEQUENCE is when it is not a certificate."""
    try:
        x509.load_der_x509_csr(data)
    except _BAD_DATA:
        pass
    else:
        return "a certificate signing request (CSR), not a certificate"
    try:
        x509.load_der_x509_crl(data)
    except _BAD_DATA:
        pass
    else:
        return "a certificate revocation list (CRL), not a certificate"
    return f"not a valid DER certificate ({_reason(exc)})"


def _load_pkcs7_der(data: bytes, source: str) -> Bundle:
    try:
        certs = _pkcs7_certificates(pkcs7.load_der_pkcs7_certificates, data)
    except _BAD_DATA as exc:
        raise InputError(
            f"not a valid PKCS#7 certificate bundle ({_reason(exc)})", location=source
        ) from None
    return _pkcs7_bundle(certs, source)


def _pkcs7_certificates(
    load: Callable[[bytes], list[x509.Certificate]], data: bytes
) -> list[x509.Certificate]:
    """The certificates of a PKCS#7 bundle, DER or BER.

    ``openssl crl2pkcs7`` and older Windows write PKCS#7 that is not strict DER (an unsorted SET,
    indefinite lengths). Every tool reads it, so it is no remark for the administrator; but
    cryptography says so with a ``UserWarning`` that must not reach the terminal.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return load(data)


def _pkcs7_bundle(certs: Sequence[x509.Certificate], source: str) -> Bundle:
    if not certs:
        raise InputError("a PKCS#7 bundle with no certificate in it", location=source)
    ordered = chain_order(certs)
    notes: tuple[str, ...] = ()
    if ordered != list(certs):
        notes += (
            "PKCS#7 keeps no order: certificates listed leaf first, each followed by its issuer",
        )
    return Bundle(
        source,
        "pkcs7",
        tuple(LoadedCertificate(c, location(source, i)) for i, c in enumerate(ordered)),
        notes=notes,
    )


def chain_order(certs: Sequence[x509.Certificate]) -> list[x509.Certificate]:
    """Leaf first, each certificate followed by its issuer (by name); the rest after.

    A PKCS#7 bundle is a SET: the order it is read in says nothing about the chain. When several
    certificates issue none of the others, the one with the longest chain comes first.
    """
    issuing = {c.issuer for c in certs if c.issuer != c.subject}
    leaves = [c for c in certs if c.subject not in issuing] or list(certs[:1])

    def path_from(leaf: x509.Certificate, pool: list[x509.Certificate]) -> list[x509.Certificate]:
        path: list[x509.Certificate] = []
        current: x509.Certificate | None = leaf
        while current is not None and current in pool and current not in path:
            path.append(current)
            name = current.issuer
            current = next((c for c in pool if c.subject == name and c not in path), None)
        return path

    remaining = list(certs)
    ordered: list[x509.Certificate] = []
    for leaf in sorted(leaves, key=lambda c: -len(path_from(c, remaining))):
        for cert in path_from(leaf, remaining):
            ordered.append(cert)
            remaining.remove(cert)
    return ordered + remaining


# ---------------------------------------------------------------------------------------- PKCS#12

_LEGACY_PKCS12_OIDS = {
    bytes.fromhex("060a2a864886f70d010c0101"): "RC4-128",
    bytes.fromhex("060a2a864886f70d010c0102"): "RC4-40",
    bytes.fromhex("060a2a864886f70d010c0103"): "3DES",
    bytes.fromhex("060a2a864886f70d010c0104"): "2-key 3DES",
    bytes.fromhex("060a2a864886f70d010c0105"): "RC2-128",
    bytes.fromhex("060a2a864886f70d010c0106"): "RC2-40",
}
_OID_KEY_BAG = bytes.fromhex("060b2a864886f70d010c0a0101")


def _load_pkcs12(data: bytes, source: str, password: PasswordSource | None) -> Bundle:
    loaded = None
    for empty in (None, b""):
        try:
            loaded = pkcs12.load_pkcs12(data, empty)
            break
        except _BAD_DATA as exc:
            if "Invalid password" not in str(exc):
                raise InputError(
                    f"not a valid PKCS#12 file ({_reason(exc)}; truncated or damaged?)",
                    location=source,
                ) from None
    if loaded is None:
        loaded = _unlock(
            lambda secret: pkcs12.load_pkcs12(data, secret),
            password,
            source,
            missing=f"the PKCS#12 file needs a password: {HOW_TO_UNLOCK}",
            wrong="wrong password for the PKCS#12 file (or the file is damaged)",
        )
    items: list[tuple[x509.Certificate, bytes | None]] = []
    if loaded.cert is not None:
        items.append((loaded.cert.certificate, loaded.cert.friendly_name))
    items.extend((c.certificate, c.friendly_name) for c in loaded.additional_certs)
    certificates = tuple(
        LoadedCertificate(cert, location(source, i), _friendly(name))
        for i, (cert, name) in enumerate(items)
    )
    keys = () if loaded.key is None else (LoadedKey(loaded.key, key_location(source, 0)),)
    if not certificates and not keys:
        raise InputError("a PKCS#12 file with no certificate or key in it", location=source)
    return Bundle(source, "pkcs12", certificates, keys, _pkcs12_notes(data))


def _friendly(name: bytes | None) -> str | None:
    return None if name is None else name.decode("utf-8", "replace")


def _pkcs12_notes(data: bytes) -> tuple[str, ...]:
    notes: list[str] = []
    legacy = sorted({name for oid, name in _LEGACY_PKCS12_OIDS.items() if oid in data})
    if legacy:
        # OpenSSL 3 moved RC2 and RC4 to its legacy provider; 3DES stayed in the default one.
        openssl = (
            "OpenSSL 3 reads it only with -legacy; "
            if any(n.startswith(("RC2", "RC4")) for n in legacy)
            else ""
        )
        notes.append(
            f"PKCS#12 uses legacy {'/'.join(legacy)} encryption: {openssl}Windows Server 2016"
            " and older need it, newer systems take AES-256"
        )
    if _OID_KEY_BAG in data:
        notes.append("the private key in this PKCS#12 file is not encrypted")
    return tuple(notes)


# ------------------------------------------------------------------------------------------- keys


def _private_key(
    data: bytes, source: str, password: PasswordSource | None, *, where: str | None, pem: bool
) -> PrivateKeyTypes:
    load = serialization.load_pem_private_key if pem else serialization.load_der_private_key
    prefix = f"{where}: " if where else ""
    if pem and not _dek_info_plausible(data):
        raise InputError(
            f"{prefix}damaged encrypted key: its DEK-Info line has an IV of the wrong length",
            location=source,
        )
    try:
        return load(data, None)
    except TypeError:
        pass  # encrypted: needs the password
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise InputError(
            f"{prefix}not a valid private key ({_reason(exc)})", location=source
        ) from None

    def decrypt(secret: bytes) -> PrivateKeyTypes:
        try:
            return load(data, secret)
        except TypeError as exc:
            raise ValueError(str(exc)) from None
        except UnsupportedAlgorithm as exc:
            raise InputError(
                f"{prefix}not a usable private key ({_reason(exc)})", location=source
            ) from None

    return _unlock(
        decrypt,
        password,
        source,
        missing=f"{prefix}the private key is encrypted: {HOW_TO_UNLOCK}",
        wrong=f"{prefix}wrong password for the encrypted private key (or the key is damaged)",
    )


_ATTEMPTS = 3
"""Passwords asked for on a terminal get this many tries; one from a variable or file gets one."""


def _unlock(
    attempt: Callable[[bytes], T],
    password: PasswordSource | None,
    source: str,
    *,
    missing: str,
    wrong: str,
) -> T:
    """``attempt(password)``; a ``ValueError`` means the password is wrong.

    A source that can ask again (a terminal prompt has a ``rejected(source)`` method) is told
    and asked again, up to three times; any other source gives one password, tried once.
    """
    rejected: Callable[[str], None] | None = getattr(password, "rejected", None)
    for tries in range(1, _ATTEMPTS + 1):
        secret = password(source) if password is not None else None
        if secret is None:
            raise PasswordError(missing, location=source)
        try:
            return attempt(secret)
        except _BAD_DATA:
            if rejected is None or tries == _ATTEMPTS:
                raise PasswordError(wrong, location=source) from None
            rejected(source)
        finally:
            del secret
    raise AssertionError("unreachable")  # pragma: no cover


_DEK_INFO = re.compile(rb"DEK-Info:\s*([A-Za-z0-9-]+)\s*,\s*([0-9A-Fa-f]*)")


def _dek_info_plausible(block: bytes) -> bool:
    """Whether a legacy-encrypted PEM key's IV fits its cipher (AES: 16 bytes, DES: 8).

    cryptography 50 panics (a Rust assertion, printed on stderr) on an IV shorter than the
    cipher's, so a damaged header is refused here, before it gets there.
    """
    match = _DEK_INFO.search(block)
    if match is None:
        return True
    cipher, iv = match.group(1).upper(), match.group(2)
    expected = 16 if cipher.startswith(b"AES") else 8 if b"DES" in cipher else None
    return expected is None or len(iv) == 2 * expected


# ------------------------------------------------------------------------------------------ files


def read_input(name: str) -> bytes:
    """The bytes of a file, or of standard input for ``-``, refusing more than 16 MiB."""
    try:
        if name == STDIN:
            stdin: BinaryIO | None = getattr(sys.stdin, "buffer", None)
            if stdin is None:
                raise InputError("standard input is not available", location=name)
            data = stdin.read(MAX_INPUT_BYTES + 1)
        else:
            with Path(name).open("rb") as stream:
                data = stream.read(MAX_INPUT_BYTES + 1)
    except IsADirectoryError:
        raise InputError("is a folder, not a file", location=name) from None
    except OSError as exc:
        raise InputError((exc.strerror or str(exc)).lower(), location=name) from None
    if len(data) > MAX_INPUT_BYTES:
        raise InputError(_too_large(len(data)), location=name)
    return data


def load_file(path: str | Path, password: PasswordSource | None = None) -> Bundle:
    """One file (or ``-``) as a :class:`Bundle`; raises :class:`InputError` naming it."""
    name = str(path)
    return load_bytes(read_input(name), name, password)


def load_certificates_file(path: str | Path) -> tuple[x509.Certificate, ...]:
    """The certificates of one file (any format but a keyed PKCS#12); holding none is an error."""
    bundle = load_file(path)
    if not bundle.certificates:
        raise InputError("holds no certificate", location=str(path))
    return tuple(c.certificate for c in bundle.certificates)


def _folder_files(folder: str) -> list[str]:
    """Every file under ``folder``, recursively, sorted; hidden files and folders skipped.

    Symbolic links to files are followed (a Kubernetes secret mount is ``tls.crt -> ..data/...``);
    links to folders are not, so a loop cannot hang the walk. Named pipes, sockets and devices
    are passed over: reading a pipe nobody writes to would hang the run. (A broken link is kept,
    so that it is reported.)
    """
    found: list[str] = []
    for root, dirs, files in os.walk(folder, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            path = str(Path(root) / name)
            if not name.startswith(".") and not _special(path):
                found.append(path)
    return found


def _special(path: str) -> bool:
    """A named pipe, socket or device (not a regular file, nor a broken link)."""
    try:
        return not stat.S_ISREG(Path(path).stat().st_mode)
    except OSError:
        return False


def iter_inputs(
    paths: Sequence[str], password: PasswordSource | None = None
) -> Iterator[Bundle | InputError]:
    """Each input (folders expanded recursively) as a Bundle, or the InputError that it raised.

    A folder none of whose files holds a certificate is itself an error naming the folder.
    """
    for name in paths:
        if name != STDIN and Path(name).is_dir():
            any_certificate = False
            files = _folder_files(name)
            for file in files:
                item = _load_one(file, password)
                any_certificate = any_certificate or (
                    isinstance(item, Bundle) and bool(item.certificates)
                )
                yield item
            if not any_certificate:
                what = f"none of its {len(files)} files" if files else "it has no files"
                yield InputError(f"folder holds no certificate ({what})", location=name)
        else:
            yield _load_one(name, password)


def _load_one(name: str, password: PasswordSource | None) -> Bundle | InputError:
    try:
        return load_bytes(read_input(name), name, password)
    except InputError as exc:
        return exc
