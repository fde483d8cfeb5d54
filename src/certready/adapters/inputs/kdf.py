"""Bounded key derivation: the work a password-protected input asks for, read before decrypting.

A PKCS#12 file and an encrypted PKCS#8 key carry their own key-derivation parameters: the MAC's
and each bag's iteration count, PBKDF2's iteration count and key length, scrypt's cost (N), block
size (r) and parallelism (p). The file's author picks them, and the derivation runs before
anything is authenticated: a PFX whose MAC asks for 2^31 - 1 iterations kept a run busy until it
was killed, and a PBKDF2 count above 2^32 makes cryptography print a Rust panic. So every count is
read from the ASN.1 structure first (:mod:`certready.adapters.inputs.asn1`), and an input that
asks for more than a ceiling is refused with one line naming the file and the count; the
derivation never starts.

What the tools people export with write by default:

- Windows (``PFXExportCertStoreEx``, certmgr and ``Export-PfxCertificate``, TripleDES-SHA1 or
  AES256-SHA256): 2,000 iterations for the MAC and every bag;
- OpenSSL 3 (``openssl pkcs12 -export``, ``openssl pkcs8 -topk8``): 2,048 (``PKCS12_DEFAULT_ITER``,
  ``PKCS5_DEFAULT_ITER``); ``-scrypt``: N = 16,384, r = 8, p = 1 (16 MiB);
- Java ``keytool`` (JDK 8u301, 11.0.12 and 12+, ``keystore.pkcs12.*IterationCount``): 10,000;
  older JDKs 50,000 for the bags and 100,000 for the MAC;
- Firefox (NSS) and Bouncy Castle 1.86 (``org.bouncycastle.pkcs12.store_it_count``): 600,000,
  OWASP's figure for PBKDF2-HMAC-SHA256; Windows itself refuses to import a PFX asking for more
  ("Iteration count doesn't lie in expected range. Maximum permissible value: 600000").

The ceilings admit all of these with room (an iteration count up to 1,000,000, 500 times
OpenSSL's) and stay far below what stalls a run: one million PBKDF2-SHA256 iterations take about
0.4 s (2 s on a loaded machine), 2^31 take 15 minutes and more. A PKCS#12 file may run up to five
derivations (the MAC for each password tried, each encrypted bag).

Not seen: the parameters of a key bag inside an encrypted container (its SafeContents is
ciphertext until the container's password, bounded as above, has opened it). No tool writes that
layout; a file crafted so, by someone who gave out its password, is not bounded here.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from certready.adapters.inputs.asn1 import (
    CONSTRUCTED_OCTET_STRING,
    CONTEXT_0,
    INTEGER,
    OBJECT_IDENTIFIER,
    OCTET_STRING,
    SEQUENCE,
    Element,
    Malformed,
    Reader,
    integer,
)
from certready.core.errors import InputError

MAX_ITERATIONS = 1_000_000
"""PKCS#12 MAC and PBE, PBES1 and PBKDF2 iteration counts."""
SCRYPT_MAX_MEMORY = 64 * 1024 * 1024
"""scrypt's memory, 128 * N * r bytes: 4 times OpenSSL's default, twice what OpenSSL reads."""
SCRYPT_MAX_WORK = 2**20
"""scrypt's time, N * r * p: 8 times OpenSSL's default."""
MAX_KEY_LENGTH = 64
"""PBKDF2 and scrypt output, in bytes: AES-256 needs 32."""

_PKCS = bytes.fromhex("2a864886f70d01")  # 1.2.840.113549.1
_DATA = _PKCS + bytes.fromhex("0701")  # pkcs7-data
_PBKDF2 = _PKCS + bytes.fromhex("050c")
_SCRYPT = bytes.fromhex("2b06010401da47040b")  # 1.3.6.1.4.1.11591.4.11
_SALT_AND_COUNT = {
    **{_PKCS + bytes([0x0C, 0x01, n]): "PKCS#12 PBE" for n in range(1, 7)},
    **{_PKCS + bytes([0x05, n]): "PBES1" for n in (1, 3, 4, 6, 10, 11)},
}


_ITERATIONS_WRITTEN = "Windows writes 2,000 iterations, OpenSSL 3 2,048, Java 10,000"
_SCRYPT_WRITTEN = "OpenSSL writes N = 16,384, r = 8, p = 1: 16 MiB"


@dataclass(frozen=True, slots=True)
class WorkFactor:
    """One parameter of one derivation, e.g. the PBKDF2 iteration count of the key bag."""

    what: str
    """``PKCS#12 MAC iteration count``, ``PBKDF2 iteration count``, ``scrypt cost (N)``..."""
    value: int
    ceiling: int
    unit: str = ""
    usual: str = _ITERATIONS_WRITTEN
    """What the tools people use write (said in the refusal)."""

    @property
    def excessive(self) -> bool:
        return self.value > self.ceiling


def pkcs12_work_factors(data: bytes) -> list[WorkFactor]:
    """Every work factor of a PFX: its MAC's, and each PBE algorithm's it shows unencrypted."""
    reader = Reader(data)
    [pfx] = _exactly_one(reader)
    parts = reader.of(pfx)
    factors: list[WorkFactor] = []
    if len(parts) >= 3 and parts[2].tag == SEQUENCE:  # MacData { mac, macSalt, iterations }
        mac = reader.of(parts[2], 1)
        if len(mac) >= 3 and mac[2].tag == INTEGER:
            count = integer(reader, mac[2])
            factors.append(WorkFactor("PKCS#12 MAC iteration count", count, MAX_ITERATIONS))
    _walk(reader, parts, 1, factors)
    return factors


def pkcs8_work_factors(der: bytes) -> list[WorkFactor]:
    """The work factors of an EncryptedPrivateKeyInfo (DER)."""
    reader = Reader(der)
    [info] = _exactly_one(reader)
    factors: list[WorkFactor] = []
    _walk(reader, reader.of(info)[:1], 1, factors)
    return factors


def refuse_costly(factors: list[WorkFactor], source: str, what: str) -> None:
    """An :class:`InputError` naming ``source`` and the first factor over its ceiling, if any."""
    for factor in factors:
        if factor.value < 1:
            raise InputError(
                f"damaged {what}: its {factor.what} is {factor.value}", location=source
            )
        if factor.excessive:
            usual = f" ({factor.usual})" if factor.usual else ""
            raise InputError(
                f"{what} asks for a {factor.what} of {factor.value:,}{factor.unit}; certready"
                f" refuses more than {factor.ceiling:,}{factor.unit}{usual}: export it again"
                " with the tool's defaults",
                location=source,
            )


def check_pkcs12(data: bytes, source: str) -> None:
    """Refuse a PFX whose key derivation would cost more than the ceilings, before any of it."""
    try:
        factors = pkcs12_work_factors(data)
    except Malformed as exc:
        raise InputError(
            f"not a valid PKCS#12 file (its structure cannot be read: {exc})", location=source
        ) from None
    refuse_costly(factors, source, "the PKCS#12 file")


def check_encrypted_key(data: bytes, source: str, *, pem: bool, where: str = "") -> None:
    """The same for an encrypted PKCS#8 key (DER, or a PEM ``ENCRYPTED PRIVATE KEY`` block).

    Other inputs pass untouched: an unencrypted key, and legacy PEM encryption (``DEK-Info``,
    one MD5 round).
    """
    if pem:
        begin = b"-----BEGIN ENCRYPTED PRIVATE KEY-----"
        if begin not in data:
            return
        body = data.split(begin, 1)[1].split(b"-----END", 1)[0]
        try:
            der = base64.b64decode(b"".join(body.split()), validate=True)
        except (binascii.Error, ValueError):
            return  # cryptography reports the damaged base64
    else:
        der = data
    try:
        factors = pkcs8_work_factors(der)
    except Malformed as exc:
        raise InputError(
            f"{where}not a valid encrypted private key (its structure cannot be read: {exc})",
            location=source,
        ) from None
    refuse_costly(factors, source, f"{where}the encrypted private key")


def _exactly_one(reader: Reader) -> list[Element]:
    elements = reader.children(0, len(reader.data))
    if len(elements) != 1 or elements[0].tag != SEQUENCE:
        raise Malformed("not one ASN.1 SEQUENCE")
    return elements


def _walk(reader: Reader, elements: list[Element], depth: int, out: list[WorkFactor]) -> None:
    """Collect the work factors of every algorithm identifier among ``elements`` and below.

    Constructed elements are entered; of OCTET STRINGs, only a ``data`` ContentInfo's content
    (a PFX's AuthenticatedSafe and SafeContents are DER wrapped in one), never a certificate's.
    """
    for element in elements:
        if not element.tag & 0x20:
            continue
        children = reader.of(element, depth)
        if children and children[0].tag == OBJECT_IDENTIFIER:
            oid = reader.content(children[0])
            if len(children) > 1:
                _parameters(reader, oid, children[1], depth + 1, out)
            if oid == _DATA and len(children) > 1 and children[1].tag == CONTEXT_0:
                for wrapped in reader.of(children[1], depth + 1):
                    if wrapped.tag in (OCTET_STRING, CONSTRUCTED_OCTET_STRING):
                        inner = Reader(reader.octets(wrapped, depth + 2), reader.budget)
                        _walk(inner, inner.children(0, len(inner.data), depth + 2), depth + 2, out)
                        reader.budget = inner.budget
                continue
        _walk(reader, children, depth + 1, out)


def _parameters(
    reader: Reader, oid: bytes, parameters: Element, depth: int, out: list[WorkFactor]
) -> None:
    """The work factors of one AlgorithmIdentifier's parameters, when it is a KDF or a PBE."""
    if oid == _PBKDF2:
        # PBKDF2-params { salt, iterationCount, keyLength OPTIONAL, prf DEFAULT hmacWithSHA1 }
        fields = reader.of(parameters, depth)
        if len(fields) < 2:
            raise Malformed("PBKDF2 parameters without an iteration count")
        out.append(WorkFactor("PBKDF2 iteration count", integer(reader, fields[1]), MAX_ITERATIONS))
        if len(fields) > 2 and fields[2].tag == INTEGER:
            length = integer(reader, fields[2])
            out.append(WorkFactor("PBKDF2 key length", length, MAX_KEY_LENGTH, " bytes", ""))
    elif oid == _SCRYPT:
        # scrypt-params { salt, costParameter N, blockSize r, parallelizationParameter p, ... }
        fields = reader.of(parameters, depth)
        if len(fields) < 4:
            raise Malformed("scrypt parameters without N, r and p")
        n, r, p = (integer(reader, f) for f in fields[1:4])
        if n < 2 or n & (n - 1):
            raise Malformed(f"a scrypt cost N of {n}: not a power of two")
        out.append(WorkFactor("scrypt block size (r)", r, SCRYPT_MAX_WORK, "", _SCRYPT_WRITTEN))
        out.append(WorkFactor("scrypt parallelism (p)", p, SCRYPT_MAX_WORK, "", _SCRYPT_WRITTEN))
        memory = 128 * n * max(r, 1)
        out.append(
            WorkFactor(
                "scrypt memory (128 N r)", memory, SCRYPT_MAX_MEMORY, " bytes", _SCRYPT_WRITTEN
            )
        )
        out.append(
            WorkFactor("scrypt work (N r p)", n * r * p, SCRYPT_MAX_WORK, "", _SCRYPT_WRITTEN)
        )
        if len(fields) > 4 and fields[4].tag == INTEGER:
            length = integer(reader, fields[4])
            out.append(WorkFactor("scrypt key length", length, MAX_KEY_LENGTH, " bytes", ""))
    elif oid in _SALT_AND_COUNT:
        # pkcs-12PbeParams and PBEParameter: { salt OCTET STRING, iterations INTEGER }
        fields = reader.of(parameters, depth)
        if len(fields) < 2:
            raise Malformed(f"{_SALT_AND_COUNT[oid]} parameters without an iteration count")
        name = f"{_SALT_AND_COUNT[oid]} iteration count"
        out.append(WorkFactor(name, integer(reader, fields[1]), MAX_ITERATIONS))
