"""Hostile --host / --sni values: a one-line input error (exit 2), never a finding about them."""

from __future__ import annotations

from pathlib import Path

import pytest

from certready.core.errors import UsageError
from certready.core.hostnames import normalise_host, reference_host
from tests.cli import run
from tests.pki import TestCA


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory, ca: TestCA) -> tuple[Path, Path]:
    directory = tmp_path_factory.mktemp("hosts")
    leaf = ca.issue("app.example.test")
    chain = directory / "chain.pem"
    chain.write_bytes(ca.chain_pem(leaf))
    return chain, ca.root_file(directory)


@pytest.mark.parametrize(
    ("host", "says"),
    [
        ("garb age!!", "not a valid host name"),
        ("app.example.test:443", "without a port"),
        ("https://app.example.test/", "without scheme or path"),
        ("999.1.1.1", "not a valid IP address"),
        ("-x", "not a valid host name"),
        ("*.example.test", "wildcard"),
    ],
)
def test_lint_rejects_a_bad_host(files: tuple[Path, Path], host: str, says: str) -> None:
    chain, root = files
    status, out, err = run("lint", str(chain), "--trust", str(root), "--host", host)
    assert status == 2
    assert says in err and "Traceback" not in err
    assert "names.host-not-covered" not in out


@pytest.mark.parametrize(
    "host", ["app.example.test", "APP.example.test.", "x_y.example.test", "::1", "bücher.test"]
)
def test_lint_takes_a_good_host(files: tuple[Path, Path], host: str) -> None:
    """Negative control: real names (IDN, trailing dot, IPv6, underscore) are findings, not errors."""
    chain, root = files
    status, _, err = run("lint", str(chain), "--trust", str(root), "--host", host)
    assert status in (0, 1), err
    assert "error:" not in err


def test_certificate_names_may_hold_wildcards_but_client_names_not() -> None:
    assert normalise_host("*.Example.test") == "*.example.test"  # csr / lab issue a wildcard
    assert reference_host("App.Example.test.") == "app.example.test"
    with pytest.raises(UsageError):
        reference_host("*.example.test")
    with pytest.raises(UsageError):
        normalise_host("a.b c.example.test")


def test_scan_sni_rejects_garbage() -> None:
    status, _, err = run("scan", "127.0.0.1:1", "--sni", "bad name", "--timeout", "1")
    assert status == 2
    assert "not a valid host name" in err


def test_a_line_break_inside_a_name_is_refused() -> None:
    """A label ending in a line break is no host name (``$`` alone would let it through)."""
    for bad in ("a\n.example.test", "app.example\n.test"):
        with pytest.raises(UsageError):
            normalise_host(bad)
    assert normalise_host("a.example.test\n") == "a.example.test"  # control: outer space is trimmed


def test_one_ip_address_helper() -> None:
    from certready.core.hostnames import ip_address, is_ip_address

    assert str(ip_address("192.0.2.1")) == "192.0.2.1" and str(ip_address("::1")) == "::1"
    assert is_ip_address("[2001:db8::1]") and ip_address("[2001:db8::1]") is None  # exact text
    for not_an_address in ("app.example.test", "192.0.2", "1.2.3.4.5", "::1]x", ""):
        assert ip_address(not_an_address) is None and not is_ip_address(not_an_address)


@pytest.mark.parametrize(
    ("given", "meant"),
    [
        ("https://App.example.test/login", "app.example.test"),
        ("app.example.test:443", "app.example.test"),
        ("https://admin@app.example.test:8443/", "app.example.test"),
        ("[::1]:443", "::1"),
    ],
)
def test_a_url_or_host_port_names_the_host_it_holds(given: str, meant: str) -> None:
    with pytest.raises(UsageError) as info:
        reference_host(given)
    assert info.value.message.endswith(f"({meant})")
    assert reference_host(meant) == meant  # control: the name it suggests is accepted


def test_control_a_bad_name_without_scheme_or_port_suggests_nothing() -> None:
    with pytest.raises(UsageError) as info:
        reference_host("garb age!!")
    assert not info.value.message.endswith("(garb age!!)") and "without" not in info.value.message
