"""The dashboard in headless Chromium: hostile certificate fields stay text on every page (no
script runs), the target list filters, a finding is acknowledged through the form."""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from certready.adapters.inventory import Store, parse_database
from certready.adapters.inventory.watch_store import WatchStore
from certready.adapters.metrics import Metrics
from certready.interfaces.web.access import Access
from certready.interfaces.web.app import build_app
from tests.audit.lab import APP, make_lab
from tests.cli import run
from tests.pki import TestCA

pytestmark = pytest.mark.browser

PAYLOADS = (
    "<script>document.title='pwned';window.__xss=1</script>",
    '"><img src=x onerror="window.__xss=2">',
)


@contextlib.contextmanager
def dashboard(db: str) -> Iterator[str]:
    """The app under uvicorn in a thread on a free loopback port; its base URL."""
    database = parse_database(db)
    watch, inventory = WatchStore(database), Store(database)
    now = lambda: dt.datetime.now(dt.UTC)  # noqa: E731
    app = build_app(watch, inventory, Metrics(watch, now), Access(None), now)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        watch.close()
        inventory.close()


def _hostile_inventory(tmp_path: Path, ca: TestCA) -> str:
    lab = make_lab(tmp_path, ca)
    app = ca.issue(APP, cn=PAYLOADS[0])
    (tmp_path / "certs" / "app.pem").write_bytes(ca.chain_pem(app) + app.key_pem())
    sts = ca.issue("sts.sunrise.example", cn=PAYLOADS[1])
    (tmp_path / "certs" / "sts.pem").write_bytes(ca.chain_pem(sts) + sts.key_pem())
    text = lab.manifest.read_text().replace(
        "deployment: Sunrise Home Health", "deployment: Sunrise <b>Home</b>\u202eHealth"
    )
    lab.manifest.write_text(text)
    db = f"sqlite:///{tmp_path / 'inventory.sqlite3'}"
    _, _, err = run("audit", str(lab.manifest), "--db", db)
    assert "recorded run" in err, err
    return db


def _inert(driver: Any) -> None:
    assert driver.title != "pwned"  # the payload would set it; as text it is part of it
    assert driver.execute_script("return window.__xss === undefined")
    assert not driver.find_elements(By.CSS_SELECTOR, "img")  # the <img> payload is no element


def test_hostile_fields_are_inert_on_every_page(tmp_path: Path, ca: TestCA, browser: Any) -> None:
    # control: the same check sees a payload that does run
    browser.get("data:text/html,<title>x</title><script>window.__xss=1</script>")
    assert browser.execute_script("return window.__xss") == 1
    db = _hostile_inventory(tmp_path, ca)
    with dashboard(db) as base:
        browser.get(base + "/")
        _inert(browser)
        body = browser.find_element(By.TAG_NAME, "body").text
        assert "Sunrise <b>Home</b><U+202E>Health" in body  # shown as text, bidi made visible
        browser.find_element(By.PARTIAL_LINK_TEXT, "Sunrise").click()
        _inert(browser)
        body = browser.find_element(By.TAG_NAME, "body").text
        # shown as text (the subject is RFC 4514, which escapes < > and ")
        assert "script\\>document.title='pwned'\\;window.__xss=1" in body, body
        assert 'img src=x onerror=\\"window.__xss=2\\"' in body, body
        browser.save_screenshot(str(tmp_path / "deployment.png"))
        links = [a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "a")]
        certificate_pages = sorted({h for h in links if h and "/certificates/" in h})
        assert certificate_pages
        for page in [*certificate_pages, base + "/login", base + "/certificates/nope"]:
            browser.get(page)
            _inert(browser)
        browser.get(certificate_pages[0])
        assert "Where it is served and held" in browser.find_element(By.TAG_NAME, "body").text
    assert (tmp_path / "deployment.png").stat().st_size > 10_000


def _wait(browser: Any, condition: Any) -> None:
    """Until ``condition(browser)`` holds: a click that submits a form navigates, and an element
    read before the new page has loaded goes stale."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, 15, ignored_exceptions=(StaleElementReferenceException,)).until(
        condition
    )


def test_filter_and_acknowledge_in_the_browser(tmp_path: Path, ca: TestCA, browser: Any) -> None:
    lab = make_lab(tmp_path, ca)
    db = f"sqlite:///{tmp_path / 'inventory.sqlite3'}"
    run("audit", str(lab.manifest), "--db", db)
    with dashboard(db) as base:
        browser.get(base + "/deployments/Sunrise%20Home%20Health")
        rows = browser.find_elements(By.CSS_SELECTOR, "#target-list tr.target")
        assert len(rows) >= 3
        Select(browser.find_element(By.NAME, "severity")).select_by_value("error")
        browser.find_element(By.CSS_SELECTOR, "form.filters button").click()
        _wait(browser, lambda d: "severity=error" in d.current_url)
        filtered = browser.find_elements(By.CSS_SELECTOR, "#target-list tr.target")
        assert len(filtered) < len(rows)  # the lab's files have no error finding
        form = browser.find_elements(By.CSS_SELECTOR, "form.ack-form")[0]
        form.find_element(By.XPATH, "..").find_element(By.TAG_NAME, "summary").click()
        form.find_element(By.NAME, "reason").send_keys("accepted until the go-live")
        form.find_element(By.NAME, "by").send_keys("ops")
        form.find_element(By.TAG_NAME, "button").click()
        _wait(
            browser,
            lambda d: "Acknowledged by ops until" in d.find_element(By.TAG_NAME, "body").text,
        )
        body = browser.find_element(By.TAG_NAME, "body").text
        assert "Acknowledged by ops until" in body and "accepted until the go-live" in body
        browser.save_screenshot(str(tmp_path / "acknowledged.png"))
