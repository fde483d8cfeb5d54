"""The README's rule table is the catalogue (DESIGN §3: every rule documented)."""

from __future__ import annotations

import re
from pathlib import Path

from certready.interfaces.cli.rules import markdown_table
from tests.cli import run

README = Path(__file__).resolve().parent.parent / "README.md"


def readme_table() -> str:
    match = re.search(r"<!-- rules:begin -->\n(.*?)<!-- rules:end -->", README.read_text(), re.S)
    assert match, "README.md lost its <!-- rules:begin/end --> markers"
    return match.group(1)


def test_readme_rule_table_matches_the_catalogue() -> None:
    assert readme_table() == markdown_table("homecare"), "run `make readme` to regenerate it"


def test_readme_table_is_what_certready_rules_prints() -> None:
    _, out, _ = run("rules", "--format", "markdown")
    assert out == readme_table()


def test_readme_opens_with_the_two_setup_commands() -> None:
    head = README.read_text().split("\n## ", 1)[0]
    assert "make demo" in head and "make test" in head


def test_docs_rules_md_is_the_catalogue() -> None:
    from certready.interfaces.cli.rules import rules_document

    docs = README.parent / "docs" / "rules.md"
    assert docs.read_text() == rules_document(), "run `make readme` to regenerate docs/rules.md"
