"""The HTML report: golden, self-contained, escaped, verdict, cards, timeline (no browser here)."""

from __future__ import annotations

import re

from certready.adapters.reporting import html_report
from tests.reporting.sample import (
    RULES,
    check_golden,
    clean_report,
    policy,
    sample_report,
)


def render_sample() -> str:
    return html_report.render(sample_report(), policy(), rules=RULES)


def test_golden() -> None:
    check_golden("report.html", render_sample())


def test_script_subject_renders_as_text() -> None:
    page = render_sample()
    assert "<script" not in page.lower()
    assert "&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;" in page
    # negative control: the subject really is in the report (so the check above means something)
    assert page.count("&lt;script&gt;") >= 3  # card subject, finding message, timeline label


def test_self_contained_and_locked_down() -> None:
    page = render_sample()
    assert not re.search(r"""\bsrc\s*=""", page), "no embedded or linked assets"
    hrefs = re.findall(r'\bhref\s*=\s*"([^"]*)"', page)
    assert hrefs and all(h.startswith(("#target-", "#fix-")) for h in hrefs), (
        "only links within the page"
    )
    assert "<link" not in page and "@import" not in page and "url(" not in page
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert "@media print" in page


def test_verdict_counts_and_cards() -> None:
    page = render_sample()
    assert 'id="verdict" class="verdict not-ready">NOT READY (1 unreadable)' in page
    assert '<span class="count-error">4 error</span>' in page
    assert '<span class="count-warning">2 warning</span>' in page
    assert '<span class="count-info">1 info</span>' in page
    assert page.count('<article class="card') == 5
    assert page.count('<a href="#target-') == 5  # the summary table links every card
    assert "2026-06-21 · 20 days left" in page
    for state, badge in (
        ("not-ready", "NOT READY"),
        ("skipped", "SKIPPED"),
        ("attention", "ATTENTION"),
    ):
        assert f'<span class="badge state-{state}">{badge}</span>' in page
    for severity in ("error", "warning", "info"):  # a severity name is never a state
        assert f'<span class="badge state-{severity}">' not in page
    assert page.count("How to fix names.host-not-covered.") == 1  # the fix, said once
    assert "at manifest:deploy.yaml:9" in page  # a location other than the card's own
    assert "Deployment findings" in page and "app and mobile share one certificate" in page


def test_clean_report_is_ready() -> None:
    page = html_report.render(clean_report(), policy(), rules=RULES)
    assert 'class="verdict ready">READY<' in page
    assert "Deployment findings" not in page
    assert "Every rule of the profile passed." in page


def test_timeline_marks_expired_and_expiring() -> None:
    page = render_sample()
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert 'class="marker expired"' in svg  # mobile expired 3 days ago
    assert 'class="bar soon"' in svg  # app expires in 20 days, inside the 30-day window
    assert "expired 2026-05-29 (3 d ago)" in svg
    assert "2026-06-21 (20 d)" in svg
    # the intermediate is shared by two targets: one row, both named
    assert svg.count(">Example Issuing CA</text>") == 1
    assert "used by app, certs/roots.pem" in svg


def test_expiry_window_comes_from_the_policy() -> None:
    from certready.core.policy import RuleSetting
    from certready.core.rules.validity import ExpiringSoonParams

    wide = policy()
    settings = dict(wide.settings)
    settings["validity.expiring-soon"] = RuleSetting(
        True, settings["validity.expiring-soon"].severity, ExpiringSoonParams(days=10)
    )
    from dataclasses import replace

    page = html_report.render(sample_report(), replace(wide, settings=settings), rules=RULES)
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert 'class="bar soon"' not in svg  # 20 days left is outside a 10-day window
    assert "expires within 10 days" in page


def test_templates_are_package_data() -> None:
    from importlib import resources

    templates = resources.files("certready.adapters.reporting").joinpath("templates")
    assert templates.joinpath("report.html.j2").is_file()
    assert templates.joinpath("finding.html.j2").is_file()


def test_certificate_rows_say_what_is_absent() -> None:
    from dataclasses import replace

    from certready.adapters.reporting.html_report import certificate_rows
    from certready.core.model import PublicKeyFacts
    from tests.reporting.sample import NOW, facts

    bare = replace(
        facts("bare.example.test"),
        subject_alt_name=None,
        key_usage=None,
        extended_key_usage=None,
        signature_hash=None,
        public_key=PublicKeyFacts("ed25519", 256),
    )
    rows = dict(certificate_rows(bare, NOW))
    assert rows["DNS names"] == "(none)"
    assert rows["Key usage"] == "(absent)" and rows["Extended key usage"] == "(absent)"
    assert rows["Signature hash"] == "(none: EdDSA)" and rows["Key"] == "Ed25519"
    full = dict(certificate_rows(facts("full.example.test"), NOW))  # control
    assert full["DNS names"] == "full.example.test"
    assert full["Key usage"] == "Digital Signature, Key Encipherment (a0)"  # as `show` says it
    assert full["Extended key usage"] == "Server Authentication, Client Authentication"
