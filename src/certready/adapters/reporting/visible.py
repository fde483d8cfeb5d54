"""Invisible characters made visible: a certificate field is shown as it is, not as it reads.

A bidi override (U+202E RIGHT-TO-LEFT OVERRIDE) in a subject makes ``moc.elpmaxe.ppa`` read as
``app.example.com``; zero-width and other format characters make two different names look alike
(issue 14; Trojan Source, CVE-2021-42574). Every report that shows a certificate field passes it
through :func:`visible`, which writes such characters as ``<U+202E>``. Letters, accents and scripts
(``é``, ``ü``, ``日本``) are printable and stay as they are.
"""

from __future__ import annotations

import unicodedata

_HIDDEN = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
"""Controls, format characters (bidi embeddings, overrides and isolates U+202A-U+202E and
U+2066-U+2069, zero-width U+200B-U+200F, U+FEFF...), surrogates, private-use and unassigned code
points, and the line and paragraph separators U+2028/U+2029."""
_KEPT = frozenset("\t\n")


def visible(text: str) -> str:
    """``text`` with every invisible or control character written as ``<U+XXXX>``."""
    if text.isprintable():  # the common case: nothing to do
        return text
    return "".join(
        f"<U+{ord(c):04X}>" if c not in _KEPT and unicodedata.category(c) in _HIDDEN else c
        for c in text
    )
