"""Markdown for tickets: summary table plus findings; certificate values cannot inject markup."""

from __future__ import annotations

from certready.adapters.reporting import markdown_report
from tests.reporting.sample import RULES, check_golden, clean_report, policy, sample_report


def render() -> str:
    return markdown_report.render(sample_report(), policy(), rules=RULES)


def test_golden() -> None:
    check_golden("report.md", render())


def test_summary_table_has_one_row_per_target_and_fixed_columns() -> None:
    lines = render().splitlines()
    start = lines.index("| target | state | certificate | expires | errors | warnings | info |")
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append(line)
    assert len(rows) == 5
    for row in rows:  # an escaped | in a value does not add a column
        assert row.replace("\\|", "").count("|") == 8


def test_values_are_escaped() -> None:
    text = render()
    assert "<script>" not in text
    assert "&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;" not in text
    assert "&lt;script&gt;document.title='pwned'&lt;/script&gt;" in text
    assert "the server sends no intermediate \\| clients" in text
    assert "\\(" not in text  # parentheses need no escape (brackets are escaped)


def test_findings_with_fix_and_location() -> None:
    text = render()
    assert "**error** `names.host-not-covered`: app-test.example.test is not in the SAN" in text
    assert "  - at manifest:deploy.yaml:9" in text
    assert "  - fix: How to fix names.host-not-covered." in text
    assert text.startswith("## Example Home Health go-live: NOT READY")


def test_clean_report() -> None:
    text = markdown_report.render(clean_report(), policy(), rules=RULES)
    assert text.startswith("## certready lint: READY")
    assert "No findings" in text


def test_md_escapes_links_emphasis_cells_and_html() -> None:
    from certready.adapters.reporting.markdown_report import md

    assert md("[click](https://evil.test)") == "\\[click\\](https://evil.test)"
    assert md("*a* _b_ `c` ~~d~~ |") == "\\*a\\* \\_b\\_ \\`c\\` \\~\\~d\\~\\~ \\|"
    assert md("<img src=x onerror=alert(1)>") == "&lt;img src=x onerror=alert(1)&gt;"
    assert md("two\nlines\r\n# heading") == "two lines # heading"
    assert md("plain.example.test (DV)") == "plain.example.test (DV)"  # control: left alone
