"""core.days: the one day counter; show and the reports count the same days at the same moment."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from certready.core.days import days_left, days_text
from tests.cli import run
from tests.pki import TestCA

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)


def test_whole_days_round_toward_zero_both_ways() -> None:
    assert days_left(NOW + dt.timedelta(days=2, hours=20), NOW) == 2
    assert days_left(NOW - dt.timedelta(days=2, hours=20), NOW) == -2  # not -3 (a floor)
    assert days_left(NOW - dt.timedelta(hours=1), NOW) == 0
    assert days_left(NOW + dt.timedelta(days=3), NOW) == 3  # whole days exactly
    assert days_left(NOW - dt.timedelta(days=3), NOW) == -3
    assert (days_text(1), days_text(0), days_text(12)) == ("1 day", "0 days", "12 days")


def test_show_and_the_text_report_agree(tmp_path: Path, ca: TestCA) -> None:
    """They disagreed by one day: show floored the negative span (4), the report did not (3)."""
    at = "2026-06-01T12:00:00Z"
    for ended, words in [
        (NOW - dt.timedelta(days=3, hours=1), ("expired 3 days ago", "(3 days ago)")),
        (NOW + dt.timedelta(days=5, hours=23), ("5 days left", "(5 days)")),
    ]:
        leaf = ca.issue("v.example.test", not_before=NOW - dt.timedelta(days=90), not_after=ended)
        path = tmp_path / "v.pem"
        path.write_bytes(leaf.cert_pem())
        _, shown, _ = run("show", str(path), "--at", at)
        _, report, _ = run("lint", str(path), "--at", at)
        assert words[0] in shown, shown
        assert words[1] in report, report
        # control: the neighbouring count (the old floor of show) appears in neither
        wrong = "4 days" if "expired" in words[0] else "6 days"
        assert wrong not in shown and wrong not in report
