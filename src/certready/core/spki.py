"""What is wrong with an RSA or EC public key, in words an administrator can act on.

``cryptography`` refuses some keys outright (an EC point off its curve: "Invalid key"; an even RSA
exponent) and loads others that no client should accept (an even RSA modulus, a modulus with small
factors). Both are judged here: :func:`refused_key` reads the certificate's SubjectPublicKeyInfo
from the TBS DER when ``cryptography`` cannot load it, :func:`rsa_problem` judges a loaded key's
numbers. Sources: RFC 8017 §3.1 (RSA public key), CA/B BR §6.1.6 (odd exponent >= 3, odd modulus
with no factor below 752), RFC 5480 §2.2 and SEC 1 §2.3.3/§3.2.2.1 (EC point encoding, on-curve check).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from certready.core.model import KeyType

RSA_ENCRYPTION = "1.2.840.113549.1.1.1"
EC_PUBLIC_KEY = "1.2.840.10045.2.1"
_CURVES: dict[str, tuple[str, int]] = {
    "1.2.840.10045.3.1.7": ("secp256r1", 256),
    "1.3.132.0.34": ("secp384r1", 384),
    "1.3.132.0.35": ("secp521r1", 521),
    "1.2.840.10045.3.1.1": ("secp192r1", 192),
    "1.3.132.0.33": ("secp224r1", 224),
    "1.3.132.0.10": ("secp256k1", 256),
}
_DISPLAY = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}
_SMALL_PRIMES: tuple[int, ...] = tuple(
    p for p in range(3, 752, 2) if all(p % d for d in range(3, int(p**0.5) + 1, 2))
)
_SMALL_PRIMES_PRODUCT = math.prod(_SMALL_PRIMES)
"""One GCD with this product tells whether any of the small primes divides a modulus (~6 µs
for a 2048-bit modulus, where trying the 130 primes one by one took ~50 µs)."""


@dataclass(frozen=True, slots=True)
class RefusedKey:
    """A subject public key ``cryptography`` would not load, read from its DER."""

    key_type: KeyType
    """``rsa`` or ``ec`` (from the algorithm OID); ``unknown`` for anything else."""
    size_bits: int
    curve: str | None
    problem: str | None
    """What is wrong with it; ``None`` when nothing specific was found."""


def rsa_problem(modulus: int, exponent: int) -> str | None:
    """Why an RSA public key is unusable (RFC 8017 §3.1, CA/B BR §6.1.6), or ``None``."""
    if modulus <= 0:
        return "the RSA modulus is not a positive integer"
    if modulus % 2 == 0:
        return "the RSA modulus is even, so it is not the product of two large primes"
    if exponent < 3:
        return f"the RSA public exponent is {exponent}; it must be an odd number of at least 3"
    if exponent % 2 == 0:
        return f"the RSA public exponent {exponent} is even; it must be odd"
    if exponent >= modulus:
        return "the RSA public exponent is not smaller than the modulus"
    if math.gcd(_SMALL_PRIMES_PRODUCT, modulus % _SMALL_PRIMES_PRODUCT) == 1:
        return None
    prime = next(p for p in _SMALL_PRIMES if modulus % p == 0)  # the smallest, as it says
    return f"the RSA modulus is divisible by {prime} (it must have no factor below 752)"


def refused_key(tbs_certificate: bytes) -> RefusedKey:
    """The type, size and fault of the key in a TBSCertificate that ``cryptography`` refused."""
    try:
        algorithm, parameters, key_bits = _spki(tbs_certificate)
    except (IndexError, ValueError):
        return RefusedKey("unknown", 0, None, "the SubjectPublicKeyInfo is not valid DER")
    if algorithm == RSA_ENCRYPTION:
        return _rsa(key_bits)
    if algorithm == EC_PUBLIC_KEY:
        return _ec(parameters, key_bits)
    return RefusedKey("unknown", 0, None, None)


def _rsa(key_bits: bytes) -> RefusedKey:
    try:
        tag, body, _ = _tlv(key_bits, 0)
        if tag != 0x30:
            raise ValueError("not a SEQUENCE")
        tag_n, n_bytes, after = _tlv(body, 0)
        tag_e, e_bytes, _ = _tlv(body, after)
        if tag_n != 0x02 or tag_e != 0x02:
            raise ValueError("not INTEGERs")
    except (IndexError, ValueError):
        return RefusedKey(
            "rsa",
            0,
            None,
            "the RSA public key is not an RSAPublicKey (modulus, exponent) structure",
        )
    modulus = int.from_bytes(n_bytes, "big", signed=True)
    exponent = int.from_bytes(e_bytes, "big", signed=True)
    size = max(modulus.bit_length(), 0)
    return RefusedKey("rsa", size, None, rsa_problem(modulus, exponent) or "the RSA key is invalid")


def _ec(parameters: tuple[int, bytes] | None, point: bytes) -> RefusedKey:
    if parameters is None or parameters[0] != 0x06:
        return RefusedKey(
            "ec",
            0,
            None,
            "the EC key does not name its curve (RFC 5480 §2.1.1 requires a named curve)",
        )
    oid = _oid_text(parameters[1])
    curve, size = _CURVES.get(oid, (oid, 0))
    coordinate = (size + 7) // 8
    if not point:
        problem = "the EC public key is empty"
    elif point[0] == 0x00:
        problem = "the EC public key is the point at infinity"
    elif point[0] == 0x04 and size and len(point) != 1 + 2 * coordinate:
        problem = (
            f"the EC point has {len(point)} bytes; an uncompressed {curve} point has "
            f"{1 + 2 * coordinate}"
        )
    elif point[0] in (0x02, 0x03) and size and len(point) != 1 + coordinate:
        problem = (
            f"the compressed EC point has {len(point)} bytes; a {curve} point has {1 + coordinate}"
        )
    elif point[0] not in (0x02, 0x03, 0x04):
        problem = (
            f"the EC point starts with 0x{point[0]:02x}, which is no point encoding (SEC 1 §2.3.3)"
        )
    elif size:
        problem = f"the EC point is not on the curve {_DISPLAY.get(curve, curve)}"
    else:
        problem = None
    return RefusedKey("ec", size, curve, problem)


def _spki(tbs: bytes) -> tuple[str, tuple[int, bytes] | None, bytes]:
    """(algorithm OID, parameters TLV or ``None``, subjectPublicKey bits) of a TBSCertificate."""
    tag, body, _ = _tlv(tbs, 0)
    if tag != 0x30:
        raise ValueError("TBSCertificate is not a SEQUENCE")
    i = 0
    tag, _, after = _tlv(body, i)
    if tag == 0xA0:  # [0] version
        i = after
    for _field in range(5):  # serialNumber, signature, issuer, validity, subject
        _, _, i = _tlv(body, i)
    tag, spki, _ = _tlv(body, i)
    if tag != 0x30:
        raise ValueError("SubjectPublicKeyInfo is not a SEQUENCE")
    tag, algorithm_id, after = _tlv(spki, 0)
    tag_bits, bits, _ = _tlv(spki, after)
    if tag != 0x30 or tag_bits != 0x03 or not bits:
        raise ValueError("malformed SubjectPublicKeyInfo")
    tag, oid, after = _tlv(algorithm_id, 0)
    if tag != 0x06:
        raise ValueError("algorithm is not an OID")
    parameters = None
    if after < len(algorithm_id):
        p_tag, p_body, _ = _tlv(algorithm_id, after)
        parameters = (p_tag, p_body)
    return _oid_text(oid), parameters, bits[1:]


def _tlv(data: bytes, i: int) -> tuple[int, bytes, int]:
    """(tag, contents, offset after) of the DER element at ``i``."""
    tag, length = data[i], data[i + 1]
    i += 2
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 4:
            raise ValueError("unsupported length")
        length = int.from_bytes(data[i : i + count], "big")
        i += count
    if i + length > len(data):
        raise ValueError("truncated")
    return tag, data[i : i + length], i + length


def _oid_text(der: bytes) -> str:
    if not der:
        return ""
    arcs = [der[0] // 40 if der[0] < 80 else 2, der[0] % 40 if der[0] < 80 else der[0] - 80]
    value = 0
    for byte in der[1:]:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            arcs.append(value)
            value = 0
    return ".".join(str(a) for a in arcs)
