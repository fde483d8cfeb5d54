"""CRL files for ``--crl``: PEM (one or several ``X509 CRL`` blocks) or DER, read and parsed once.

Every failure is an :class:`InputError` naming the file: checking revocation against a CRL that
silently failed to load would be a wrong verdict, not a partial one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cryptography import x509

from certready.adapters.inputs.pem import CRL_LABEL, scan_pem
from certready.adapters.inputs.read import read_bytes
from certready.core.errors import InputError
from certready.core.location import FileLocation

MAX_CRL_BYTES = 128 * 1024 * 1024
"""The largest public CRLs run to tens of MiB; nothing read as a CRL may be larger than this."""


@dataclass(frozen=True, slots=True)
class LoadedCrl:
    crl: x509.CertificateRevocationList
    location: FileLocation
    """``file:revoked.crl#0``: the file and the CRL's index within it."""


def load_crls(paths: Sequence[str]) -> tuple[LoadedCrl, ...]:
    """CRL files (PEM, one or several, or DER); a bad file is an InputError naming it."""
    out: list[LoadedCrl] = []
    for name in paths:
        data = read_bytes(
            name,
            limit=MAX_CRL_BYTES,
            prefix="--crl: ",
            folder="--crl: is a folder, not a CRL file",
            what="a CRL file",
        )
        if not data.strip():
            raise InputError("--crl: empty file", location=name)
        try:
            if b"-----BEGIN X509 CRL-----" in data:
                scan = scan_pem(data)
                if any(u.label == CRL_LABEL for u in scan.unterminated):
                    raise ValueError("a truncated X509 CRL block")
                blocks = [b for b in scan.blocks if b.label == CRL_LABEL]
                crls = [x509.load_pem_x509_crl(block.text) for block in blocks]
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
