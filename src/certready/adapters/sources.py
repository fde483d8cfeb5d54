"""Certificate and key inputs: PEM, DER, PKCS#7, PKCS#12, private keys, stdin, folders.

The format is detected from the content, never the extension. Every certificate comes out with a
precise location (``file:certs/app.pfx#0``) and every failure is an :class:`InputError` naming the
file, so one bad file never stops the others.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from certready.core.errors import InputError

PasswordSource = Callable[[str], bytes | None]
"""Given the input's display name, the password to try (``None``: there is none)."""

MAX_INPUT_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class LoadedCertificate:
    certificate: x509.Certificate
    location: str
    """``file:certs/app.pfx#0``: the input and the certificate's index within it."""


@dataclass(frozen=True, slots=True)
class LoadedKey:
    key: PrivateKeyTypes
    location: str


@dataclass(frozen=True, slots=True)
class Bundle:
    """Everything one input held, in the order it held it."""

    source: str
    """The input as the user named it (a path, or ``-`` for stdin)."""
    format: str
    """``pem``, ``der``, ``pkcs7``, ``pkcs12``, ``key``."""
    certificates: tuple[LoadedCertificate, ...]
    keys: tuple[LoadedKey, ...] = ()


def location(source: str, index: int) -> str:
    return f"file:{source}#{index}"


def load_bytes(data: bytes, source: str, password: PasswordSource | None = None) -> Bundle:
    """Parse one input's bytes. Minimal placeholder: PEM and DER certificates only."""
    del password
    if not data.strip():
        raise InputError("empty file", location=source)
    try:
        if b"-----BEGIN" in data:
            certs = x509.load_pem_x509_certificates(data)
            fmt = "pem"
        else:
            certs = [x509.load_der_x509_certificate(data)]
            fmt = "der"
    except ValueError as exc:
        raise InputError(f"not a certificate: {exc}", location=source) from None
    return Bundle(
        source,
        fmt,
        tuple(LoadedCertificate(c, location(source, i)) for i, c in enumerate(certs)),
    )


def iter_inputs(
    paths: list[str], password: PasswordSource | None = None
) -> Iterator[Bundle | InputError]:
    """Each input (folders expanded recursively) as a Bundle, or the InputError that it raised."""
    for name in paths:
        path = Path(name)
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for f in files:
            try:
                data = f.read_bytes()
                yield load_bytes(data, str(f), password)
            except InputError as exc:
                yield exc
            except OSError as exc:
                yield InputError(exc.strerror or str(exc), location=str(f))
