"""The HTML report in a real browser: headless Chromium renders it, the <script> subject stays text.

Needs Debian's ``chromium`` (``.ci/run`` installs it when CI=true; locally
``apt-get install -y chromium``); skips with that reason when there is none.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from certready.adapters.reporting import html_report
from tests.audit.lab import make_lab
from tests.cli import run
from tests.pki import TestCA
from tests.reporting.sample import RULES, SCRIPT_CN, policy, sample_report

pytestmark = pytest.mark.browser

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-dev-shm-usage",  # containers often have a tiny /dev/shm
)


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip(
        "no headless Chromium on PATH (Debian: apt-get install -y chromium); CI installs it"
    )


def browse(page: Path, profile: Path, *extra: str) -> str:
    result = subprocess.run(
        [chromium(), *FLAGS, f"--user-data-dir={profile}", *extra, page.as_uri()],
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_chromium_renders_the_report_and_runs_no_script(tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    page.write_text(html_report.render(sample_report(), policy(), rules=RULES), "utf-8")
    dom = browse(page, tmp_path / "profile-dom", "--dump-dom")
    shot = tmp_path / "report.png"
    browse(page, tmp_path / "profile-shot", f"--screenshot={shot}", "--window-size=1100,2400")

    # the verdict, a target card, the timeline: present in the DOM the browser built
    assert re.search(r'id="verdict"[^>]*>NOT READY', dom)
    assert '<article class="card error" id="target-1">' in dom
    assert "<h3>mobile.example.test:443</h3>" in dom
    assert re.search(r'<section class="timeline" id="timeline">.*?<svg', dom, re.S)
    assert 'class="marker expired"' in dom
    # the <script> subject rendered as text and did not run
    title = re.search(r"<title>(.*?)</title>", dom, re.S)
    assert title is not None
    assert (
        html.unescape(title.group(1))
        == "Example Home Health go-live · NOT READY (some inputs could not be examined)"
    )
    assert "pwned" not in html.unescape(title.group(1))
    assert html.escape(SCRIPT_CN, quote=False) in dom  # shown, as text
    assert "<script" not in dom.lower()  # no element was created from it
    # the screenshot is a real PNG of some size
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000


def test_control_a_script_that_runs_does_change_the_title(tmp_path: Path) -> None:
    """Negative control: the title check above would notice a script that ran."""
    page = tmp_path / "control.html"
    page.write_text(
        f"<!DOCTYPE html><html><head><title>before</title></head><body>{SCRIPT_CN}</body></html>"
    )
    dom = browse(page, tmp_path / "profile", "--dump-dom")
    title = re.search(r"<title>(.*?)</title>", dom, re.S)
    assert title is not None and title.group(1) == "pwned"


def test_chromium_renders_a_lab_deployment_audit(tmp_path: Path, ca: TestCA) -> None:
    """The issue's case: the HTML report of a lab deployment, as ``certready audit`` writes it."""
    lab = make_lab(tmp_path / "lab", ca, mobile_external=False)
    page = tmp_path / "audit.html"
    status, _, err = run("audit", str(lab.manifest), "--format", "html", "--output", str(page))
    assert status == 1, err  # the lab has findings (mobile external name not covered)
    dom = browse(page, tmp_path / "profile", "--dump-dom")
    assert re.search(r'id="verdict"[^>]*>NOT READY<', dom)
    assert "<h3>production/mobile</h3>" in dom and "<h3>production/app</h3>" in dom
    assert 'aria-label="Certificate expiry timeline"' in dom
    assert "deployment.mobile-external-name" in dom
    assert "certready.yaml:11" in dom  # manifest line of the report-level finding
