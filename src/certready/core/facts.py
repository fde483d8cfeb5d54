"""extract_facts(): the only code that walks X.509 extensions.

Every rule reads :class:`~certready.core.model.CertFacts`, never a ``cryptography`` object, so facts
are computed once per certificate however many rules run, and most rule tests need no certificate.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from typing import cast

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtensionOID, NameOID

from certready.core.der_extensions import (
    RawExtension,
    certificate_with_only,
    split_extensions,
    value_tag_name,
)
from certready.core.model import (
    BasicConstraints,
    CertFacts,
    ExtensionProblem,
    PublicKeyFacts,
    SubjectAltName,
    ValidationType,
)
from certready.core.spki import refused_key, rsa_problem

# CA/Browser Forum reserved policy identifiers (Baseline Requirements §7.1.6.1; EV Guidelines §9.3.4).
POLICY_DV = "2.23.140.1.2.1"
POLICY_OV = "2.23.140.1.2.2"
POLICY_IV = "2.23.140.1.2.3"
POLICY_EV = "2.23.140.1.1"
_VALIDATION_TYPES: dict[str, ValidationType] = {
    POLICY_EV: "EV",
    POLICY_OV: "OV",
    POLICY_IV: "IV",
    POLICY_DV: "DV",
}

EKU_SERVER_AUTH = "1.3.6.1.5.5.7.3.1"
EKU_CLIENT_AUTH = "1.3.6.1.5.5.7.3.2"
EKU_CODE_SIGNING = "1.3.6.1.5.5.7.3.3"
EKU_EMAIL_PROTECTION = "1.3.6.1.5.5.7.3.4"
EKU_TIME_STAMPING = "1.3.6.1.5.5.7.3.8"
EKU_OCSP_SIGNING = "1.3.6.1.5.5.7.3.9"
EKU_ANY = "2.5.29.37.0"
EKU_NAMES: dict[str, str] = {
    EKU_SERVER_AUTH: "Server Authentication",
    EKU_CLIENT_AUTH: "Client Authentication",
    EKU_CODE_SIGNING: "Code Signing",
    EKU_EMAIL_PROTECTION: "Secure Email",
    EKU_TIME_STAMPING: "Time Stamping",
    EKU_OCSP_SIGNING: "OCSP Signing",
    EKU_ANY: "Any Purpose",
    "1.3.6.1.4.1.311.10.3.4": "Encrypting File System",
    "1.3.6.1.4.1.311.20.2.2": "Smart Card Logon",
}

KEY_USAGE_BITS: tuple[str, ...] = (
    "digital_signature",
    "content_commitment",
    "key_encipherment",
    "data_encipherment",
    "key_agreement",
    "key_cert_sign",
    "crl_sign",
    "encipher_only",
    "decipher_only",
)
KEY_USAGE_WORDS: dict[str, str] = {
    "digital_signature": "Digital Signature",
    "content_commitment": "Non-Repudiation",
    "key_encipherment": "Key Encipherment",
    "data_encipherment": "Data Encipherment",
    "key_agreement": "Key Agreement",
    "key_cert_sign": "Certificate Signing",
    "crl_sign": "CRL Signing",
    "encipher_only": "Encipher Only",
    "decipher_only": "Decipher Only",
}
# Bit positions in the DER BIT STRING (RFC 5280 §4.2.1.3), for the hex value Windows shows ("a0").
_KEY_USAGE_BIT_INDEX = {name: i for i, name in enumerate(KEY_USAGE_BITS)}

CURVE_DISPLAY: dict[str, str] = {
    "secp256r1": "P-256",
    "secp384r1": "P-384",
    "secp521r1": "P-521",
    "secp192r1": "P-192",
    "secp224r1": "P-224",
    "secp256k1": "secp256k1",
}


def eku_name(oid: str) -> str:
    """``1.3.6.1.5.5.7.3.1`` -> ``Server Authentication``; unknown OIDs come back unchanged."""
    return EKU_NAMES.get(oid, oid)


def key_usage_hex(bits: frozenset[str]) -> str:
    """The first byte(s) of the KU BIT STRING as Windows shows it: {DS, KE} -> ``a0``."""
    value = 0
    for name in bits:
        value |= 1 << (15 - _KEY_USAGE_BIT_INDEX[name])
    high, low = value >> 8, value & 0xFF
    return f"{high:02x}" if low == 0 else f"{high:02x}{low:02x}"


def key_usage_text(bits: frozenset[str]) -> str:
    """Key Usage as Windows' certificate dialog shows it: ``Digital Signature, Key Encipherment
    (a0)`` (bit order, the hex byte(s) last). ``show`` and every report print it this way."""
    words = [KEY_USAGE_WORDS.get(b, b) for b in KEY_USAGE_BITS if b in bits]
    return f"{', '.join(words) or '(no bits)'} ({key_usage_hex(bits)})"


def colon_hex(hex_text: str) -> str:
    """``AFCD12`` -> ``AF:CD:12``: fingerprints and key identifiers as certificate tools show them."""
    upper = hex_text.upper()
    return ":".join(upper[i : i + 2] for i in range(0, len(upper), 2))


def normalise_fingerprint(text: str) -> str:
    """``ab:cd ef`` -> ``ABCDEF``: a fingerprint as typed or pasted, as :class:`CertFacts` holds it."""
    return "".join(ch for ch in text if ch not in ": \t").upper()


def describe_key(key: PublicKeyFacts) -> str:
    """``RSA 2048``, ``EC P-256``, ``Ed25519``: the words an administrator recognises."""
    if key.key_type == "rsa":
        return f"RSA {key.size_bits}"
    if key.key_type == "ec":
        return f"EC {CURVE_DISPLAY.get(key.curve or '', key.curve or '?')}"
    if key.key_type == "dsa":
        return f"DSA {key.size_bits}"
    if key.key_type in ("ed25519", "ed448"):
        return key.key_type.capitalize()
    return "unknown key type"


def public_key_facts(cert: x509.Certificate) -> PublicKeyFacts:
    """Type, size and curve of the subject public key; ``unknown`` for algorithms we cannot load."""
    try:
        key = cert.public_key()
    except UnsupportedAlgorithm:
        return PublicKeyFacts(key_type="unknown", size_bits=0, spki_sha256=_spki_hash_raw(cert))
    except ValueError:  # an RSA or EC key cryptography refuses: say what is wrong with it
        refused = refused_key(cert.tbs_certificate_bytes)
        return PublicKeyFacts(
            refused.key_type,
            refused.size_bits,
            curve=refused.curve,
            spki_sha256=_spki_hash_raw(cert),
            problem=refused.problem,
        )
    return key_facts(key)


def key_facts(key: PublicKeyTypes) -> PublicKeyFacts:
    """Type, size, curve and SPKI hash of a public key (of a certificate, or of a private key)."""
    spki = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    digest = hashlib.sha256(spki).hexdigest()
    kind = _KEY_KINDS.get(type(key))
    if kind is None:
        kind = _key_kind(key)
        _KEY_KINDS[type(key)] = kind
    if kind == "rsa":
        key = cast(rsa.RSAPublicKey, key)
        numbers = key.public_numbers()
        return PublicKeyFacts(
            "rsa",
            key.key_size,
            rsa_exponent=numbers.e,
            spki_sha256=digest,
            problem=rsa_problem(numbers.n, numbers.e),
        )
    if kind == "ec":
        key = cast(ec.EllipticCurvePublicKey, key)
        return PublicKeyFacts("ec", key.key_size, curve=key.curve.name, spki_sha256=digest)
    if kind == "dsa":
        return PublicKeyFacts("dsa", cast(dsa.DSAPublicKey, key).key_size, spki_sha256=digest)
    if kind == "ed25519":
        return PublicKeyFacts("ed25519", 256, spki_sha256=digest)
    if kind == "ed448":
        return PublicKeyFacts("ed448", 456, spki_sha256=digest)
    return PublicKeyFacts("unknown", 0, spki_sha256=digest)


_KEY_KINDS: dict[type, str] = {}
"""Each public key class' kind: cryptography's key types are abstract classes, and an
``isinstance`` against one goes through the ABC machinery (several per key)."""


def _key_kind(key: PublicKeyTypes) -> str:
    if isinstance(key, rsa.RSAPublicKey):
        return "rsa"
    if isinstance(key, ec.EllipticCurvePublicKey):
        return "ec"
    if isinstance(key, dsa.DSAPublicKey):
        return "dsa"
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "ed25519"
    if isinstance(key, ed448.Ed448PublicKey):
        return "ed448"
    return "unknown"


def _spki_hash_raw(cert: x509.Certificate) -> str:
    try:
        return hashlib.sha256(cert.public_key_info_bytes()).hexdigest()  # type: ignore[attr-defined]
    except Exception:
        return ""


def _signature_hash(cert: x509.Certificate) -> str | None:
    try:
        algorithm = cert.signature_hash_algorithm
    except UnsupportedAlgorithm:
        return "unknown"
    return None if algorithm is None else algorithm.name


def _general_name_text(name: x509.GeneralName) -> str:
    if isinstance(name, x509.RFC822Name):
        return f"email:{name.value}"
    if isinstance(name, x509.UniformResourceIdentifier):
        return f"URI:{name.value}"
    if isinstance(name, x509.DirectoryName):
        return f"dirName:{name.value.rfc4514_string()}"
    if isinstance(name, x509.RegisteredID):
        return f"RID:{name.value.dotted_string}"
    if isinstance(name, x509.OtherName):
        return f"othername:{name.type_id.dotted_string}"
    return f"{type(name).__name__}:{name.value}"


def _subject_alt_name(ext: x509.Extension[x509.SubjectAlternativeName]) -> SubjectAltName:
    dns: list[str] = []
    written: list[str] = []
    ips: list[str] = []
    others: list[str] = []
    for name in ext.value:
        if isinstance(name, x509.DNSName):
            dns.append(name.value.lower())
            written.append(name.value)
        elif isinstance(name, x509.IPAddress):
            ips.append(str(name.value))
        else:
            others.append(_general_name_text(name))
    return SubjectAltName(tuple(dns), tuple(ips), tuple(others), ext.critical, tuple(written))


def _key_usage(value: x509.KeyUsage) -> frozenset[str]:
    found = (
        value.digital_signature,
        value.content_commitment,
        value.key_encipherment,
        value.data_encipherment,
        value.key_agreement,
        value.key_cert_sign,
        value.crl_sign,
    )
    bits = {name for name, on in zip(KEY_USAGE_BITS[:7], found, strict=True) if on}
    if value.key_agreement:  # encipher_only/decipher_only are undefined without key_agreement
        if value.encipher_only:
            bits.add("encipher_only")
        if value.decipher_only:
            bits.add("decipher_only")
    return frozenset(bits)


def _access_locations(
    value: x509.AuthorityInformationAccess,
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    issuers: list[str] = []
    ocsp: list[str] = []
    for desc in value:
        if isinstance(desc.access_location, x509.UniformResourceIdentifier):
            target = (
                issuers if desc.access_method == AuthorityInformationAccessOID.CA_ISSUERS else ocsp
            )
            target.append(desc.access_location.value)
    return tuple(issuers), tuple(ocsp)


def _crl_points(value: x509.CRLDistributionPoints) -> tuple[str, ...]:
    urls: list[str] = []
    for point in value:
        for name in point.full_name or ():
            if isinstance(name, x509.UniformResourceIdentifier):
                urls.append(name.value)
    return tuple(urls)


def _is_self_signed(cert: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(cert)
    except (InvalidSignature, ValueError, TypeError, UnsupportedAlgorithm):
        return False
    return True


def _name_text(name: x509.Name) -> str:
    try:
        return name.rfc4514_string()
    except ValueError:
        return repr(name)


class _Names:
    """The subject and issuer ``Name`` of one certificate object, and their DER when asked.

    A plain subject (:func:`_plain_subject`: the usual leaf's ``CN=host,O=org``) is read from the
    DER here: its text, common names and comparison with the issuer need no ``Name`` object
    (cryptography builds one with a Python object per attribute, ~10 µs inside a lint); the
    ``Name`` is built when asked for. Any other subject is read by cryptography at once, so a
    damaged one raises here, as reading it does.
    """

    __slots__ = ("_issuer", "_plain", "_subject", "cert", "der", "issuer", "subject_der")

    def __init__(self, cert: x509.Certificate) -> None:
        self.cert = cert
        self.der = cert.public_bytes(serialization.Encoding.DER)
        self._plain = _plain_subject(self.der)
        self._subject = cert.subject if self._plain is None else None
        self._issuer = _issuer_name(cert, self.der)
        self.issuer = self._issuer.name
        self.subject_der: bytes | None = None

    @property
    def subject(self) -> x509.Name:
        if self._subject is None:
            self._subject = self.cert.subject
        return self._subject

    @property
    def issuer_der(self) -> bytes:
        return self._issuer.der()

    def subject_text(self) -> str:
        """RFC 4514 text of the subject (``Name.rfc4514_string``: the last RDN first)."""
        if self._plain is None:
            return _name_text(self.subject)
        return ",".join(f"{_PLAIN_SHORT[oid]}={value}" for oid, value in reversed(self._plain))

    def common_names(self) -> tuple[str, ...]:
        if self._plain is None:
            return _common_names(self.subject)
        return tuple(value for oid, value in self._plain if oid == _CN)

    def self_issued(self) -> bool:
        """Subject and issuer are equal ``Name`` s (RDN by RDN, attributes as sets of OID and
        value, whatever their string types)."""
        if self._plain is None:
            return self.subject == self.issuer
        return self._issuer.key() == tuple(frozenset((pair,)) for pair in self._plain)


_CN = NameOID.COMMON_NAME.dotted_string
_PLAIN_ATTRIBUTES: dict[int, str] = {
    0x03: _CN,
    0x06: NameOID.COUNTRY_NAME.dotted_string,
    0x07: NameOID.LOCALITY_NAME.dotted_string,
    0x08: NameOID.STATE_OR_PROVINCE_NAME.dotted_string,
    0x0A: NameOID.ORGANIZATION_NAME.dotted_string,
    0x0B: NameOID.ORGANIZATIONAL_UNIT_NAME.dotted_string,
}
"""The last byte of ``2.5.4.x`` (DER ``06 03 55 04 x``): the attributes a plain name may hold."""
_PLAIN_SHORT: dict[str, str] = {
    _CN: "CN",
    NameOID.COUNTRY_NAME.dotted_string: "C",
    NameOID.LOCALITY_NAME.dotted_string: "L",
    NameOID.STATE_OR_PROVINCE_NAME.dotted_string: "ST",
    NameOID.ORGANIZATION_NAME.dotted_string: "O",
    NameOID.ORGANIZATIONAL_UNIT_NAME.dotted_string: "OU",
}
"""cryptography's RFC 4514 names of those attributes."""
_PLAIN_LENGTHS: dict[str, tuple[int, int]] = {
    _CN: (1, 64),
    NameOID.COUNTRY_NAME.dotted_string: (2, 2),
}
"""cryptography warns about a value outside these lengths when it builds the ``Name``: such a
name is not plain (it is built as before)."""
_PRINTABLE_PLAIN = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 '()-./:=?"
"""PrintableString characters that RFC 4514 text does not escape (not ``+`` or ``,``)."""
_UTF8_PLAIN = _PRINTABLE_PLAIN + b"*_@&!"
"""ASCII characters that RFC 4514 text does not escape, for a UTF8String."""
_UTF8_STRING, _PRINTABLE_STRING = 0x0C, 0x13


def _plain_subject(der: bytes) -> tuple[tuple[str, str], ...] | None:
    """The subject of a certificate's DER as (OID, value) pairs in DER order when it is plain,
    else ``None``: RDNs of one attribute each, of :data:`_PLAIN_ATTRIBUTES`, each a UTF8String
    or PrintableString of ASCII characters that RFC 4514 text does not escape, without a space at
    either end, within cryptography's lengths. Such a name is what cryptography reads (the
    strings are ASCII: no decoding can fail), and its text needs no escaping."""
    try:
        i = _subject_offset(der)
        if der[i] != 0x30:
            return None
        j, end = _after_header(der, i), _after(der, i)
        pairs: list[tuple[str, str]] = []
        while j < end:
            if der[j] != 0x31:  # SET (one RDN)
                return None
            set_end = _after(der, j)
            k = _after_header(der, j)
            if der[k] != 0x30 or _after(der, k) != set_end:  # one AttributeTypeAndValue
                return None
            k = _after_header(der, k)
            if der[k : k + 4] != b"\x06\x03\x55\x04":
                return None
            oid = _PLAIN_ATTRIBUTES.get(der[k + 4])
            if oid is None:
                return None
            k += 5
            tag = der[k]
            if tag == _UTF8_STRING:
                allowed = _UTF8_PLAIN
            elif tag == _PRINTABLE_STRING:
                allowed = _PRINTABLE_PLAIN
            else:
                return None
            if _after(der, k) != set_end:
                return None
            value = der[_after_header(der, k) : set_end]
            if not value or value.translate(None, allowed) or value[0] == 0x20 or value[-1] == 0x20:
                return None
            low, high = _PLAIN_LENGTHS.get(oid, (1, len(value)))
            if not low <= len(value) <= high:
                return None
            pairs.append((oid, value.decode("ascii")))
            j = set_end
    except (IndexError, ValueError):
        return None
    if j != end or not pairs:
        return None
    return tuple(pairs)


def _subject_offset(der: bytes) -> int:
    """Where the subject Name starts in a certificate's DER (RFC 5280 §4.1: after the
    TBSCertificate's serialNumber, signature, issuer and validity)."""
    return _tbs_field(der, 4)


def _tbs_field(der: bytes, skipped: int) -> int:
    """Where a TBSCertificate field starts in a certificate's DER: past the optional [0] EXPLICIT
    version and ``skipped`` fields (RFC 5280 §4.1: serialNumber, signature, issuer, validity, ...)."""
    if der[0] != 0x30:
        raise ValueError("Certificate is not a SEQUENCE")
    i = _after_header(der, 0)
    if der[i] != 0x30:
        raise ValueError("TBSCertificate is not a SEQUENCE")
    i = _after_header(der, i)
    if der[i] == 0xA0:  # [0] EXPLICIT version
        i = _after(der, i)
    for _ in range(skipped):
        i = _after(der, i)
    return i


class _IssuerName:
    """An issuer ``Name`` as cryptography reads it from the certificate's bytes, and its DER."""

    __slots__ = ("_der", "_key", "name")

    def __init__(self, name: x509.Name) -> None:
        self.name = name
        self._der: bytes | None = None
        self._key: tuple[frozenset[tuple[str, str | bytes]], ...] | None = None

    def der(self) -> bytes:
        if self._der is None:
            self._der = self.name.public_bytes()
        return self._der

    def key(self) -> tuple[frozenset[tuple[str, str | bytes]], ...]:
        """What ``Name.__eq__`` compares: each RDN's set of (OID, value)."""
        if self._key is None:
            self._key = tuple(
                frozenset((a.oid.dotted_string, a.value) for a in rdn) for rdn in self.name.rdns
            )
        return self._key


_ISSUERS: dict[bytes, _IssuerName] = {}
"""Issuer names by their raw TLV in the TBSCertificate: every leaf of a CA names it with the same
bytes, which cryptography reads into the same ``Name`` (built anew each time, ~5 µs, and encoded
anew for ``public_bytes``).

Module level on purpose, not a run's (the house rule puts caches in the run's ``FactsCache`` /
``ChainCache``): this is pure memoisation of a function of the key's bytes. The key is the whole
issuer TLV; the value is what cryptography reads from exactly those bytes (an immutable ``Name``,
its DER and its comparison key), so an entry can never answer differently from reading the
certificate again, whatever the run, policy, trust store or clock. A name that fails to read is
never stored (each certificate raises as before). Loading (``adapters.inputs``, before any run
cache exists) and facts share it. Bounded (4,096 names, then it starts over), so a long ``serve``
holds at most a few MB; dictionary get/set are atomic under the GIL, and a ``clear`` racing a
store only loses entries, which are then read again."""
_ISSUERS_MAX = 4096


def _issuer_name(cert: x509.Certificate, der: bytes) -> _IssuerName:
    try:
        raw = _raw_issuer(der)
    except (IndexError, ValueError):
        return _IssuerName(cert.issuer)  # cryptography says what is wrong with it, if anything
    known = _ISSUERS.get(raw)
    if known is None:
        known = _IssuerName(cert.issuer)  # a damaged name raises here, as reading it does
        if len(_ISSUERS) >= _ISSUERS_MAX:
            _ISSUERS.clear()
        _ISSUERS[raw] = known
    return known


def _raw_issuer(der: bytes) -> bytes:
    """The issuer Name's TLV in a certificate's DER (RFC 5280 §4.1: after the TBSCertificate's
    serialNumber and signature)."""
    i = _tbs_field(der, 2)
    if der[i] != 0x30:
        raise ValueError("issuer is not a SEQUENCE")
    return der[i : _after(der, i)]


def _after_header(data: bytes, i: int) -> int:
    """Where the contents of the DER element at ``i`` start (and check its length fits)."""
    length = data[i + 1]
    start = i + 2
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 4:
            raise ValueError("unsupported length")
        length = int.from_bytes(data[start : start + count], "big")
        start += count
    if start + length > len(data):
        raise ValueError("truncated")
    return start


def _after(data: bytes, i: int) -> int:
    """Where the DER element after the one at ``i`` starts."""
    start = _after_header(data, i)
    length = data[i + 1]
    if length & 0x80:
        length = int.from_bytes(data[i + 2 : start], "big")
    return start + length


_RECENT_NAMES: dict[int, _Names] = {}
"""The names of the last few certificate objects read, by identity: loading checks a leaf's names,
its facts read them, and chain analysis wants their DER, one after the other (cryptography builds
a new ``Name`` on every access, ~5 µs, and encodes one anew for ``public_bytes``, ~2 µs).

Module level on purpose, not a run's: pure memoisation of a certificate object's own names.
Each entry holds the certificate itself and is used only when ``entry.cert is cert``, so an
``id`` reused by a new object can never match while the entry lives; a certificate object is
immutable and its names are a function of its DER alone, so an entry answers exactly what reading
the certificate again would. The reads it joins happen in different layers, the first at loading
(``adapters.inputs``: ``load``, ``pem_stream``, ``pkcs7``), where no run cache exists yet, so a
run-owned table would miss the loader's read. The last 32 objects only: in ``serve`` that is a
few dozen public certificates after a request ends (never a key), and a ``clear`` racing a store
between threads only costs a read again."""
_RECENT_NAMES_MAX = 32


def _recent_names(cert: x509.Certificate) -> _Names:
    names = _RECENT_NAMES.get(id(cert))
    if names is None or names.cert is not cert:
        names = _Names(cert)  # a damaged name raises here, as reading it does
        if len(_RECENT_NAMES) >= _RECENT_NAMES_MAX:
            _RECENT_NAMES.clear()
        _RECENT_NAMES[id(cert)] = names
    return names


def certificate_names(cert: x509.Certificate) -> tuple[x509.Name, x509.Name]:
    """Subject and issuer of ``cert`` (cryptography builds a new ``Name`` on every access, ~5 µs:
    the last few certificates' are remembered, by identity)."""
    names = _recent_names(cert)
    return names.subject, names.issuer


def read_certificate_names(cert: x509.Certificate) -> None:
    """Read the subject and issuer of ``cert`` (remembered like :func:`certificate_names`):
    raises as cryptography does for a damaged name, without building a plain subject's
    ``Name`` (:class:`_Names`)."""
    _recent_names(cert)


def certificate_name_ders(cert: x509.Certificate) -> tuple[bytes, bytes]:
    """DER subject and issuer of ``cert`` (``Name.public_bytes``; remembered like
    :func:`certificate_names`)."""
    names = _recent_names(cert)
    if names.subject_der is None:
        names.subject_der = names.subject.public_bytes()
    return names.subject_der, names.issuer_der


def certificate_issuer_der(cert: x509.Certificate) -> bytes:
    """DER issuer of ``cert`` (remembered like :func:`certificate_names`, and by issuer)."""
    return _recent_names(cert).issuer_der


def _issuer_text(cert: x509.Certificate, name: x509.Name, known: dict[bytes, str] | None) -> str:
    """RFC 4514 text of ``cert``'s issuer name, looked up in ``known`` (by DER) when given: every
    leaf of a CA has the same issuer."""
    if known is None:
        return _name_text(name)
    try:
        der = certificate_issuer_der(cert)
    except ValueError:
        return _name_text(name)
    text = known.get(der)
    if text is None:
        text = _name_text(name)
        if len(known) >= FactsCache.ISSUER_TEXT_MAX:
            known.clear()
        known[der] = text
    return text


def _common_names(subject: x509.Name) -> tuple[str, ...]:
    values: list[str] = []
    for attr in subject.get_attributes_for_oid(NameOID.COMMON_NAME):
        value = attr.value
        values.append(value if isinstance(value, str) else value.decode("utf-8", "replace"))
    return tuple(values)


def extract_facts(
    cert: x509.Certificate,
    issuer_texts: dict[bytes, str] | None = None,
) -> CertFacts:
    """All that rules need to know about ``cert``, read once.

    Malformed or duplicate extensions do not raise: what can be read is read, and the rest is
    listed in ``extension_errors`` for the rules to report. ``issuer_texts`` remembers issuer
    names' text by DER (a :class:`FactsCache`'s).
    """
    errors: list[ExtensionProblem] = []
    # by ObjectIdentifier (hashed and compared in cryptography's Rust; its dotted_string is a
    # new str each time it is read)
    extensions: dict[x509.ObjectIdentifier, x509.Extension[x509.ExtensionType]] = {}
    try:
        for ext in cert.extensions:
            extensions[ext.oid] = ext
    except _EXTENSION_ERRORS as exc:
        found, errors = _extensions_one_by_one(cert, exc)
        extensions = {ext.oid: ext for ext in found.values()}
    get = extensions.get

    san_ext = get(ExtensionOID.SUBJECT_ALTERNATIVE_NAME)
    san = (
        _subject_alt_name(cast(x509.Extension[x509.SubjectAlternativeName], san_ext))
        if san_ext is not None
        else None
    )
    ku_ext = get(ExtensionOID.KEY_USAGE)
    key_usage = _key_usage(cast(x509.KeyUsage, ku_ext.value)) if ku_ext is not None else None
    eku_ext = get(ExtensionOID.EXTENDED_KEY_USAGE)
    eku = (
        tuple(oid.dotted_string for oid in cast(x509.ExtendedKeyUsage, eku_ext.value))
        if eku_ext is not None
        else None
    )
    bc_ext = get(ExtensionOID.BASIC_CONSTRAINTS)
    basic = None
    if bc_ext is not None:
        bc = cast(x509.BasicConstraints, bc_ext.value)
        basic = BasicConstraints(bc.ca, bc.path_length, bc_ext.critical)
    ski_ext = get(ExtensionOID.SUBJECT_KEY_IDENTIFIER)
    ski = (
        cast(x509.SubjectKeyIdentifier, ski_ext.value).digest.hex() if ski_ext is not None else None
    )
    aki_ext = get(ExtensionOID.AUTHORITY_KEY_IDENTIFIER)
    aki = None
    if aki_ext is not None:
        key_id = cast(x509.AuthorityKeyIdentifier, aki_ext.value).key_identifier
        aki = key_id.hex() if key_id is not None else None
    policies: tuple[str, ...] = ()
    pol_ext = get(ExtensionOID.CERTIFICATE_POLICIES)
    if pol_ext is not None:
        policies = tuple(
            p.policy_identifier.dotted_string for p in cast(x509.CertificatePolicies, pol_ext.value)
        )
    validation = next((_VALIDATION_TYPES[p] for p in policies if p in _VALIDATION_TYPES), None)
    aia_ext = get(ExtensionOID.AUTHORITY_INFORMATION_ACCESS)
    ca_issuers, ocsp = (
        _access_locations(cast(x509.AuthorityInformationAccess, aia_ext.value))
        if aia_ext is not None
        else ((), ())
    )
    cdp_ext = get(ExtensionOID.CRL_DISTRIBUTION_POINTS)
    cdp = (
        _crl_points(cast(x509.CRLDistributionPoints, cdp_ext.value)) if cdp_ext is not None else ()
    )

    names = _recent_names(cert)
    issuer = names.issuer
    der = names.der  # hashed here: cert.fingerprint costs more
    self_issued = names.self_issued()
    version = 3 if cert.version is x509.Version.v3 else 1
    return CertFacts(
        subject=names.subject_text(),
        issuer=_issuer_text(cert, issuer, issuer_texts),
        serial_number=format(cert.serial_number, "X"),
        version=version,
        not_valid_before=cert.not_valid_before_utc,
        not_valid_after=cert.not_valid_after_utc,
        public_key=public_key_facts(cert),
        signature_algorithm=cert.signature_algorithm_oid.dotted_string,
        signature_hash=_signature_hash(cert),
        common_names=names.common_names(),
        subject_alt_name=san,
        key_usage=key_usage,
        extended_key_usage=eku,
        basic_constraints=basic,
        subject_key_identifier=ski,
        authority_key_identifier=aki,
        certificate_policies=policies,
        validation_type=validation,
        ca_issuers=ca_issuers,
        ocsp_responders=ocsp,
        crl_distribution_points=cdp,
        fingerprint_sha256=hashlib.sha256(der).hexdigest().upper(),
        thumbprint_sha1=hashlib.sha1(der, usedforsecurity=False).hexdigest().upper(),
        self_issued=self_issued,
        self_signed=self_issued and _is_self_signed(cert),
        extension_errors=tuple(errors),
    )


_EXTENSION_ERRORS = (
    ValueError,
    TypeError,
    x509.DuplicateExtension,
    x509.UnsupportedGeneralNameType,
)

_EXPECTED_VALUE = {
    ExtensionOID.KEY_USAGE.dotted_string: (0x03, "a BIT STRING", "RFC 5280 §4.2.1.3"),
    ExtensionOID.SUBJECT_KEY_IDENTIFIER.dotted_string: (
        0x04,
        "an OCTET STRING",
        "RFC 5280 §4.2.1.2",
    ),
    ExtensionOID.BASIC_CONSTRAINTS.dotted_string: (0x30, "a SEQUENCE", "RFC 5280 §4.2.1.9"),
    ExtensionOID.SUBJECT_ALTERNATIVE_NAME.dotted_string: (0x30, "a SEQUENCE", "RFC 5280 §4.2.1.6"),
    ExtensionOID.EXTENDED_KEY_USAGE.dotted_string: (0x30, "a SEQUENCE", "RFC 5280 §4.2.1.12"),
    ExtensionOID.AUTHORITY_KEY_IDENTIFIER.dotted_string: (0x30, "a SEQUENCE", "RFC 5280 §4.2.1.1"),
    ExtensionOID.CERTIFICATE_POLICIES.dotted_string: (0x30, "a SEQUENCE", "RFC 5280 §4.2.1.4"),
    ExtensionOID.AUTHORITY_INFORMATION_ACCESS.dotted_string: (
        0x30,
        "a SEQUENCE",
        "RFC 5280 §4.2.2.1",
    ),
    ExtensionOID.CRL_DISTRIBUTION_POINTS.dotted_string: (0x30, "a SEQUENCE", "RFC 5280 §4.2.1.13"),
}
_PARSE_KIND = re.compile(r"kind: (\w+)")


def _extensions_one_by_one(
    cert: x509.Certificate, failure: Exception
) -> tuple[dict[str, x509.Extension[x509.ExtensionType]], list[ExtensionProblem]]:
    """Each extension read on its own from the raw DER, when reading them together failed: the
    malformed ones become :class:`ExtensionProblem` s, the others are read as usual."""
    der = cert.public_bytes(serialization.Encoding.DER)
    try:
        raw = split_extensions(der)
    except ValueError:
        return {}, [ExtensionProblem("", "extensions", f"cannot be read: {failure}")]
    found: dict[str, x509.Extension[x509.ExtensionType]] = {}
    problems: list[ExtensionProblem] = []
    for ext in raw:
        name = _extension_name(ext.oid)
        if ext.oid in found or any(p.oid == ext.oid for p in problems):
            problems.append(
                ExtensionProblem(
                    ext.oid, name, "appears more than once (RFC 5280 §4.2)", ext.critical
                )
            )
            continue
        try:
            alone = x509.load_der_x509_certificate(certificate_with_only(der, ext))
            for parsed in alone.extensions:
                found[ext.oid] = parsed
        except _EXTENSION_ERRORS as exc:
            problems.append(ExtensionProblem(ext.oid, name, _what_is_wrong(ext, exc), ext.critical))
    return found, problems


def _extension_name(oid: str) -> str:
    name = x509.ObjectIdentifier(oid)._name
    return oid if name == "Unknown OID" else name


def _what_is_wrong(ext: RawExtension, exc: Exception) -> str:
    expected = _EXPECTED_VALUE.get(ext.oid)
    if expected is not None and (not ext.value or ext.value[0] != expected[0]):
        _, words, source = expected
        return f"its value is {value_tag_name(ext)}, not {words} ({source})"
    kind = _PARSE_KIND.search(str(exc))
    return f"its value cannot be parsed ({kind.group(1) if kind else exc})"


class FactsCache:
    """:func:`extract_facts` and :func:`certificate_names` remembered for one run (a lint, a
    scan, an audit): a deployment's intermediates and roots recur in every bundle and on every
    server. The run creates one and passes it down; nothing is remembered between runs.

    CA and self-issued certificates are remembered (up to 4,096, then the table starts over);
    other certificates (leaves: asked for again within one analysis only) up to 64, so a long lint
    does not hold every leaf's facts: holding them made the garbage collector's passes ~10% of
    a lint's time.
    """

    CA_MAX = 4096
    LEAF_MAX = 64
    ISSUER_TEXT_MAX = 4096

    def __init__(self) -> None:
        # by the certificate's hash, computed once per look-up (cryptography hashes the DER
        # anew each time a certificate is a dictionary key); the certificate is kept to compare
        self._ca: dict[int, tuple[x509.Certificate, CertFacts]] = {}
        self._leaf: dict[int, tuple[x509.Certificate, CertFacts]] = {}
        self._issuer_texts: dict[bytes, str] = {}

    def facts(self, cert: x509.Certificate) -> CertFacts:
        """The facts of ``cert`` (equal DER, equal facts)."""
        key = hash(cert)
        known = self._ca.get(key) or self._leaf.get(key)
        if known is not None and (known[0] is cert or known[0] == cert):
            return known[1]
        facts = extract_facts(cert, self._issuer_texts)
        if facts.is_ca or facts.self_issued:
            _remember(self._ca, key, (cert, facts), self.CA_MAX)
        else:
            _remember(self._leaf, key, (cert, facts), self.LEAF_MAX)
        return facts

    def names(self, cert: x509.Certificate) -> tuple[x509.Name, x509.Name]:
        """Subject and issuer of ``cert`` (:func:`certificate_names`)."""
        return certificate_names(cert)

    def name_ders(self, cert: x509.Certificate) -> tuple[bytes, bytes]:
        """DER subject and issuer of ``cert`` (:func:`certificate_name_ders`)."""
        return certificate_name_ders(cert)

    def issuer_der(self, cert: x509.Certificate) -> bytes:
        """DER issuer of ``cert`` (:func:`certificate_issuer_der`)."""
        return certificate_issuer_der(cert)


def _remember(
    cache: dict[int, tuple[x509.Certificate, CertFacts]],
    key: int,
    entry: tuple[x509.Certificate, CertFacts],
    size: int,
) -> None:
    if len(cache) >= size:
        cache.clear()  # (dropping the oldest instead: next(iter(dict)) slows as the front empties)
    cache[key] = entry  # (two certificates of one hash: the later one is remembered)


REQUEST_DATES = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
"""``not_valid_before``/``not_valid_after`` of a request's facts: a request has no dates (the CA
sets them), so the rules that read dates never run on one (:func:`request_facts`)."""


def request_facts(csr: x509.CertificateSigningRequest) -> CertFacts:
    """What a certificate signing request (PKCS#10) asks for, as the facts of the certificate it
    asks for: subject, public key, the request's own signature, and the extensions it requests
    (subjectAltName, Key Usage, Extended Key Usage, Basic Constraints).

    A request has no issuer, serial number, dates, key identifiers or CA-added extensions: those
    facts are empty (``issuer`` and ``serial_number`` ``""``, both dates :data:`REQUEST_DATES`),
    and the rules that read them (validity, chain, key pairing) are not run on a request. The
    fingerprints are those of the request's DER, to tell two requests apart.
    """
    errors: list[ExtensionProblem] = []
    extensions: dict[str, x509.Extension[x509.ExtensionType]] = {}
    try:
        for ext in csr.extensions:
            extensions[ext.oid.dotted_string] = ext
    except (ValueError, TypeError, x509.DuplicateExtension, x509.UnsupportedGeneralNameType) as exc:
        errors.append(ExtensionProblem("", "requested extensions", f"cannot be read: {exc}"))

    def get(oid: x509.ObjectIdentifier) -> x509.Extension[x509.ExtensionType] | None:
        return extensions.get(oid.dotted_string)

    san_ext = get(ExtensionOID.SUBJECT_ALTERNATIVE_NAME)
    ku_ext = get(ExtensionOID.KEY_USAGE)
    eku_ext = get(ExtensionOID.EXTENDED_KEY_USAGE)
    bc_ext = get(ExtensionOID.BASIC_CONSTRAINTS)
    basic = None
    if bc_ext is not None:
        bc = cast(x509.BasicConstraints, bc_ext.value)
        basic = BasicConstraints(bc.ca, bc.path_length, bc_ext.critical)
    try:
        public_key = key_facts(csr.public_key())
    except (UnsupportedAlgorithm, ValueError):
        public_key = PublicKeyFacts(key_type="unknown", size_bits=0, spki_sha256="")
    try:
        algorithm = csr.signature_hash_algorithm
        signature_hash = None if algorithm is None else algorithm.name
    except UnsupportedAlgorithm:
        signature_hash = "unknown"
    der = csr.public_bytes(serialization.Encoding.DER)
    return CertFacts(
        subject=_name_text(csr.subject),
        issuer="",
        serial_number="",
        version=3,
        not_valid_before=REQUEST_DATES,
        not_valid_after=REQUEST_DATES,
        public_key=public_key,
        signature_algorithm=csr.signature_algorithm_oid.dotted_string,
        signature_hash=signature_hash,
        common_names=_common_names(csr.subject),
        subject_alt_name=(
            _subject_alt_name(cast(x509.Extension[x509.SubjectAlternativeName], san_ext))
            if san_ext is not None
            else None
        ),
        key_usage=_key_usage(cast(x509.KeyUsage, ku_ext.value)) if ku_ext is not None else None,
        extended_key_usage=(
            tuple(oid.dotted_string for oid in cast(x509.ExtendedKeyUsage, eku_ext.value))
            if eku_ext is not None
            else None
        ),
        basic_constraints=basic,
        subject_key_identifier=None,
        authority_key_identifier=None,
        certificate_policies=(),
        validation_type=None,
        ca_issuers=(),
        ocsp_responders=(),
        crl_distribution_points=(),
        fingerprint_sha256=hashlib.sha256(der).hexdigest().upper(),
        thumbprint_sha1=hashlib.sha1(der, usedforsecurity=False).hexdigest().upper(),
        self_issued=False,
        self_signed=False,
        extension_errors=tuple(errors),
    )
