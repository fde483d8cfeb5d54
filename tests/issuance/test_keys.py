from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from certready.adapters.issuance.keys import (
    check_key_type,
    generate_key,
    key_type_of,
    load_private_key,
    write_private_key,
    write_public,
)
from certready.core.errors import PasswordError, UsageError


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_key_file_is_0600_pkcs8_and_never_clobbered(tmp_path: Path) -> None:
    path = tmp_path / "app.key"
    key = generate_key("p256")
    write_private_key(path, key)
    assert _mode(path) == 0o600
    assert path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")  # PKCS#8
    before = path.read_bytes()
    with pytest.raises(UsageError, match="already exists"):
        write_private_key(path, generate_key("p256"))
    assert path.read_bytes() == before


def test_force_overwrites_and_tightens_an_open_mode(tmp_path: Path) -> None:
    path = tmp_path / "app.key"
    path.write_text("old")
    path.chmod(0o644)
    write_private_key(path, generate_key("p256"), force=True)
    assert _mode(path) == 0o600
    assert b"PRIVATE KEY" in path.read_bytes()


def test_public_files_are_0644(tmp_path: Path) -> None:
    path = write_public(tmp_path / "a.pem", b"x")
    assert _mode(path) == 0o644


def test_passphrase_encrypts_the_key(tmp_path: Path) -> None:
    path = tmp_path / "enc.key"
    write_private_key(path, generate_key("p256"), passphrase=b"correct horse")
    assert path.read_bytes().startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    with pytest.raises(PasswordError):
        load_private_key(path)
    assert isinstance(load_private_key(path, b"correct horse"), ec.EllipticCurvePrivateKey)


@pytest.mark.parametrize(
    ("name", "expected"), [("rsa2048", "rsa2048"), ("P256", "p256"), ("p384", "p384")]
)
def test_key_types(name: str, expected: str) -> None:
    key_type = check_key_type(name)
    key = generate_key(key_type)
    assert key_type_of(key) == expected
    assert isinstance(key, rsa.RSAPrivateKey) == expected.startswith("rsa")


@pytest.mark.parametrize("name", ["rsa1024", "dsa", "p521", ""])
def test_unknown_key_types_are_refused(name: str) -> None:
    with pytest.raises(UsageError, match="unknown key type"):
        check_key_type(name)
