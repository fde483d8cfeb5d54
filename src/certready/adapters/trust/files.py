"""A trust store from a PEM/DER file or a folder of them (``--trust roots.pem``)."""

from __future__ import annotations

import warnings
from pathlib import Path

from cryptography import x509

from certready.adapters.inputs import lenient_certificates, load_bytes, read_input
from certready.adapters.trust.model import TrustStore
from certready.core.errors import InputError
from certready.core.location import TrustKind, TrustLocation

TRUST_SUFFIXES = {".pem", ".crt", ".cer", ".der", ".ca-bundle", ".p7b", ".p7c"}


def read_certificates(path: Path) -> list[x509.Certificate]:
    """Certificates of one file, with a one-line error naming it.

    A PEM bundle is read leniently (one odd certificate in a system bundle is skipped); any other
    format the inputs take (DER, a PKCS#7 ``.p7b`` as Windows exports roots, base64, UTF-16) is
    read by :mod:`certready.adapters.inputs`.
    """
    name = str(path)
    data = read_input(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if b"-----BEGIN CERTIFICATE-----" in data:
            certs = lenient_certificates(data)
        else:
            try:
                certs = [c.certificate for c in load_bytes(data, name).certificates]
            except InputError as exc:
                raise InputError(f"holds no certificate: {exc.message}", location=name) from None
    if not certs:
        raise InputError("holds no certificate", location=name)
    return certs


def load_trust_path(spec: str) -> TrustStore:
    """A file of roots, or every certificate file of a folder (recursively, sorted)."""
    path = Path(spec)
    if path.is_dir():
        files = sorted(
            p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in TRUST_SUFFIXES
        )
        anchors = [c for f in files for c in read_certificates(f)]
        if not anchors:
            raise InputError("folder holds no certificate file", location=spec)
        return TrustStore(TrustLocation(TrustKind.DIRECTORY, spec), tuple(anchors))
    if not path.exists():
        raise InputError(
            "no such file or folder (--trust takes mozilla, system, or a path)", location=spec
        )
    return TrustStore(TrustLocation(TrustKind.FILE, spec), tuple(read_certificates(path)))
