"""Reference identifiers: the names clients type, normalised the way certificates spell them.

RFC 9525 §6.2: compare DNS names as A-labels, case-insensitively, without a trailing dot; an IP
address is compared as an address, never as text.
"""

from __future__ import annotations

import ipaddress
import re

import idna

from certready.core.errors import UsageError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def ip_address(text: str) -> IPAddress | None:
    """The IPv4 or IPv6 address ``text`` spells exactly, or ``None``: the one place that asks
    "is this an IP address?" (everything else calls this or :func:`is_ip_address`)."""
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def is_ip_address(name: str) -> bool:
    """Whether ``name`` is an IP address, IPv6 in brackets or not (``[::1]``, ``::1``)."""
    return ip_address(name.strip("[]")) is not None


def a_label(text: str) -> str:
    """``Bücher.Example`` -> ``xn--bcher-kva.example`` (UTS #46); raises ``idna.IDNAError``."""
    if text.isascii():
        return text.lower()
    return idna.encode(text, uts46=True).decode("ascii").lower()


def normalise_host(name: str) -> str:
    """``App.Example.COM.`` -> ``app.example.com``; ``bücher.example`` -> ``xn--bcher-kva.example``;
    ``[::1]`` -> ``::1``. A name that is neither a DNS name nor an address raises UsageError."""
    text = name.strip()
    address = ip_address(text.strip("[]"))
    if address is not None:
        return str(address)
    text = text.rstrip(".")
    if not text:
        raise UsageError(f"{name!r} is not a host name")
    if "://" in text or "/" in text:
        raise UsageError(
            f"{name!r} is not a valid host name: give the name alone, without scheme or path"
            f"{_meant(text)}"
        )
    if ":" in text:
        raise UsageError(
            f"{name!r} is not a valid host name: give the name alone, without a port{_meant(text)}"
        )
    try:
        lowered = a_label(text)
    except idna.IDNAError as exc:
        raise UsageError(f"{name!r} is not a valid host name: {exc}") from None
    labels = lowered.split(".")
    if any(not label or len(label) > 63 for label in labels) or len(lowered) > 253:
        raise UsageError(f"{name!r} is not a valid host name")
    if not all(_LABEL.fullmatch(label) for label in labels):
        raise UsageError(
            f"{name!r} is not a valid host name (letters, digits and hyphens between dots)"
        )
    if all(label.isdigit() for label in labels):
        raise UsageError(f"{name!r} is not a valid IP address")
    return lowered


def _meant(text: str) -> str:
    """`` (app.example.com)``: the host part of a URL or ``host:port`` given as a name."""
    rest = text.split("://", 1)[-1].split("/", 1)[0].rsplit("@", 1)[-1]
    host = rest[1:].split("]", 1)[0] if rest.startswith("[") else rest.split(":", 1)[0]
    return f" ({host.lower()})" if host and host != text else ""


def reference_host(name: str) -> str:
    """A name a client connects to (``--host``, ``--sni``): :func:`normalise_host`, and never a
    wildcard: clients ask for one exact name (RFC 9525 §6.3), the certificate holds wildcards."""
    normalised = normalise_host(name)
    if "*" in normalised:
        raise UsageError(
            f"{name!r}: a client never asks for a wildcard name; give the exact names clients "
            "type (repeat the option for each)"
        )
    return normalised


# LDH labels (RFC 1123 §2.1); "_" is tolerated as Windows and service names use it, "*" is
# left for the names.wildcard-* rules to judge (a certificate or request may hold one).
_LABEL = re.compile(r"^[a-z0-9_*]([a-z0-9_*-]*[a-z0-9_*])?$")
