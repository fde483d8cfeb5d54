"""Passwords and passphrases: from an environment variable, a file, or a terminal prompt only.

Never from the command line itself (it ends up in shell history and ``ps``), never echoed, never
written to any output. The variable and the file are read by
:mod:`certready.adapters.inputs.passwords` (as ``--password-env`` / ``--password-file`` are);
this module adds the confirmed prompt and words the errors after the command's options.
"""

from __future__ import annotations

import sys

import typer

from certready.adapters.inputs.passwords import environment_secret, secret_from_file
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
