"""Bounded key derivation (issue 14): a PKCS#12 file or an encrypted PKCS#8 key that asks for
more derivation work than the documented ceilings is refused at once, in one line naming the
file and the count, and the derivation never starts; the defaults of Windows, OpenSSL and Java
(and counts up to the ceiling) still open."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    Encoding,
    PrivateFormat,
    pkcs12,
)

from certready.adapters.inputs import load_bytes
from certready.adapters.inputs.kdf import (
    MAX_ITERATIONS,
    pkcs8_work_factors,
    pkcs12_work_factors,
)
from certready.core.errors import InputError
from tests.cli import run
from tests.pki import Issued, new_key
from tests.sources import asn1tree

HUGE = 2**31 - 1
"""The count that kept a run busy until it was killed."""
PANIC = 2**32 + 1
"""A PBKDF2 count cryptography cannot take: it prints a Rust panic."""
QUICK = 1.0
"""Seconds a refusal may take (it takes about a millisecond: no derivation runs)."""


def _pfx(leaf: Issued, rounds: int = 2048) -> bytes:
    encryption = (
        PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(rounds)
        .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
        .hmac_hash(hashes.SHA256())
        .build(b"secret")
    )
    return pkcs12.serialize_key_and_certificates(b"app", leaf.key, leaf.cert, None, encryption)


def _pkcs8(encoding: Encoding = Encoding.DER) -> bytes:
    """PBES2: PBKDF2 (2,048 iterations, as cryptography and OpenSSL write) and AES-256-CBC."""
    encryption = BestAvailableEncryption(b"secret")
    return new_key("p256").private_bytes(encoding, PrivateFormat.PKCS8, encryption)


def _refused(data: bytes, source: str, password: bytes | None = b"secret") -> InputError:
    started = time.perf_counter()
    with pytest.raises(InputError) as caught:
        load_bytes(data, source, None if password is None else (lambda _s: password))
    assert time.perf_counter() - started < QUICK
    assert "\n" not in caught.value.message
    return caught.value


def test_the_walker_reads_every_count_of_a_pfx(leaf: Issued) -> None:
    factors = pkcs12_work_factors(_pfx(leaf, 2050))
    iterations = [f.value for f in factors if "iteration" in f.what]
    assert iterations == [2048, 2050, 2050]  # MAC (cryptography: always 2,048), two bags
    assert factors[0].what == "PKCS#12 MAC iteration count"


@pytest.mark.parametrize(("which", "what"), [(-1, "MAC"), (0, "PBKDF2"), (1, "PBKDF2")])
def test_a_pfx_asking_2_31_iterations_is_refused_at_once(
    leaf: Issued, which: int, what: str
) -> None:
    data = asn1tree.replace_integer(_pfx(leaf), 2048, HUGE, which=which)
    exc = _refused(data, "evil.pfx")
    assert exc.location == "evil.pfx"
    assert what in exc.message and "2,147,483,647" in exc.message
    assert f"{MAX_ITERATIONS:,}" in exc.message and "Windows writes 2,000" in exc.message
    # negative control: the same file with its own count opens
    assert load_bytes(_pfx(leaf), "good.pfx", lambda _s: b"secret").keys


def test_a_pfx_at_the_ceiling_is_not_refused(leaf: Issued) -> None:
    data = asn1tree.replace_integer(_pfx(leaf), 2048, MAX_ITERATIONS, which=-1)
    assert pkcs12_work_factors(data)[0].value == MAX_ITERATIONS
    assert not any(f.excessive for f in pkcs12_work_factors(data))
    over = asn1tree.replace_integer(_pfx(leaf), 2048, MAX_ITERATIONS + 1, which=-1)
    assert "1,000,001" in _refused(over, "over.pfx").message


@pytest.mark.parametrize("count", [HUGE, PANIC])
@pytest.mark.parametrize("encoding", [Encoding.DER, Encoding.PEM])
def test_an_encrypted_key_asking_too_much_is_refused(
    encoding: Encoding, count: int, capfd: pytest.CaptureFixture[str]
) -> None:
    der = asn1tree.replace_integer(_pkcs8(), 2048, count, which=0)
    data = der
    if encoding is Encoding.PEM:
        import base64

        body = base64.encodebytes(der)
        data = (
            b"-----BEGIN ENCRYPTED PRIVATE KEY-----\n"
            + body
            + b"-----END ENCRYPTED PRIVATE KEY-----\n"
        )
    exc = _refused(data, "evil.key")
    assert "PBKDF2 iteration count" in exc.message and f"{count:,}" in exc.message
    assert "panicked" not in capfd.readouterr().err
    # the count is refused before the password matters: none given, the same refusal
    assert _refused(data, "evil.key", None).message == exc.message
    # negative control: the same key at OpenSSL's default count opens
    assert load_bytes(_pkcs8(encoding), "good.key", lambda _s: b"secret").keys


def test_the_walker_reads_a_pkcs8_count() -> None:
    data = asn1tree.replace_integer(_pkcs8(), 2048, 3000, which=0)
    assert [f.value for f in pkcs8_work_factors(data)] == [3000]


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_openssl_scrypt_default_opens_and_a_huge_n_is_refused(tmp_path: Path) -> None:
    key = tmp_path / "plain.pem"
    key.write_bytes(
        new_key("p256").private_bytes(
            Encoding.PEM, PrivateFormat.PKCS8, BestAvailableEncryption(b"x")
        )
    )
    out = tmp_path / "scrypt.der"
    subprocess.run(
        [
            "openssl",
            "pkcs8",
            "-topk8",
            "-scrypt",
            "-in",
            str(key),
            "-passin",
            "pass:x",
            "-passout",
            "pass:secret",
            "-outform",
            "DER",
            "-out",
            str(out),
        ],
        check=True,
        capture_output=True,
    )
    data = out.read_bytes()
    factors = {f.what: f.value for f in pkcs8_work_factors(data)}
    assert factors["scrypt memory (128 N r)"] == 128 * 16384 * 8
    # negative control: OpenSSL's default parameters open
    assert load_bytes(data, "scrypt.key", lambda _s: b"secret").keys
    evil = asn1tree.replace_integer(data, 16384, 2**24, which=0)
    exc = _refused(evil, "scrypt.key")
    assert "scrypt memory" in exc.message and "16,384" in exc.message


def test_lint_names_the_file_and_the_count_and_goes_on(tmp_path: Path, leaf: Issued) -> None:
    evil = tmp_path / "evil.pfx"
    evil.write_bytes(asn1tree.replace_integer(_pfx(leaf), 2048, HUGE, which=-1))
    good = tmp_path / "good.pem"
    good.write_bytes(leaf.cert.public_bytes(Encoding.PEM))
    (tmp_path / "pw").write_text("secret\n")
    started = time.perf_counter()
    code, out, err = run("lint", str(good), str(evil), "--password-file", str(tmp_path / "pw"))
    assert time.perf_counter() - started < 10
    assert "Traceback" not in err and "panicked" not in err
    assert "evil.pfx" in out and "2,147,483,647" in out
    assert "good.pem" in out  # the rest of the batch still ran
    assert code == 2


def test_the_walker_reads_a_ber_pfx(leaf: Issued) -> None:
    """Windows and older Java write BER: indefinite lengths, OCTET STRINGs in pieces."""
    [(_, parts)] = asn1tree.parse(_pfx(leaf, 2050))
    assert isinstance(parts, list)
    version, auth_safe, mac = parts
    _, (data_oid, (_, [(_, wrapped)])) = auth_safe  # type: ignore[misc]
    content = asn1tree.encode(wrapped)  # type: ignore[arg-type]
    pieces = b"".join(
        asn1tree.encode([(0x04, content[i : i + 100])]) for i in range(0, len(content), 100)
    )
    ber_auth_safe = (
        b"\x30\x80"
        + asn1tree.encode([data_oid])  # type: ignore[list-item]
        + b"\xa0\x80\x24\x80"
        + pieces
        + b"\0\0\0\0\0\0"
    )
    ber = (
        b"\x30\x80" + asn1tree.encode([version]) + ber_auth_safe + asn1tree.encode([mac]) + b"\0\0"
    )
    iterations = [f.value for f in pkcs12_work_factors(ber) if "iteration" in f.what]
    assert iterations == [2048, 2050, 2050]
    # control: the DER original reads the same
    assert [
        f.value for f in pkcs12_work_factors(_pfx(leaf, 2050)) if "iteration" in f.what
    ] == iterations
