"""Secrets (passwords, passphrases) from where they may come: never the command line.

An environment variable's value (:func:`environment_secret`) or a file's first line
(:func:`secret_from_file`) (the terminal prompt, which does not echo, is the interface's:
``certready.interfaces.cli.secrets``): every secret the tool
reads (``--password-env``/``--password-file`` of lint and show, the manifest's ``password_env`` /
``password_file``, the ``--passphrase-*`` options of lab and csr) is read by these two functions.
A password is handed to the loader and nowhere else: errors name the variable or file, never the
value.
"""

from __future__ import annotations

import os
from pathlib import Path

from certready.adapters.inputs.bundle import PasswordSource
from certready.adapters.inputs.read import read_bytes
from certready.core.errors import InputError, UsageError

MAX_PASSWORD_FILE_BYTES = 64 * 1024


def environment_secret(variable: str) -> bytes | None:
    """The value of ``variable`` as bytes (``None``: not set); undecodable bytes kept as they were."""
    value = os.environ.get(variable)
    return None if value is None else value.encode("utf-8", "surrogateescape")


def secret_from_file(path: str | Path) -> bytes:
    """The first line of ``path``, without its line ending (``\\n`` or ``\\r\\n``).

    Files written on Windows are read as meant: Notepad's UTF-8 byte-order mark is dropped, and
    the UTF-16 that PowerShell 5's ``echo secret > pw.txt`` writes is decoded (to UTF-8).
    """
    name = str(path)
    data = read_bytes(
        name,
        limit=MAX_PASSWORD_FILE_BYTES,
        prefix="cannot read the password file: ",
        folder="is a folder, not a password file",
        what="a password file",
        pipes=True,
    )
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            data = data.decode("utf-16").encode("utf-8")
        except UnicodeError:
            raise InputError("UTF-16 text that cannot be decoded", location=name) from None
    data = data.removeprefix(b"\xef\xbb\xbf")
    return data.split(b"\n", 1)[0].removesuffix(b"\r")


def password_from_env(variable: str) -> PasswordSource:
    """The value of ``variable`` (read now, so an unset variable is reported before any file)."""
    if not variable or "=" in variable:
        raise UsageError(f"--password-env {variable!r}: not an environment variable name")
    secret = environment_secret(variable)
    if secret is None:
        raise InputError(
            "the environment variable is not set (export it, or use --password-file)",
            location=f"--password-env {variable}",
        )
    return lambda _source: secret


def password_from_file(path: str | Path) -> PasswordSource:
    """The first line of ``path`` (see :func:`secret_from_file`), read now."""
    secret = secret_from_file(path)
    return lambda _source: secret
