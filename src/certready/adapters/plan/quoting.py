"""Quoting a value for each kind of file the plan writes, and the bytes each file is stored as.

- PowerShell: a single-quoted literal; each quote doubled, the typographic ones too (PowerShell
  reads U+2018..U+201B as single quotes).
- POSIX shell: :func:`shlex.quote`.
- cmd: ``%`` doubled (cmd expands it even inside quotes and ``rem`` lines); ``"`` and the
  operators ``& | < > ^`` replaced, so a name can neither close a quote nor start a command.
- A comment in any of them: line breaks and control characters become spaces (a name with a new
  line must not start a command).
- ``.ps1``: UTF-8 with a byte-order mark and CRLF (Windows PowerShell 5.1 reads BOM-less UTF-8 as
  the ANSI code page); ``.cmd``: CRLF, UTF-8 without BOM (the script switches to code page 65001).
"""

from __future__ import annotations

import re
import shlex

_PS_QUOTES = "'\u2018\u2019\u201a\u201b"
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]+")
BOM = b"\xef\xbb\xbf"
_CMD_OPERATORS = str.maketrans({'"': "'", "&": "+", "|": "/", "<": "(", ">": ")", "^": " "})


def ps_literal(text: str) -> str:
    """``O'Brien`` -> ``'O''Brien'``."""
    return "'" + "".join(c + c if c in _PS_QUOTES else c for c in comment(text)) + "'"


def sh_literal(text: str) -> str:
    return shlex.quote(comment(text))


def cmd_text(text: str) -> str:
    """Text inside a ``.cmd`` line (a ``rem`` or a quoted argument)."""
    return comment(text).replace("%", "%%").translate(_CMD_OPERATORS)


def comment(text: str) -> str:
    """One line, whatever the name held."""
    return _CONTROL.sub(" ", text)


def crlf(text: str) -> str:
    return re.sub(r"\r?\n", "\r\n", text)


def ps1_bytes(text: str) -> bytes:
    return BOM + crlf(text).encode("utf-8")


def cmd_bytes(text: str) -> bytes:
    return crlf(text).encode("utf-8")
