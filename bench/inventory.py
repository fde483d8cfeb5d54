"""``inventory --expiring 30d`` over a large inventory: 100,000 certificates, 1,000,000 observations.

Builds the database with bulk inserts (SQLAlchemy Core executemany, through the shipped schema and
its migrations), then times, best of R rounds:

- **query**: ``services.history.inventory(expiring=30d)`` on an open store (the indexed query, the
  servers of each certificate found, the result values built);
- **command**: ``certready inventory --expiring 30d --format json`` in-process, opening the
  database (schema version check included) and writing the JSON.

Target: the command under a second. ``--postgresql`` runs it on a throwaway PostgreSQL cluster
(Debian's binaries, as the tests start it) instead of a SQLite file.

The statistics are gathered (``ANALYZE``) after the bulk load, as autovacuum keeps them on a
PostgreSQL database that grew run by run; without them PostgreSQL scans the observations table.

Shape: not_after spread from two years ago to one year ahead; most certificates were last seen a
few days to two months before they expired (replaced in time), 1 in 200 was still seen after its
expiry; 10,000 endpoints, 5,000 manifest servers, 1,000 runs; every observation names a leaf.
Usage: python bench/inventory.py [--certificates N] [--observations M] [--rounds R]
                                 [--postgresql | --db URL]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import os
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Connection

from certready.adapters.inventory import Store, parse_database
from certready.adapters.inventory.engine import writing
from certready.adapters.inventory.tables import (
    certificates,
    endpoints,
    observations,
    runs,
    servers,
)
from certready.interfaces.cli import main
from certready.services.history import inventory

DAY = dt.timedelta(days=1)
CHUNK = 20_000


def _chunks(rows: list[dict[str, object]]) -> Iterator[list[dict[str, object]]]:
    for start in range(0, len(rows), CHUNK):
        yield rows[start : start + CHUNK]


def build(url: str, n_certs: int, n_obs: int, seed: int = 7) -> float:
    """Fill an empty inventory; the seconds it took."""
    rng = random.Random(seed)
    now = dt.datetime.now(dt.UTC)
    started = time.perf_counter()
    store = Store(parse_database(url))  # creates the schema (migrations)
    engine = store._engine
    n_endpoints, n_servers, n_runs = 10_000, 5_000, 1_000
    fingerprints = [f"{i:064X}" for i in range(n_certs)]
    cert_rows: list[dict[str, object]] = []
    for i, fp in enumerate(fingerprints):
        not_after = now + rng.uniform(-730, 365) * DAY
        if rng.random() < 0.005:
            last_seen = min(now, not_after + rng.uniform(0, 30) * DAY)
        else:
            last_seen = min(now, not_after - rng.uniform(3, 60) * DAY)
        cert_rows.append(
            {
                "fingerprint_sha256": fp,
                "thumbprint_sha1": fp[:40],
                "subject": f"CN=host{i}.bench.example",
                "issuer": f"CN=Bench Issuing CA {i % 7}",
                "serial_number": f"{i:X}",
                "not_before": not_after - 200 * DAY,
                "not_after": not_after,
                "key_type": "rsa" if i % 2 else "ec",
                "key_bits": 2048 if i % 2 else 256,
                "curve": None if i % 2 else "secp256r1",
                "signature_hash": "sha256",
                "dns_names": f"host{i}.bench.example",
                "is_ca": False,
                "self_signed": False,
                "public": i % 3 == 0,
                "first_seen": last_seen - 100 * DAY,
                "last_seen": last_seen,
                "last_where": f"host{i % n_endpoints}.bench.example:443",
            }
        )
    with writing(engine) as connection:
        for chunk in _chunks(cert_rows):
            connection.execute(certificates.insert(), chunk)
        connection.execute(
            endpoints.insert(),
            [
                {"host": f"host{i}.bench.example", "port": 443, "sni": f"host{i}.bench.example"}
                for i in range(n_endpoints)
            ],
        )
        connection.execute(
            servers.insert(),
            [
                {"deployment": f"site{i % 20}", "environment": "production", "name": f"s{i}"}
                for i in range(n_servers)
            ],
        )
        connection.execute(
            runs.insert(),
            [
                {
                    "command": "audit",
                    "profile": "homecare",
                    "manifest": f"/srv/site{i % 20}.yaml",
                    "title": f"site{i % 20}",
                    "user_name": "bench",
                    "host_name": "bench",
                    "version": "0",
                    "started_at": now - (n_runs - i) * DAY / 3,
                    "ended_at": now - (n_runs - i) * DAY / 3 + dt.timedelta(minutes=2),
                    "verdict": "ok",
                    "exit_status": 0,
                }
                for i in range(n_runs)
            ],
        )
    _observations(engine, rng, fingerprints, n_obs, n_endpoints, n_servers, n_runs, now)
    # the planner's statistics, as autovacuum (PostgreSQL) or a periodic ANALYZE (SQLite) keep
    # them on a database that grew run by run: right after a bulk load there are none
    with engine.connect() as connection:
        connection.exec_driver_sql("ANALYZE")
        connection.commit()
    store.close()
    return time.perf_counter() - started


def _observations(
    engine: object,
    rng: random.Random,
    fingerprints: list[str],
    n_obs: int,
    n_endpoints: int,
    n_servers: int,
    n_runs: int,
    now: dt.datetime,
) -> None:
    batch: list[dict[str, object]] = []

    def flush(connection: Connection) -> None:
        connection.execute(observations.insert(), batch)
        batch.clear()

    with writing(engine) as connection:  # type: ignore[arg-type]
        for i in range(n_obs):
            run_id = 1 + i % n_runs
            server = rng.randrange(n_servers) if i % 4 == 0 else None
            batch.append(
                {
                    "run_id": run_id,
                    "observed_at": now - rng.uniform(0, 330) * DAY,
                    "target": f"host{i % n_endpoints}.bench.example:443",
                    "location": f"tls://host{i % n_endpoints}.bench.example:443",
                    "kind": "endpoint",
                    "role": "ssl",
                    "status": "ok",
                    "reason": None,
                    "endpoint_id": 1 + i % n_endpoints,
                    "server_id": None if server is None else server + 1,
                    "leaf_sha256": fingerprints[rng.randrange(len(fingerprints))],
                    "chain": "",
                    "private_key": "absent",
                }
            )
            if len(batch) >= CHUNK:
                flush(connection)
        if batch:
            flush(connection)


def measure(url: str, rounds: int) -> tuple[float, float, int, int]:
    """Best query seconds, best command seconds, rows, bytes of JSON."""
    best_query = best_command = float("inf")
    rows = size = 0
    for _ in range(rounds):
        with Store(parse_database(url), create=False) as store:
            start = time.perf_counter()
            items = inventory(store, now=dt.datetime.now(dt.UTC), expiring=dt.timedelta(days=30))
            best_query = min(best_query, time.perf_counter() - start)
            rows = len(items)
        out = io.StringIO()
        start = time.perf_counter()
        status = main(
            ["inventory", "--expiring", "30d", "--db", url, "--format", "json"],
            stdout=out,
            stderr=sys.stderr,
        )
        best_command = min(best_command, time.perf_counter() - start)
        assert status == 0
        size = len(out.getvalue())
    return best_query, best_command, rows, size


@contextlib.contextmanager
def database(postgresql: bool, url: str | None) -> Iterator[str]:
    if url is not None:
        yield url
        return
    if not postgresql:
        with tempfile.TemporaryDirectory(prefix="certready-bench-inventory-") as folder:
            yield f"sqlite:///{Path(folder) / 'inventory.sqlite3'}"
        return
    from tests.inventory.postgres import Cluster, find_bindir

    bindir = find_bindir()
    if bindir is None:
        raise SystemExit("PostgreSQL is not installed (apt-get install postgresql)")
    with Cluster(bindir) as cluster:
        yield cluster.new_database()


def run() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--certificates", type=int, default=100_000)
    parser.add_argument("--observations", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--postgresql", action="store_true")
    parser.add_argument(
        "--db", metavar="URL", help="Use (and keep) this database; built only when it is empty."
    )
    args = parser.parse_args()
    backend = "postgresql" if args.postgresql else "sqlite"
    with database(args.postgresql, args.db) as url:
        with Store(parse_database(url)) as store:
            empty = not store.runs(limit=1)
        if empty:
            built = build(url, args.certificates, args.observations)
            print(
                f"{backend}: built {args.certificates:,} certificates and {args.observations:,} "
                f"observations in {built:.1f} s"
            )
        print(f"load average {os.getloadavg()[0]:.1f}")
        query, command, rows, size = measure(url, args.rounds)
    verdict = "under" if command < 1 else "OVER"
    print(
        f"inventory --expiring 30d: {rows:,} certificates; query {query * 1000:.0f} ms, "
        f"whole command {command * 1000:.0f} ms ({size / 1e6:.1f} MB of JSON), best of "
        f"{args.rounds}: {verdict} the 1 s target"
    )
    return 0


if __name__ == "__main__":
    sys.exit(run())
