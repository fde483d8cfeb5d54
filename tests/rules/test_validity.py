"""validity.*: expired, not yet valid, expiring soon, CA/B SC-081 lifetimes, Apple's 825 days."""

from __future__ import annotations

import datetime as dt

import pytest

from certready.core.model import Role, Severity
from certready.core.rules.validity import cabf_max_days
from tests.pki import NOW, TestCA
from tests.rules.helpers import days, messages, run_rule

UTC = dt.UTC


def test_expired(ca: TestCA) -> None:
    leaf = ca.issue("a.example.test", not_before=NOW - days(100), days=90).cert
    (message,) = messages("validity.expired", leaf)
    assert message.startswith("expired on ") and "(10 days ago)" in message
    assert messages("validity.expired", leaf, role=Role.STS) != []
    assert messages("validity.expired", ca.issue("a.example.test").cert) == []
    # the expiry warning does not repeat an expiry
    assert messages("validity.expiring-soon", leaf) == []


def test_not_yet_valid(ca: TestCA) -> None:
    leaf = ca.issue("a.example.test", not_before=NOW + days(2)).cert
    assert messages("validity.not-yet-valid", leaf)[0].startswith("not valid before ")
    assert messages("validity.not-yet-valid", ca.issue("a.example.test").cert) == []


def test_expiring_soon(ca: TestCA) -> None:
    leaf = ca.issue("a.example.test", not_before=NOW - days(80), days=90).cert
    (finding,) = run_rule("validity.expiring-soon", leaf)
    assert finding.severity is Severity.WARNING
    assert "in 10 days (warning threshold 30 days)" in finding.message
    later = ca.issue("a.example.test", not_before=NOW - days(50), days=90).cert
    assert messages("validity.expiring-soon", later) == []
    assert messages("validity.expiring-soon", leaf, profile="webpki") == []


@pytest.mark.parametrize(
    ("issued", "limit"),
    [
        (dt.datetime(2019, 1, 1, tzinfo=UTC), 825),
        (dt.datetime(2020, 9, 1, tzinfo=UTC), 398),
        (dt.datetime(2026, 3, 14, 23, 59, tzinfo=UTC), 398),
        (dt.datetime(2026, 3, 15, tzinfo=UTC), 200),
        (dt.datetime(2027, 3, 15, tzinfo=UTC), 100),
        (dt.datetime(2029, 3, 15, tzinfo=UTC), 47),
    ],
)
def test_cabf_schedule(issued: dt.datetime, limit: int) -> None:
    assert cabf_max_days(issued) == limit


def test_lifetime_cabf_for_a_public_certificate(ca: TestCA) -> None:
    issued = dt.datetime(2026, 4, 1, tzinfo=UTC)
    too_long = ca.issue("a.example.test", not_before=issued, days=397).cert
    (message,) = messages("validity.lifetime-cabf", too_long, issuer_is_public=True, now=issued)
    assert "at most 200 days" in message and "397 days" in message
    # negative controls: a private CA, an undetermined issuer, or a lifetime within the limit
    assert messages("validity.lifetime-cabf", too_long, issuer_is_public=False, now=issued) == []
    assert messages("validity.lifetime-cabf", too_long, now=issued) == []
    ok = ca.issue("a.example.test", not_before=issued, days=199).cert
    assert messages("validity.lifetime-cabf", ok, issuer_is_public=True, now=issued) == []


def test_lifetime_cabf_counts_the_validity_period_inclusively(ca: TestCA) -> None:
    # BR §1.6.1: notBefore through notAfter inclusive; exactly 200 days + 1 s is one second over
    issued = dt.datetime(2026, 4, 1, tzinfo=UTC)
    at_limit = ca.issue(
        "a.example.test", not_before=issued, not_after=issued + days(200) - dt.timedelta(seconds=1)
    ).cert
    over = ca.issue("a.example.test", not_before=issued, days=200).cert
    assert messages("validity.lifetime-cabf", at_limit, issuer_is_public=True, now=issued) == []
    assert messages("validity.lifetime-cabf", over, issuer_is_public=True, now=issued) != []


def test_lifetime_apple(ca: TestCA) -> None:
    long = ca.issue("a.example.test", days=826).cert
    assert messages("validity.lifetime-apple", long) == [
        "valid for 826 days; Apple clients reject TLS certificates valid for more than 825 days"
    ]
    assert messages("validity.lifetime-apple", ca.issue("a.example.test", days=825).cert) == []
    old = ca.issue("a.example.test", not_before=dt.datetime(2019, 6, 1, tzinfo=UTC), days=1000)
    assert messages("validity.lifetime-apple", old.cert) == []  # issued before 2019-07-01
    assert messages("validity.lifetime-apple", long, profile="webpki") == []
    # lifetimes are a TLS matter: not checked on the token-signing certificate
    assert messages("validity.lifetime-apple", long, role=Role.STS) == []


def test_less_than_a_day(ca: TestCA) -> None:
    leaf = ca.issue("a.example.test", not_before=NOW - days(10), not_after=NOW + days(0.5)).cert
    assert "in less than a day" in messages("validity.expiring-soon", leaf)[0]
    assert "(less than a day ago)" in messages("validity.expired", leaf, now=NOW + days(0.6))[0]
    assert "(1 day ago)" in messages("validity.expired", leaf, now=NOW + days(1.6))[0]


def test_webpki_judges_every_leaf_lifetime(ca: TestCA) -> None:
    """Issue 12 item 13: `--profile webpki` said nothing about a 900-day certificate linted
    without its chain (the rule waited for a public root); the profile is the claim."""
    issued = dt.datetime(2026, 4, 1, tzinfo=UTC)
    long = ca.issue("a.example.test", not_before=issued, days=900).cert
    for public in (None, False, True):
        (message,) = messages(
            "validity.lifetime-cabf", long, profile="webpki", issuer_is_public=public, now=issued
        )
        assert (
            "valid for 900 days and 1 second from 2026-04-01" in message
            and "at most 200 days" in message
        )
    # controls: homecare still asks for a public root; a lifetime within the limit passes webpki
    assert messages("validity.lifetime-cabf", long, now=issued) == []
    assert messages("validity.lifetime-cabf", long, issuer_is_public=False, now=issued) == []
    ok = ca.issue("a.example.test", not_before=issued, days=199).cert
    assert messages("validity.lifetime-cabf", ok, profile="webpki", now=issued) == []


def test_boundary_messages_do_not_contradict_themselves(ca: TestCA) -> None:
    """One second over the limit read "valid for 825 days ... at most 825 days"."""
    issued = dt.datetime(2019, 1, 1, tzinfo=UTC)
    over = ca.issue("a.example.test", not_before=issued, days=825).cert  # + 1 s inclusive
    (message,) = messages("validity.lifetime-cabf", over, profile="webpki", now=issued)
    assert message.startswith("valid for 825 days and 1 second from 2019-01-01")
    assert "at most 825 days" in message
    apple = ca.issue(
        "a.example.test",
        not_before=NOW - days(1),
        not_after=NOW - days(1) + days(825) + dt.timedelta(hours=3),
    ).cert
    assert messages("validity.lifetime-apple", apple) == [
        "valid for 825 days and 3 hours; Apple clients reject TLS certificates valid for more "
        "than 825 days"
    ]
    # control: exactly at the limit says nothing
    at = ca.issue(
        "a.example.test", not_before=issued, not_after=issued + days(825) - dt.timedelta(seconds=1)
    ).cert
    assert messages("validity.lifetime-cabf", at, profile="webpki", now=issued) == []
