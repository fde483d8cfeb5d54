"""Reference identifiers: the names clients type, normalised the way certificates spell them.

RFC 9525 §6.2: compare DNS names as A-labels, case-insensitively, without a trailing dot; an IP
address is compared as an address, never as text.
"""

from __future__ import annotations

import ipaddress

import idna

from certready.core.errors import UsageError


def is_ip_address(name: str) -> bool:
    try:
        ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return False
    return True


def normalise_host(name: str) -> str:
    """``App.Example.COM.`` -> ``app.example.com``; ``bücher.example`` -> ``xn--bcher-kva.example``;
    ``[::1]`` -> ``::1``. A name that is neither a DNS name nor an address raises UsageError."""
    text = name.strip()
    if is_ip_address(text):
        return str(ipaddress.ip_address(text.strip("[]")))
    text = text.rstrip(".")
    if not text:
        raise UsageError(f"{name!r} is not a host name")
    if text.isascii():
        lowered = text.lower()
        labels = lowered.split(".")
        if any(not label or len(label) > 63 for label in labels) or len(lowered) > 253:
            raise UsageError(f"{name!r} is not a valid host name")
        return lowered
    try:
        return idna.encode(text, uts46=True).decode("ascii").lower()
    except idna.IDNAError as exc:
        raise UsageError(f"{name!r} is not a valid host name: {exc}") from None
