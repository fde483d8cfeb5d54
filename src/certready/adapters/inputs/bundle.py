"""What an input holds once read: a :class:`Bundle` of located certificates and keys."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from certready.core.errors import InputError
from certready.core.judged import ServerKind
from certready.core.location import STDIN as STDIN
from certready.core.location import FileLocation, Location
from certready.core.rules.pfx import PfxEncryption as PfxEncryption

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
class LoadedRequest:
    """A certificate signing request (PKCS#10) whose signature verified with its own key."""

    request: x509.CertificateSigningRequest
    location: FileLocation
    """``file:req/app.csr#req0``: the input and the request's index among its requests."""


@dataclass(frozen=True, slots=True)
class LoadedKey:
    key: PrivateKeyTypes
    location: FileLocation
    """``file:certs/app.pem#key0``: the input and the key's index among its keys."""


_INSTALL_FORMATS = frozenset({"pkcs12", "pkcs7"})


@dataclass(frozen=True, slots=True)
class Bundle:
    """Everything one input held, in the order it held it."""

    source: str
    """The input as the user named it (a path, or ``-`` for stdin)."""
    format: str
    """``pem``, ``der``, ``pkcs7``, ``pkcs12``, ``key``, ``csr``."""
    certificates: tuple[LoadedCertificate, ...]
    keys: tuple[LoadedKey, ...] = ()
    notes: tuple[str, ...] = ()
    """Non-fatal remarks about the input (legacy PKCS#12 encryption, skipped PEM blocks)."""
    requests: tuple[LoadedRequest, ...] = ()
    """Certificate signing requests (PEM ``CERTIFICATE REQUEST``, DER PKCS#10): linted before
    they go to the CA."""
    pfx_encryption: PfxEncryption | None = None
    """A PKCS#12 file's encryption (``None``: not a PKCS#12, or nothing in it is encrypted)."""
    pfx_cipher: str | None = None
    """The cipher's name as administrators know it (``AES-256``, ``3DES``)."""

    @property
    def server_kind(self) -> ServerKind:
        """How a server gets what this file holds: a PKCS#12 (``.pfx``) or PKCS#7 (``.p7b``) is
        an install file (certlm/IIS and keytool import it, no server sends it as it is), judged
        as :attr:`ServerKind.WINDOWS`; any other file is what the server sends."""
        return ServerKind.WINDOWS if self.format in _INSTALL_FORMATS else ServerKind.FILES


def location(source: str, index: int) -> FileLocation:
    """``file:certs/app.pfx#0`` (``stdin:#0`` for standard input)."""
    return FileLocation(source, index)


def key_location(source: str, index: int) -> FileLocation:
    """``file:certs/app.pem#key0``: the ``index``-th private key of the input."""
    return FileLocation(source, key=index)


def display_name(source: str) -> str:
    """How messages name an input: the path, or ``standard input``."""
    return "standard input" if source == STDIN else source


_UNVERIFIED_HASHES = frozenset({"sha1", "md5"})
"""Hashes cryptography no longer verifies signatures with: such a request cannot be checked for
tampering, and its weak signature is what the rules report."""


def loaded_request(
    source: str, request: x509.CertificateSigningRequest, index: int, where: str | None = None
) -> LoadedRequest:
    """Request number ``index`` of ``source``; an :class:`InputError` when its signature does not
    verify with its own key (damaged or edited after signing: the CA would refuse it)."""
    try:
        valid = request.is_signature_valid
        weak = request.signature_hash_algorithm is not None and (
            request.signature_hash_algorithm.name in _UNVERIFIED_HASHES
        )
    except (UnsupportedAlgorithm, ValueError, TypeError):
        valid = weak = False
    if not valid and not weak:  # (a SHA-1 request is reported by signature.weak-hash instead)
        prefix = f"{where}: " if where else ""
        raise InputError(
            f"{prefix}the certificate request's signature does not verify with its own key"
            " (damaged or edited after signing?): the CA would refuse it",
            location=source,
        )
    return LoadedRequest(request, FileLocation(source, request=index))


def key_bundle(source: str, key: PrivateKeyTypes) -> Bundle:
    """An input that holds one private key and nothing else."""
    return Bundle(source, "key", (), (LoadedKey(key, key_location(source, 0)),))
