"""The expiry timeline of a streamed report: every distinct certificate and the targets that use
it, gathered in a temporary SQLite database instead of memory.

The HTML report's timeline has one row per distinct certificate (by SHA-256) in order of expiry,
each naming every target that uses it, and labels two certificates of the same name apart: all of
that depends on every target. :class:`TimelineSpool` records each certificate the first time it
is seen and each (certificate, target) pair once, and at the end hands
:class:`~certready.adapters.reporting.timeline.Timeline` bars that are read back in order as the
page is written. The database is private and on disk (SQLite's page cache is bounded), deleted
when closed; the bars are the ones :func:`html_report.timeline_entries` and
:func:`~certready.adapters.reporting.timeline.layout` give for the same report.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Collection, Iterator

from certready.adapters.reporting.common import timeline_label
from certready.adapters.reporting.timeline import Axis, Bar, Timeline, TimelineEntry
from certready.core.model import ChainElement, TargetResult

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MICROSECOND = dt.timedelta(microseconds=1)
_RECENT = 256
"""How many recently seen fingerprints skip the database (a batch's shared CAs)."""

_SCHEMA = """
CREATE TABLE certs (
    id INTEGER PRIMARY KEY,
    fingerprint BLOB NOT NULL UNIQUE,
    name BLOB NOT NULL,
    told_apart BLOB NOT NULL,
    subject BLOB NOT NULL,
    origin BLOB NOT NULL,
    not_before INTEGER NOT NULL,
    not_after INTEGER NOT NULL
);
CREATE TABLE uses (cert INTEGER NOT NULL, target BLOB NOT NULL, UNIQUE (cert, target));
"""


def _blob(text: str) -> bytes:
    """UTF-8 (lone surrogates passed through): SQLite compares BLOBs bytewise, which orders them
    as Python orders the strings (by code point)."""
    return text.encode("utf-8", "surrogatepass")


def _text(blob: bytes) -> str:
    return blob.decode("utf-8", "surrogatepass")


def _micros(when: dt.datetime) -> int:
    return (when - _EPOCH) // _MICROSECOND


def _when(micros: int) -> dt.datetime:
    return _EPOCH + micros * _MICROSECOND


class TimelineSpool:
    """:meth:`add` each target, then :meth:`timeline` once; :meth:`close` deletes the database."""

    def __init__(self) -> None:
        self._db = sqlite3.connect("")  # a private temporary database, on disk, gone when closed
        self._db.executescript(_SCHEMA)
        self._recent: dict[str, int] = {}

    def add(self, target: TargetResult) -> None:
        here: set[str] = set()
        for element in (*target.certificates, *target.path):
            fingerprint = element.certificate.fingerprint_sha256
            if fingerprint in here:
                continue
            here.add(fingerprint)
            cert = self._cert(fingerprint, element, target.target)
            self._db.execute(
                "INSERT OR IGNORE INTO uses (cert, target) VALUES (?, ?)",
                (cert, _blob(target.target)),
            )

    def _cert(self, fingerprint: str, element: ChainElement, target: str) -> int:
        known = self._recent.get(fingerprint)
        if known is not None:
            return known
        row = self._db.execute(
            "SELECT id FROM certs WHERE fingerprint = ?", (_blob(fingerprint),)
        ).fetchone()
        if row is not None:
            cert: int = row[0]
        else:
            facts = element.certificate
            name = facts.display_name
            inserted = self._db.execute(
                "INSERT INTO certs (fingerprint, name, told_apart, subject, origin, not_before,"
                " not_after) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    _blob(fingerprint),
                    _blob(name),
                    _blob(timeline_label(name, element, target)),
                    _blob(facts.subject),
                    _blob(str(element.origin)),
                    _micros(facts.not_valid_before),
                    _micros(facts.not_valid_after),
                ),
            )
            assert inserted.lastrowid is not None
            cert = inserted.lastrowid
        if len(self._recent) >= _RECENT:
            del self._recent[next(iter(self._recent))]
        self._recent[fingerprint] = cert
        return cert

    def timeline(self, now: dt.datetime, threshold_days: int) -> Timeline:
        """The laid-out timeline; its bars are read from the database each time they are
        iterated (the spool must stay open until the page is written)."""
        count, latest = self._db.execute("SELECT COUNT(*), MAX(not_after) FROM certs").fetchone()
        axis = Axis(now, now if latest is None else _when(latest), threshold_days)
        at, window = _micros(now), dt.timedelta(days=threshold_days) // _MICROSECOND
        expired, soon = self._db.execute(
            "SELECT COUNT(*) FILTER (WHERE not_after < :now),"
            " COUNT(*) FILTER (WHERE not_after >= :now AND not_after - :now < :window)"
            " FROM certs",
            {"now": at, "window": window},
        ).fetchone()
        return axis.timeline(_SpooledBars(self, axis, count), expired, soon)

    def entries(self) -> Iterator[TimelineEntry]:
        """Every certificate, soonest expiry first (then by label, then first seen)."""
        rows = self._db.execute(
            "SELECT c.id, CASE WHEN n.same > 1 THEN c.told_apart ELSE c.name END AS label,"
            " c.subject, c.origin, c.not_before, c.not_after, u.target"
            " FROM certs AS c JOIN (SELECT name, COUNT(*) AS same FROM certs GROUP BY name) AS n"
            " ON n.name = c.name JOIN uses AS u ON u.cert = c.id"
            " ORDER BY c.not_after, label, c.id, u.rowid"
        )
        current: tuple[int, bytes, bytes, bytes, int, int] | None = None
        used_by: list[str] = []
        for cert, label, subject, origin, not_before, not_after, target in rows:
            if current is not None and current[0] != cert:
                yield _entry(current, used_by)
                used_by = []
            current = (cert, label, subject, origin, not_before, not_after)
            used_by.append(_text(target))
        if current is not None:
            yield _entry(current, used_by)

    def close(self) -> None:
        self._db.close()


def _entry(row: tuple[int, bytes, bytes, bytes, int, int], used_by: list[str]) -> TimelineEntry:
    _, label, subject, origin, not_before, not_after = row
    return TimelineEntry(
        label=_text(label),
        detail=f"{_text(subject)} · {_text(origin)} · used by {', '.join(used_by)}",
        not_valid_before=_when(not_before),
        not_valid_after=_when(not_after),
    )


class _SpooledBars(Collection[Bar]):
    """The bars of a :class:`TimelineSpool`, placed as they are read."""

    def __init__(self, spool: TimelineSpool, axis: Axis, count: int) -> None:
        self._spool, self._axis, self._count = spool, axis, count

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[Bar]:
        for i, entry in enumerate(self._spool.entries()):
            yield self._axis.bar(i, entry)

    def __contains__(self, item: object) -> bool:
        return any(bar == item for bar in self)


__all__ = ["TimelineSpool"]
