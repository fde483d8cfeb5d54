"""names.*: SAN present, hosts covered by SAN only, wildcard syntax, public suffixes, CN in SAN."""

from __future__ import annotations

import pytest

from certready.core.model import Role, Severity, SubjectAltName
from certready.core.rules.names import dns_name_covers, wildcard_problem
from tests.pki import TestCA
from tests.rules.helpers import facts, messages, run_rule


def test_san_missing_when_the_name_is_only_in_the_cn(ca: TestCA) -> None:
    leaf = ca.issue("app.example.test", sans=[])
    assert messages("names.san-missing", leaf.cert) == [
        "no subjectAltName extension: clients will not match the CN"
    ]
    assert messages("names.san-missing", ca.issue("app.example.test").cert) == []


def test_san_missing_when_the_san_has_only_an_email(ca: TestCA) -> None:
    only_email = facts(
        ca.issue("app.example.test").cert,
        subject_alt_name=SubjectAltName((), (), ("email:a@example.test",)),
    )
    assert messages("names.san-missing", only_email) == [
        "the subjectAltName has no DNS name or IP address"
    ]


@pytest.mark.parametrize(
    ("sans", "host", "covered"),
    [
        (["app.example.test"], "app.example.test", True),
        (["App.Example.Test"], "app.example.test", True),
        (["other.example.test"], "app.example.test", False),
        (["*.example.test"], "app.example.test", True),
        (["*.example.test"], "example.test", False),
        (["*.example.test"], "a.b.example.test", False),
        (["f*o.example.test"], "foo.example.test", False),
        (["*.example.test"], "xn--bcher-kva.example.test", False),
        (["xn--bcher-kva.example.test"], "xn--bcher-kva.example.test", True),
        (["10.0.0.5"], "10.0.0.5", True),
        (["10.0.0.5"], "10.0.0.6", False),
        (["2001:db8::1"], "2001:db8::1", True),
        (["app.example.test"], "10.0.0.5", False),
    ],
)
def test_host_coverage(ca: TestCA, sans: list[str], host: str, covered: bool) -> None:
    leaf = ca.issue("x.example.test", sans=sans, cn=None)
    found = messages("names.host-not-covered", leaf.cert, hosts=(host,))
    assert (found == []) is covered, found


def test_host_named_only_by_the_cn_is_not_covered(ca: TestCA) -> None:
    leaf = ca.issue("app.example.test", cn="app.example.test", sans=["www.example.test"])
    (message,) = messages("names.host-not-covered", leaf.cert, hosts=("app.example.test",))
    assert "it is the CN, but clients ignore the CN" in message
    assert "SAN: www.example.test" in message
    assert messages("names.host-not-covered", leaf.cert, hosts=("www.example.test",)) == []


def test_each_uncovered_host_is_reported_once(ca: TestCA) -> None:
    leaf = ca.issue("*.example.test")
    found = messages(
        "names.host-not-covered",
        leaf.cert,
        hosts=("app.example.test", "example.test", "10.1.1.1", "tablet.example.test"),
    )
    assert len(found) == 2
    assert "*.example.test covers names below example.test" in found[0]
    assert found[1].startswith("10.1.1.1 is not covered")


def test_ip_written_as_a_dns_name_does_not_cover_the_address(ca: TestCA) -> None:
    as_dns = facts(
        ca.issue("x.example.test").cert, subject_alt_name=SubjectAltName(("10.0.0.5",), ())
    )
    (message,) = messages("names.host-not-covered", as_dns, hosts=("10.0.0.5",))
    assert "must be an iPAddress entry" in message


def test_no_hosts_means_nothing_to_cover(ca: TestCA) -> None:
    assert messages("names.host-not-covered", ca.issue("app.example.test").cert) == []


@pytest.mark.parametrize(
    ("pattern", "problem"),
    [
        ("*.example.test", None),
        ("*.a.example.test", None),
        ("f*o.example.test", "partial-label"),
        ("*foo.example.test", "partial-label"),
        ("xn--*.example.test", "internationalised"),
        ("www.*.example.test", "not in the left-most label"),
        ("*.*.example.test", "more than one wildcard"),
        ("*.test", "at least two labels"),
    ],
)
def test_wildcard_syntax(ca: TestCA, pattern: str, problem: str | None) -> None:
    assert (wildcard_problem(pattern) is None) is (problem is None)
    leaf = ca.issue("x.example.test", sans=[pattern], cn=None)
    found = messages("names.wildcard-invalid", leaf.cert)
    if problem is None:
        assert found == []
    else:
        (message,) = found
        assert problem in message and pattern in message


def test_invalid_wildcard_covers_nothing() -> None:
    assert not dns_name_covers("f*o.example.test", "foo.example.test")
    assert dns_name_covers("*.example.test", "foo.example.test")


@pytest.mark.parametrize(
    ("pattern", "bad"),
    [
        ("*.com", True),
        ("*.co.uk", True),
        ("*.example.co.uk", False),
        ("*.example.com", False),
        ("*.github.io", False),  # a private-section suffix: allowed with only_icann (default)
        ("app.com", False),
    ],
)
def test_wildcard_over_public_suffix(ca: TestCA, pattern: str, bad: bool) -> None:
    leaf = ca.issue("x.example.test", sans=[pattern], cn=None)
    found = messages("names.wildcard-public-suffix", leaf.cert)
    assert bool(found) is bad, found
    if bad:
        assert found == [f"SAN {pattern} is a wildcard over the public suffix {pattern[2:]}"]


def test_cn_not_in_san(ca: TestCA) -> None:
    leaf = ca.issue("app.example.test", cn="HCAppServer", sans=["app.example.test"])
    assert messages("names.cn-not-in-san", leaf.cert) == [
        "the CN 'HCAppServer' is not in the subjectAltName"
    ]
    (finding,) = run_rule("names.cn-not-in-san", leaf.cert)
    assert finding.severity is Severity.WARNING
    (strict,) = run_rule("names.cn-not-in-san", leaf.cert, profile="webpki")
    assert strict.severity is Severity.ERROR


@pytest.mark.parametrize(
    ("cn", "sans"),
    [
        ("App.Example.Test", ["app.example.test"]),
        ("10.0.0.5", ["10.0.0.5"]),
        ("bücher.example.test", ["xn--bcher-kva.example.test"]),
        (None, ["app.example.test"]),
    ],
)
def test_cn_in_san_negative_controls(ca: TestCA, cn: str | None, sans: list[str]) -> None:
    leaf = ca.issue("x.example.test", cn=cn, sans=sans)
    assert messages("names.cn-not-in-san", leaf.cert) == []


@pytest.mark.parametrize(
    ("cn", "sans"),
    [
        ("App.Example.Test", ["app.example.test"]),  # case differs
        ("2001:DB8::1", ["2001:db8::1"]),  # IPv6 upper case
        ("2001:db8:0:0:0:0:0:1", ["2001:db8::1"]),  # IPv6 not compressed (RFC 5952)
    ],
)
def test_cn_not_in_san_exact_in_webpki(ca: TestCA, cn: str, sans: list[str]) -> None:
    """CA/B BR 7.1.4.3 compares byte for byte (webpki); homecare forgives case and spelling."""
    leaf = ca.issue("x.example.test", cn=cn, sans=sans)
    (finding,) = run_rule("names.cn-not-in-san", leaf.cert, profile="webpki")
    assert "byte for byte" in finding.message and finding.severity is Severity.ERROR
    assert messages("names.cn-not-in-san", leaf.cert) == []


@pytest.mark.parametrize(
    ("cn", "sans"),
    [
        ("app.example.test", ["app.example.test"]),
        ("2001:db8::1", ["2001:db8::1"]),
        (None, ["a.test"]),
    ],
)
def test_cn_exactly_in_san_passes_webpki(ca: TestCA, cn: str | None, sans: list[str]) -> None:
    leaf = ca.issue("x.example.test", cn=cn, sans=sans)
    assert messages("names.cn-not-in-san", leaf.cert, profile="webpki") == []


def test_name_rules_do_not_apply_to_the_sts_certificate(ca: TestCA) -> None:
    leaf = ca.issue("sts.example.test", sans=[], cn="Token Signing")
    for rule_id in ("names.san-missing", "names.host-not-covered", "names.cn-not-in-san"):
        assert messages(rule_id, leaf.cert, role=Role.STS, hosts=("app.example.test",)) == []
    assert messages("names.san-missing", leaf.cert, role=Role.SSL) != []
