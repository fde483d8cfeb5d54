"""The slow inputs of issue 14's fuzzing campaign, rebuilt: each is a regression test (with time
and memory bounds) and a seed of ``bench/fuzz.py``. Built, never checked in: they are large."""

from __future__ import annotations

import base64
import contextlib
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    Encoding,
    PrivateFormat,
    pkcs12,
)

from tests.pki import Issued, new_key
from tests.sources import asn1tree

PUBLIC_KEY_BLOCK = b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"
"""A skipped block (57 bytes: 80,000 of them make the issue's 4.6 MB file)."""


def pfx_mac_iterations(leaf: Issued, count: int = 2**31 - 1) -> bytes:
    """A PFX whose MAC asks for ``count`` iterations (ran until killed)."""
    encryption = (
        PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(2048)
        .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
        .hmac_hash(hashes.SHA256())
        .build(b"secret")
    )
    data = pkcs12.serialize_key_and_certificates(b"app", leaf.key, leaf.cert, None, encryption)
    return asn1tree.replace_integer(data, 2048, count, which=-1)


def pkcs8_iterations(count: int = 2**31 - 1, *, pem: bool = True) -> bytes:
    """An encrypted PKCS#8 key whose PBKDF2 asks for ``count`` iterations."""
    der = new_key("p256").private_bytes(
        Encoding.DER, PrivateFormat.PKCS8, BestAvailableEncryption(b"secret")
    )
    der = asn1tree.replace_integer(der, 2048, count, which=0)
    if not pem:
        return der
    return (
        b"-----BEGIN ENCRYPTED PRIVATE KEY-----\n"
        + base64.encodebytes(der)
        + b"-----END ENCRYPTED PRIVATE KEY-----\n"
    )


def unterminated_begins(count: int = 4000) -> bytes:
    """``count`` BEGIN lines without an END (112 KB at 4,000: 3.7 s before)."""
    return b"-----BEGIN CERTIFICATE-----\n" * count


def skipped_blocks(leaf: Issued, count: int = 80_000) -> bytes:
    """One certificate and ``count`` skipped blocks (80,000: 79 s before; 200,000 never ended)."""
    return leaf.cert_pem() + PUBLIC_KEY_BLOCK * count


@dataclass(frozen=True, slots=True)
class Cost:
    seconds: float
    """CPU time of this process (other work on the machine does not count), untraced."""
    peak_bytes: int
    """Peak of Python's allocations (tracemalloc) while it ran again, traced."""


def cost(work: Callable[[], object]) -> Cost:
    """What ``work()`` takes, run twice: timed, then with its allocations traced (tracing slows
    it several times). Its exception, if any, is part of the work."""
    started = time.process_time()
    _quietly(work)
    seconds = time.process_time() - started
    tracemalloc.start()
    try:
        _quietly(work)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return Cost(seconds, peak)


def _quietly(work: Callable[[], object]) -> None:
    with contextlib.suppress(Exception):  # refusing the input is what most of them must do
        work()
