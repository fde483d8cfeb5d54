"""CRL files for ``--crl``: PEM (one or several ``X509 CRL`` blocks) or DER, read and parsed once.

Every failure is an :class:`InputError` naming the file: checking revocation against a CRL that
silently failed to load would be a wrong verdict, not a partial one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509

from certready.core.errors import InputError
from certready.core.location import FileLocation


@dataclass(frozen=True, slots=True)
class LoadedCrl:
    crl: x509.CertificateRevocationList
    location: FileLocation
    """``file:revoked.crl#0``: the file and the CRL's index within it."""


def load_crls(paths: Sequence[str]) -> tuple[LoadedCrl, ...]:
    """CRL files (PEM, one or several, or DER); a bad file is an InputError naming it."""
    out: list[LoadedCrl] = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            raise InputError("--crl: is a folder, not a CRL file", location=name)
        try:
            data = path.read_bytes()
        except OSError as exc:
            reason = (exc.strerror or str(exc)).lower()
            raise InputError(f"--crl: {reason}", location=name) from None
        if not data.strip():
            raise InputError("--crl: empty file", location=name)
        try:
            if b"-----BEGIN X509 CRL-----" in data:
                marker = b"-----END X509 CRL-----"
                chunks = [p + marker for p in data.split(marker) if b"-----BEGIN" in p]
                crls = [x509.load_pem_x509_crl(ch[ch.index(b"-----BEGIN") :]) for ch in chunks]
            else:
                crls = [x509.load_der_x509_crl(data)]
        except ValueError:
            found = "a PEM certificate" if b"-----BEGIN CERTIFICATE" in data else "something else"
            raise InputError(
                f"--crl: not a CRL (neither a PEM 'X509 CRL' block nor DER; this is {found})",
                location=name,
            ) from None
        out.extend(LoadedCrl(crl, FileLocation(name, i)) for i, crl in enumerate(crls))
    return tuple(out)
