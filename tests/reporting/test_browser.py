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
    assert '<article class="card not-ready" id="target-1">' in dom
    assert "<h3>mobile.example.test:443</h3>" in dom
    assert re.search(r'<section class="timeline" id="timeline">.*?<svg', dom, re.S)
    assert 'class="marker expired"' in dom
    # the <script> subject rendered as text and did not run
    title = re.search(r"<title>(.*?)</title>", dom, re.S)
    assert title is not None
    assert html.unescape(title.group(1)) == "Example Home Health go-live · NOT READY (1 unreadable)"
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


BEFORE_HEIGHT = 8322
"""The 10-target audit's HTML page height at 1,400 px wide, measured on main (9cb3777) before the
top-fixes change (tests/reporting/audit10.py rendered by that commit's html_report)."""
_MEASURE = (
    "<script>var b=function(i){var e=document.getElementById(i);"
    "return e?Math.round(e.getBoundingClientRect().bottom):-1};"
    "document.title='height='+document.documentElement.scrollHeight"
    "+' verdict='+b('verdict')+' fixes='+b('top-fixes');</script>"
)


def _measure(page: str, tmp_path: Path) -> dict[str, int]:
    """Layout numbers of ``page`` at 1,400 x 1,000: a copy with a measuring script (the report's
    own CSP, which forbids scripts, is left out of the copy only)."""
    probe = tmp_path / "probe.html"
    unlocked = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", page)
    probe.write_text(unlocked.replace("</body>", _MEASURE + "</body>"), "utf-8")
    dom = browse(probe, tmp_path / "profile-measure", "--window-size=1400,1000", "--dump-dom")
    title = re.search(r"<title>(.*?)</title>", dom, re.S)
    assert title is not None
    return {k: int(v) for k, v in re.findall(r"(\w+)=(-?\d+)", title.group(1))}


def test_audit10_verdict_and_top_fixes_fit_the_first_screen(tmp_path: Path) -> None:
    from certready.adapters.profiles import load_policy
    from tests.reporting.audit10 import audit10

    page = tmp_path / "audit10.html"
    page.write_text(html_report.render(audit10(), load_policy("homecare")), "utf-8")
    shot = tmp_path / "audit10.png"
    browse(page, tmp_path / "profile-shot", f"--screenshot={shot}", "--window-size=1400,1000")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    numbers = _measure(page.read_text("utf-8"), tmp_path)
    assert 0 < numbers["verdict"] <= 1000
    assert 0 < numbers["fixes"] <= 1000, numbers
    assert numbers["height"] <= BEFORE_HEIGHT // 2, numbers


def test_control_the_measure_sees_a_page_taller_than_the_window(tmp_path: Path) -> None:
    """Control: the probe reports real layout (a 3,000 px block is taller than 1,000 px)."""
    page = (
        '<!DOCTYPE html><html><body><div id="verdict" style="height:3000px">x</div></body></html>'
    )
    numbers = _measure(page, tmp_path)
    assert numbers["height"] >= 3000 and numbers["verdict"] >= 3000 and numbers["fixes"] == -1
