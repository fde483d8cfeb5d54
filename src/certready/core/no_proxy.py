"""``NO_PROXY`` as curl, Python (urllib, requests) and Go read it.

- entries are separated by commas (whitespace around them ignored; curl also accepts spaces);
- ``*`` alone bypasses the proxy for every host;
- a name matches itself and every name below it: ``example.org`` and ``.example.org`` both cover
  ``example.org`` and ``app.example.org`` (a leading dot or ``*.`` is dropped);
- an IP address matches itself; a CIDR block (``10.0.0.0/8``) matches the addresses inside it;
- a ``:port`` suffix is ignored here (doctor asks about one name, whatever the port);
- matching ignores case.

Windows' ``ProxyOverride`` syntax is another one: :mod:`certready.core.proxy`.
"""

from __future__ import annotations

import ipaddress
import re


def no_proxy_entries(text: str) -> tuple[str, ...]:
    return tuple(e for e in re.split(r"[,\s]+", text.strip()) if e)


def no_proxy_entry(text: str, host: str) -> str | None:
    """The first entry of ``text`` that sends ``host`` direct, or ``None``."""
    name = host.lower().rstrip(".").strip("[]")
    address = _address(name)
    for entry in no_proxy_entries(text):
        if _matches(entry, name, address):
            return entry
    return None


def _matches(
    entry: str, name: str, address: ipaddress.IPv4Address | ipaddress.IPv6Address | None
) -> bool:
    pattern = entry.lower()
    if pattern == "*":
        return True
    if pattern.startswith("["):  # [::1]:443
        pattern = pattern[1:].split("]", 1)[0]
    elif pattern.count(":") == 1:
        pattern = pattern.split(":", 1)[0]
    if "/" in pattern:
        if address is None:
            return False
        try:
            return address in ipaddress.ip_network(pattern, strict=False)
        except ValueError:
            return False
    entry_address = _address(pattern)
    if entry_address is not None or address is not None:
        return entry_address is not None and entry_address == address
    pattern = pattern.removeprefix("*").lstrip(".").rstrip(".")
    return bool(pattern) and (name == pattern or name.endswith("." + pattern))


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None
