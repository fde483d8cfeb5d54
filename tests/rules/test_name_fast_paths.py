"""The quick answers of ``dns_name_problem`` and ``is_ip`` agree with the label-by-label and
``ipaddress`` answers at the edges of what they accept (names that take the quick path and
their neighbours that must not)."""

from __future__ import annotations

from certready.core.hostnames import is_ip_address
from certready.core.rules.names import dns_name_problem, is_ip


def test_plain_names_pass_and_their_broken_neighbours_do_not() -> None:
    label63 = "a" * 63
    sound = [
        "host12.bench.example",
        "*.example.test",
        "a-b.c0.example",
        f"{label63}.example",
        ".".join(["a" * 49] * 5),  # 249 characters
    ]
    for name in sound:
        assert dns_name_problem(name) is None, name
    broken = {
        f"{'a' * 64}.example": "at most 63",
        "-a.example": "hyphen",
        "a-.example": "hyphen",
        "ab--c.example": "third and fourth",
        "xn--zz.example": "A-label",
        "a_b.example": "underscore",
        "Host.example": "letters, digits and hyphens",
        "a..example": "empty label",
        "example.": "empty label",
        "x.*.example": "letters, digits and hyphens",
        "a.example\n": "letters, digits and hyphens",
        ".".join(["a" * 50] * 5) + ".bb": "at most 253",
    }
    for name, words in broken.items():
        problem = dns_name_problem(name)
        assert problem is not None and words in problem, (name, problem)
    assert dns_name_problem("xn--bcher-kva.example") is None  # a valid A-label: the long way


def test_is_ip_answers_names_at_once_and_addresses_in_full() -> None:
    for text in ("1.2.3.4", "[::1]", "::1", "fe80::1%eth0", "[1.2.3.4]"):
        assert is_ip(text) and is_ip_address(text), text
    for text in ("host.example", "1.2.3", "1.2.3.4.", "256.1.1.1", "1.2.3.4%x", "a:b", "", "x"):
        assert not is_ip(text) and not is_ip_address(text), text
