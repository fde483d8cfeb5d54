"""One input's bytes to a :class:`Bundle`, and every input of a command line in turn.

The format is detected from the content, never the extension: PEM (also written as UTF-16, as
PowerShell 5 does), DER, or bare base64 of either (a Kubernetes secret's ``tls.crt`` value).
Every failure is an :class:`InputError` naming the input, so one bad file never stops the others.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import BinaryIO, Literal, overload

from cryptography import x509

from certready.adapters.inputs.bundle import STDIN, Bundle, PasswordSource
from certready.adapters.inputs.der import load_der
from certready.adapters.inputs.failures import BAD_DATA, reason, unexpected
from certready.adapters.inputs.pem import load_pem
from certready.adapters.inputs.pem_stream import PemStream, many_blocks, streamed
from certready.adapters.inputs.read import (
    MAX_FOLDER_BYTES,
    MAX_FOLDER_FILES,
    MAX_INPUT_BYTES,
    read_input,
    too_large,
    walk_folder,
)
from certready.adapters.inputs.sniff import (
    PEM_MARK,
    bare_base64,
    from_utf16,
    is_blank,
    is_utf16,
    not_recognised,
    plainly_not_certificate,
)
from certready.core.errors import CertReadyError, InputError
from certready.core.facts import read_certificate_names
from certready.core.location import FileLocation


def load_bytes(data: bytes, source: str, password: PasswordSource | None = None) -> Bundle:
    """Parse one input's bytes into its certificates and keys.

    Raises :class:`InputError` (:class:`PasswordError` for a missing or wrong password) whose
    ``location`` is ``source``; the message never contains the password.
    """
    if len(data) > MAX_INPUT_BYTES:
        raise InputError(too_large(len(data)), location=source)
    try:
        return _checked(_load_bytes(data, source, password))
    except CertReadyError:
        raise
    except Exception as exc:
        # Whatever else a damaged input makes a library (or this package) raise is this input's
        # error, never the batch's; --debug shows the original (its cause).
        raise InputError(f"cannot be read ({unexpected(exc)})", location=source) from exc
    except BaseException as exc:
        # cryptography's Rust parsers can panic on damaged input (a malformed DEK-Info IV in an
        # encrypted PEM key); pyo3 raises that as a BaseException that must not end the batch.
        if type(exc).__name__ == "PanicException":
            raise InputError(
                "damaged beyond parsing (cryptography's parser failed on it)", location=source
            ) from None
        raise


def _load_bytes(data: bytes, source: str, password: PasswordSource | None) -> Bundle:
    notes: list[str] = []
    if is_utf16(data):
        data = from_utf16(data, source)
        notes.append("UTF-16 text (as PowerShell 5 writes it): read as ASCII")
    if PEM_MARK in data:
        bundle = load_pem(data, source, password)
    elif is_blank(data):
        raise InputError("empty input" if source == STDIN else "empty file", location=source)
    elif data[0] == 0x30:
        bundle = load_der(data, source, password)
    else:
        decoded = bare_base64(data)
        if decoded is None:
            raise InputError(not_recognised(data), location=source)
        if PEM_MARK in decoded:
            bundle = load_pem(decoded, source, password)
            notes.append("base64 of a PEM file (as a Kubernetes secret holds it): decoded")
        else:
            bundle = load_der(decoded, source, password)
            notes.append("base64 without PEM header lines: decoded as DER")
    if notes:
        bundle = replace(bundle, notes=(*notes, *bundle.notes))
    return bundle


def _checked(bundle: Bundle) -> Bundle:
    """Refuse a certificate whose names cannot be read.

    cryptography parses the subject and issuer lazily, so a damaged name would otherwise surface
    as a ``ValueError`` in the middle of the analysis. (Damaged extensions are left alone: the
    facts record them, and rules report them.)
    """
    for i, loaded in enumerate(bundle.certificates):
        if i and loaded.certificate in _NAMES_READ:
            continue
        try:
            read_certificate_names(loaded.certificate)  # parsed on access; remembered
        except BAD_DATA as exc:
            where = loaded.location
            index = (
                where.index if isinstance(where, FileLocation) and where.index is not None else i
            )
            raise InputError(
                f"certificate #{index} is damaged: its names cannot be read ({reason(exc)})",
                location=bundle.source,
            ) from None
        if i:  # what comes after the first certificate (its chain) recurs with every leaf
            if len(_NAMES_READ) >= _NAMES_READ_MAX:
                _NAMES_READ.clear()
            _NAMES_READ[loaded.certificate] = None
    return bundle


_NAMES_READ: dict[x509.Certificate, None] = {}
"""Chain certificates (equal DER) whose names were read: the same CA certificates come with every
leaf, and reading a name costs several microseconds each time."""
_NAMES_READ_MAX = 4096


def load_file(
    path: str | Path, password: PasswordSource | None = None, *, stdin: BinaryIO | None = None
) -> Bundle:
    """One file (or ``-``: ``stdin``) as a :class:`Bundle`; raises :class:`InputError` naming it."""
    name = str(path)
    return load_bytes(read_input(name, stdin), name, password)


def load_certificates_file(path: str | Path) -> tuple[x509.Certificate, ...]:
    """The certificates of one file (any format but a keyed PKCS#12); holding none is an error."""
    bundle = load_file(path)
    if not bundle.certificates:
        raise InputError("holds no certificate", location=str(path))
    return tuple(c.certificate for c in bundle.certificates)


@overload
def iter_inputs(
    paths: Sequence[str],
    password: PasswordSource | None = None,
    *,
    stdin: BinaryIO | None = None,
    streams: Literal[False] = False,
) -> Iterator[Bundle | InputError]: ...


@overload
def iter_inputs(
    paths: Sequence[str],
    password: PasswordSource | None = None,
    *,
    stdin: BinaryIO | None = None,
    streams: bool,
) -> Iterator[Bundle | InputError | PemStream]: ...


def iter_inputs(
    paths: Sequence[str],
    password: PasswordSource | None = None,
    *,
    stdin: BinaryIO | None = None,
    streams: bool = False,
) -> Iterator[Bundle | InputError | PemStream]:
    """Each input (folders expanded recursively) as a Bundle, or the InputError that it raised.

    ``-`` reads ``stdin`` (without one, it is an input error). A folder none of whose files
    holds a certificate is itself an error naming the folder, and so is one whose files exceed
    :data:`~certready.adapters.inputs.read.MAX_FOLDER_BYTES` (or ``MAX_FOLDER_FILES``) together:
    the files before the one that crossed the limit are read. In a folder, a file that is plainly
    not certificate material (text without a PEM block, JSON, YAML: certbot's ``README``) is an
    empty bundle of format ``skipped`` with a note; named on the command line, it is an error.
    ``streams``: a big PEM file (see :func:`streamed`) is a :class:`PemStream` to read block by
    block, not a bundle (standard input never is).
    """
    for name in paths:
        if name != STDIN and Path(name).is_dir():
            any_certificate = False
            files = walk_folder(name)  # (one subfolder's names at a time)
            total, stopped, count = 0, False, 0
            for count, file in enumerate(files, start=1):
                total += _size(file)
                if total > MAX_FOLDER_BYTES or count > MAX_FOLDER_FILES:
                    rest = sum(1 for _ in files)
                    yield InputError(_folder_too_large(count + rest, count), location=name)
                    stopped = True
                    break
                item = _load_in_folder(file, password, streams=streams)
                any_certificate = (
                    any_certificate
                    or isinstance(item, PemStream)
                    or (isinstance(item, Bundle) and bool(item.certificates or item.requests))
                )
                yield item
            if not any_certificate and not stopped:
                yield empty_folder(name, count)
        else:
            yield _load_one(name, password, stdin, streams=streams)


SKIPPED = "skipped"
"""The :attr:`Bundle.format` of a folder's file that is plainly not certificate material."""


def _load_in_folder(
    name: str, password: PasswordSource | None, *, streams: bool = False
) -> Bundle | InputError | PemStream:
    try:
        big = streamed(name) if streams else None
        if big is not None:
            return big
        data = read_input(name, None)
    except InputError as exc:
        return exc
    if streams and many_blocks(data):
        return PemStream(name, len(data))
    what = plainly_not_certificate(data)
    if what is not None:
        note = f"skipped: {what} without a PEM block, not certificate material"
        return Bundle(name, SKIPPED, (), notes=(note,))
    try:
        return load_bytes(data, name, password)
    except InputError as exc:
        return exc


def load_in_folder(
    name: str, password: PasswordSource | None, *, streams: bool = False
) -> Bundle | InputError | PemStream:
    """One file of a folder as :func:`iter_inputs` yields it (plain text skipped with a note)."""
    return _load_in_folder(name, password, streams=streams)


def empty_folder(name: str, files: int) -> InputError:
    """The error of a folder none of whose ``files`` holds a certificate."""
    what = f"none of its {files} files" if files else "it has no files"
    return InputError(f"folder holds no certificate ({what})", location=name)


@overload
def load_one(
    name: str,
    password: PasswordSource | None,
    stdin: BinaryIO | None = None,
    *,
    streams: Literal[False] = False,
) -> Bundle | InputError: ...


@overload
def load_one(
    name: str, password: PasswordSource | None, stdin: BinaryIO | None = None, *, streams: bool
) -> Bundle | InputError | PemStream: ...


def load_one(
    name: str,
    password: PasswordSource | None,
    stdin: BinaryIO | None = None,
    *,
    streams: bool = False,
) -> Bundle | InputError | PemStream:
    """One input file as :func:`iter_inputs` yields it (``--jobs`` workers read one each)."""
    return _load_one(name, password, stdin, streams=streams)


def within_folder_limits(files: Sequence[str]) -> bool:
    """Whether a folder's ``files`` are within the limits :func:`iter_inputs` enforces."""
    if len(files) > MAX_FOLDER_FILES:
        return False
    total = 0
    for file in files:
        total += _size(file)
        if total > MAX_FOLDER_BYTES:
            return False
    return True


def _size(file: str) -> int:
    try:
        return Path(file).stat().st_size
    except OSError:
        return 0  # reported when it is read


def _folder_too_large(files: int, count: int) -> str:
    limit = f"{MAX_FOLDER_BYTES // 1024**3} GiB in {MAX_FOLDER_FILES:,} files"
    return (
        f"folder too large: over the limit of {limit}; its {files - count + 1:,} files from"
        " the one that crossed it on were not read (give its subfolders one by one)"
    )


def _load_one(
    name: str, password: PasswordSource | None, stdin: BinaryIO | None, *, streams: bool = False
) -> Bundle | InputError | PemStream:
    try:
        if not streams or name == STDIN:
            return load_file(name, password, stdin=stdin)
        big = streamed(name)
        if big is not None:
            return big
        data = read_input(name, None)
        if many_blocks(data):
            return PemStream(name, len(data))
        return load_bytes(data, name, password)
    except InputError as exc:
        return exc
