"""The expiry timeline's layout: pure arithmetic from dates to SVG coordinates, no markup.

Every certificate of a report is a row on a time axis that starts today. A bar runs from today (or
from notBefore, if that is later) to notAfter; a certificate already expired is a marker at the
left edge. Certificates that expire within the policy's warning window are marked ``soon``. The
axis ends at the latest expiry, but no further than ``horizon_days`` (roots live for decades and
would squash every leaf to a sliver): longer bars are ``clipped`` and labelled with their date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Literal

from certready.core.days import days_left

Status = Literal["expired", "soon", "ok", "not-yet-valid"]

LABEL_WIDTH = 300
END_LABEL_WIDTH = 210
ROW_HEIGHT = 24
AXIS_HEIGHT = 34
TOP = 8
_TICK_STEPS = (1, 2, 3, 6, 12, 24)
_MAX_TICKS = 7
_TICK_CLEARANCE = 36.0
"""No tick label closer than this to the "today" line (its label sits there)."""
_LABEL_CHARS = 44


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One certificate to place on the axis."""

    label: str
    detail: str
    """Shown on hover: subject, where it came from, which targets use it."""
    not_valid_before: dt.datetime
    not_valid_after: dt.datetime


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    detail: str
    status: Status
    days_left: int
    """Whole days from now to notAfter; negative once expired."""
    x: float
    width: float
    y: float
    clipped: bool
    end_label: str


@dataclass(frozen=True, slots=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True, slots=True)
class Timeline:
    width: int
    height: int
    chart_x0: float
    chart_x1: float
    start: dt.datetime
    end: dt.datetime
    threshold_days: int
    threshold_x: float | None
    """Where today + warning window falls; ``None`` beyond the axis."""
    ticks: tuple[Tick, ...]
    bars: Collection[Bar]
    """In order of expiry; a streamed report's reads them back from its spool as it writes."""
    axis_y: float
    expired: int
    soon: int


def status_of(entry: TimelineEntry, now: dt.datetime, threshold_days: int) -> Status:
    if entry.not_valid_after < now:
        return "expired"
    if entry.not_valid_after - now < dt.timedelta(days=threshold_days):  # as the rule counts
        return "soon"
    if entry.not_valid_before > now:
        return "not-yet-valid"
    return "ok"


def _add_months(day: dt.datetime, months: int) -> dt.datetime:
    index = day.year * 12 + (day.month - 1) + months
    return day.replace(year=index // 12, month=index % 12 + 1, day=1)


def _ticks(start: dt.datetime, end: dt.datetime, x_of: _Scale) -> tuple[Tick, ...]:
    span_months = (end.year - start.year) * 12 + end.month - start.month + 1
    step = next((s for s in _TICK_STEPS if span_months / s <= _MAX_TICKS), _TICK_STEPS[-1])
    first = _add_months(start.replace(hour=0, minute=0, second=0, microsecond=0), 1)
    if step >= 12:
        first = first if first.month == 1 else _add_months(first, 13 - first.month)
    ticks: list[Tick] = []
    day = first
    while day <= end:
        x = x_of(day)
        if x - x_of(start) >= _TICK_CLEARANCE:
            ticks.append(Tick(x, day.strftime("%Y") if step >= 12 else day.strftime("%b %Y")))
        day = _add_months(day, step)
    return tuple(ticks)


class _Scale:
    def __init__(self, start: dt.datetime, end: dt.datetime, x0: float, x1: float) -> None:
        self.start, self.x0 = start, x0
        self.per_second = (x1 - x0) / max((end - start).total_seconds(), 1.0)

    def __call__(self, when: dt.datetime) -> float:
        return round(self.x0 + (when - self.start).total_seconds() * self.per_second, 1)


def _short(text: str) -> str:
    return text if len(text) <= _LABEL_CHARS else text[: _LABEL_CHARS - 1] + "…"


def layout(
    entries: Sequence[TimelineEntry],
    now: dt.datetime,
    threshold_days: int,
    *,
    width: int = 960,
    horizon_days: int = 825,
    min_days: int = 90,
) -> Timeline:
    """Place ``entries`` (sorted by expiry, soonest first) on an axis from ``now``.

    The axis spans at least ``min_days`` and twice the warning window, at most ``horizon_days``
    (825: the longest lifetime Apple clients accept for a TLS certificate).
    """
    ordered = sorted(entries, key=lambda e: (e.not_valid_after, e.label))
    latest = max((e.not_valid_after for e in ordered), default=now)
    axis = Axis(
        now, latest, threshold_days, width=width, horizon_days=horizon_days, min_days=min_days
    )
    bars = tuple(axis.bar(i, entry) for i, entry in enumerate(ordered))
    statuses = [b.status for b in bars]
    return axis.timeline(bars, statuses.count("expired"), statuses.count("soon"))


class Axis:
    """The axis of a timeline whose latest expiry is ``latest``: places one entry at a time (a
    streamed report has its entries in order of expiry without holding them)."""

    def __init__(
        self,
        now: dt.datetime,
        latest: dt.datetime,
        threshold_days: int,
        *,
        width: int = 960,
        horizon_days: int = 825,
        min_days: int = 90,
    ) -> None:
        shortest = now + dt.timedelta(days=max(min_days, 2 * threshold_days))
        self.now = now
        self.threshold_days = threshold_days
        self.width = width
        self.end = min(max(latest, shortest), now + dt.timedelta(days=horizon_days))
        self.x0, self.x1 = float(LABEL_WIDTH), float(width - END_LABEL_WIDTH)
        self.x_of = _Scale(now, self.end, self.x0, self.x1)

    def status(self, entry: TimelineEntry) -> Status:
        return status_of(entry, self.now, self.threshold_days)

    def bar(self, i: int, entry: TimelineEntry) -> Bar:
        """The ``i``-th entry (from 0, in order of expiry)."""
        now, end, x0, x_of = self.now, self.end, self.x0, self.x_of
        status = self.status(entry)
        left = days_left(entry.not_valid_after, now)
        y = float(TOP + i * ROW_HEIGHT)
        date = entry.not_valid_after.strftime("%Y-%m-%d")
        if status == "expired":
            bar_x, bar_w, clipped = x0, 0.0, False
            end_label = f"expired {date} ({-left} d ago)"
        else:
            begin = max(entry.not_valid_before, now)
            clipped = entry.not_valid_after > end
            bar_x = x_of(min(begin, end))
            bar_w = round(x_of(min(entry.not_valid_after, end)) - bar_x, 1)
            end_label = f"{date} ({left} d)"
        return Bar(
            label=_short(entry.label),
            detail=entry.detail,
            status=status,
            days_left=left,
            x=bar_x,
            width=max(bar_w, 0.0),
            y=y,
            clipped=clipped,
            end_label=end_label,
        )

    def timeline(self, bars: Collection[Bar], expired: int, soon: int) -> Timeline:
        """The timeline of ``bars`` (``expired`` and ``soon`` of them so marked)."""
        threshold_at = self.now + dt.timedelta(days=self.threshold_days)
        axis_y = float(TOP + len(bars) * ROW_HEIGHT + 4)
        return Timeline(
            width=self.width,
            height=int(axis_y + AXIS_HEIGHT),
            chart_x0=self.x0,
            chart_x1=self.x1,
            start=self.now,
            end=self.end,
            threshold_days=self.threshold_days,
            threshold_x=self.x_of(threshold_at) if threshold_at <= self.end else None,
            ticks=_ticks(self.now, self.end, self.x_of),
            bars=bars,
            axis_y=axis_y,
            expired=expired,
            soon=soon,
        )
