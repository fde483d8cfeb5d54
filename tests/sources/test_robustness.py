"""Damaged inputs of every format: the loader raises InputError and nothing else, ever."""

from __future__ import annotations

import base64
import json
import random
import re
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    Encoding,
    NoEncryption,
    PrivateFormat,
    pkcs7,
    pkcs12,
)

from certready.adapters.inputs import load_bytes
from certready.core.errors import InputError
from certready.interfaces.cli import ExitStatus
from tests.cli import run
from tests.pki import Issued, TestCA, new_key


def samples(ca: TestCA, leaf: Issued) -> dict[str, bytes]:
    ec = new_key("p256")
    return {
        "pem": ca.chain_pem(leaf) + leaf.key_pem(),
        "der": leaf.cert.public_bytes(Encoding.DER),
        "p7b": pkcs7.serialize_certificates([leaf.cert, ca.intermediate.cert], Encoding.DER),
        "p7b-pem": pkcs7.serialize_certificates([leaf.cert], Encoding.PEM),
        "pfx": pkcs12.serialize_key_and_certificates(
            b"x", leaf.key, leaf.cert, [ca.intermediate.cert], BestAvailableEncryption(b"pw")
        ),
        "pfx-open": pkcs12.serialize_key_and_certificates(None, ec, None, None, NoEncryption()),
        "pkcs1-der": leaf.key.private_bytes(
            Encoding.DER, PrivateFormat.TraditionalOpenSSL, NoEncryption()
        ),
        "pkcs8-enc-der": ec.private_bytes(
            Encoding.DER, PrivateFormat.PKCS8, BestAvailableEncryption(b"pw")
        ),
        "sec1-enc-pem": ec.private_bytes(
            Encoding.PEM, PrivateFormat.TraditionalOpenSSL, BestAvailableEncryption(b"pw")
        ),
        "b64": base64.b64encode(leaf.cert_pem()),
        "utf16": leaf.cert_pem().decode().encode("utf-16"),
    }


def mutate(rng: random.Random, data: bytes) -> bytes:
    d = bytearray(data)
    op = rng.randrange(4)
    if op == 0:
        return bytes(d[: rng.randrange(len(d))])
    if op == 1:
        for _ in range(rng.randrange(1, 8)):
            d[rng.randrange(len(d))] = rng.randrange(256)
        return bytes(d)
    if op == 2:
        start = rng.randrange(len(d))
        return bytes(d[:start] + d[start + rng.randrange(1, 60) :])
    start = rng.randrange(len(d))
    return bytes(d[:start] + rng.randbytes(rng.randrange(1, 40)) + d[start:])


@pytest.mark.parametrize("seed", range(4))
def test_damaged_inputs_raise_input_error_only(seed: int, ca: TestCA, leaf: Issued) -> None:
    rng = random.Random(seed)
    corpus = samples(ca, leaf)
    outcomes = {"bundle": 0, "error": 0}
    for i in range(300):
        name = rng.choice(sorted(corpus))
        data = mutate(rng, corpus[name])
        try:
            load_bytes(data, f"{name}-{i}", (lambda _s: b"pw") if i % 2 else None)
            outcomes["bundle"] += 1
        except InputError:
            outcomes["error"] += 1
    # the mutations did damage (most fail) and some survive (a flipped bit in a signature)
    assert outcomes["error"] > 100 and outcomes["bundle"] > 0


def test_short_iv_in_legacy_encrypted_key_is_refused_not_a_crash() -> None:
    """cryptography 50 panics on an AES IV shorter than 16 bytes in ``DEK-Info``."""
    key = new_key("p256")
    pem = key.private_bytes(
        Encoding.PEM, PrivateFormat.TraditionalOpenSSL, BestAvailableEncryption(b"pw")
    )
    damaged = re.sub(rb"(DEK-Info: [A-Z0-9-]+,)[0-9A-F]+", rb"\g<1>" + b"00" * 8, pem)
    with pytest.raises(InputError, match="DEK-Info line has an IV of the wrong length"):
        load_bytes(damaged, "damaged.key", lambda _s: b"pw")
    # negative control: the undamaged key loads with the same password
    assert load_bytes(pem, "good.key", lambda _s: b"pw").keys


def test_a_parser_panic_becomes_an_input_error(
    monkeypatch: pytest.MonkeyPatch, leaf: Issued
) -> None:
    """pyo3 turns a Rust panic into ``PanicException``, a BaseException: one file, not the batch."""
    from cryptography import x509

    class PanicException(BaseException):
        pass

    def panics(data: bytes) -> x509.Certificate:
        raise PanicException("assertion failed")

    monkeypatch.setattr(x509, "load_der_x509_certificate", panics)
    with pytest.raises(InputError, match="damaged beyond parsing") as info:
        load_bytes(leaf.cert.public_bytes(Encoding.DER), "panic.cer")
    assert info.value.location == "panic.cer"

    def interrupted(data: bytes) -> x509.Certificate:
        raise KeyboardInterrupt

    monkeypatch.setattr(x509, "load_der_x509_certificate", interrupted)
    with pytest.raises(KeyboardInterrupt):  # negative control: Ctrl-C still stops the run
        load_bytes(leaf.cert.public_bytes(Encoding.DER), "ctrl-c.cer")


def test_damaged_issuer_name_is_an_input_error_not_a_crash_later(
    ca: TestCA, leaf: Issued, tmp_path: Path
) -> None:
    """cryptography parses names lazily: the loader reads them so the analysis never trips."""
    der = leaf.cert.public_bytes(Encoding.DER)
    issuer = leaf.cert.issuer.public_bytes()
    tag = issuer.rindex(b"\x0c")  # the last UTF8String value: made a BOOLEAN, invalid here
    damaged = der.replace(issuer, issuer[:tag] + b"\x01" + issuer[tag + 1 :], 1)
    with pytest.raises(InputError, match=r"certificate #0 is damaged: its names cannot be read"):
        load_bytes(damaged, "damaged.cer")
    # and through the CLI: one line for it, the good file still linted
    (tmp_path / "damaged.cer").write_bytes(damaged)
    good = tmp_path / "good.pem"
    good.write_bytes(leaf.cert_pem())
    status, out, err = run("lint", str(tmp_path / "damaged.cer"), str(good), "-f", "json")
    assert status == ExitStatus.USAGE and "Traceback" not in err and "unexpected" not in err
    targets = {Path(t["target"]).name: t["status"] for t in json.loads(out)["targets"]}
    assert targets["good.pem"] == "ok"
