"""What cryptography raises on damaged input, and how its message is shortened for ours."""

from __future__ import annotations

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm

BAD_DATA = (ValueError, x509.InvalidVersion, UnsupportedAlgorithm)
"""What cryptography raises on damaged input (``InvalidVersion`` is no ``ValueError``)."""


def reason(exc: Exception) -> str:
    """cryptography's message, short: the first clause of its first line."""
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    text = text.split(" {", 1)[0].split("(", 1)[0].strip().rstrip(":")
    return text[:120] or type(exc).__name__


def unexpected(exc: BaseException) -> str:
    """``unexpected ValueError: ...``: what failed where nothing was expected to, in one line."""
    return f"unexpected {type(exc).__name__}: {reason(exc) if isinstance(exc, Exception) else exc}"
