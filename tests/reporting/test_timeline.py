"""The expiry timeline's layout: statuses, axis span, clipping, ticks (pure arithmetic)."""

from __future__ import annotations

import datetime as dt

from certready.adapters.reporting.timeline import (
    LABEL_WIDTH,
    TimelineEntry,
    layout,
    status_of,
)
from tests.reporting.sample import NOW


def entry(label: str, days_left: float, days_before: float = 30) -> TimelineEntry:
    return TimelineEntry(
        label=label,
        detail=f"{label} detail",
        not_valid_before=NOW - dt.timedelta(days=days_before),
        not_valid_after=NOW + dt.timedelta(days=days_left),
    )


def test_status_expired_soon_ok_and_not_yet_valid() -> None:
    assert status_of(entry("a", -1), NOW, 30) == "expired"
    assert status_of(entry("a", 29), NOW, 30) == "soon"
    assert status_of(entry("a", 29.9), NOW, 30) == "soon"
    assert status_of(entry("a", 30), NOW, 30) == "ok"  # as validity.expiring-soon: "< days"
    assert status_of(entry("a", 31), NOW, 30) == "ok"
    assert status_of(entry("a", 300, days_before=-5), NOW, 30) == "not-yet-valid"
    assert status_of(entry("a", 10), NOW, 0) == "ok"


def test_bars_sorted_by_expiry_and_marked() -> None:
    t = layout([entry("late", 300), entry("gone", -3), entry("soon", 20)], NOW, 30)
    assert [b.label for b in t.bars] == ["gone", "soon", "late"]
    assert [b.status for b in t.bars] == ["expired", "soon", "ok"]
    assert (t.expired, t.soon) == (1, 1)
    gone, soon, late = t.bars
    assert gone.width == 0 and gone.x == LABEL_WIDTH and "expired" in gone.end_label
    assert "3 d ago" in gone.end_label
    assert soon.x == late.x == LABEL_WIDTH  # valid bars start today
    assert 0 < soon.width < late.width
    assert late.x + late.width == t.chart_x1  # the axis ends at the latest expiry
    assert [b.y for b in t.bars] == sorted(b.y for b in t.bars)
    assert t.height > t.axis_y > max(b.y for b in t.bars)


def test_axis_is_capped_and_long_lived_roots_are_clipped() -> None:
    t = layout([entry("leaf", 200), entry("root", 3650)], NOW, 30, horizon_days=825)
    leaf, root = t.bars
    assert t.end == NOW + dt.timedelta(days=825)
    assert root.clipped and root.x + root.width == t.chart_x1
    assert not leaf.clipped and leaf.x + leaf.width < t.chart_x1
    assert "3650 d" in root.end_label


def test_short_axis_still_shows_the_warning_window() -> None:
    t = layout([entry("soon", 5)], NOW, 30)
    assert t.end == NOW + dt.timedelta(days=90)  # min_days, not five days
    assert t.threshold_x is not None and t.chart_x0 < t.threshold_x < t.chart_x1
    assert layout([entry("x", 5)], NOW, 1000, horizon_days=825).threshold_x is None


def test_ticks_are_inside_the_chart_and_clear_of_today() -> None:
    t = layout([entry("a", 700)], NOW, 30)
    assert 2 <= len(t.ticks) <= 8
    xs = [tick.x for tick in t.ticks]
    assert xs == sorted(xs)
    assert all(t.chart_x0 + 36 <= x <= t.chart_x1 for x in xs)
    # NOW is 2026-06-01: six-monthly ticks; July 2026 is too close to today to label
    assert [tick.label for tick in t.ticks][:2] == ["Jan 2027", "Jul 2027"]
    yearly = layout([entry("a", 3000)], NOW, 30, horizon_days=3000)
    assert all(tick.label.isdigit() for tick in yearly.ticks)


def test_long_labels_are_shortened_and_empty_report_has_no_bars() -> None:
    t = layout([entry("x" * 100, 10)], NOW, 30)
    assert len(t.bars[0].label) <= 44 and t.bars[0].label.endswith("…")
    empty = layout([], NOW, 30)
    assert empty.bars == () and empty.end > NOW


def test_days_left_on_the_bars_is_the_one_day_counter() -> None:
    gone = layout([entry("gone", -2.9)], NOW, 30).bars[0]
    assert gone.days_left == -2 and "(2 d ago)" in gone.end_label
