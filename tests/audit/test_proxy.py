"""Windows proxy bypass-list evaluation (core/proxy.py)."""

from __future__ import annotations

import pytest

from certready.core.proxy import parse_bypass


@pytest.mark.parametrize(
    ("bypass", "host", "expected"),
    [
        ("*.sunrise.example", "hcappserver.sunrise.example", True),
        ("*.sunrise.example", "sunrise.example", False),  # the dot is part of the pattern
        ("*.sunrise.example", "a.b.sunrise.example", True),  # * crosses dots, unlike a SAN
        ("sunrise.example", "app.sunrise.example", False),  # no * : exact only
        ("HCAPP.Sunrise.Example", "hcapp.sunrise.example", True),  # case-insensitive
        ("<local>", "hcappserver", True),
        ("<local>", "hcappserver.sunrise.example", False),
        ("10.*", "10.1.2.3", True),
        ("10.*", "110.1.2.3", False),
        ("hc*server.sunrise.example", "hcappserver.sunrise.example", True),
        ("https://mobile.sunrise.example:443", "mobile.sunrise.example", True),
        ("other.example;<local>;*.sunrise.example", "portal.sunrise.example", True),
        ("other.example;<local>", "portal.sunrise.example", False),
        (" ; ;", "portal.sunrise.example", False),
    ],
)
def test_bypass_matching(bypass: str, host: str, expected: bool) -> None:
    assert parse_bypass(bypass).matches(host) is expected


def test_semicolons_separate_and_commas_do_not() -> None:
    good = parse_bypass("a.example;b.example")
    assert [e.text for e in good.entries] == ["a.example", "b.example"]
    assert good.problems == ()
    bad = parse_bypass("a.example, b.example")
    assert len(bad.entries) == 1
    assert not bad.matches("a.example") and not bad.matches("b.example")
    assert "';' only" in bad.problems[0]


def test_matching_entry_names_the_entry() -> None:
    bypass = parse_bypass("x.example;*.sunrise.example")
    entry = bypass.matching_entry("app.sunrise.example")
    assert entry is not None and entry.text == "*.sunrise.example"
    assert bypass.matching_entry("app.other.example") is None
