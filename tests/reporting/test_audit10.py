"""The issue's 10-target audit in text, HTML and Markdown: top fixes first, a thing said once.

Golden files in ``golden/audit10.*``; the assertions say what the goldens must show, each with a
control where one is meaningful.
"""

from __future__ import annotations

import re

import pytest

from certready.adapters.profiles import load_policy
from certready.adapters.reporting import html_report, json_report, markdown_report, text_report
from certready.adapters.reporting.common import resolve_context
from certready.adapters.reporting.summary import TargetState, summarize
from certready.core.rules import catalogue
from tests.reporting.audit10 import audit10
from tests.reporting.sample import check_golden

PORTAL_LIVE = "production/portal (live 127.0.0.2:8445)"
PRIVATE_CA_FIX = "Install the root in the Trusted Root store"


def _html() -> str:
    return html_report.render(audit10(), load_policy("homecare"))


def _md() -> str:
    return markdown_report.render(audit10(), load_policy("homecare"))


def _text() -> str:
    return text_report.render(audit10(), load_policy("homecare"))


@pytest.mark.parametrize(
    ("name", "render"), [("audit10.txt", _text), ("audit10.html", _html), ("audit10.md", _md)]
)
def test_golden(name: str, render: object) -> None:
    text = render()  # type: ignore[operator]
    check_golden(name, text)
    assert "`days`" not in text and "`min_bits`" not in text  # no placeholder text
    assert "by default)" not in text


@pytest.mark.parametrize("render", [_text, _html, _md])
def test_top_fixes_first_and_private_ca_said_once(render: object) -> None:
    text = render()  # type: ignore[operator]
    top = text.index("What to fix first")
    assert top < text.index("production/app (sts)")  # before any target is listed
    assert text.count(PRIVATE_CA_FIX) == 1  # one chain.private-ca statement...
    assert text.count("the chain ends in the private root Sunrise Lab Root CA") == 1
    statement = text[text.index(PRIVATE_CA_FIX) - 1500 : text.index(PRIVATE_CA_FIX)]
    assert "test/portal (live 127.0.0.2:8447)" in statement  # ...with its targets


def test_control_without_grouping_the_fix_would_repeat() -> None:
    """Control: nine targets do carry the same chain.private-ca finding."""
    report = audit10()
    same = [f for t in report.targets for f in t.findings if f.rule_id == "chain.private-ca"]
    assert len(same) == 9 and len({(f.message, f.remediation) for f in same}) == 1


def test_served_certificate_differs_counted_in_its_target_row() -> None:
    states = dict(
        zip((t.target for t in audit10().targets), summarize(audit10()).states, strict=True)
    )
    assert states[PORTAL_LIVE] is TargetState.NOT_READY
    assert states["production/portal"] is TargetState.READY  # control: the file is fine
    md = _md()
    row = next(line for line in md.splitlines() if line.startswith(f"| {PORTAL_LIVE} |"))
    assert row.endswith("| 2 | 1 | 1 |")  # tls.intermediate-not-sent + served-differs
    html = _html()
    rows = re.findall(r"<tr><td><a href=\"#target-\d+\">([^<]*)</a></td>(.*?)</tr>", html)
    cells = dict(rows)[PORTAL_LIVE]
    assert 'state-not-ready">NOT READY<' in cells
    assert re.findall(r'<td class="num">(\d+)</td>', cells) == ["2", "1", "1"]
    text = _text()
    assert f"✗ {PORTAL_LIVE}  NOT READY" in text
    # still listed under the deployment
    deployment = text[text.index("Deployment (most severe first)") :]
    assert "deployment.served-certificate-differs" in deployment.split("\n\n")[0]


def test_states_in_json() -> None:
    data = json_report.report_out(audit10())
    states = {t.target: t.state for t in data.targets}
    assert states[PORTAL_LIVE] == "not_ready"
    assert states["test/app (live 127.0.0.2:8446)"] == "unreachable"
    assert states["production/app"] == "ready"  # info only: ready, not "info"
    assert data.summary.unreachable == 1 and data.summary.unreadable == 0


def test_live_cards_do_not_say_private_key_absent() -> None:
    for text in (_text(), _html()):
        assert "absent" not in text.lower().replace("(absent)", "")
        assert "private key matches" in text  # control: file targets say it


def test_timeline_tells_same_names_apart() -> None:
    svg = _html()[_html().index("<svg") :]
    assert "portal.sunrise.example (production, live)" in svg
    assert "portal.sunrise.example (production, file)" in svg
    assert ">hcappserver.sunrise.example</text>" in svg  # control: a unique name stays bare


def test_no_rule_title_leaks_a_placeholder() -> None:
    context = resolve_context(audit10(), load_policy("homecare"))
    leaked = [
        (r.id, context.title(r.id)) for r in catalogue() if re.search(r"[`{}]", context.title(r.id))
    ]
    assert leaked == []
    assert context.title("validity.expiring-soon") == (
        "The certificate does not expire within 30 days"
    )
    assert any("`" in r.title for r in catalogue())  # control: the declarations have some
