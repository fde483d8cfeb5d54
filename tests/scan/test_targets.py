"""Target parsing: host, host:port, [v6]:port, https:// URLs, targets files."""

from __future__ import annotations

import pytest

from certready.core.errors import InputError, UsageError
from certready.core.targets import ScanTarget, parse_target, parse_targets_file


@pytest.mark.parametrize(
    ("text", "host", "port"),
    [
        ("app.example.com", "app.example.com", 443),
        ("App.Example.COM.", "app.example.com", 443),
        ("app.example.com:8443", "app.example.com", 8443),
        ("10.0.0.5", "10.0.0.5", 443),
        ("10.0.0.5:4443", "10.0.0.5", 4443),
        ("[2001:db8::1]:8443", "2001:db8::1", 8443),
        ("[2001:db8::1]", "2001:db8::1", 443),
        ("2001:db8::1", "2001:db8::1", 443),
        ("https://app.example.com/login?x=1", "app.example.com", 443),
        ("https://app.example.com:9443/", "app.example.com", 9443),
        ("HTTPS://[::1]:8443/path", "::1", 8443),
        ("ldaps://dc1.example.com", "dc1.example.com", 636),
        ("bücher.example", "xn--bcher-kva.example", 443),
    ],
)
def test_parse_target(text: str, host: str, port: int) -> None:
    target = parse_target(text)
    assert (target.host, target.port, target.text) == (host, port, text)


def test_location_brackets_ipv6() -> None:
    assert str(parse_target("[::1]:8443").location) == "tls://[::1]:8443"
    assert str(parse_target("app:1").location) == "tls://app:1"
    assert parse_target("::1").is_ip and not parse_target("app").is_ip


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "empty target"),
        ("app.example.com:0", "port"),
        ("app.example.com:99999", "port"),
        ("app.example.com:https", "port"),
        ("[::1", "missing ']'"),
        ("[::1]x", "':port'"),
        ("ftp://app.example.com", "unsupported scheme"),
        (":443", "no host"),
        ("a..b", "not a valid host name"),
        ("bad:port:x", "[address]:port"),
        ("app/x", "not a valid host name"),
        ("-app.example.com", "not a valid host name"),
    ],
)
def test_parse_target_errors_name_the_target(text: str, fragment: str) -> None:
    with pytest.raises(UsageError) as info:
        parse_target(text)
    assert fragment in str(info.value)


def test_targets_file_lines_comments_and_errors() -> None:
    text = "# servers\napp.example.com\n\n  mobile.example.com:8443  # mobile\nbad:port\n[::1]:1\n"
    items = parse_targets_file(text, "servers.txt")
    assert [i.host if isinstance(i, ScanTarget) else None for i in items] == [
        "app.example.com",
        "mobile.example.com",
        None,
        "::1",
    ]
    error = items[2]
    assert isinstance(error, InputError)
    assert error.location == "servers.txt:5"
    assert "port" in error.message


def test_parse_resolve() -> None:
    from certready.core.targets import parse_resolve

    assert parse_resolve("App.Example.com:443:10.0.0.5") == ("app.example.com", 443, "10.0.0.5")
    assert parse_resolve("app:8443:[2001:db8::5]") == ("app", 8443, "2001:db8::5")
    for bad, fragment in (
        ("app:443", "host:port:address"),
        ("app:x:10.0.0.5", "port"),
        ("app:443:backend.local", "not an IP address"),
    ):
        with pytest.raises(UsageError) as info:
            parse_resolve(bad)
        assert fragment in str(info.value)
