"""A big PEM bundle read as a stream: block by block, never the whole file in memory.

A fleet's inventory exported as one file (100,000 certificates, each followed by its chain, or
a CA's issued certificates in one ``.pem``) is larger than the 16 MiB a certificate file may be
(:data:`~certready.adapters.inputs.read.MAX_INPUT_BYTES`). Such a file is read line by line, each
``-----BEGIN ...-----`` ... ``-----END ...-----`` block parsed on its own:

- a block larger than :data:`MAX_PEM_BLOCK_BYTES` (1 MiB; a certificate is a few KiB) is an
  error naming its line, skipped without being held, and the blocks after it are still read;
- a damaged block is an error naming its line; the blocks after it are still read;
- the file is read up to :data:`MAX_BUNDLE_BYTES` (1 GiB, what a whole folder may hold); the
  blocks after that point are not read, and that is one more error naming the line.

Time is linear in the file's size and memory bounded by one block (plus one line).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, NamedTuple

from cryptography.hazmat.primitives.serialization import pkcs7

from certready.adapters.inputs.bundle import (
    LoadedCertificate,
    LoadedKey,
    LoadedRequest,
    PasswordSource,
    key_location,
    loaded_request,
)
from certready.adapters.inputs.failures import BAD_DATA, reason, unexpected
from certready.adapters.inputs.keys import private_key
from certready.adapters.inputs.pem import (
    _SKIPPED_LABELS,
    CERT_LABELS,
    KEY_LABELS,
    PKCS7_LABELS,
    REQUEST_LABELS,
    PemBlock,
    block_certificate,
    block_request,
    pkcs7_pem,
)
from certready.adapters.inputs.pkcs7 import pkcs7_certificates
from certready.adapters.inputs.read import MAX_INPUT_BYTES, MIB, open_regular
from certready.core.errors import CertReadyError, InputError
from certready.core.facts import read_certificate_names
from certready.core.location import FileLocation

MAX_PEM_BLOCK_BYTES = MIB
"""One PEM block (a certificate, a key): a larger one is an error naming its line."""

MAX_BUNDLE_BYTES = 1024 * MIB
"""A PEM bundle read as a stream: the blocks after this many bytes are not read."""

STREAM_BLOCKS = 64
"""A PEM file with more ``-----BEGIN`` lines than this is read as a stream (as is one larger than
a MiB): it may hold many server certificates, each a target of its own."""

STREAM_BYTES = MIB
"""A PEM file larger than this is read as a stream (no smaller file can hold an oversized block)."""

_BEGIN = re.compile(rb"-----BEGIN ([^\r\n-]+)-----")
_END = re.compile(rb"-----END ([^\r\n-]+)-----")


@dataclass(frozen=True, slots=True)
class PemStream:
    """A PEM input to read block by block (:func:`pem_entries`), not loaded as one bundle."""

    source: str
    size: int
    """Its size in bytes when it was found."""


class PemBlockError(InputError):
    """One block of a streamed bundle could not be read; the blocks after it still are."""

    def __init__(
        self, message: str, *, source: str, line: int | None, index: int | None = None
    ) -> None:
        super().__init__(message if line is None else f"line {line}: {message}", location=source)
        self.line = line
        self.index = index
        """The certificate's position in the file, when the block was a certificate's."""

    @property
    def where(self) -> FileLocation:
        return FileLocation(self.location or "", self.index, line=self.line)


class PemNote(NamedTuple):
    """A remark about a block (skipped: a CRL, a public key alone)."""

    text: str


PemEntry = LoadedCertificate | LoadedKey | LoadedRequest | PemBlockError | PemNote
"""What a streamed bundle holds, in file order."""


class _Oversized(NamedTuple):
    label: bytes
    line: int
    size: int


class _Unterminated(NamedTuple):
    label: bytes
    line: int


class _Truncated(NamedTuple):
    """The total limit was reached at this line."""

    line: int


def pem_blocks(
    stream: BinaryIO,
    *,
    block_limit: int | None = None,
    total_limit: int | None = None,
) -> Iterator[PemBlock | _Oversized | _Unterminated | _Truncated]:
    """Every block of ``stream`` in order (a block from its BEGIN line to the next END line of
    the same label), reading one line at a time (a line longer than ``block_limit`` in pieces).
    Limits: :data:`MAX_PEM_BLOCK_BYTES` and :data:`MAX_BUNDLE_BYTES` unless given."""
    block_limit = MAX_PEM_BLOCK_BYTES if block_limit is None else block_limit
    total_limit = MAX_BUNDLE_BYTES if total_limit is None else total_limit
    line = 0
    read = 0
    open_label: bytes | None = None
    start_line = 0
    parts: list[bytes] = []
    size = 0
    oversized = False
    at_line_start = True
    while True:
        piece = stream.readline(block_limit)
        if not piece:
            break
        if at_line_start:
            line += 1
        at_line_start = piece.endswith(b"\n")
        read += len(piece)
        if read > total_limit:
            yield _Truncated(line)
            return
        pos = 0
        while True:
            if open_label is None:
                begin = _BEGIN.search(piece, pos)
                if begin is None:
                    break
                open_label, start_line = begin.group(1), line
                parts, size, oversized = [], 0, False
                pos = begin.start()
                end_marker = b"-----END " + open_label + b"-----"
                continue
            end = piece.find(end_marker, pos)
            stop = len(piece) if end < 0 else end + len(end_marker)
            size += stop - pos
            if size > block_limit:
                oversized, parts = True, []
            elif not oversized:
                parts.append(piece[pos:stop])
            if end < 0:
                break
            label = open_label
            open_label, pos = None, stop
            if oversized:
                yield _Oversized(label, start_line, size)
            else:
                text = b"".join(parts)
                parts = []
                body = text[len(b"-----BEGIN ") + len(label) + 5 : -len(end_marker)]
                yield PemBlock(label, text, body, start_line)
    if open_label is not None:
        yield _Unterminated(open_label, start_line)


def pem_entries(
    source: str, stream: BinaryIO, password: PasswordSource | None = None, *, keys: bool = True
) -> Iterator[PemEntry]:
    """The certificates, keys and requests of a PEM ``stream`` in file order, each certificate
    located by its position and line (``FileLocation(source, 3, line=57)``); a block that
    cannot be read is a :class:`PemBlockError` in its place, and reading goes on. ``keys``:
    ``False`` passes key blocks over (not decrypted again)."""
    certificates = key_count = requests = 0
    for found in pem_blocks(stream):
        if isinstance(found, _Truncated):
            limit = _amount(MAX_BUNDLE_BYTES)
            yield PemBlockError(
                f"the bundle is larger than the {limit} a PEM bundle may be: the blocks from"
                " here on were not read (split the file)",
                source=source,
                line=found.line,
            )
            return
        if isinstance(found, _Unterminated):
            label = found.label.decode("ascii", "replace")
            yield PemBlockError(
                f"truncated PEM: the {label} block has no '-----END {label}-----' line",
                source=source,
                line=found.line,
            )
            continue
        is_certificate = found.label in CERT_LABELS
        if isinstance(found, _Oversized):
            label = found.label.decode("ascii", "replace")
            yield PemBlockError(
                f"the {label} block is over the {_amount(MAX_PEM_BLOCK_BYTES)} limit of one"
                " PEM block (a certificate is a few KiB): skipped",
                source=source,
                line=found.line,
                index=certificates if is_certificate else None,
            )
            certificates += is_certificate
            continue
        block = found
        where = f"line {block.line}"
        try:
            if is_certificate:
                cert = block_certificate(block, source, where)
                read_certificate_names(cert)  # a damaged name fails here, on its own block
                yield LoadedCertificate(cert, FileLocation(source, certificates, line=block.line))
                certificates += 1
            elif block.label in PKCS7_LABELS:
                try:
                    found_certs = pkcs7_certificates(
                        pkcs7.load_pem_pkcs7_certificates, pkcs7_pem(block)
                    )
                except BAD_DATA as exc:
                    raise InputError(
                        f"the {block.label_text} block is not a PKCS#7 certificate bundle"
                        f" ({reason(exc)})"
                    ) from None
                for cert in found_certs:
                    read_certificate_names(cert)
                    yield LoadedCertificate(
                        cert, FileLocation(source, certificates, line=block.line)
                    )
                    certificates += 1
            elif block.label in KEY_LABELS:
                if keys:
                    key = private_key(block.text, source, password, where=None, pem=True)
                    yield LoadedKey(key, key_location(source, key_count))
                key_count += 1
            elif block.label in REQUEST_LABELS:
                request = block_request(block, source, where)
                yield loaded_request(source, request, requests, where)
                requests += 1
            else:
                why = _SKIPPED_LABELS.get(block.label, "not a certificate or private key")
                if why is not None:
                    yield PemNote(f"{where}: {block.label_text} block skipped: {why}")
        except CertReadyError as exc:
            message = exc.message.removeprefix(f"{where}: ")
            yield PemBlockError(
                message,
                source=source,
                line=block.line,
                index=certificates if is_certificate else None,
            )
            certificates += is_certificate
        except Exception as exc:  # whatever a damaged block makes a library raise
            yield PemBlockError(
                f"cannot be read ({unexpected(exc)})",
                source=source,
                line=block.line,
                index=certificates if is_certificate else None,
            )
            certificates += is_certificate
        except BaseException as exc:  # cryptography's Rust parsers can panic on damaged input
            if type(exc).__name__ != "PanicException":
                raise
            yield PemBlockError(
                "damaged beyond parsing (cryptography's parser failed on it)",
                source=source,
                line=block.line,
                index=certificates if is_certificate else None,
            )
            certificates += is_certificate


def pem_entries_of(
    source: str,
    stream: BinaryIO | None,
    password: PasswordSource | None = None,
    *,
    keys: bool = True,
) -> Iterator[PemEntry]:
    """:func:`pem_entries` of file ``source`` (``stream``: read that instead, from its start);
    a file that cannot be opened is one error."""
    if stream is not None:
        stream.seek(0)
        yield from pem_entries(source, stream, password, keys=keys)
        return
    try:
        opened = open_regular(source)
    except InputError as exc:
        yield PemBlockError(exc.message, source=source, line=None)
        return
    with opened:
        yield from pem_entries(source, opened, password, keys=keys)


def streamed(name: str) -> PemStream | None:
    """File ``name`` as a :class:`PemStream` when it is PEM text too large to load at once (over
    :data:`~certready.adapters.inputs.read.MAX_INPUT_BYTES`, up to
    :data:`~certready.adapters.inputs.pem_stream.MAX_BUNDLE_BYTES`; the head is looked at)."""
    try:
        size = Path(name).stat().st_size
    except OSError:
        return None  # the reader says why
    if size <= MAX_INPUT_BYTES:
        return None
    try:
        with open_regular(name) as stream:
            head = stream.read(_HEAD)
    except InputError:
        return None
    return PemStream(name, size) if is_pem_head(head) else None


_HEAD = 64 * 1024


def many_blocks(data: bytes) -> bool:
    """PEM text with more blocks, or more bytes, than one bundle is loaded with at once (the
    whole of ``data`` is searched for a BEGIN marker, as the loader does)."""
    if not is_pem_head(data):
        return False
    return len(data) > STREAM_BYTES or data.count(_BEGIN_MARK) > STREAM_BLOCKS


_BEGIN_MARK = b"-----BEGIN "


def _amount(limit: int) -> str:
    """``1 MiB``, ``1 GiB`` (``64 KiB``)."""
    if limit >= 1024 * MIB:
        return f"{limit // (1024 * MIB)} GiB"
    return f"{limit // MIB} MiB" if limit >= MIB else f"{limit // 1024} KiB"


def is_pem_head(head: bytes) -> bool:
    """The start of a file read as PEM text (not UTF-16, holding a BEGIN marker)."""
    return b"-----BEGIN" in head and head[:2] not in (b"\xff\xfe", b"\xfe\xff")


__all__ = [
    "MAX_BUNDLE_BYTES",
    "MAX_PEM_BLOCK_BYTES",
    "STREAM_BLOCKS",
    "STREAM_BYTES",
    "PemBlockError",
    "PemEntry",
    "PemNote",
    "PemStream",
    "is_pem_head",
    "many_blocks",
    "pem_blocks",
    "pem_entries",
    "pem_entries_of",
    "streamed",
]
