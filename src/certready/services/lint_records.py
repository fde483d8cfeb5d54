"""Lint's first pass over a fleet's plain files, in a few bytes of memory each.

Most inputs of a big lint are plain: one server certificate and its CA certificates, no key (a
folder of ``fullchain.pem`` files). What planning needs of each (see
:class:`certready.services.lint.InputIndex`) is its leaf's position, which CA certificates it
brought, and, only to find the same leaf given twice or the leaf a key file belongs to, the
leaf's fingerprint, public key, name and size. The first two are kept in arrays (6 bytes an
input: its CA certificates are one of a few distinct sets), the rest in a temporary SQLite
table (on disk past a small page cache), so memory stays flat however many files a run has.
"""

from __future__ import annotations

import sqlite3
from array import array
from collections.abc import Iterator, Sequence
from typing import Any

from certready.adapters.inputs import LoadedCertificate

_NONE = -1


class PlainInputs:
    """The first pass' record of the plain inputs of a run, by position."""

    def __init__(self) -> None:
        self._leaf = array("h")
        self._set = array("I")
        self._sets: dict[tuple[tuple[str, ...], frozenset[str] | None], int] = {}
        self.sets: list[tuple[str, ...]] = []
        """Each distinct set of CA certificate fingerprints an input brought."""
        self.set_issuers: list[frozenset[str] | None] = []
        """With it, the issuer names of that input's certificates (lint.PathCandidates)."""
        self.first_ca: dict[str, tuple[int, int]] = {}
        """Each CA certificate's first (position, index within its input)."""
        self.owners: dict[str, tuple[int, int, str]] = {}
        """Each CA public key's first (position, index, ``name (location)``)."""
        self.count = 0
        self._db: sqlite3.Connection | None = None
        self._indexed = False

    def add(
        self,
        position: int,
        source: str,
        leaf_index: int,
        leaf: tuple[str, str],
        count: int,
        cas: Sequence[tuple[int, str, str, str]],
        issuers: frozenset[str] | None = None,
    ) -> None:
        """Input ``position``: its leaf's index and (fingerprint, public key hash), how many
        certificates it holds, and its CA certificates as (index, fingerprint, public key hash,
        ``name (location)``)."""
        while len(self._leaf) < position:
            self._leaf.append(_NONE)
            self._set.append(0)
        key = tuple(fp for _, fp, _, _ in cas)
        number = self._sets.get((key, issuers))
        if number is None:
            number = self._sets[key, issuers] = len(self.sets)
            self.sets.append(key)
            self.set_issuers.append(issuers)
        self._leaf.append(leaf_index)
        self._set.append(number)
        for j, fp, spki, owner in cas:
            self.first_ca.setdefault(fp, (position, j))
            self.owners.setdefault(spki, (position, j, owner))
        if self._db is None:
            self._db = sqlite3.connect("")  # a private temporary database
            self._db.execute(
                "CREATE TABLE plain (position INTEGER PRIMARY KEY, fp BLOB, spki BLOB,"
                " source TEXT, count INTEGER)"
            )
        self._db.execute(
            "INSERT INTO plain VALUES (?, ?, ?, ?, ?)",
            (position, bytes.fromhex(leaf[0]), bytes.fromhex(leaf[1]), source, count),
        )
        self.count += 1

    def fits(self, leaf_index: int) -> bool:
        return leaf_index < 2**15

    def leaf_index(self, position: int) -> int | None:
        """The leaf's index when input ``position`` is plain, else ``None``."""
        if position >= len(self._leaf) or self._leaf[position] == _NONE:
            return None
        return self._leaf[position]

    def ca_set(self, position: int) -> int:
        return self._set[position]

    def positions(self) -> Iterator[int]:
        return (i for i, leaf in enumerate(self._leaf) if leaf != _NONE)

    def _query(self, sql: str, *args: object) -> list[tuple[Any, ...]]:
        if self._db is None:
            return []
        if not self._indexed:
            self._db.execute("CREATE INDEX plain_fp ON plain (fp)")
            self._db.execute("CREATE INDEX plain_spki ON plain (spki)")
            self._indexed = True
        return list(self._db.execute(sql, args))

    def repeated_leaves(self) -> list[str]:
        """The fingerprints of leaves given in more than one plain input."""
        rows = self._query("SELECT fp FROM plain GROUP BY fp HAVING COUNT(*) > 1 ORDER BY fp")
        return [bytes(row[0]).hex() for row in rows]

    def with_leaf(self, fingerprint: str) -> list[int]:
        rows = self._query(
            "SELECT position FROM plain WHERE fp = ? ORDER BY position", bytes.fromhex(fingerprint)
        )
        return [int(row[0]) for row in rows]

    def with_key(self, spki: str) -> list[int]:
        """The plain inputs whose leaf has this public key (hash)."""
        rows = self._query(
            "SELECT position FROM plain WHERE spki = ? ORDER BY position", bytes.fromhex(spki)
        )
        return [int(row[0]) for row in rows]

    def row(self, position: int) -> tuple[str, int, str]:
        """(source, how many certificates, leaf fingerprint) of plain input ``position``."""
        ((source, count, fp),) = self._query(
            "SELECT source, count, fp FROM plain WHERE position = ?", position
        )
        return str(source), int(count), bytes(fp).hex()

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


def ca_companions(
    cas: dict[str, LoadedCertificate], own: tuple[str, ...]
) -> tuple[LoadedCertificate, ...]:
    """``cas`` but those an input brought itself."""
    mine = set(own)
    return tuple(c for fp, c in cas.items() if fp not in mine)
