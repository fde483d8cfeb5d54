"""What an input is, told from its content (never its extension): text encodings, bare base64,
and the names of the things people give by mistake (a Java keystore, an SSH key, an HTML page)."""

from __future__ import annotations

import base64
import binascii
import re

from certready.core.errors import InputError

PEM_MARK = b"-----BEGIN"
"""Present in every PEM file (and in nothing else we read)."""

UTF16_MARKS = (b"\xff\xfe", b"\xfe\xff")
"""The byte-order marks PowerShell 5's ``>`` redirection writes."""

_TEXT_SCAN = 64 * 1024
"""How far into an unrecognised input to look for a mangled PEM header."""

_BASE64_CHARS = re.compile(rb"[A-Za-z0-9+/=\s]+")
_BEGIN_WORDS = re.compile(rb"BEGIN [A-Z ]*")
_MANIFEST_KEY = re.compile(rb"^(?:\xef\xbb\xbf)?(?:deployment|environments):", re.MULTILINE)
"""A top-level key of a certready manifest (``certready manifest init``) at a line's start."""


def is_blank(data: bytes) -> bool:
    """Nothing but white space and NUL bytes."""
    return not data.strip(b" \t\r\n\x00")


def is_utf16(data: bytes) -> bool:
    return data[:2] in UTF16_MARKS


def from_utf16(data: bytes, source: str) -> bytes:
    """UTF-16 text as ASCII bytes (a PEM file written by PowerShell 5)."""
    try:
        return data.decode("utf-16").encode("ascii")
    except UnicodeError:
        raise InputError("UTF-16 text that is not a PEM file", location=source) from None


def bare_base64(data: bytes) -> bytes | None:
    """The DER (or PEM) inside base64 text that lacks PEM header lines, or ``None``."""
    if not _BASE64_CHARS.fullmatch(data):
        return None
    try:
        decoded = base64.b64decode(b"".join(data.split()), validate=True)
    except (binascii.Error, ValueError):
        return None
    return decoded if decoded[:1] == b"\x30" or decoded.lstrip()[:10] == PEM_MARK else None


def plainly_not_certificate(data: bytes) -> str | None:
    """What a folder's file is when it is plainly not certificate material, else ``None``.

    Text without any PEM block (certbot's ``README``, a renewal ``.conf``, JSON, YAML) that is not
    bare base64 and has no mangled ``BEGIN`` line: a folder walk skips it with a note. Binary data,
    an empty file and anything that may be a damaged certificate are left to the loaders' errors.
    """
    if is_blank(data) or is_utf16(data) or PEM_MARK in data or b"\x00" in data:
        return None
    if data[0] == 0x30 or bare_base64(data) is not None or _mangled_begin(data[:_TEXT_SCAN]):
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    head = text.lstrip()[:1]
    if head in ("{", "["):
        return "JSON"
    if text.lstrip().startswith(("---", "%YAML")) or re.match(
        r"[A-Za-z_][\w.-]*:\s", text.lstrip()
    ):
        return "YAML"
    return "text"


def not_recognised(data: bytes) -> str:
    """Why ``data`` is neither PEM nor DER, naming what it looks like instead."""
    if data[:4] == b"\xfe\xed\xfe\xed":
        return (
            "a Java keystore (JKS), not a certificate file: export it with "
            "`keytool -exportcert -rfc` or convert it to PKCS#12 with `keytool -importkeystore`"
        )
    if data.lstrip()[:8] in (b"ssh-rsa ", b"ssh-ed25", b"ecdsa-sh"):
        return "an SSH public key, not an X.509 certificate"
    head = data[:4096].lower()
    if b"<html" in head or b"<!doctype html" in head:
        return "an HTML page, not a certificate (a download that went to a login or error page?)"
    if _MANIFEST_KEY.search(head):
        return (
            "a certready deployment manifest, not a certificate file: check it with "
            "`certready audit FILE`"
        )
    if _mangled_begin(data[:_TEXT_SCAN]):
        return (
            "has a BEGIN line without the five dashes PEM needs ('-----BEGIN ...-----'):"
            " pasted through a word processor or e-mail that changed the dashes?"
        )
    return "not a certificate, key, PKCS#7 or PKCS#12 file (neither PEM nor DER)"


def _mangled_begin(text: bytes) -> bool:
    """``BEGIN`` then capitals and spaces up to CERTIFICATE, PRIVATE KEY or PKCS7.

    One pass: each run of capitals after a ``BEGIN `` is looked at once (a backtracking pattern
    would go over the rest of the run again from every ``BEGIN`` in it).
    """
    for run in _BEGIN_WORDS.finditer(text):
        words = run.group(0)[6:]
        if b"CERTIFICATE" in words or b"PRIVATE KEY" in words:
            return True
        if words.endswith(b"PKCS") and text[run.end() : run.end() + 1] == b"7":
            return True
    return False
