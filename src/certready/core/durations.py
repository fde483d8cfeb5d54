"""Durations as every option writes them (``--expiring 30d``, ``prune --older-than 400d``,
``serve --every 6h``, a profile's ``validity.renewal-lead``): one grammar, ``\\d+[smhdw]``."""

from __future__ import annotations

import datetime as dt
import re

_DURATION = re.compile(r"(\d+)([smhdw])")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
GRAMMAR = "a number and a unit: s, m, h, d or w (30d, 12h, 2w)"


def parse_duration(text: str) -> dt.timedelta:
    """``"30d"`` -> 30 days. ``ValueError`` naming the text and the grammar otherwise."""
    match = _DURATION.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"{text!r} is not a duration ({GRAMMAR})")
    count, unit = match.groups()
    return dt.timedelta(seconds=int(count) * _UNIT_SECONDS[unit])


def format_duration(delta: dt.timedelta) -> str:
    """The inverse of :func:`parse_duration`, in the largest whole unit: 30 days -> ``"30d"``."""
    seconds = int(delta.total_seconds())
    for unit in ("w", "d", "h", "m"):
        size = _UNIT_SECONDS[unit]
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
