"""Private keys (PKCS#1, PKCS#8 encrypted or not, SEC1; PEM or DER) and unlocking them.

A password comes from a :data:`PasswordSource` and goes nowhere else: messages name the input,
never the value.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from certready.adapters.inputs.bundle import PasswordSource
from certready.adapters.inputs.failures import BAD_DATA, reason
from certready.adapters.inputs.kdf import check_encrypted_key
from certready.core.errors import InputError, PasswordError

T = TypeVar("T")

HOW_TO_UNLOCK = "give it with --password-env VAR or --password-file FILE"

ATTEMPTS = 3
"""Passwords asked for on a terminal get this many tries; one from a variable or file gets one."""

_DEK_INFO = re.compile(rb"DEK-Info:\s*([A-Za-z0-9-]+)\s*,\s*([0-9A-Fa-f]*)")


def private_key(
    data: bytes, source: str, password: PasswordSource | None, *, where: str | None, pem: bool
) -> PrivateKeyTypes:
    """One private key (``data`` is a PEM block when ``pem``); ``where`` prefixes messages."""
    load = serialization.load_pem_private_key if pem else serialization.load_der_private_key
    prefix = f"{where}: " if where else ""
    if pem and not _dek_info_plausible(data):
        raise InputError(
            f"{prefix}damaged encrypted key: its DEK-Info line has an IV of the wrong length",
            location=source,
        )
    check_encrypted_key(data, source, pem=pem, where=prefix)
    try:
        return load(data, None)
    except TypeError:
        pass  # encrypted: needs the password
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise InputError(
            f"{prefix}not a valid private key ({reason(exc)})", location=source
        ) from None

    def decrypt(secret: bytes) -> PrivateKeyTypes:
        try:
            return load(data, secret)
        except TypeError as exc:
            raise ValueError(str(exc)) from None
        except UnsupportedAlgorithm as exc:
            raise InputError(
                f"{prefix}not a usable private key ({reason(exc)})", location=source
            ) from None

    return unlock(
        decrypt,
        password,
        source,
        missing=f"{prefix}the private key is encrypted: {HOW_TO_UNLOCK}",
        wrong=f"{prefix}wrong password for the encrypted private key (or the key is damaged)",
    )


def unlock(
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
    for tries in range(1, ATTEMPTS + 1):
        secret = password(source) if password is not None else None
        if secret is None:
            raise PasswordError(missing, location=source)
        try:
            return attempt(secret)
        except BAD_DATA:
            if rejected is None or tries == ATTEMPTS:
                raise PasswordError(wrong, location=source) from None
            rejected(source)
        finally:
            del secret
    raise AssertionError("unreachable")  # pragma: no cover


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
