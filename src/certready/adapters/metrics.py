"""``/metrics``: the inventory's latest runs in the Prometheus exposition format
(``prometheus_client``).

Gauges are read from the database at each scrape (every site's deployments on a shared inventory);
``certready_scan_failures_total`` counts the failures this process saw. Every label value comes
from a bounded set: deployments and servers from the manifests, endpoints and SNI from them too,
rule ids from the catalogue, severities and failure reasons from enums. No free text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

from prometheus_client import CollectorRegistry, Counter, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from certready.adapters.inventory.rows import RunRow
from certready.adapters.inventory.watch_store import WatchStore
from certready.core.failure import FailureReason
from certready.core.model import Report, Severity, TargetStatus

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
_DAY = 86400.0


def deployment_name(run: RunRow) -> str:
    """The deployment a run is of: its title, else its manifest's file name (as recorded)."""
    if run.title:
        return run.title
    return Path(run.manifest).stem if run.manifest else run.command


class InventoryCollector(Collector):
    """The gauges, from each manifest's latest complete run."""

    def __init__(self, store: WatchStore, clock: Callable[[], dt.datetime]) -> None:
        self.store = store
        self.clock = clock

    def collect(self) -> Iterator[Metric]:
        now = self.clock().timestamp()
        labels = ["deployment", "server", "endpoint", "sni"]
        not_after = GaugeMetricFamily(
            "certready_certificate_not_after_timestamp_seconds",
            "When the certificate an endpoint served in the latest run expires (Unix time).",
            labels=labels,
        )
        days_left = GaugeMetricFamily(
            "certready_certificate_days_left",
            "Days until the certificate an endpoint served in the latest run expires.",
            labels=labels,
        )
        finding_counts = GaugeMetricFamily(
            "certready_findings",
            "Findings of the latest run, by rule and severity.",
            labels=["deployment", "rule", "severity"],
        )
        last_run = GaugeMetricFamily(
            "certready_last_run_timestamp_seconds",
            "When the latest complete run of a deployment ended (Unix time).",
            labels=["deployment"],
        )
        duration = GaugeMetricFamily(
            "certready_run_duration_seconds",
            "How long the latest complete run of a deployment took.",
            labels=["deployment"],
        )
        latest = self.store.latest_runs()
        names = {run.id: deployment_name(run) for run in latest}
        seen: set[tuple[str, str, str, str]] = set()
        for row in self.store.served(list(names)):
            if row.host is None or row.port is None or row.not_after is None:
                continue
            host = f"[{row.host}]" if ":" in row.host else row.host
            server = f"{row.environment}/{row.server}" if row.server else ""
            key = (names[row.run_id], server, f"{host}:{row.port}", row.sni or "")
            if key in seen:
                continue
            seen.add(key)
            expiry = row.not_after.timestamp()
            not_after.add_metric(list(key), expiry)
            days_left.add_metric(list(key), (expiry - now) / _DAY)
        for count in self.store.finding_counts(list(names)):
            finding_counts.add_metric(
                [names[count.run_id], count.rule_id, _severity(count.severity)], count.count
            )
        for run in latest:
            if run.ended_at is None:
                continue
            last_run.add_metric([names[run.id]], run.ended_at.timestamp())
            duration.add_metric([names[run.id]], (run.ended_at - run.started_at).total_seconds())
        yield from (not_after, days_left, finding_counts, last_run, duration)


def _severity(value: int) -> str:
    try:
        return Severity(value).label
    except ValueError:
        return "unknown"


class Metrics:
    """The registry ``/metrics`` renders; :meth:`count_failures` after each run."""

    def __init__(self, store: WatchStore, clock: Callable[[], dt.datetime]) -> None:
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(InventoryCollector(store, clock))
        self.scan_failures = Counter(
            "certready_scan_failures",
            "Live targets that could not be examined, by deployment and stable reason.",
            ["deployment", "reason"],
            registry=self.registry,
        )

    def count_failures(self, deployment: str, report: Report) -> None:
        for target in report.targets:
            if target.status is not TargetStatus.UNREACHABLE:
                continue
            reason = target.failure.reason if target.failure else FailureReason.NETWORK
            self.scan_failures.labels(deployment, str(reason)).inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)


__all__ = ["CONTENT_TYPE", "InventoryCollector", "Metrics", "deployment_name"]
