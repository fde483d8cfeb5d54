"""Windows proxy bypass lists ("Do not use proxy server for addresses beginning with").

The syntax Windows (WinINet, ``ProxyOverride``, ``netsh winhttp set proxy bypass-list=``) uses:

- entries are separated by ``;`` (whitespace around them is ignored; a ``,`` is not a separator);
- ``*`` in an entry matches any run of characters, dots included; matching ignores case;
- ``<local>`` matches every host name without a dot (``hcappserver``, not ``hcappserver.corp``);
- an entry may carry a scheme (``https://``) or a port (``:443``); both are ignored for matching here.

An entry without ``*`` matches only that exact name: ``sunrise.example`` does not cover
``app.sunrise.example``, and ``*.sunrise.example`` does not cover ``sunrise.example``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

LOCAL = "<local>"


@dataclass(frozen=True, slots=True)
class BypassEntry:
    text: str
    """The entry as written."""
    pattern: str
    """Host pattern: lower case, scheme and port removed."""

    def matches(self, host: str) -> bool:
        host = host.lower().rstrip(".")
        if self.pattern == LOCAL:
            return "." not in host and ":" not in host
        regex = ".*".join(re.escape(part) for part in self.pattern.split("*"))
        return re.fullmatch(regex, host) is not None


@dataclass(frozen=True, slots=True)
class BypassList:
    entries: tuple[BypassEntry, ...]
    problems: tuple[str, ...]
    """Entries Windows would not read the way they look (commas, spaces inside an entry)."""

    def matches(self, host: str) -> bool:
        return any(e.matches(host) for e in self.entries)

    def matching_entry(self, host: str) -> BypassEntry | None:
        return next((e for e in self.entries if e.matches(host)), None)


def parse_bypass(text: str) -> BypassList:
    """``"*.sunrise.example;<local>"`` -> its entries, and what looks wrong in it."""
    entries: list[BypassEntry] = []
    problems: list[str] = []
    for raw in text.split(";"):
        entry = raw.strip()
        if not entry:
            continue
        if "," in entry or any(c.isspace() for c in entry):
            problems.append(
                f"{entry!r} is one entry: Windows separates bypass entries with ';' only"
            )
        entries.append(BypassEntry(entry, _pattern(entry)))
    return BypassList(tuple(entries), tuple(problems))


def _pattern(entry: str) -> str:
    pattern = entry.lower()
    if pattern == LOCAL:
        return LOCAL
    pattern = re.sub(r"^[a-z][a-z0-9+.-]*://", "", pattern)
    if pattern.startswith("["):  # [::1]:443
        return pattern[1:].split("]", 1)[0]
    if pattern.count(":") == 1:
        host, port = pattern.split(":")
        if port.isdigit() or port == "*":
            pattern = host
    return pattern.rstrip(".")
