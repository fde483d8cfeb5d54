"""The dashboard and /metrics in-process (Starlette's TestClient): access, CSRF, escaping,
the exposition format (promtool), and the example alerting rules."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from starlette.testclient import TestClient

from certready.adapters.inventory import Store, parse_database
from certready.adapters.inventory.watch_store import WatchStore
from certready.adapters.metrics import Metrics
from certready.interfaces.web.access import COOKIE, Access
from certready.interfaces.web.app import build_app
from tests.audit.lab import make_lab
from tests.cli import run
from tests.pki import TestCA

TOKEN = "s3cret-token-for-the-tests"
ROOT = Path(__file__).resolve().parents[2]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@pytest.fixture
def recorded(tmp_path: Path, ca: TestCA) -> str:
    """An inventory with one offline audit of the lab recorded."""
    lab = make_lab(tmp_path, ca)
    db = f"sqlite:///{tmp_path / 'inventory.sqlite3'}"
    run("audit", str(lab.manifest), "--db", db)
    return db


def _client(db: str, access: Access) -> Iterator[TestClient]:
    database = parse_database(db)
    watch, inventory = WatchStore(database), Store(database)
    try:
        app = build_app(watch, inventory, Metrics(watch, _now), access, _now)
        with TestClient(app, base_url="http://127.0.0.1") as client:
            yield client
    finally:
        watch.close()
        inventory.close()


def test_a_token_guards_every_route(recorded: str) -> None:
    for client in _client(recorded, Access(TOKEN)):
        for path in ("/", "/metrics", "/deployments/Sunrise%20Home%20Health"):
            assert client.get(path).status_code == 401, path
            assert client.get(path, headers={"Authorization": "Bearer wrong"}).status_code == 401
            ok = client.get(path, headers={"Authorization": f"Bearer {TOKEN}"})
            assert ok.status_code == 200, path
        assert client.post("/login", data={"token": "wrong"}).status_code == 401
        response = client.post("/login", data={"token": TOKEN}, follow_redirects=False)
        assert response.status_code == 303 and TOKEN not in response.headers["set-cookie"]
        client.cookies.set(COOKIE, response.cookies[COOKIE])
        page = client.get("/")
        assert page.status_code == 200 and "Sunrise Home Health" in page.text
        assert "script-src" not in page.headers["content-security-policy"]
        assert "default-src 'none'" in page.headers["content-security-policy"]


def test_acknowledging_needs_the_csrf_value_and_shows_the_acknowledgement(recorded: str) -> None:
    access = Access(None)
    for client in _client(recorded, access):
        page = client.get("/deployments/Sunrise%20Home%20Health")
        assert page.status_code == 200 and "Acknowledged by" not in page.text
        form = {
            "deployment": "Sunrise Home Health",
            "target": "(deployment)",
            "rule_id": "deployment.client-ios-trust-switch",
            "location": page.text.split('value="deployment.client-ios-trust-switch">', 1)[1]
            .split('name="location" value="', 1)[1]
            .split('"', 1)[0],
            "reason": "<b>tablets are MDM-managed</b>",
            "for": "14d",
            "by": "ops",
        }
        assert client.post("/acknowledge", data=form).status_code == 403  # no CSRF value
        forged = client.post("/acknowledge", data={**form, "csrf": "0" * 64})
        assert forged.status_code == 403
        done = client.post("/acknowledge", data={**form, "csrf": access.csrf()})
        assert done.status_code == 200  # followed the redirect back to the page
        assert "Acknowledged by ops until" in done.text
        assert "&lt;b&gt;tablets are MDM-managed&lt;/b&gt;" in done.text  # escaped, still shown
        assert "deployment.client-ios-trust-switch" in done.text  # never hidden


def test_metrics_parse_and_pass_promtool(recorded: str, tmp_path: Path) -> None:
    for client in _client(recorded, Access(None)):
        text = client.get("/metrics").text
    names = {f.name for f in text_string_to_metric_families(text)}
    assert {"certready_findings", "certready_last_run_timestamp_seconds"} <= names
    assert "certready_run_duration_seconds" in names
    findings = next(
        f for f in text_string_to_metric_families(text) if f.name == "certready_findings"
    )
    assert all(set(s.labels) == {"deployment", "rule", "severity"} for s in findings.samples)
    promtool = shutil.which("promtool")
    if promtool is None:
        if os.environ.get("CI") == "true":
            pytest.fail("promtool is missing (.ci/run installs Debian's prometheus)")
        pytest.skip("promtool is not installed (apt-get install prometheus)")
    checked = subprocess.run(
        [promtool, "check", "metrics"], input=text, capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    rules = subprocess.run(
        [promtool, "check", "rules", str(ROOT / "docs" / "prometheus-rules.yml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert rules.returncode == 0 and "SUCCESS" in rules.stdout, rules.stdout + rules.stderr
    # control: promtool does reject a broken rule file
    broken = tmp_path / "broken.yml"
    broken.write_text("groups:\n  - name: x\n    rules:\n      - alert: X\n        expr: 'sum('\n")
    bad = subprocess.run(
        [promtool, "check", "rules", str(broken)], capture_output=True, check=False
    )
    assert bad.returncode != 0


def test_scan_failures_are_counted_by_stable_reason(tmp_path: Path, ca: TestCA) -> None:
    from certready.services.audit import AuditOptions, audit_with_policy
    from tests.audit.lab import APP
    from tests.serve.support import free_port

    lab = make_lab(tmp_path, ca)
    lab.manifest.write_text(
        lab.manifest.read_text().replace(
            f"fqdn: {APP}\n", f"fqdn: {APP}\n        endpoint: 127.0.0.1:{free_port()}\n", 1
        )
    )
    report, _ = audit_with_policy(lab.manifest, AuditOptions(scan=True, timeout=2))
    database = parse_database(f"sqlite:///{tmp_path / 'i.sqlite3'}")
    watch = WatchStore(database)
    try:
        metrics = Metrics(watch, _now)
        families = {f.name: f for f in text_string_to_metric_families(metrics.render().decode())}
        assert not families["certready_scan_failures"].samples  # control: nothing counted yet
        metrics.count_failures("Sunrise Home Health", report)
        families = {f.name: f for f in text_string_to_metric_families(metrics.render().decode())}
        totals = [
            s for s in families["certready_scan_failures"].samples if s.name.endswith("_total")
        ]
        assert [(s.labels, s.value) for s in totals] == [
            ({"deployment": "Sunrise Home Health", "reason": "refused"}, 1.0)
        ]
    finally:
        watch.close()
