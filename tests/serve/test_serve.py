"""``certready serve`` end to end: a real subprocess on a free loopback port, a 2-second schedule,
loopback TLS servers, a certificate replaced between runs."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes
from prometheus_client.parser import text_string_to_metric_families
from selenium.webdriver.common.by import By

from certready.adapters.inventory import parse_database
from certready.adapters.inventory.store import Store
from certready.services.history import history
from tests.audit.lab import APP, make_lab
from tests.cli import run
from tests.pki import Issued, TestCA
from tests.scan.servers import Servers
from tests.serve.support import SwappableTLS, Webhook, free_port, get, serve_process, wait_for


def _not_after(metrics: str, endpoint: str) -> float | None:
    for family in text_string_to_metric_families(metrics):
        if family.name == "certready_certificate_not_after_timestamp_seconds":
            for sample in family.samples:
                if sample.labels["endpoint"] == endpoint:
                    return float(sample.value)
    return None


def _runs(db: str) -> list[object]:
    store = Store(parse_database(db))
    try:
        return [r for r in store.runs(command="audit") if r.complete]
    finally:
        store.close()


def _first_run_serving(db: str, issued: Issued) -> int:
    fp = issued.cert.fingerprint(hashes.SHA256()).hex().upper()
    store = Store(parse_database(db))
    try:
        for r in sorted(store.runs(command="audit"), key=lambda r: r.id):
            if any(o.leaf_sha256 == fp for o in store.observations(run_id=r.id)):
                return r.id
    finally:
        store.close()
    raise AssertionError("no run served the new certificate")


def test_serve_records_alerts_and_shows_a_replaced_certificate(
    tmp_path: Path, ca: TestCA, db_url: str, browser: Any
) -> None:
    lab = make_lab(tmp_path, ca)
    first, second = ca.issue(APP), ca.issue(APP)
    hook = Webhook()
    alerts = tmp_path / "alerts.yaml"
    alerts.write_text(
        "targets:\n  - url_env: CERTREADY_TEST_HOOK\n"
        "rules:\n  new_error_finding: false\n  expiring_within: []\n"
    )
    db = db_url  # SQLite, and once with PostgreSQL
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with Servers() as servers:
        app = SwappableTLS(servers, [first, ca.intermediate])
        endpoint = f"127.0.0.1:{app.port}"
        text = lab.manifest.read_text().replace(
            f"fqdn: {APP}\n", f"fqdn: {APP}\n        endpoint: {endpoint}\n", 1
        )
        lab.manifest.write_text(text)
        args = ["--db", db, "--manifest", str(lab.manifest), "--listen", f"127.0.0.1:{port}"]
        args += ["--every", "2s", "--jitter", "0", "--timeout", "3", "--alerts", str(alerts)]
        log = tmp_path / "serve.log"
        with serve_process(args, env={"CERTREADY_TEST_HOOK": hook.url}, log=log) as process:
            wait_for(lambda: _runs(db), what="the first run")
            status, metrics = get(f"{base}/metrics")
            assert status == 200
            before = _not_after(metrics, endpoint)
            assert before == int(first.cert.not_valid_after_utc.timestamp())

            app.serve([second, ca.intermediate])
            seen = len(_runs(db))
            wait_for(lambda: len(_runs(db)) >= seen + 2, what="two runs after the swap")
            _, metrics = get(f"{base}/metrics")
            assert _not_after(metrics, endpoint) == int(second.cert.not_valid_after_utc.timestamp())

            changed_in = _first_run_serving(db, second)
            page_url = f"{base}/deployments/Sunrise%20Home%20Health"
            status, page = get(f"{page_url}?run={changed_in}")
            assert status == 200 and "certificate replaced: production/app (live" in page
            browser.get(f"{page_url}?run={changed_in}")  # the diff as the browser shows it
            shown = browser.find_element(By.ID, "diff-list").text
            assert f"certificate replaced: production/app (live {endpoint})" in shown
            browser.save_screenshot(str(tmp_path / "diff.png"))
            status, page = get(f"{page_url}?run={changed_in + 1}")  # control: nothing changed
            assert status == 200 and "certificate replaced" not in page
            process.send_signal(signal.SIGTERM)
            assert process.wait(30) == 0, log.read_text()
    hook.close()

    changed = [m for m in hook.received if "served certificate changed" in str(m.get("title"))]
    assert len(changed) == 1, hook.received
    live = f"production/app (live {endpoint})"
    assert changed[0]["title"] == (
        f"certready: served certificate changed on {live} (Sunrise Home Health)"
    )
    fp = second.cert.fingerprint(hashes.SHA256())
    assert fp.hex().upper() in str(changed[0]["message"])
    # the inventory's history shows the new thumbprint; no run was left half-written
    store = Store(parse_database(db))
    try:
        periods = [p for s in history(store, endpoint).series for p in s.periods]
        assert [p.changes for p in periods][:2] == [("first seen",), ("new thumbprint",)]
        assert all(r.complete for r in store.runs())
    finally:
        store.close()


def test_off_loopback_without_a_token_refuses_to_start(tmp_path: Path, ca: TestCA) -> None:
    lab = make_lab(tmp_path, ca)
    status, _, err = run(
        "serve", "--db", str(tmp_path / "i.db"), "--manifest", str(lab.manifest),
        "--listen", "0.0.0.0:9443",
    )  # fmt: skip
    assert status == 2 and "refusing to listen on 0.0.0.0 without --token-file" in err
    # control: on loopback the same options get past the access check (a bad --every stops it)
    status, _, err = run(
        "serve", "--db", str(tmp_path / "i.db"), "--manifest", str(lab.manifest),
        "--listen", "127.0.0.1:0", "--every", "soon",
    )  # fmt: skip
    assert status == 2 and "--every" in err and "refusing" not in err


def test_with_a_token_every_route_needs_it_and_ctrl_c_stops_cleanly(
    tmp_path: Path, ca: TestCA
) -> None:
    lab = make_lab(tmp_path, ca)
    token = tmp_path / "token"
    token.write_text("a-long-enough-test-token\n")
    token.chmod(0o600)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    db = f"sqlite:///{tmp_path / 'inventory.sqlite3'}"
    args = ["--db", db, "--manifest", str(lab.manifest), "--listen", f"127.0.0.1:{port}"]
    args += ["--every", "1h", "--token-file", str(token), "--timeout", "2"]
    log = tmp_path / "serve.log"
    with serve_process(args, log=log) as process:
        wait_for(lambda: get(f"{base}/metrics")[0] == 401, what="serve to answer")
        for path in ("/", "/metrics", "/deployments/x", "/certificates/x"):
            assert get(base + path)[0] == 401, path
            assert get(base + path, token="wrong-token-of-some-length")[0] == 401, path
        status, text = get(f"{base}/metrics", token="a-long-enough-test-token")
        assert status == 200 and "certready_scan_failures" in text
        wait_for(lambda: _runs(db), what="the first run")
        process.send_signal(signal.SIGINT)  # Ctrl-C
        assert process.wait(30) == 0, log.read_text()
    assert "stopped" in log.read_text() and "Traceback" not in log.read_text()


def test_a_short_token_is_refused(tmp_path: Path, ca: TestCA) -> None:
    lab = make_lab(tmp_path, ca)
    token = tmp_path / "token"
    token.write_text("short\n")
    status, _, err = run(
        "serve", "--db", str(tmp_path / "i.db"), "--manifest", str(lab.manifest),
        "--listen", "0.0.0.0:0", "--token-file", str(token),
    )  # fmt: skip
    assert status == 2 and f"{token}: the token must be at least 16 characters" in err
