"""Reliability on both backends: concurrent recorders, kill -9 mid-run, a locked, a corrupt and a
newer database, and no key or password in any table."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import text
from sqlalchemy.engine import make_url

from certready.adapters.inventory import InventoryError, parse_database
from certready.adapters.inventory.tables import metadata
from tests.audit.lab import write_pfx
from tests.cli import run
from tests.inventory.helpers import error_lines, open_store, recorded_run, sha256
from tests.pki import TestCA, new_key
from tests.scan.servers import Servers, silent


def _certready(*argv: str, cwd: Path) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k != "CERTREADY_DB"}
    return subprocess.Popen(
        [sys.executable, "-m", "certready", *argv],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )


def test_four_concurrent_recorders_lose_nothing(db_url: str, tmp_path: Path, ca: TestCA) -> None:
    folder = tmp_path / "certs"
    folder.mkdir()
    leaves = [ca.issue(f"host{i}.example.test") for i in range(5)]
    for i, leaf in enumerate(leaves):
        leaf.write(folder, f"host{i}")
        (folder / f"host{i}.key").unlink()
    processes = [_certready("lint", str(folder), "--db", db_url, cwd=tmp_path) for _ in range(4)]
    outcomes = [p.communicate(timeout=240) for p in processes]
    run_ids = set()
    for process, (out, err) in zip(processes, outcomes, strict=True):
        assert process.returncode in (0, 1), err
        assert "host0.example.test" in out
        run_ids.add(recorded_run(err))
    assert len(run_ids) == 4
    with open_store(db_url) as store:
        runs = store.runs()
        assert {r.id for r in runs} == run_ids and all(r.complete for r in runs)
        for run_id in run_ids:
            observed = store.observations(run_id=run_id)
            assert sorted(o.leaf_sha256 or "" for o in observed) == sorted(
                sha256(leaf.cert) for leaf in leaves
            )
        # one row per certificate however many recorders saw it
        assert len(store.certificates()) == len(leaves)


def test_kill_9_mid_scan_keeps_committed_targets_and_the_run_stays_incomplete(
    db_url: str, tmp_path: Path, ca: TestCA
) -> None:
    leaf = ca.issue("app.example.test", "127.0.0.1")
    with Servers() as servers:
        fast = [servers.tls([leaf, ca.intermediate]) for _ in range(3)]
        hanging = servers.start(silent)
        targets = [f"127.0.0.1:{p}" for p in (*fast, hanging)]
        process = _certready(
            "scan", *targets, "--timeout", "120", "--no-sni-check", "--db", db_url, cwd=tmp_path
        )
        try:
            deadline = time.monotonic() + 90
            committed = 0
            while time.monotonic() < deadline and committed < 3:
                time.sleep(0.3)
                assert process.poll() is None, process.communicate()
                try:
                    with open_store(db_url) as store:
                        runs = store.runs()
                        committed = len(store.observations(run_id=runs[0].id)) if runs else 0
                except InventoryError:
                    continue  # the recorder is still creating the schema
            assert committed == 3
        finally:
            process.kill()  # SIGKILL: no cleanup runs
            process.communicate()
    assert process.returncode == -9
    with open_store(db_url) as store:
        (killed,) = store.runs()
        assert not killed.complete and killed.verdict is None
        observed = store.observations(run_id=killed.id)
        assert sorted(o.target for o in observed) == sorted(targets[:3])
        assert {o.leaf_sha256 for o in observed} == {sha256(leaf.cert)}
    # control: the same scan without the hanging target ends, and its run is complete
    with Servers() as servers:
        port = servers.tls([leaf, ca.intermediate])
        status, _, err = run("scan", f"127.0.0.1:{port}", "--no-sni-check", "--db", db_url)
    with open_store(db_url) as store:
        finished = store.run(recorded_run(err))
        assert finished is not None and finished.complete and finished.exit_status == status


def _hold_lock(db_url: str) -> object:
    """Another session holding the write lock: SQLite BEGIN EXCLUSIVE, PostgreSQL LOCK TABLE."""
    open_store(db_url).close()  # the schema exists
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite":
        holder = sqlite3.connect(url.database or "", isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")
        return holder
    connection = psycopg.connect(
        dbname=url.database, user=url.username, host=str(url.query["host"])
    )
    connection.execute("LOCK TABLE runs IN ACCESS EXCLUSIVE MODE")
    return connection


def _impatient(db_url: str) -> str:
    """The same database with a short wait for locks (the default is 30 s)."""
    if db_url.startswith("sqlite"):
        return f"{db_url}?timeout=0.3"
    return f"{db_url}&options=-c%20lock_timeout%3D300"


def _lint_and_check_exit_4(db_url: str, tmp_path: Path, ca: TestCA, reason: str) -> str:
    cert, _ = ca.issue("app.example.test").write(tmp_path, "app")
    status, out, err = run("lint", str(cert), "--db", db_url)
    assert status == 4, err
    assert "app.example.test" in out and "NOT READY" in out  # the report is still printed
    (line,) = error_lines(err)
    assert "the run was not recorded" in line and reason in line.lower()
    assert "Traceback" not in err and "recorded run" not in err
    return line


def test_a_locked_database_fails_the_recording_not_the_report(
    db_url: str, tmp_path: Path, ca: TestCA
) -> None:
    holder = _hold_lock(db_url)
    try:
        _lint_and_check_exit_4(_impatient(db_url), tmp_path, ca, "lock")
    finally:
        holder.close()  # type: ignore[attr-defined]
    # control: once the lock is gone the same command records
    cert = tmp_path / "app.pem"
    status, _, err = run("lint", str(cert), "--db", _impatient(db_url))
    assert status == 1 and recorded_run(err) >= 1


def _corrupt(db_url: str) -> None:
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite":
        Path(url.database or "").write_bytes(b"SQLite format 2\x00" + os.urandom(4096))
        return
    store = open_store(db_url)
    store.close()
    engine = parse_database(db_url)
    with psycopg.connect(
        dbname=engine.url.database, user=url.username, host=str(url.query["host"])
    ) as connection:
        connection.execute("DROP TABLE certificates CASCADE")  # schema says head, table gone


def test_a_corrupt_database_fails_the_recording_not_the_report(
    db_url: str, tmp_path: Path, ca: TestCA
) -> None:
    _corrupt(db_url)
    _lint_and_check_exit_4(db_url, tmp_path, ca, "")
    status, _, err = run("inventory", "--db", db_url)
    assert status == 2 and len(err.splitlines()) == 1 and "Traceback" not in err


def test_a_database_from_a_newer_certready_is_refused(
    db_url: str, tmp_path: Path, ca: TestCA
) -> None:
    store = open_store(db_url)
    store.close()
    from sqlalchemy import create_engine

    engine = create_engine(parse_database(db_url).url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    line = _lint_and_check_exit_4(db_url, tmp_path, ca, "newer certready")
    assert "9999" in line
    status, _, err = run("inventory", "--db", db_url)
    assert status == 2 and "newer certready" in err


def test_an_unreachable_server_fails_the_recording_not_the_report(
    tmp_path: Path, ca: TestCA
) -> None:
    url = f"postgresql://nobody@/nothing?host={tmp_path}&connect_timeout=2"
    _lint_and_check_exit_4(url, tmp_path, ca, "")


PASSWORD = "pfx-needle-Zq81-password"


def test_no_private_key_or_password_in_the_database(
    db_url: str, tmp_path: Path, ca: TestCA
) -> None:
    key = new_key("rsa2048", fresh=True)
    assert isinstance(key, rsa.RSAPrivateKey)
    leaf = ca.issue("app.example.test", key=key)
    pfx = tmp_path / "app.pfx"
    write_pfx(pfx, leaf, ca, PASSWORD.encode())
    pem, key_file = leaf.write(tmp_path, "pem")
    os.environ["NEEDLE_PFX_PASSWORD"] = PASSWORD
    try:
        status, _, err = run(
            "lint", str(pfx), "--password-env", "NEEDLE_PFX_PASSWORD", "--db", db_url
        )
    finally:
        del os.environ["NEEDLE_PFX_PASSWORD"]
    assert status in (0, 1) and recorded_run(err), err
    status, _, err = run("lint", str(pem), str(key_file), "--db", db_url)
    assert recorded_run(err), err
    der = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    d = key.private_numbers().d
    needles = [
        PASSWORD.encode(),
        der[40:72],
        der[-32:],
        key_file.read_bytes().splitlines()[2],  # a base64 line of the PEM key
        str(d)[:40].encode(),
        f"{d:x}"[:40].encode(),
        f"{d:X}"[:40].encode(),
    ]
    # control: the needles are there to be found where the key is
    key_pem = key_file.read_bytes()
    assert der[40:72] in der and needles[3] in key_pem and len(needles[3]) == 64
    haystack = _everything_stored(db_url)
    assert sha256(leaf.cert).encode() in haystack  # control: the search sees the records
    for needle in needles:
        assert needle not in haystack, needle


def _everything_stored(db_url: str) -> bytes:
    """SQLite: the raw bytes of the database file and its WAL; PostgreSQL: every row as text."""
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite":
        path = Path(url.database or "")
        return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    chunks = []
    with psycopg.connect(
        dbname=url.database, user=url.username, host=str(url.query["host"])
    ) as connection:
        for table in [*metadata.tables, "alembic_version"]:
            query = f"SELECT t::text FROM {table} t"  # noqa: S608 (our own table names)
            for (row,) in connection.execute(query):  # type: ignore[arg-type]
                chunks.append(str(row).encode())
    return b"\n".join(chunks)


@pytest.mark.parametrize("missing_folder", [True])
def test_a_sqlite_file_in_a_missing_folder_is_one_line(
    tmp_path: Path, ca: TestCA, missing_folder: bool
) -> None:
    url = f"sqlite:///{tmp_path / 'no' / 'such' / 'inventory.db'}"
    cert, _ = ca.issue("app.example.test").write(tmp_path, "app")
    status, out, err = run("lint", str(cert), "--db", url)
    assert status == 4 and "NOT READY" in out
    (line,) = error_lines(err)
    assert "no such folder" in line
