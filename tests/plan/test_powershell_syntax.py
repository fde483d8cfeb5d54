"""Every ``.ps1`` the plan writes parses as PowerShell (tree-sitter's PowerShell grammar).

No ``pwsh`` can be installed here; the tree-sitter grammar (from PyPI) is the parser we have. It
checks syntax only (quoting, brackets, blocks), not that a cmdlet exists.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import tree_sitter
import tree_sitter_powershell

from certready.adapters.plan.quoting import ps_literal


def _parser() -> tree_sitter.Parser:
    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_powershell.language()))


def errors(source: str) -> list[str]:
    """The lines holding a syntax error (ERROR or MISSING nodes)."""
    tree = _parser().parse(source.encode("utf-8"))
    found: list[str] = []
    lines = source.splitlines()
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.is_error or node.is_missing:
            found.append(lines[node.start_point[0]] if lines else "")
        elif node.has_error:
            stack.extend(node.children)
    return found


def node_types(source: str) -> list[str]:
    stack = [_parser().parse(source.encode("utf-8")).root_node]
    out: list[str] = []
    while stack:
        node = stack.pop()
        out.append(node.type)
        stack.extend(node.children)
    return out


def test_every_plan_script_parses(plan_dir: Path) -> None:
    scripts = sorted(plan_dir.glob("*.ps1"))
    assert len(scripts) >= 6
    for script in scripts:
        text = script.read_bytes().decode("utf-8-sig").replace("\r\n", "\n")
        assert errors(text) == [], script.name
    # the grammar reads the structure, not just tokens: the server script's param block and its
    # six functions (CA import, PFX import, key access, endpoint, bound thumbprint, binding)
    server = (plan_dir / "server-production-app.ps1").read_text("utf-8-sig")
    types = node_types(server)
    assert types.count("param_block") == 1 and types.count("function_statement") == 6


@pytest.mark.parametrize(
    "broken",
    [
        "$x = 'O'Brien'\nif ($x) { Write-Host $x }\n",
        "foreach ($e in $expected) {\n    Write-Host $e\n",
        "$h = @{ Store = 'Root'; Thumbprint = 'AB' \n",
    ],
)
def test_the_parser_finds_errors(broken: str) -> None:
    """Negative controls: an unescaped quote, an open block, an open hashtable."""
    assert errors(broken)


def test_escaped_values_parse() -> None:
    for value in ("O'Brien", "a\u2019b", 'Clínica "Süd", $env:X `t', "x\ny"):
        assert errors(f"$v = {ps_literal(value)}\nWrite-Host $v\n") == [], value
