"""Password sources: environment variable, file, terminal prompt; never the command line."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    Encoding,
    PrivateFormat,
    pkcs12,
)

from certready.adapters.inputs import load_bytes
from certready.adapters.inputs.passwords import password_from_env, password_from_file
from certready.core.errors import InputError, PasswordError, UsageError
from certready.interfaces.cli.secrets import password_prompt, password_source
from tests.pki import Issued, new_key


def test_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_PFX_PASSWORD", "pä ss")
    source = password_from_env("APP_PFX_PASSWORD")
    assert source("app.pfx") == "pä ss".encode()


def test_env_unset_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_SUCH_PASSWORD_VAR", raising=False)
    with pytest.raises(InputError) as info:
        password_from_env("NO_SUCH_PASSWORD_VAR")
    assert "NO_SUCH_PASSWORD_VAR" in str(info.value) and "not set" in str(info.value)
    with pytest.raises(UsageError):
        password_from_env("A=B")


def test_env_empty_value_is_the_empty_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EMPTY_PW", "")
    assert password_from_env("EMPTY_PW")("x") == b""


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"s3cret\n", b"s3cret"),
        (b"s3cret\r\n", b"s3cret"),
        (b"s3cret", b"s3cret"),
        (b"first\nsecond\n", b"first"),
        (b" spaced \n", b" spaced "),  # only the line ending is stripped
        (b"\n", b""),
        (b"\xef\xbb\xbfs3cret\r\n", b"s3cret"),  # Notepad's UTF-8 with BOM
        ("s3cr\u00e9t\r\n".encode("utf-16"), "s3cr\u00e9t".encode()),  # PowerShell 5 `>`
    ],
)
def test_file_first_line(tmp_path: Path, content: bytes, expected: bytes) -> None:
    path = tmp_path / "pw.txt"
    path.write_bytes(content)
    assert password_from_file(path)("app.pfx") == expected


def test_file_missing_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        password_from_file(tmp_path / "nope.txt")
    assert info.value.location == str(tmp_path / "nope.txt")
    assert "cannot read the password file" in info.value.message
    with pytest.raises(InputError, match="is a folder"):
        password_from_file(tmp_path)


def test_prompt_only_on_a_terminal_and_once_per_input() -> None:
    asked: list[str] = []

    def ask(prompt: str) -> str:
        asked.append(prompt)
        return "typed"

    assert password_prompt(ask, is_terminal=lambda: False) is None
    assert asked == []
    source = password_prompt(ask, is_terminal=lambda: True)
    assert source is not None
    assert source("certs/app.pfx") == b"typed"
    assert source("certs/app.pfx") == b"typed"
    assert source("-") == b"typed"
    assert asked == ["Password for certs/app.pfx: ", "Password for standard input: "]


def test_prompt_end_of_input_means_no_password() -> None:
    def ask(prompt: str) -> str:
        raise EOFError

    source = password_prompt(ask, is_terminal=lambda: True)
    assert source is not None and source("a.pfx") is None


def test_password_source_choice(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PW", "from-env")
    path = tmp_path / "pw"
    path.write_text("from-file\n")
    env_source = password_source("PW", None)
    file_source = password_source(None, str(path))
    assert env_source is not None and env_source("x") == b"from-env"
    assert file_source is not None and file_source("x") == b"from-file"
    assert password_source(None, None, interactive=False) is None
    with pytest.raises(UsageError, match="not both"):
        password_source("PW", str(path))


def test_prompt_asks_again_after_a_wrong_password(leaf: Issued) -> None:
    data = pkcs12.serialize_key_and_certificates(
        b"x", leaf.key, leaf.cert, None, BestAvailableEncryption(b"right")
    )
    answers = iter(["typo", "right"])
    asked: list[str] = []

    def ask(prompt: str) -> str:
        asked.append(prompt)
        return next(answers)

    source = password_prompt(ask, is_terminal=lambda: True)
    bundle = load_bytes(data, "app.pfx", source)
    assert bundle.keys
    assert asked == ["Password for app.pfx: ", "Wrong password. Password for app.pfx: "]


def test_prompt_gives_up_after_three_tries() -> None:
    key = new_key("p256")
    data = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, BestAvailableEncryption(b"right"))
    asked: list[str] = []

    def ask(prompt: str) -> str:
        asked.append(prompt)
        return "wrong"

    with pytest.raises(PasswordError, match="wrong password"):
        load_bytes(data, "app.key", password_prompt(ask, is_terminal=lambda: True))
    assert len(asked) == 3


def test_env_and_file_passwords_are_tried_once(
    leaf: Issued, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Negative control for the retries: a fixed password is not tried again and again."""
    data = pkcs12.serialize_key_and_certificates(
        b"x", leaf.key, leaf.cert, None, BestAvailableEncryption(b"right")
    )
    calls: list[str] = []
    monkeypatch.setenv("PW", "wrong")
    env_source = password_from_env("PW")

    def counting(source: str) -> bytes | None:
        calls.append(source)
        return env_source(source)

    with pytest.raises(PasswordError):
        load_bytes(data, "app.pfx", counting)
    assert calls == ["app.pfx"]
