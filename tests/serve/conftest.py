"""A headless Chromium driven by Selenium through Debian's /usr/bin/chromedriver (given
explicitly: Selenium must never try to download a driver). Skipped outside CI when it is not
installed; under CI=true a missing driver is a failure (.ci/run installs chromium-driver)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.inventory.conftest import db_url, postgres_cluster

__all__ = ["db_url", "postgres_cluster"]  # the inventory's fixtures: SQLite and PostgreSQL

CHROMEDRIVER = "/usr/bin/chromedriver"


@pytest.fixture
def browser() -> Iterator[Any]:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not Path(CHROMEDRIVER).exists() or chromium is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium and chromium-driver are missing (.ci/run installs them)")
        pytest.skip("no /usr/bin/chromedriver (apt-get install chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(flag)
    options.add_argument("--window-size=1200,1600")
    options.binary_location = chromium
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
