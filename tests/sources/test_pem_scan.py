"""pem.scan_pem: the one PEM block scanner, in time linear in the input's size."""

from __future__ import annotations

import time

import pytest

from certready.adapters.inputs import load_bytes, scan_pem
from certready.core.errors import InputError
from tests.pki import TestCA

PUBLIC_KEY_BLOCK = b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"


def test_blocks_in_order_with_their_lines_and_text() -> None:
    data = (
        b"intro\n"
        + PUBLIC_KEY_BLOCK
        + b"between\n-----BEGIN X509 CRL-----\nQUJD\n-----END X509 CRL-----\n"
    )
    scan = scan_pem(data)
    assert [(b.label, b.line) for b in scan.blocks] == [(b"PUBLIC KEY", 2), (b"X509 CRL", 6)]
    assert scan.blocks[1].text == b"-----BEGIN X509 CRL-----\nQUJD\n-----END X509 CRL-----"
    assert scan.blocks[1].body == b"\nQUJD\n"
    assert scan.unterminated == ()


def test_a_begin_without_its_end_opens_nothing() -> None:
    # an END of another label does not close it; a BEGIN inside a block opens nothing either
    data = (
        b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END PUBLIC KEY-----\n"
        b"-----BEGIN PUBLIC KEY-----\n-----BEGIN CRL-----\n-----END PUBLIC KEY-----\n"
    )
    scan = scan_pem(data)
    assert [b.label for b in scan.blocks] == [b"PUBLIC KEY"]
    assert [(u.label, u.line) for u in scan.unterminated] == [(b"CERTIFICATE", 1), (b"CRL", 5)]
    # control: the same text with the END line the certificate lacked is two blocks
    fixed = data.replace(b"-----END PUBLIC KEY-----\n", b"-----END CERTIFICATE-----\n", 1)
    assert [b.label for b in scan_pem(fixed).blocks] == [b"CERTIFICATE", b"PUBLIC KEY"]


def _cpu_seconds(data: bytes) -> tuple[float, object]:
    start = time.process_time()  # this process only: other work on the machine does not count
    try:
        result: object = load_bytes(data, "hostile.pem")
    except InputError as exc:
        result = exc
    return time.process_time() - start, result


def test_4000_unterminated_begin_lines_are_read_in_well_under_a_second() -> None:
    """Quadratic before: each BEGIN line searched the rest of the file for its END (7 s)."""
    for line in (b"-----BEGIN CERTIFICATE-----\n", b"-----BEGIN PRIVATE KEY-----\n"):
        seconds, result = _cpu_seconds(line * 4000)
        assert isinstance(result, InputError)
        assert result.message.startswith("line 1: truncated PEM")
        assert seconds < 0.5, seconds
    # distinct labels cannot share one search either
    seconds, result = _cpu_seconds(b"".join(b"-----BEGIN X%d-----\n" % i for i in range(4000)))
    assert isinstance(result, InputError) and "the X0 block has no" in result.message
    assert seconds < 0.5, seconds


def test_one_certificate_among_80000_other_blocks_in_well_under_a_second(ca: TestCA) -> None:
    """Quadratic before (158 s): every block's line number was counted from the file's start."""
    leaf = ca.issue("app.example.test")
    seconds, bundle = _cpu_seconds(leaf.cert_pem() + PUBLIC_KEY_BLOCK * 80000)
    assert not isinstance(bundle, InputError), bundle
    assert [c.certificate for c in bundle.certificates] == [leaf.cert]  # type: ignore[attr-defined]
    notes = bundle.notes  # type: ignore[attr-defined]
    assert len(notes) == 80000
    first_line = leaf.cert_pem().count(b"\n") + 1
    assert (
        notes[-1] == f"line {first_line + 3 * 79999}: PUBLIC KEY block skipped: a public key alone"
    )
    assert seconds < 1.0, seconds


@pytest.mark.parametrize("tail", [b"-----BEGIN CERTIFICATE-----\n", b"-----BEGIN CERTIFICATE-----"])
def test_a_truncated_last_block_is_still_named(ca: TestCA, tail: bytes) -> None:
    cert = ca.issue("app.example.test").cert_pem()
    with pytest.raises(InputError) as info:
        load_bytes(cert + PUBLIC_KEY_BLOCK * 1000 + tail, "cut.pem")
    line = cert.count(b"\n") + 3000 + 1
    assert info.value.message.startswith(
        f"line {line}: truncated PEM: the CERTIFICATE block has no"
    )


def test_a_text_of_begin_words_is_named_in_well_under_a_second() -> None:
    """The mangled-dashes check looks at each run of capitals once (3.5 s before, backtracking)."""
    seconds, result = _cpu_seconds(b"BEGIN " * 10000 + b"x")
    assert isinstance(result, InputError) and "neither PEM nor DER" in result.message
    assert seconds < 0.5, seconds
    # control: the same words ending in a certificate label are a mangled BEGIN line
    _, mangled = _cpu_seconds(b"BEGIN " * 10000 + b"CERTIFICATE\nMIIB\n")
    assert isinstance(mangled, InputError) and "without the five dashes" in mangled.message
    _, pkcs7 = _cpu_seconds(b"\xe2\x80\x94BEGIN PKCS7\xe2\x80\x94\n")
    assert isinstance(pkcs7, InputError) and "without the five dashes" in pkcs7.message
