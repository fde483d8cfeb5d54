"""Passwords for new secrets (key passphrase, PFX password): env, file or a confirmed prompt."""

from __future__ import annotations

from pathlib import Path

import pytest

from certready.core.errors import UsageError
from certready.interfaces.cli import secrets


def test_env_file_and_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEW_SECRET", "from-env")
    got = secrets.read_secret(env="NEW_SECRET", file=None, prompt=None, option="password")
    assert got == b"from-env"
    path = tmp_path / "secret"
    path.write_text("from-file\r\nsecond line\n")
    got = secrets.read_secret(env=None, file=str(path), prompt=None, option="password")
    assert got == b"from-file"
    assert secrets.read_secret(env=None, file=None, prompt=None, option="passphrase") is None


@pytest.mark.parametrize(
    ("env", "file", "message"),
    [
        ("NEW_SECRET", "x", "not both"),
        ("CERTREADY_UNSET_VARIABLE", None, "CERTREADY_UNSET_VARIABLE is not set"),
        (None, "missing-file", "missing-file"),
    ],
)
def test_bad_sources_are_usage_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, env: str | None, file: str | None, message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CERTREADY_UNSET_VARIABLE", raising=False)
    with pytest.raises(UsageError) as caught:
        secrets.read_secret(env=env, file=file, prompt=None, option="password")
    assert message in str(caught.value)


def test_an_empty_secret_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "empty"
    empty.write_text("\n")
    with pytest.raises(UsageError, match="empty"):
        secrets.read_secret(env=None, file=str(empty), prompt=None, option="password")
    monkeypatch.setenv("EMPTY_SECRET", "")
    with pytest.raises(UsageError, match="EMPTY_SECRET"):
        secrets.read_secret(env="EMPTY_SECRET", file=None, prompt=None, option="password")


def test_a_file_is_read_as_password_file_reads_it(tmp_path: Path) -> None:
    """A new secret from a Windows-written file is the one ``--password-file`` later reads."""
    from certready.adapters.inputs.passwords import password_from_file

    for name, data in [
        ("notepad", b"\xef\xbb\xbfs3cret\r\n"),
        ("powershell", "s3cret\r\n".encode("utf-16")),
        ("plain", b"s3cret\n"),  # control
    ]:
        path = tmp_path / name
        path.write_bytes(data)
        got = secrets.read_secret(env=None, file=str(path), prompt=None, option="password")
        assert got == b"s3cret" == password_from_file(path)(str(path))


def test_prompt_asks_with_confirmation_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[tuple[str, bool, bool]] = []

    def fake_prompt(text: str, *, hide_input: bool, confirmation_prompt: bool, err: bool) -> str:
        asked.append((text, hide_input, confirmation_prompt))
        return "typed"

    monkeypatch.setattr(secrets, "_interactive", lambda: True)
    monkeypatch.setattr(secrets.typer, "prompt", fake_prompt)
    got = secrets.read_secret(env=None, file=None, prompt="PFX password", option="password")
    assert got == b"typed"
    assert asked == [("PFX password", True, True)]  # hidden, typed twice


def test_no_terminal_no_prompt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(secrets, "_interactive", lambda: False)
    with pytest.raises(UsageError, match="--password-env"):
        secrets.read_secret(env=None, file=None, prompt="PFX password", option="password")
