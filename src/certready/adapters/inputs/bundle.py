"""What an input holds once read: a :class:`Bundle` of located certificates and keys."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from certready.core.location import STDIN as STDIN
from certready.core.location import FileLocation, Location

PasswordSource = Callable[[str], bytes | None]
"""Given the input's display name, the password to try (``None``: there is none).

A source that can ask again (the terminal prompt) also has ``rejected(source)``: the loader calls
it after a wrong password and asks once more, three tries in all."""


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


def key_bundle(source: str, key: PrivateKeyTypes) -> Bundle:
    """An input that holds one private key and nothing else."""
    return Bundle(source, "key", (), (LoadedKey(key, key_location(source, 0)),))
