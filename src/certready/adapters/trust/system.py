"""The operating system's trust store.

- Linux: the distribution's CA bundle (Debian/Ubuntu, RHEL/Fedora, SUSE, Alpine...) or, failing
  that, the hashed folder ``/etc/ssl/certs``.
- macOS: ``security find-certificate -a -p`` on the system roots keychain and the admin-installed
  System keychain (where an administrator puts a private root).
- Windows: the ROOT store (anchors) and the CA store (intermediates, never anchors) through
  ``ssl.enum_certificates``, which reads the LocalMachine and CurrentUser system stores.

Each platform's reader takes its I/O as a parameter so it is unit-tested anywhere with a fake.
"""

from __future__ import annotations

import ssl
import subprocess
import sys
import warnings
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from cryptography import x509

from certready.adapters.inputs import lenient_certificates, read_bytes
from certready.adapters.trust.model import TrustStore
from certready.core.errors import InputError
from certready.core.facts import EKU_SERVER_AUTH
from certready.core.location import SYSTEM

LABEL = str(SYSTEM)

LINUX_BUNDLES = (
    "/etc/ssl/certs/ca-certificates.crt",  # Debian, Ubuntu, Gentoo, Arch
    "/etc/pki/tls/certs/ca-bundle.crt",  # Fedora, RHEL 6
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",  # RHEL 7+
    "/etc/ssl/ca-bundle.pem",  # openSUSE
    "/etc/ssl/cert.pem",  # Alpine, macOS OpenSSL
)
LINUX_DIRS = ("/etc/ssl/certs", "/etc/pki/tls/certs")

MACOS_KEYCHAINS = (
    "/System/Library/Keychains/SystemRootCertificates.keychain",
    "/Library/Keychains/System.keychain",
)


EnumCertificates = Callable[[str], Iterable[tuple[bytes, str, Any]]]
RunCommand = Callable[[Sequence[str]], bytes]


def load_system(platform: str | None = None) -> TrustStore:
    """The store of the platform we run on (or of ``platform``: ``linux``, ``darwin``, ``win32``)."""
    plat = platform or sys.platform
    if plat == "win32":
        enum = getattr(ssl, "enum_certificates", None)
        if enum is None:
            raise InputError("ssl.enum_certificates is unavailable", location=LABEL)
        return load_windows(enum)
    if plat == "darwin":
        return load_macos(_run)
    return load_linux()


def load_linux(
    bundles: Sequence[str] = LINUX_BUNDLES, dirs: Sequence[str] = LINUX_DIRS
) -> TrustStore:
    """The first CA bundle file that exists, else every PEM file of the first CA folder."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in bundles:
            path = Path(name)
            if path.is_file():
                certs = lenient_certificates(read_bytes(str(path)))
                if certs:
                    return TrustStore(SYSTEM, tuple(certs))
        for name in dirs:
            folder = Path(name)
            if folder.is_dir():
                certs = []
                for f in sorted(folder.iterdir()):
                    if f.is_file() and f.suffix in {".pem", ".crt", ".0"}:
                        certs.extend(lenient_certificates(read_bytes(str(f))))
                if certs:
                    return TrustStore(SYSTEM, tuple(_unique(certs)))
    raise InputError("no system CA bundle found (looked in /etc/ssl, /etc/pki)", location=LABEL)


def load_macos(run: RunCommand, keychains: Sequence[str] = MACOS_KEYCHAINS) -> TrustStore:
    """Roots of the system keychains, via the ``security`` tool."""
    certs: list[x509.Certificate] = []
    for keychain in keychains:
        try:
            out = run(["security", "find-certificate", "-a", "-p", keychain])
        except (OSError, subprocess.CalledProcessError):
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            certs.extend(lenient_certificates(out))
    if not certs:
        raise InputError("the security tool listed no certificate", location=LABEL)
    return TrustStore(SYSTEM, tuple(_unique(certs)))


def load_windows(enum_certificates: EnumCertificates) -> TrustStore:
    """ROOT store as anchors (trusted for serverAuth or for everything), CA store as intermediates.

    ``enum_certificates(store)`` yields ``(bytes, encoding, trust)``; encoding ``x509_asn`` is a
    DER certificate (``pkcs_7_asn`` entries are skipped); trust is ``True`` (any purpose) or a set
    of EKU OIDs the certificate is trusted for.
    """
    anchors = [c for c, trust in windows_store(enum_certificates, "ROOT") if trusted_for_tls(trust)]
    intermediates = [c for c, _ in windows_store(enum_certificates, "CA")]
    if not anchors:
        raise InputError("the Windows ROOT store holds no certificate", location=LABEL)
    return TrustStore(SYSTEM, tuple(_unique(anchors)), tuple(_unique(intermediates)))


def windows_store(
    enum_certificates: EnumCertificates, name: str
) -> list[tuple[x509.Certificate, Any]]:
    """The DER certificates of one Windows store (``ROOT``, ``CA``) with the trust each carries;
    ``pkcs_7_asn`` entries and certificates that do not parse are skipped."""
    out: list[tuple[x509.Certificate, Any]] = []
    for der, encoding, trust in enum_certificates(name):
        if encoding != "x509_asn":
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                out.append((x509.load_der_x509_certificate(der), trust))
            except ValueError:
                continue
    return out


def trusted_for_tls(trust: Any) -> bool:
    """``True`` (every purpose) or a set of EKU OIDs holding serverAuth."""
    if trust is True:
        return True
    return isinstance(trust, set | frozenset) and EKU_SERVER_AUTH in trust


def _unique(certs: Iterable[x509.Certificate]) -> list[x509.Certificate]:
    seen: set[x509.Certificate] = set()
    out = []
    for c in certs:
        if c not in seen:
            seen.add(c)
            out.append(c)
    return out


def _run(argv: Sequence[str]) -> bytes:
    return subprocess.run(list(argv), check=True, capture_output=True, timeout=30).stdout
