"""Building :class:`~certready.core.client.ClientStore` values from certificates as read."""

from __future__ import annotations

import warnings
from collections.abc import Iterable

from cryptography import x509

from certready.adapters.inputs import lenient_certificates
from certready.core.client import StoreCertificate
from certready.core.facts import extract_facts


def store_certificates(
    certificates: Iterable[tuple[x509.Certificate, bool]],
) -> tuple[StoreCertificate, ...]:
    """``(certificate, trusted_root)`` pairs -> store entries, duplicates dropped."""
    seen: set[str] = set()
    out: list[StoreCertificate] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for cert, trusted in certificates:
            facts = extract_facts(cert)
            if facts.fingerprint_sha256 in seen:
                continue
            seen.add(facts.fingerprint_sha256)
            out.append(StoreCertificate(facts, trusted))
    return tuple(out)


def pem_certificates(data: bytes) -> list[x509.Certificate]:
    """Every parseable certificate of a PEM text (one odd certificate does not lose the rest)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return list(lenient_certificates(data))
