"""Every file certready writes goes through here: keys, certificates, plans, manifests, reports.

A planted symbolic link must never redirect a write (issue 14): a new file is created with
``O_CREAT | O_EXCL | O_NOFOLLOW``, so an existing name, a link included (dangling or not), is an
error; ``force`` replaces what is there (the link itself, never its target) by writing a temporary
file beside it and renaming it over the name. A report written to a character device or a FIFO
(``-o /dev/null``, ``-o /dev/stdout``, a named pipe) is written into it directly: renaming a file
over ``/dev/null`` as root would replace the system's ``/dev/null``.
"""

from __future__ import annotations

import os
import secrets
import stat
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

from certready.core.errors import InputError, UsageError

_NEW = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
EXISTS = "already exists; pass --force to overwrite it"


def write_new(path: Path, data: bytes, *, mode: int, force: bool = False) -> Path:
    """Write ``data`` to ``path`` with exactly ``mode`` (set at creation: a key is never readable
    by others, not even for a moment). An existing name is a :class:`UsageError` unless ``force``,
    which replaces a file or a link (not the link's target); a folder or a device is never
    replaced."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if force:
        _refuse_special(path)
        temporary = _create_beside(path, data, mode)
        try:
            temporary.replace(path)
        except OSError as exc:
            temporary.unlink(missing_ok=True)
            raise InputError(exc.strerror or str(exc), location=str(path)) from None
        return path
    try:
        fd = os.open(path, _NEW, mode)
    except FileExistsError:
        raise UsageError(EXISTS, location=str(path)) from None
    except OSError as exc:
        raise InputError(exc.strerror or str(exc), location=str(path)) from None
    _fill(fd, data, mode, path)
    return path


_SYSTEM = (Path("/dev"), Path("/proc"))
"""Folders of devices and descriptors (``/dev/stdout``, ``/dev/fd/1``, ``/proc/self/fd/1``): a
report is written into what such a name opens, never renamed over it."""


def write_output(path: Path, data: bytes | Iterable[bytes]) -> Path:
    """A report (whole, or as chunks written as they come: ``--format jsonl``): into a character device or FIFO directly (also behind a link), and into whatever
    a name under ``/dev`` or ``/proc`` opens (``/dev/stdout`` redirected to a file: appended, as
    the shell's ``>>`` would); otherwise replacing the file (or link) atomically. A replaced
    regular file keeps its mode; a new one is 0644."""
    if any(path.absolute().is_relative_to(folder) for folder in _SYSTEM):
        _write_stream(path, data)
        return path
    try:
        target = path.stat()  # follows links: /dev/stdout -> /proc/self/fd/1 -> a pipe
    except FileNotFoundError:
        target = None
    except OSError as exc:
        raise UsageError(f"cannot write: {exc.strerror or exc}", location=str(path)) from None
    if target is not None and (stat.S_ISCHR(target.st_mode) or stat.S_ISFIFO(target.st_mode)):
        _write_stream(path, data)
        return path
    if target is not None and stat.S_ISDIR(target.st_mode):
        raise UsageError("is a directory, not a file", location=str(path))
    if not (path.parent if str(path.parent) else Path()).is_dir():
        raise UsageError("no such directory", location=str(path))
    _refuse_special(path)
    mode = 0o644
    if target is not None and not path.is_symlink() and stat.S_ISREG(target.st_mode):
        mode = target.st_mode & 0o777
    temporary = _create_beside(path, data, mode)
    try:
        temporary.replace(path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise UsageError(f"cannot write: {exc.strerror or exc}", location=str(path)) from None
    return path


def _write_stream(path: Path, data: bytes | Iterable[bytes]) -> None:
    """Write into an existing device, FIFO or descriptor: never created, truncated or renamed
    over."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise UsageError(f"cannot write: {exc.strerror or exc}", location=str(path)) from None
    try:
        with os.fdopen(fd, "wb") as stream:
            _write_chunks(stream, data)
    except BrokenPipeError:
        pass  # the reader went away: as with a shell pipe, not an error
    except OSError as exc:
        raise UsageError(f"cannot write: {exc.strerror or exc}", location=str(path)) from None


def _refuse_special(path: Path) -> None:
    """A folder, device, FIFO or socket at ``path`` (not behind a link) is never replaced."""
    try:
        info = path.lstat()
    except FileNotFoundError:
        return
    except OSError as exc:
        raise UsageError(f"cannot write: {exc.strerror or exc}", location=str(path)) from None
    if stat.S_ISDIR(info.st_mode):
        raise UsageError("is a folder, not a file", location=str(path))
    if not (stat.S_ISREG(info.st_mode) or stat.S_ISLNK(info.st_mode)):
        raise UsageError("not a regular file; refusing to replace it", location=str(path))


def _create_beside(path: Path, data: bytes | Iterable[bytes], mode: int) -> Path:
    """A new temporary file in ``path``'s folder holding ``data`` with ``mode``."""
    for _ in range(100):
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        try:
            fd = os.open(temporary, _NEW, mode)
        except FileExistsError:
            continue
        except OSError as exc:
            raise UsageError(f"cannot write: {exc.strerror or exc}", location=str(path)) from None
        try:
            _fill(fd, data, mode, path)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        return temporary
    raise UsageError("cannot create a temporary file beside it", location=str(path))


def _write_chunks(stream: BinaryIO, data: bytes | Iterable[bytes]) -> None:
    for chunk in (data,) if isinstance(data, bytes) else data:
        stream.write(chunk)


def _fill(fd: int, data: bytes | Iterable[bytes], mode: int, path: Path) -> None:
    try:
        with os.fdopen(fd, "wb") as stream:
            os.fchmod(stream.fileno(), mode)  # the umask must not widen or narrow a key's mode
            _write_chunks(stream, data)
    except OSError as exc:
        raise InputError(exc.strerror or str(exc), location=str(path)) from None
