"""A rule id is spelled once, in its declaration: code refers to ``the_rule.id``."""

from __future__ import annotations

import ast
from pathlib import Path

from certready.core.rules import catalogue

SRC = Path(__file__).resolve().parents[1] / "src" / "certready"


def literal_rule_ids(tree: ast.AST, ids: frozenset[str]) -> list[tuple[int, str]]:
    """String constants that are exactly a rule id, other than a ``rule(id=...)`` keyword."""
    declarations = {
        id(keyword.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        for keyword in node.keywords
        if keyword.arg == "id"
    }
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and node.value in ids
        and id(node) not in declarations
    ]


def test_no_rule_id_is_spelled_outside_its_declaration() -> None:
    ids = frozenset(r.id for r in catalogue())
    found = [
        f"{path.relative_to(SRC)}:{line}: {rule_id}"
        for path in sorted(SRC.rglob("*.py"))
        for line, rule_id in literal_rule_ids(ast.parse(path.read_text("utf-8")), ids)
    ]
    assert found == []


def test_the_check_sees_a_spelled_id() -> None:
    """Negative control: a service comparing with a spelled id is caught; a declaration is not."""
    ids = frozenset({"chain.missing-intermediate"})
    service = ast.parse('if f.rule_id == "chain.missing-intermediate":\n    pass\n')
    declaration = ast.parse('rule(id="chain.missing-intermediate", title="t")\n')
    assert literal_rule_ids(service, ids) == [(1, "chain.missing-intermediate")]
    assert literal_rule_ids(declaration, ids) == []
