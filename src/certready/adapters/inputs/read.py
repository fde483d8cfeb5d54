"""Bounded reads: a file, standard input (``-``) or a folder's files, never more than a cap.

Every reader of the tool's inputs (certificates and keys, trust files, CRLs, manifests, targets
files, lab files, password files) comes through :func:`read_bytes`, so a failure is always one
:class:`InputError` naming the file in the caller's words, and nothing reads an endless stream.
Standard input is passed in (``stdin``: a binary stream), never taken from ``sys.stdin`` here,
so tests hand in their own. Files are followed through symbolic links (certbot's ``live/``,
Kubernetes secret mounts) to a regular file; named pipes, devices and sockets are refused in one
line without being read (``-`` is how standard input is read).
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from certready.adapters.inputs.bundle import STDIN
from certready.core.errors import InputError

MAX_INPUT_BYTES = 16 * 1024 * 1024
"""No certificate file is this large; a bigger input is refused before it is parsed."""

MAX_FOLDER_BYTES = 1024 * 1024 * 1024
"""A folder's files together: 100,000 certificate files of a fleet fit several times over. The
files after the one that crosses it are not read, and the folder is reported."""

MAX_FOLDER_FILES = 1_000_000
"""Files of one folder (hidden ones and special files not counted)."""

MIB = 1024 * 1024


def read_bytes(
    name: str,
    *,
    stdin: BinaryIO | None = None,
    limit: int = MAX_INPUT_BYTES,
    prefix: str = "",
    folder: str | None = "is a folder, not a file",
    what: str = "a certificate file",
    pipes: bool = False,
) -> bytes:
    """The bytes of file ``name`` (standard input for ``-``), refusing more than ``limit``.

    Failures are an :class:`InputError` located at ``name`` whose message is ``prefix`` followed by
    the reason (the system's, in lower case, or "too large for ``what``"); a folder is ``folder``
    as it stands (``None``: the system's reason after ``prefix``). ``pipes``: a pipe is read too
    (bounded by ``limit``): a password given as ``--password-file <(pass show app)``.
    """
    try:
        if name == STDIN:
            if stdin is None:
                raise InputError(f"{prefix}standard input is not available", location=name)
            data = stdin.read(limit + 1)
        else:
            data = _read_regular(name, limit, pipes=pipes)
    except IsADirectoryError as exc:
        message = folder if folder is not None else f"{prefix}{os_reason(exc)}"
        raise InputError(message, location=name) from None
    except _NotRegular as exc:
        raise InputError(
            f"{prefix}{exc.kind}, not a regular file{exc.hint}", location=name
        ) from None
    except OSError as exc:
        raise InputError(f"{prefix}{os_reason(exc)}", location=name) from None
    if len(data) > limit:
        raise InputError(f"{prefix}{too_large(len(data), limit, what)}", location=name)
    return data


_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
"""Non-blocking, so opening a named pipe nobody writes to returns at once (and is refused)."""


class _NotRegular(OSError):
    def __init__(self, mode: int) -> None:
        super().__init__()
        self.kind, self.hint = _special_kind(mode)


def _read_regular(name: str, limit: int, *, pipes: bool = False) -> bytes:
    """At most ``limit + 1`` bytes of the regular file ``name`` (symbolic links followed).

    A named pipe, device or socket is refused without reading it: a pipe nobody writes to
    would block the run, ``/dev/zero`` never ends. The kind is checked on the open file itself
    (``fstat``), so nothing can be swapped in between; a socket cannot even be opened, so it is
    looked at first. With ``pipes``, a pipe is read like a file: opened without waiting, so a
    named pipe nobody writes to reads as empty instead of blocking.
    """
    with _open(name, pipes=pipes) as stream:
        status = os.fstat(stream.fileno())
        if not stat.S_ISREG(status.st_mode):
            return stream.read(limit + 1)
        # its size, not a buffer of the whole limit (16 MiB) for every file; more if it grew
        data = stream.read(min(status.st_size, limit) + 1)
        if len(data) > status.st_size:
            data += stream.read(limit + 1 - len(data))
        return data


def _open(name: str, *, pipes: bool = False) -> BinaryIO:
    """The regular file ``name``, opened for reading (see :func:`_read_regular`)."""
    mode = Path(name).stat().st_mode
    if stat.S_ISSOCK(mode):
        raise _NotRegular(mode)
    descriptor = os.open(name, _OPEN_FLAGS)
    try:
        mode = os.fstat(descriptor).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR))
        if not stat.S_ISREG(mode) and not (pipes and stat.S_ISFIFO(mode)):
            raise _NotRegular(mode)
        if hasattr(os, "set_blocking"):
            os.set_blocking(descriptor, True)
        return os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise


def open_regular(name: str) -> BinaryIO:
    """File ``name`` opened for reading as a stream (a big PEM bundle), with the checks and the
    one-line errors of :func:`read_bytes`."""
    try:
        return _open(name)
    except IsADirectoryError:
        raise InputError("is a folder, not a file", location=name) from None
    except _NotRegular as exc:
        raise InputError(f"{exc.kind}, not a regular file{exc.hint}", location=name) from None
    except OSError as exc:
        raise InputError(os_reason(exc), location=name) from None


def _special_kind(mode: int) -> tuple[str, str]:
    """What a special file is, and what to do instead."""
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)", ": give - to read standard input"
    if stat.S_ISCHR(mode):
        return "a character device", ""
    if stat.S_ISBLK(mode):
        return "a block device", ""
    if stat.S_ISSOCK(mode):
        return "a socket", ""
    return "a special file", ""


def read_input(name: str, stdin: BinaryIO | None = None) -> bytes:
    """The bytes of a certificate or key input (``-``: ``stdin``), refusing more than 16 MiB."""
    return read_bytes(name, stdin=stdin)


def os_reason(exc: OSError) -> str:
    """``no such file or directory``: the system's reason, without ``[Errno 2]`` and the path."""
    return (exc.strerror or str(exc)).lower()


def too_large(size: int, limit: int = MAX_INPUT_BYTES, what: str = "a certificate file") -> str:
    """``size`` is exact, or ``limit + 1`` when reading stopped there (unknown)."""
    if size > limit + 1:
        return f"too large for {what} ({size / MIB:.0f} MiB; the limit is {_amount(limit)})"
    return f"too large for {what} (over the {_amount(limit)} limit)"


def _amount(limit: int) -> str:
    """``16 MiB``; a limit under a MiB (a manifest's, a profile's) in KiB."""
    return f"{limit // MIB} MiB" if limit >= MIB else f"{limit // 1024} KiB"


def folder_files(folder: str) -> list[str]:
    """Every file under ``folder``, recursively, sorted; hidden files and folders skipped.

    Symbolic links to files are followed (a Kubernetes secret mount is ``tls.crt -> ..data/...``);
    links to folders are not, so a loop cannot hang the walk. Named pipes, sockets and devices
    are passed over: reading a pipe nobody writes to would hang the run. (A broken link is kept,
    so that it is reported.)
    """
    return list(walk_folder(folder))


def walk_folder(folder: str) -> Iterator[str]:
    """:func:`folder_files` one at a time: only one folder's names are held at once (a folder of
    a fleet's 100,000 files in subfolders is walked in the memory of the largest subfolder)."""
    for root, dirs, files in os.walk(folder, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            path = str(Path(root) / name)
            if not name.startswith(".") and not _special(path):
                yield path


def _special(path: str) -> bool:
    """A named pipe, socket or device (not a regular file, nor a broken link)."""
    try:
        return not stat.S_ISREG(Path(path).stat().st_mode)
    except OSError:
        return False
