"""Private keys: generation, PKCS#8 serialisation, and the only code that writes key files.

Key files are created 0600 and never overwrite an existing file unless asked (``force``), nor
write through a symbolic link (:mod:`certready.adapters.writes`); a key is never written to
standard output (the callers refuse ``-`` before getting here).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Literal, get_args

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from certready.adapters.inputs.kdf import check_encrypted_key
from certready.adapters.inputs.read import read_bytes
from certready.adapters.writes import EXISTS, write_new
from certready.core.errors import InputError, PasswordError, UsageError

KeyTypeName = Literal["rsa2048", "rsa3072", "rsa4096", "p256", "p384"]
KEY_TYPES: tuple[str, ...] = get_args(KeyTypeName)
"""The key types certready issues. RSA >= 2048 and P-256/P-384 (install guide; CA/B BR §6.1.5)."""

IssuedKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey

_CURVES: dict[str, ec.EllipticCurve] = {"p256": ec.SECP256R1(), "p384": ec.SECP384R1()}
KEY_MODE = 0o600
PUBLIC_MODE = 0o644


def check_key_type(name: str) -> KeyTypeName:
    """``"RSA2048"`` -> ``"rsa2048"``; anything else a UsageError naming the choices."""
    lowered = name.strip().lower()
    if lowered not in KEY_TYPES:
        raise UsageError(f"unknown key type {name!r} (choose one of {', '.join(KEY_TYPES)})")
    return lowered  # type: ignore[return-value]


def generate_key(key_type: str) -> IssuedKey:
    """A new private key of ``key_type`` (see :data:`KEY_TYPES`; ``rsa1024`` only for defects)."""
    if key_type.startswith("rsa"):
        return rsa.generate_private_key(public_exponent=65537, key_size=int(key_type[3:]))
    try:
        return ec.generate_private_key(_CURVES[key_type])
    except KeyError:
        raise UsageError(f"unknown key type {key_type!r}") from None


def key_type_of(key: IssuedKey) -> str:
    """The :data:`KEY_TYPES` spelling of an existing key (``rsa2048``, ``p256``...)."""
    if isinstance(key, rsa.RSAPrivateKey):
        return f"rsa{key.key_size}"
    for name, curve in _CURVES.items():
        if key.curve.name == curve.name:
            return name
    return key.curve.name


def private_key_pem(key: IssuedKey, passphrase: bytes | None = None) -> bytes:
    """PKCS#8 PEM, encrypted with the best available cipher when a passphrase is given."""
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase)
        if passphrase
        else serialization.NoEncryption()
    )
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )


def load_private_key(path: Path, passphrase: bytes | None = None) -> IssuedKey:
    """Read an RSA or EC private key (PEM); errors name the file. An encrypted key asking for
    more derivation work than lint admits is refused before any of it (the same line as lint's)."""
    data = read_bytes(str(path), folder=None)
    check_encrypted_key(data, str(path), pem=True)
    try:
        key = serialization.load_pem_private_key(data, passphrase)
    except TypeError:
        raise PasswordError(
            "the key is encrypted: a passphrase is needed", location=str(path)
        ) from None
    except ValueError:
        raise InputError(
            "not a PEM private key, or a wrong passphrase", location=str(path)
        ) from None
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise InputError("only RSA and EC keys are supported", location=str(path))
    return key


def refuse_existing(paths: Iterable[Path], *, force: bool) -> None:
    """Before writing anything: an existing output (a link too, even dangling) is an error
    unless ``force``."""
    if force:
        return
    for path in paths:
        if os.path.lexists(path):
            raise UsageError(EXISTS, location=str(path))


def write_file(path: Path, data: bytes, *, mode: int, force: bool) -> Path:
    """Write ``data`` with ``mode`` (see :func:`certready.adapters.writes.write_new`)."""
    return write_new(path, data, mode=mode, force=force)


def write_private_key(
    path: Path, key: IssuedKey, *, passphrase: bytes | None = None, force: bool = False
) -> Path:
    """The key as PKCS#8 PEM, mode 0600; refuses to overwrite unless ``force``."""
    return write_file(path, private_key_pem(key, passphrase), mode=KEY_MODE, force=force)


def write_public(path: Path, data: bytes, *, force: bool = False) -> Path:
    """A certificate, request or template: mode 0644; refuses to overwrite unless ``force``."""
    return write_file(path, data, mode=PUBLIC_MODE, force=force)
