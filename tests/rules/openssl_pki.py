"""Certificates cryptography 50 refuses to make (SHA-1 signatures, odd RSA moduli), made with the
``openssl`` command line and signed by a TestCA certificate (DESIGN §6)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography import x509

from tests.pki import Issued

needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="no openssl command")


def openssl_issue(
    issuer: Issued,
    directory: Path,
    name: str,
    *,
    digest: str = "sha1",
    rsa_bits: int = 2048,
    ca: bool = False,
) -> x509.Certificate:
    """A certificate for ``name`` with a fresh ``rsa_bits`` key, signed by ``issuer`` with ``digest``."""
    directory.mkdir(parents=True, exist_ok=True)
    issuer_pem, issuer_key = issuer.write(directory, "issuer")
    key, csr, cert, ext = (directory / f"{name}.{s}" for s in ("key", "csr", "crt", "ext"))
    ext.write_text(
        "basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n"
        if ca
        else f"basicConstraints=critical,CA:FALSE\nsubjectAltName=DNS:{name}\n"
        "keyUsage=critical,digitalSignature,keyEncipherment\n"
        "extendedKeyUsage=serverAuth,clientAuth\n"
    )
    commands = [
        ["openssl", "genrsa", "-out", str(key), str(rsa_bits)],
        ["openssl", "req", "-new", "-key", str(key), "-subj", f"/CN={name}", "-out", str(csr)],
        [
            "openssl", "x509", "-req", "-in", str(csr), "-CA", str(issuer_pem),
            "-CAkey", str(issuer_key), "-set_serial", "4242", "-days", "90",
            f"-{digest}", "-extfile", str(ext), "-out", str(cert),
        ],
    ]  # fmt: skip
    for command in commands:
        subprocess.run(command, check=True, capture_output=True, timeout=60)
    return x509.load_pem_x509_certificate(cert.read_bytes())
