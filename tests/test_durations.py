from __future__ import annotations

import datetime as dt

import pytest

from certready.core.durations import format_duration, parse_duration
from certready.core.errors import PolicyError
from certready.core.policy import DEFAULT_RENEWAL_LEAD, parse_policy


@pytest.mark.parametrize(
    ("text", "delta"),
    [
        ("45s", dt.timedelta(seconds=45)),
        ("10m", dt.timedelta(minutes=10)),
        ("12h", dt.timedelta(hours=12)),
        ("30d", dt.timedelta(days=30)),
        ("2w", dt.timedelta(weeks=2)),
        ("0d", dt.timedelta(0)),
    ],
)
def test_the_one_duration_grammar(text: str, delta: dt.timedelta) -> None:
    assert parse_duration(text) == delta
    assert parse_duration(format_duration(delta)) == delta


@pytest.mark.parametrize("text", ["30", "d", "1.5d", "-1d", "3y", "30 d", "30D", "1d2h", ""])
def test_anything_else_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration(text)


def test_renewal_lead_from_the_profile() -> None:
    assert parse_policy("", source="p.toml").renewal_lead == DEFAULT_RENEWAL_LEAD
    policy = parse_policy('[validity]\nrenewal-lead = "45d"\n', source="p.toml")
    assert policy.renewal_lead == dt.timedelta(days=45)
    with pytest.raises(PolicyError, match=r"validity\.renewal-lead.*not a duration"):
        parse_policy('[validity]\nrenewal-lead = "45 days"\n', source="p.toml")
    with pytest.raises(PolicyError, match=r"unknown key validity\.lead"):
        parse_policy('[validity]\nlead = "45d"\n', source="p.toml")
