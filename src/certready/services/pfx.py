"""pfx: a certificate, its key and its intermediates as the PKCS#12 file Windows imports.

The inputs are read like every other input (PEM, DER, a ``.p7b``, keys in PEM or DER; a PFX too,
unlocked with the key password: rebuilding an AES PFX with ``legacy`` for Windows Server 2016).

The leaf is the certificate of CERT (or of a CHAIN file) whose public key is KEY's; every other
CA certificate goes in issuer order, a root only when asked (clients get roots from their trust
store, not from the server). AES-256 with a SHA-256 MAC by default; ``legacy`` 3DES with a SHA-1
MAC for Windows Server 2016 and older. The file is written 0600, never over an existing file
unless ``force``, never through a symbolic link.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from certready.adapters.inputs import HOW_TO_UNLOCK, Bundle, load_file
from certready.adapters.issuance.keys import KEY_MODE, IssuedKey, refuse_existing, write_file
from certready.adapters.issuance.pkcs12 import pfx_bytes
from certready.core.errors import InputError, UsageError


@dataclass(frozen=True, slots=True)
class PfxInputs:
    """What goes into the PFX, checked before any password is asked for."""

    key: IssuedKey
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]
    """Issuer first."""
    left_out_roots: tuple[x509.Certificate, ...]


@dataclass(frozen=True, slots=True)
class PfxFile:
    path: Path
    inputs: PfxInputs
    legacy: bool
    thumbprint_sha1: str


KEY_UNLOCK = "give it with --key-password-env VAR or --key-password-file FILE"
"""How ``certready pfx`` unlocks an encrypted KEY or an input PFX (lint's advice rephrased)."""


def read_input(path: str | Path, key_password: bytes | None = None) -> Bundle:
    """One input file in any format certready reads (PEM, DER, PKCS#7 ``.p7b``, a PFX unlocked
    with ``key_password``, PKCS#1/PKCS#8/SEC1 keys in PEM or DER); errors name the file."""
    try:
        return load_file(path, lambda _source: key_password)
    except InputError as exc:
        if HOW_TO_UNLOCK not in exc.message:
            raise
        raise type(exc)(
            exc.message.replace(HOW_TO_UNLOCK, KEY_UNLOCK), location=exc.location
        ) from None


def read_certificates(
    path: str | Path, key_password: bytes | None = None
) -> list[x509.Certificate]:
    """Every certificate of a file (see :func:`read_input`)."""
    return [c.certificate for c in read_input(path, key_password).certificates]


def _spki(key: object) -> bytes:
    return key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)  # type: ignore[attr-defined,no-any-return]


def _the_key(held: Bundle, certs: Sequence[x509.Certificate], path: str | Path) -> IssuedKey:
    """The RSA or EC key of ``held`` that belongs to one of ``certs`` (else its first key, which
    the caller reports as not belonging)."""
    keys = [k.key for k in held.keys]
    if not keys:
        raise InputError("holds no private key", location=str(path))
    spkis = {_spki(c.public_key()) for c in certs}
    key = next((k for k in keys if _spki(k.public_key()) in spkis), keys[0])
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise InputError("only RSA and EC keys are supported", location=str(path))
    return key


def _is_root(cert: x509.Certificate) -> bool:
    return cert.subject == cert.issuer


def gather(
    certificate: str | Path,
    key: str | Path,
    chain: Sequence[str | Path] = (),
    *,
    key_password: bytes | None = None,
    include_root: bool = False,
) -> PfxInputs:
    """The key, its certificate and the chain in issuer order; a key that matches no
    certificate is a UsageError naming both files."""
    inputs = read_input(certificate, key_password)
    certs = [c.certificate for c in inputs.certificates]
    if not certs:
        raise InputError("holds no certificate", location=str(certificate))
    held = inputs if Path(key) == Path(certificate) else read_input(key, key_password)
    private_key = _the_key(held, certs, key)
    extra: list[x509.Certificate] = []
    for path in chain:
        found = read_certificates(path, key_password)
        if not found:
            raise InputError("holds no certificate", location=str(path))
        extra += found
    wanted = _spki(private_key.public_key())
    leaf = next((c for c in certs if _spki(c.public_key()) == wanted), None)
    if leaf is None:
        raise UsageError(
            f"the key {key} does not belong to the certificate", location=str(certificate)
        )
    pool: dict[bytes, x509.Certificate] = {}
    for cert in (*certs, *extra):
        if cert != leaf:
            pool.setdefault(cert.fingerprint(hashes.SHA256()), cert)
    ordered: list[x509.Certificate] = []
    current = leaf
    while not _is_root(current):
        issuer = next(
            (c for c in pool.values() if c.subject == current.issuer and c not in ordered), None
        )
        if issuer is None:
            break
        ordered.append(issuer)
        current = issuer
    ordered += [c for c in pool.values() if c not in ordered]
    roots = tuple(c for c in ordered if _is_root(c))
    kept = tuple(c for c in ordered if include_root or not _is_root(c))
    return PfxInputs(private_key, leaf, kept, () if include_root else roots)


def write_pfx(
    inputs: PfxInputs,
    out: str | Path,
    password: bytes,
    *,
    legacy: bool = False,
    force: bool = False,
) -> PfxFile:
    """Write the PFX (0600). An existing name (a symbolic link too) only with ``force``, which
    replaces it, never writing through a link (:mod:`certready.adapters.writes`)."""
    path = Path(out)
    refuse_existing([path], force=force)
    if not password:
        raise UsageError("an empty PFX password is not allowed")
    names = inputs.certificate.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    friendly = str(names[0].value) if names else path.stem
    data = pfx_bytes(
        inputs.key,
        inputs.certificate,
        inputs.chain,
        password,
        friendly_name=friendly,
        legacy=legacy,
    )
    write_file(path, data, mode=KEY_MODE, force=force)
    thumb = inputs.certificate.fingerprint(hashes.SHA1()).hex().upper()  # noqa: S303 - Windows
    return PfxFile(path, inputs, legacy, thumb)
