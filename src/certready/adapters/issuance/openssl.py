"""The ``openssl`` command line, for what cryptography refuses to do (DESIGN §6).

cryptography 50 will not sign with SHA-1, but a training lab needs a SHA-1-signed leaf to show
``signature.weak-hash`` firing; ``openssl x509 -req`` signs it. Nothing else here needs openssl.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from cryptography import x509

from certready.core.errors import CertReadyError, UsageError


def openssl_binary() -> str:
    """The ``openssl`` on PATH; a UsageError saying so when there is none."""
    found = shutil.which("openssl")
    if found is None:
        raise UsageError("this needs the openssl command line, which is not on PATH")
    return found


def run_openssl(args: list[str], *, stdin: bytes | None = None) -> bytes:
    """Run ``openssl ARGS``; a failure is a CertReadyError quoting openssl's own first line."""
    result = subprocess.run(
        [openssl_binary(), *args], input=stdin, capture_output=True, check=False, timeout=60
    )
    if result.returncode != 0:
        detail = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise CertReadyError(f"openssl {args[0]} failed: {detail[0] if detail else 'no output'}")
    return result.stdout


def sign_request(
    csr_pem: bytes,
    *,
    issuer_cert: Path,
    issuer_key: Path,
    digest: str,
    days: int,
    serial: int,
) -> x509.Certificate:
    """Sign a request with the issuer's key using ``digest`` (``sha1``...): the request's
    extensions are copied as they are, openssl adds the subject and authority key identifiers.
    Validity starts now and lasts ``days``."""
    with tempfile.TemporaryDirectory(prefix="certready-") as work:
        request = Path(work) / "request.csr"
        request.write_bytes(csr_pem)
        pem = run_openssl(
            [
                "x509",
                "-req",
                "-in",
                str(request),
                "-CA",
                str(issuer_cert),
                "-CAkey",
                str(issuer_key),
                f"-{digest}",
                "-days",
                str(days),
                "-set_serial",
                hex(serial),
                "-copy_extensions",
                "copyall",
            ]
        )
    return x509.load_pem_x509_certificate(pem)
