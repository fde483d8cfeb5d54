"""Broken inputs: each is one InputError naming the file, with a message that says what is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    Encoding,
    PrivateFormat,
    pkcs7,
    pkcs12,
)

from certready.adapters.inputs import MAX_INPUT_BYTES, PasswordSource, load_bytes, load_file
from certready.core.errors import InputError, PasswordError
from tests.pki import Issued, TestCA, new_key


def error(
    data: bytes, source: str = "bad.pem", password: PasswordSource | None = None
) -> InputError:
    with pytest.raises(InputError) as info:
        load_bytes(data, source, password)
    assert info.value.location == source
    return info.value


@pytest.mark.parametrize("data", [b"", b"\n\r\n  \t", b"\x00\x00"])
def test_empty(data: bytes) -> None:
    assert error(data).message == "empty file"
    assert error(data, "-").message == "empty input"


def test_text_junk() -> None:
    assert "neither PEM nor DER" in error(b"this is a README, not a certificate\n").message


def test_binary_junk_and_known_non_certificates() -> None:
    assert "neither PEM nor DER" in error(bytes(range(1, 200))).message
    assert "Java keystore" in error(b"\xfe\xed\xfe\xed" + bytes(64), "app.jks").message
    assert "SSH public key" in error(b"ssh-rsa AAAAB3NzaC1yc2E user@host\n").message


@pytest.mark.parametrize(
    "text",
    [
        b"deployment: Sunrise\nenvironments:\n  production: {}\n",
        b"# certready deployment manifest\r\n# comment\r\ndeployment: x\r\n",
        b"\xef\xbb\xbfdeployment: Notepad\n",
    ],
)
def test_a_manifest_given_to_lint_points_to_audit(text: bytes) -> None:
    message = error(text, "certready.yaml").message
    assert "deployment manifest" in message and "certready audit" in message


def test_control_other_yaml_is_not_called_a_manifest() -> None:
    message = error(b"services:\n  web:\n    image: nginx\n", "compose.yaml").message
    assert "neither PEM nor DER" in message and "manifest" not in message
    # a key named like ours, but indented (not top-level): not a manifest either
    assert "manifest" not in error(b"spec:\n  deployment: x\n", "k8s.yaml").message


def test_truncated_pem(leaf: Issued) -> None:
    pem = leaf.cert_pem()
    message = error(pem[: len(pem) // 2]).message
    assert "truncated PEM" in message and "line 1" in message
    # negative control: the whole file loads
    assert load_bytes(pem, "good.pem").certificates


def test_second_block_truncated_names_its_line(ca: TestCA, leaf: Issued) -> None:
    first = leaf.cert_pem()
    second = ca.intermediate.cert_pem()
    message = error(first + second[:-40]).message
    line = first.count(b"\n") + 1
    assert f"line {line}:" in message


def test_corrupt_base64_in_pem(leaf: Issued) -> None:
    lines = leaf.cert_pem().split(b"\n")
    lines[3] = b"!!!!" + lines[3][4:]
    message = error(b"\n".join(lines)).message
    assert "not valid base64" in message


def test_corrupt_der_inside_pem(leaf: Issued) -> None:
    import base64

    der = bytearray(leaf.cert.public_bytes(Encoding.DER))
    der[4:8] = b"\xff\xff\xff\xff"
    pem = (
        b"-----BEGIN CERTIFICATE-----\n"
        + base64.encodebytes(bytes(der))
        + b"-----END CERTIFICATE-----\n"
    )
    assert "not a valid certificate" in error(pem).message


def test_truncated_der(leaf: Issued) -> None:
    der = leaf.cert.public_bytes(Encoding.DER)
    message = error(der[:-100], "app.cer").message
    assert (
        message
        == f"truncated: the DER structure announces {len(der)} bytes, the file has {len(der) - 100}"
    )


def test_two_der_files_joined(ca: TestCA, leaf: Issued) -> None:
    data = leaf.cert.public_bytes(Encoding.DER) + ca.intermediate.cert.public_bytes(Encoding.DER)
    assert "unexpected data after the DER structure" in error(data, "joined.cer").message
    # negative control: trailing newlines (an editor's) are tolerated
    assert load_bytes(leaf.cert.public_bytes(Encoding.DER) + b"\r\n", "ok.cer").certificates


def test_truncated_pkcs12(leaf: Issued) -> None:
    data = pkcs12.serialize_key_and_certificates(
        b"x", leaf.key, leaf.cert, None, BestAvailableEncryption(b"pw")
    )
    message = error(data[:-30], "app.pfx", lambda _s: b"pw").message
    assert "truncated" in message


def test_corrupt_pkcs12_body(leaf: Issued) -> None:
    data = bytearray(
        pkcs12.serialize_key_and_certificates(
            b"x", leaf.key, leaf.cert, None, BestAvailableEncryption(b"pw")
        )
    )
    data[len(data) // 2] ^= 0xFF
    exc = error(bytes(data), "app.pfx", lambda _s: b"pw")
    assert "PKCS#12" in exc.message


def test_truncated_pkcs7(ca: TestCA, leaf: Issued) -> None:
    data = pkcs7.serialize_certificates([leaf.cert, ca.intermediate.cert], Encoding.DER)
    assert "truncated" in error(data[:-50], "chain.p7b").message


def test_pkcs12_missing_password(leaf: Issued) -> None:
    data = pkcs12.serialize_key_and_certificates(
        b"x", leaf.key, leaf.cert, None, BestAvailableEncryption(b"right")
    )
    exc = error(data, "app.pfx")
    assert isinstance(exc, PasswordError)
    assert "--password-env" in exc.message and "--password-file" in exc.message
    exc = error(data, "app.pfx", lambda _s: None)
    assert isinstance(exc, PasswordError) and "needs a password" in exc.message


def test_pkcs12_wrong_password_is_clear_and_never_echoed(leaf: Issued) -> None:
    data = pkcs12.serialize_key_and_certificates(
        b"x", leaf.key, leaf.cert, None, BestAvailableEncryption(b"right")
    )
    exc = error(data, "app.pfx", lambda _s: b"Wr0ngHorseBattery")
    assert isinstance(exc, PasswordError)
    assert exc.message.startswith("wrong password for the PKCS#12 file")
    assert "Wr0ngHorseBattery" not in str(exc) and "right" not in str(exc)
    # negative control: the right password opens it
    assert load_bytes(data, "app.pfx", lambda _s: b"right").keys


@pytest.mark.parametrize("encoding", [Encoding.PEM, Encoding.DER])
def test_encrypted_key_missing_and_wrong_password(encoding: Encoding) -> None:
    key = new_key("p256")
    data = key.private_bytes(encoding, PrivateFormat.PKCS8, BestAvailableEncryption(b"right"))
    missing = error(data, "app.key")
    assert isinstance(missing, PasswordError) and "encrypted" in missing.message
    wrong = error(data, "app.key", lambda _s: b"hunter2")
    assert isinstance(wrong, PasswordError) and "wrong password" in wrong.message
    assert "hunter2" not in str(wrong)


def test_corrupt_private_key() -> None:
    pem = b"-----BEGIN PRIVATE KEY-----\nMIIBVQIBADANBgkqhkiG9w0BAQEFAASCAT8wggE7AgEAAkEA\n-----END PRIVATE KEY-----\n"
    assert "not a valid private key" in error(pem, "broken.key").message


def test_huge_input_refused_before_parsing(tmp_path: Path) -> None:
    big = tmp_path / "huge.pem"
    with big.open("wb") as stream:
        stream.truncate(100 * 1024 * 1024)  # sparse: 100 MB on disk costs nothing
    with pytest.raises(InputError, match="too large for a certificate file") as info:
        load_file(big)
    assert info.value.location == str(big)
    assert "16 MiB" in info.value.message
    assert "too large" in error(b"0" * (MAX_INPUT_BYTES + 1), "big.bin").message


def test_exactly_the_limit_is_read(tmp_path: Path, leaf: Issued) -> None:
    """Negative control for the size limit: a 16 MiB file is parsed (here: padded PEM)."""
    pem = leaf.cert_pem()
    data = pem + b"\n" * (MAX_INPUT_BYTES - len(pem))
    assert len(data) == MAX_INPUT_BYTES
    assert load_bytes(data, "padded.pem").certificates


def test_missing_file_and_folder_given_to_load_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file") as info:
        load_file(tmp_path / "nope.pem")
    assert info.value.location == str(tmp_path / "nope.pem")
    with pytest.raises(InputError, match="is a folder"):
        load_file(tmp_path)


def test_pem_with_dashes_changed_by_a_word_processor(leaf: Issued) -> None:
    mangled = leaf.cert_pem().decode().replace("-----", "\u2013\u2013\u2013\u2013\u2013")
    message = error(mangled.encode("utf-8"), "pasted.pem").message
    assert "without the five dashes PEM needs" in message


def test_html_page_instead_of_a_certificate() -> None:
    page = b"<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body>...</body></html>\n"
    assert "an HTML page" in error(page, "download.crt").message
    # negative control: ordinary junk is not called an HTML page
    assert "HTML" not in error(b"certificates are in the vault\n").message
