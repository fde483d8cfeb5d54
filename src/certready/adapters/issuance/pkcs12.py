"""PKCS#12 (PFX) files: key, leaf and the whole chain, for Windows and Java servers.

The default protects key and certificates with PBES2 AES-256-CBC and a SHA-256 MAC (what Windows
Server 2019+ and OpenSSL 3 read). ``legacy`` uses PBE-SHA1-3DES and a SHA-1 MAC, for Windows
Server 2016 and older, which cannot open the modern form.
"""

from __future__ import annotations

from collections.abc import Sequence

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import PrivateFormat, pkcs12

from certready.adapters.issuance.keys import IssuedKey

KDF_ROUNDS = 100_000
LEGACY_KDF_ROUNDS = 2048


def pfx_bytes(
    key: IssuedKey,
    certificate: x509.Certificate,
    chain: Sequence[x509.Certificate],
    password: bytes,
    *,
    friendly_name: str,
    legacy: bool = False,
) -> bytes:
    """A password-protected PFX holding ``key``, ``certificate`` and ``chain`` (issuer first)."""
    if not password:
        raise ValueError("a PFX needs a password")
    builder = PrivateFormat.PKCS12.encryption_builder()
    if legacy:
        builder = (
            builder.kdf_rounds(LEGACY_KDF_ROUNDS)
            .key_cert_algorithm(pkcs12.PBES.PBESv1SHA1And3KeyTripleDESCBC)
            .hmac_hash(hashes.SHA1())  # noqa: S303 - what old Windows servers can read
        )
    else:
        builder = (
            builder.kdf_rounds(KDF_ROUNDS)
            .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
            .hmac_hash(hashes.SHA256())
        )
    return pkcs12.serialize_key_and_certificates(
        friendly_name.encode("utf-8"), key, certificate, list(chain), builder.build(password)
    )
