"""A temporary file of records written one at a time and read back once, in order.

A streamed report whose head depends on every target (the text and HTML reports open with what
to fix first) spools each target's part here as it completes and reads it back after the last:
memory stays bounded whatever the number of targets. Records are the renderer's own plain values
(tuples, strings, frozen dataclasses), pickled; the file is private to the process and deleted
when closed.
"""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import Iterator
from types import TracebackType
from typing import IO, Any, Self

_LENGTH = 8
"""Bytes of the length before each record."""


class Spool:
    """``write`` records, then iterate :meth:`records` once; ``close`` (or ``with``) deletes it."""

    def __init__(self) -> None:
        self._file: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        self.count = 0

    def write(self, record: object) -> None:
        data = pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL)
        self._file.write(len(data).to_bytes(_LENGTH, "big"))
        self._file.write(data)
        self.count += 1

    def records(self) -> Iterator[Any]:
        """Every record in the order written."""
        self._file.flush()
        self._file.seek(0)
        for _ in range(self.count):
            size = int.from_bytes(self._file.read(_LENGTH), "big")
            yield pickle.loads(self._file.read(size))  # noqa: S301 - our own file, written above

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


__all__ = ["Spool"]
