"""PKCS#7 certificate bundles (``.p7b``, DER or BER) and the chain order they do not keep."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence

from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs7

from certready.adapters.inputs.bundle import Bundle, LoadedCertificate, location
from certready.adapters.inputs.failures import BAD_DATA, reason
from certready.core.errors import InputError


def load_pkcs7_der(data: bytes, source: str) -> Bundle:
    try:
        certs = pkcs7_certificates(pkcs7.load_der_pkcs7_certificates, data)
    except BAD_DATA as exc:
        raise InputError(
            f"not a valid PKCS#7 certificate bundle ({reason(exc)})", location=source
        ) from None
    return pkcs7_bundle(certs, source)


def pkcs7_certificates(
    load: Callable[[bytes], list[x509.Certificate]], data: bytes
) -> list[x509.Certificate]:
    """The certificates of a PKCS#7 bundle, DER or BER.

    ``openssl crl2pkcs7`` and older Windows write PKCS#7 that is not strict DER (an unsorted SET,
    indefinite lengths). Every tool reads it, so it is no remark for the administrator; but
    cryptography says so with a ``UserWarning`` that must not reach the terminal.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return load(data)


def pkcs7_bundle(certs: Sequence[x509.Certificate], source: str) -> Bundle:
    """The certificates of a bundle, put in chain order (and a note when that moved them)."""
    if not certs:
        raise InputError("a PKCS#7 bundle with no certificate in it", location=source)
    ordered = chain_order(certs)
    notes: tuple[str, ...] = ()
    if ordered != list(certs):
        notes += (
            "PKCS#7 keeps no order: certificates listed leaf first, each followed by its issuer",
        )
    return Bundle(
        source,
        "pkcs7",
        tuple(LoadedCertificate(c, location(source, i)) for i, c in enumerate(ordered)),
        notes=notes,
    )


def chain_order(certs: Sequence[x509.Certificate]) -> list[x509.Certificate]:
    """Leaf first, each certificate followed by its issuer (by name); the rest after.

    A PKCS#7 bundle is a SET: the order it is read in says nothing about the chain. When several
    certificates issue none of the others, the one with the longest chain comes first.
    """
    issuing = {c.issuer for c in certs if c.issuer != c.subject}
    leaves = [c for c in certs if c.subject not in issuing] or list(certs[:1])

    def path_from(leaf: x509.Certificate, pool: list[x509.Certificate]) -> list[x509.Certificate]:
        path: list[x509.Certificate] = []
        current: x509.Certificate | None = leaf
        while current is not None and current in pool and current not in path:
            path.append(current)
            name = current.issuer
            current = next((c for c in pool if c.subject == name and c not in path), None)
        return path

    remaining = list(certs)
    ordered: list[x509.Certificate] = []
    for leaf in sorted(leaves, key=lambda c: -len(path_from(c, remaining))):
        for cert in path_from(leaf, remaining):
            ordered.append(cert)
            remaining.remove(cert)
    return ordered + remaining
