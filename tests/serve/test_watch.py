"""The scheduler's parts on SQLite and PostgreSQL: run claims and alert claims hold across
instances, the schedule's slots and jitter, a failing run survived, a stopping run abandoned."""

from __future__ import annotations

import datetime as dt
import logging
import random
import threading
from pathlib import Path

import pytest

from certready.adapters.inventory import Store, parse_database
from certready.adapters.inventory.watch_store import WatchStore
from certready.core.errors import UsageError
from certready.services.schedule import Schedule, parse_schedule
from certready.services.watch import Watcher
from tests.audit.lab import make_lab
from tests.pki import TestCA

NOW = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC)
LEASE = dt.timedelta(minutes=5)
MANIFEST = "/srv/site.yaml"


def test_a_manifest_is_claimed_by_one_instance_at_a_time(db_url: str) -> None:
    a, b = WatchStore(parse_database(db_url)), WatchStore(parse_database(db_url))
    try:
        assert a.claim_run(MANIFEST, "a", now=NOW, lease=LEASE)
        assert not b.claim_run(MANIFEST, "b", now=NOW + dt.timedelta(seconds=1), lease=LEASE)
        a.release_run(MANIFEST, "a")
        # released, but a run started in this slot already: b skips the slot
        later = NOW + dt.timedelta(seconds=2)
        assert not b.claim_run(
            MANIFEST, "b", now=later, lease=LEASE, not_started_since=NOW - dt.timedelta(hours=3)
        )
        # the next slot: b runs it
        assert b.claim_run(
            MANIFEST, "b", now=NOW + dt.timedelta(hours=6), lease=LEASE, not_started_since=later
        )
        # a crashed holder's claim expires with its lease
        assert a.claim_run(MANIFEST, "a", now=NOW + dt.timedelta(hours=7), lease=LEASE)
    finally:
        a.close()
        b.close()


def test_concurrent_claims_have_one_winner(db_url: str) -> None:
    stores = [WatchStore(parse_database(db_url)) for _ in range(6)]
    barrier = threading.Barrier(len(stores))
    won: list[str] = []

    def claim(i: int) -> None:
        barrier.wait()
        if stores[i].claim_run(MANIFEST, f"i{i}", now=NOW, lease=LEASE):
            won.append(f"i{i}")
        key = "changed|site|app|ABC"
        if stores[i].claim_alert(
            key, rule="changed", deployment="site", owner=f"i{i}", now=NOW, message="m"
        ):
            won.append(f"alert i{i}")

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(len(stores))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for store in stores:
        store.close()
    assert len([w for w in won if not w.startswith("alert")]) == 1, won
    assert len([w for w in won if w.startswith("alert")]) == 1, won


def test_a_forgotten_alert_is_sent_again(db_url: str) -> None:
    store = WatchStore(parse_database(db_url))
    try:
        args = {"rule": "r", "deployment": "d", "owner": "o", "now": NOW, "message": "m"}
        assert store.claim_alert("k", **args)
        assert not store.claim_alert("k", **args)
        store.forget_alert("k")
        assert store.claim_alert("k", **args)
    finally:
        store.close()


def test_schedule_slots_and_jitter() -> None:
    every = parse_schedule("2s", None, 0)
    assert every.next_after(NOW) == NOW + dt.timedelta(seconds=2)
    jittered = parse_schedule("6h", None, 10)
    rng = random.Random(7)
    slots = [jittered.next_after(NOW, rng) - NOW for _ in range(200)]
    assert all(dt.timedelta(hours=6) <= s <= dt.timedelta(hours=6, minutes=36) for s in slots)
    assert len(set(slots)) > 100  # spread, not one value
    cron = parse_schedule(None, "0 */6 * * *", 0)
    assert cron.next_after(NOW) == dt.datetime(2026, 12, 2, 12, 0, tzinfo=dt.UTC)
    assert cron.interval(NOW) == dt.timedelta(hours=6)
    assert parse_schedule(None, None, 10) == Schedule(dt.timedelta(hours=6), None, 10)


@pytest.mark.parametrize(
    ("every", "cron", "jitter", "message"),
    [
        ("soon", None, 10, "--every: 'soon' is not a duration"),
        ("0s", None, 10, "--every must be longer than 0s"),
        ("1h", "* * * * *", 10, "give --every or --cron, not both"),
        (None, "every day", 10, "--cron 'every day' is not a cron expression"),
        ("1h", None, 150, "--jitter 150: a percentage from 0 to 100"),
    ],
)
def test_schedule_errors(every: str | None, cron: str | None, jitter: float, message: str) -> None:
    with pytest.raises(UsageError, match=message.replace("(", r"\(")):
        parse_schedule(every, cron, jitter)


def test_a_failing_run_is_survived_and_a_stopping_run_abandoned(
    tmp_path: Path, ca: TestCA, caplog: pytest.LogCaptureFixture
) -> None:
    lab = make_lab(tmp_path, ca)
    good = lab.manifest.read_text()
    lab.manifest.write_text("deployment: [broken\n")
    db = f"sqlite:///{tmp_path / 'inventory.sqlite3'}"
    watcher = Watcher(
        parse_database(db), [lab.manifest], parse_schedule("2s", None, 0), status_of=lambda r: 0
    )
    try:
        with caplog.at_level(logging.ERROR, logger="certready.serve"):
            assert watcher.run_once(str(lab.manifest), NOW) is None
        assert "the audit failed" in caplog.text and "retried at the next slot" in caplog.text
        lab.manifest.write_text(good)
        run_id = watcher.run_once(str(lab.manifest), NOW + dt.timedelta(seconds=2))
        assert run_id is not None
        # another instance holding the claim: this one does not run
        other = WatchStore(parse_database(db))
        assert other.claim_run(str(lab.manifest.resolve()), "other", now=_now(), lease=LEASE)
        assert watcher.run_once(str(lab.manifest), _now()) is None
        other.release_run(str(lab.manifest.resolve()), "other")
        other.close()
        # stopping while an audit runs: the finished audit is not recorded
        watcher._stopping.set()
        assert watcher._audit_and_record(str(lab.manifest.resolve())) is None
    finally:
        watcher.stop()
    store = Store(parse_database(db))
    try:
        assert [r.id for r in store.runs()] == [run_id]
        assert all(r.complete for r in store.runs())
    finally:
        store.close()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def test_two_instances_on_one_database_run_a_slot_once(
    tmp_path: Path, ca: TestCA, db_url: str
) -> None:
    lab = make_lab(tmp_path, ca)
    schedule = parse_schedule("1h", None, 0)
    sites = [
        Watcher(parse_database(db_url), [lab.manifest], schedule, status_of=lambda r: 0, owner=o)
        for o in ("site-a:1", "site-b:2")
    ]
    barrier = threading.Barrier(2)
    results: dict[str, int | None] = {}

    def slot(watcher: Watcher) -> None:
        barrier.wait()
        results[watcher.owner] = watcher.run_once(str(lab.manifest), _now())

    threads = [threading.Thread(target=slot, args=(w,)) for w in sites]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    for watcher in sites:
        watcher.stop()
    ran = [owner for owner, run_id in results.items() if run_id is not None]
    assert len(results) == 2 and len(ran) == 1, results
    store = Store(parse_database(db_url))
    try:
        assert len(store.runs()) == 1
    finally:
        store.close()
