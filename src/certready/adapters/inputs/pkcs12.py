"""PKCS#12 (``.pfx`` / ``.p12``): its certificates with their friendly names, its key, and what
its encryption says about the systems that can open it."""

from __future__ import annotations

from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs12

from certready.adapters.inputs.bundle import (
    Bundle,
    LoadedCertificate,
    LoadedKey,
    PasswordSource,
    PfxEncryption,
    key_location,
    location,
)
from certready.adapters.inputs.failures import BAD_DATA, reason
from certready.adapters.inputs.kdf import check_pkcs12
from certready.adapters.inputs.keys import HOW_TO_UNLOCK, unlock
from certready.core.errors import InputError

_LEGACY_PKCS12_OIDS = {
    bytes.fromhex("060a2a864886f70d010c0101"): "RC4-128",
    bytes.fromhex("060a2a864886f70d010c0102"): "RC4-40",
    bytes.fromhex("060a2a864886f70d010c0103"): "3DES",
    bytes.fromhex("060a2a864886f70d010c0104"): "2-key 3DES",
    bytes.fromhex("060a2a864886f70d010c0105"): "RC2-128",
    bytes.fromhex("060a2a864886f70d010c0106"): "RC2-40",
}
_OID_KEY_BAG = bytes.fromhex("060b2a864886f70d010c0a0101")
_OID_PBES2 = bytes.fromhex("06092a864886f70d01050d")
"""PBES2 (RFC 8018): the password-based encryption scheme of an AES-encrypted PKCS#12."""
_PBES2_CIPHERS = {
    bytes.fromhex("0609608648016503040102"): "AES-128",
    bytes.fromhex("0609608648016503040116"): "AES-192",
    bytes.fromhex("060960864801650304012a"): "AES-256",
}
LEGACY_PFX_HOW = "`certready pfx --legacy` or `certready lab issue --legacy-pfx` make one that can"
"""The commands that write a PFX Windows Server 2016 and older import (3DES, SHA-1 MAC)."""


def load_pkcs12(data: bytes, source: str, password: PasswordSource | None) -> Bundle:
    """Tried without a password (and with an empty one) first, then with ``password``.

    A file whose key derivation asks for more work than :mod:`~certready.adapters.inputs.kdf`
    allows is refused before any of it is done.
    """
    check_pkcs12(data, source)
    loaded = None
    for empty in (None, b""):
        try:
            loaded = pkcs12.load_pkcs12(data, empty)
            break
        except BAD_DATA as exc:
            if "Invalid password" not in str(exc):
                raise InputError(
                    f"not a valid PKCS#12 file ({reason(exc)}; truncated or damaged?)",
                    location=source,
                ) from None
    if loaded is None:
        loaded = unlock(
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
    encryption, cipher = pfx_encryption(data)
    return Bundle(
        source,
        "pkcs12",
        certificates,
        keys,
        _pkcs12_notes(data, encryption, cipher),
        pfx_encryption=encryption,
        pfx_cipher=cipher,
    )


def _friendly(name: bytes | None) -> str | None:
    return None if name is None else name.decode("utf-8", "replace")


def pfx_encryption(data: bytes) -> tuple[PfxEncryption | None, str | None]:
    """How a PKCS#12 file is encrypted (its algorithm identifiers, found in the DER), and the
    cipher's name: PBES2 (AES) wins over a legacy scheme used beside it, since a Windows that
    cannot read PBES2 cannot import the file."""
    if _OID_PBES2 in data:
        names = [name for oid, name in _PBES2_CIPHERS.items() if oid in data]
        return PfxEncryption.PBES2, (names[-1] if names else "PBES2")
    legacy = sorted({name for oid, name in _LEGACY_PKCS12_OIDS.items() if oid in data})
    if legacy:
        return PfxEncryption.LEGACY, "/".join(legacy)
    return None, None


def _pkcs12_notes(
    data: bytes, encryption: PfxEncryption | None, cipher: str | None
) -> tuple[str, ...]:
    notes: list[str] = []
    if encryption is PfxEncryption.PBES2:
        notes.append(
            f"PKCS#12 uses {cipher} encryption: Windows Server 2016 and older cannot import it"
            f" ({LEGACY_PFX_HOW})"
        )
    legacy = sorted({name for oid, name in _LEGACY_PKCS12_OIDS.items() if oid in data})
    if legacy and encryption is PfxEncryption.LEGACY:
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
    elif legacy and any(n.startswith(("RC2", "RC4")) for n in legacy):  # beside PBES2
        notes.append(
            f"parts of this PKCS#12 use legacy {'/'.join(legacy)} encryption: OpenSSL 3 reads it"
            " only with -legacy"
        )
    if _OID_KEY_BAG in data:
        notes.append("the private key in this PKCS#12 file is not encrypted")
    return tuple(notes)
