"""``certready serve``: the deployment page and ``/metrics`` over a large inventory.

Builds a SQLite inventory (through the shipped migrations, bulk inserts): 10 deployments, each
with a latest run of 1,000 live targets (1,000 servers, 1,000 endpoints, a leaf each, 2 findings
per target), a previous run of the same shape (the page's diff), and 10,000 historic runs in all
(20 observations each). Then times, in-process through Starlette's TestClient (the ASGI app
``serve`` runs, without the socket), best of R rounds:

- **deployment page**: ``GET /deployments/site0`` (1,000 targets, the diff, 2,000 findings by
  root cause, the expiry timeline);
- **metrics**: ``GET /metrics`` (10,000 endpoints' not-after and days left, findings, runs).

Targets: the page under 300 ms, ``/metrics`` under 1 s.
Usage: python bench/serve.py [--rounds R] [--db FILE]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from starlette.testclient import TestClient

from certready.adapters.inventory import Store, parse_database
from certready.adapters.inventory.engine import writing
from certready.adapters.inventory.tables import (
    certificates,
    endpoints,
    findings,
    observations,
    runs,
    servers,
)
from certready.adapters.inventory.watch_store import WatchStore
from certready.adapters.metrics import Metrics
from certready.interfaces.web.access import Access
from certready.interfaces.web.app import build_app

DAY = dt.timedelta(days=1)
DEPLOYMENTS, TARGETS, HISTORIC, HISTORIC_TARGETS = 10, 1_000, 10_000, 20
RULES = ("validity.expiring-soon", "names.cn-not-in-san", "chain.private-ca")


def build(url: str) -> float:
    now = dt.datetime.now(dt.UTC)
    started = time.perf_counter()
    store = Store(parse_database(url))
    engine = store._engine
    with writing(engine) as connection:
        connection.execute(
            certificates.insert(),
            [
                {
                    "fingerprint_sha256": f"{d:04X}{i:060X}",
                    "thumbprint_sha1": f"{d:04X}{i:036X}",
                    "subject": f"CN=host{i}.site{d}.example",
                    "issuer": "CN=Bench Issuing CA",
                    "serial_number": f"{i:X}",
                    "not_before": now - 100 * DAY,
                    "not_after": now + (i % 400) * DAY,
                    "key_type": "rsa",
                    "key_bits": 2048,
                    "curve": None,
                    "signature_hash": "sha256",
                    "dns_names": f"host{i}.site{d}.example",
                    "is_ca": False,
                    "self_signed": False,
                    "public": False,
                    "first_seen": now - 100 * DAY,
                    "last_seen": now,
                    "last_where": f"host{i}.site{d}.example:443",
                }
                for d in range(DEPLOYMENTS)
                for i in range(TARGETS)
            ],
        )
        connection.execute(
            endpoints.insert(),
            [
                {"host": f"host{i}.site{d}.example", "port": 443, "sni": f"host{i}.site{d}.example"}
                for d in range(DEPLOYMENTS)
                for i in range(TARGETS)
            ],
        )
        connection.execute(
            servers.insert(),
            [
                {"deployment": f"site{d}", "environment": f"env{i % 4}", "name": f"s{i}"}
                for d in range(DEPLOYMENTS)
                for i in range(TARGETS)
            ],
        )
        # historic runs first (lower ids), then each deployment's previous and latest run
        run_rows = [
            _run(f"site{i % DEPLOYMENTS}", now - (HISTORIC - i) * DAY / 10) for i in range(HISTORIC)
        ]
        for d in range(DEPLOYMENTS):
            run_rows += [_run(f"site{d}", now - DAY), _run(f"site{d}", now)]
        connection.execute(runs.insert(), run_rows)
        obs: list[dict[str, object]] = []
        for run_id in range(1, HISTORIC + 1):
            d = (run_id - 1) % DEPLOYMENTS
            obs += [_observation(run_id, d, i, now) for i in range(HISTORIC_TARGETS)]
        connection.execute(observations.insert(), obs)
        for d in range(DEPLOYMENTS):
            for run_id in (HISTORIC + 1 + 2 * d, HISTORIC + 2 + 2 * d):
                rows = [_observation(run_id, d, i, now) for i in range(TARGETS)]
                ids = (
                    connection.execute(
                        observations.insert().returning(
                            observations.c.id, sort_by_parameter_order=True
                        ),
                        rows,
                    )
                    .scalars()
                    .all()
                )
                connection.execute(
                    findings.insert(),
                    [
                        {
                            "run_id": run_id,
                            "observation_id": oid,
                            "target": f"env{i % 4}/s{i}",
                            "rule_id": RULES[(i + k) % len(RULES)],
                            "severity": 1 + (i + k) % 3,
                            "message": f"finding {k} of host{i}",
                            "location": f"tls://host{i}.site{d}.example:443#leaf",
                            "fingerprint_sha256": None,
                        }
                        for i, oid in enumerate(ids)
                        for k in range(2)
                    ],
                )
    with engine.connect() as connection:
        connection.exec_driver_sql("ANALYZE")
        connection.commit()
    store.close()
    return time.perf_counter() - started


def _run(title: str, at: dt.datetime) -> dict[str, object]:
    return {
        "command": "audit",
        "profile": "homecare",
        "manifest": f"/srv/{title}.yaml",
        "title": title,
        "user_name": "bench",
        "host_name": "bench",
        "version": "0",
        "started_at": at,
        "ended_at": at + dt.timedelta(minutes=2),
        "verdict": "warning",
        "exit_status": 0,
    }


def _observation(run_id: int, d: int, i: int, now: dt.datetime) -> dict[str, object]:
    return {
        "run_id": run_id,
        "observed_at": now,
        "target": f"env{i % 4}/s{i} (live host{i}.site{d}.example:443)",
        "location": f"tls://host{i}.site{d}.example:443",
        "kind": "endpoint",
        "role": "ssl",
        "status": "ok",
        "reason": None,
        "endpoint_id": d * TARGETS + i + 1,
        "server_id": d * TARGETS + i + 1,
        "leaf_sha256": f"{d:04X}{i:060X}",
        "chain": "",
        "private_key": "absent",
    }


def measure(url: str, rounds: int) -> tuple[float, float, int, int]:
    database = parse_database(url)
    watch, inventory = WatchStore(database), Store(database)
    now = lambda: dt.datetime.now(dt.UTC)  # noqa: E731
    app = build_app(watch, inventory, Metrics(watch, now), Access(None), now)
    best_page = best_metrics = float("inf")
    page_size = metrics_size = 0
    with TestClient(app) as client:
        for _ in range(rounds):
            started = time.perf_counter()
            page = client.get("/deployments/site0")
            best_page = min(best_page, time.perf_counter() - started)
            started = time.perf_counter()
            metrics = client.get("/metrics")
            best_metrics = min(best_metrics, time.perf_counter() - started)
            assert page.status_code == 200 and metrics.status_code == 200
            page_size, metrics_size = len(page.content), len(metrics.content)
    watch.close()
    inventory.close()
    return best_page, best_metrics, page_size, metrics_size


def run() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--db", help="a SQLite file to build (default: a temporary one)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(args.db) if args.db else Path(tmp) / "serve.sqlite3"
        url = f"sqlite:///{path}"
        seconds = build(url)
        print(
            f"built {DEPLOYMENTS} deployments x {TARGETS} targets, {HISTORIC:,} historic runs "
            f"in {seconds:.1f} s"
        )
        page, metrics, page_size, metrics_size = measure(url, args.rounds)
    print(f"deployment page: {page * 1000:.0f} ms ({page_size / 1024:.0f} KiB), target < 300 ms")
    print(f"/metrics: {metrics * 1000:.0f} ms ({metrics_size / 1024:.0f} KiB), target < 1000 ms")
    return 0 if page < 0.3 and metrics < 1.0 else 1


if __name__ == "__main__":
    sys.exit(run())
