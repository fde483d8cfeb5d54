"""Passwords and passphrases: from an environment variable, a file, or a terminal prompt only.

Never from the command line itself (it ends up in shell history and ``ps``), never echoed, never
written to any output. The variable and the file are read by
:mod:`certready.adapters.inputs.passwords` (as ``--password-env`` / ``--password-file`` are);
this module adds the prompts (a password per input for lint and show, a confirmed passphrase
for lab and csr) and words the errors after the command's options.
"""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable
from pathlib import Path

import typer

from certready.adapters.inputs import PasswordSource, display_name
from certready.adapters.inputs.passwords import (
    environment_secret,
    password_from_env,
    password_from_file,
    secret_from_file,
)
from certready.core.errors import InputError, UsageError


def read_secret(
    *,
    env: str | None,
    file: str | None,
    prompt: str | None,
    option: str,
    confirm: bool = True,
) -> bytes | None:
    """The secret named by ``--<option>-env`` / ``--<option>-file``, else asked on the terminal
    when ``prompt`` is given, else ``None``. Errors name the variable or file."""
    if env and file:
        raise UsageError(f"give --{option}-env or --{option}-file, not both")
    if env:
        value = environment_secret(env)
        if not value:
            raise UsageError(f"environment variable {env} is not set or empty (--{option}-env)")
        return value
    if file:
        # read as --password-file reads it (a BOM, PowerShell's UTF-16), so lint opens what lab wrote
        try:
            first = secret_from_file(file)
        except InputError as error:
            raise UsageError(error.message, location=file) from None
        if not first:
            raise UsageError(f"the {option} file is empty", location=file)
        return first
    if prompt is None:
        return None
    if not _interactive():
        raise UsageError(
            f"no terminal to ask for the {option} on: use --{option}-env NAME or "
            f"--{option}-file FILE"
        )
    value = typer.prompt(prompt, hide_input=True, confirmation_prompt=confirm, err=True)
    if not value:
        raise UsageError(f"an empty {option} is not allowed")
    return str(value).encode("utf-8")


def _interactive() -> bool:
    try:
        return sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False


class _Prompt:
    """Asks on the terminal once per input; asks again (up to the loader's limit) when told the
    answer was wrong."""

    def __init__(self, ask: Callable[[str], str] | None) -> None:
        self._ask = ask
        self._answers: dict[str, bytes | None] = {}
        self._rejected: set[str] = set()

    def __call__(self, source: str) -> bytes | None:
        if source not in self._answers:
            again = "Wrong password. " if source in self._rejected else ""
            question = f"{again}Password for {display_name(source)}: "
            try:
                self._answers[source] = (self._ask or getpass.getpass)(question).encode("utf-8")
            except EOFError:
                self._answers[source] = None
        return self._answers[source]

    def rejected(self, source: str) -> None:
        """The loader's word that the last answer for ``source`` was wrong: ask again next time."""
        self._answers.pop(source, None)
        self._rejected.add(source)


def password_prompt(
    ask: Callable[[str], str] | None = None,
    is_terminal: Callable[[], bool] | None = None,
) -> PasswordSource | None:
    """Ask on the terminal, once per input that needs a password; ``None`` when not interactive.

    ``getpass`` reads from the controlling terminal without echo; without a terminal (a pipe, a
    scheduled task) there is nobody to ask, and the loader says how to give the password instead.
    A wrong answer is asked again (three tries in all).
    """
    interactive = is_terminal() if is_terminal is not None else _interactive()
    return _Prompt(ask) if interactive else None


def password_source(
    env: str | None = None,
    file: str | Path | None = None,
    *,
    interactive: bool = True,
) -> PasswordSource | None:
    """The source the command line asked for: ``--password-env``, ``--password-file``, or a prompt."""
    if env is not None and file is not None:
        raise UsageError("give --password-env or --password-file, not both")
    if env is not None:
        return password_from_env(env)
    if file is not None:
        return password_from_file(file)
    return password_prompt() if interactive else None
