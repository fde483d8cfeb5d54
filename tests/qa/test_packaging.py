"""What a user installs is the wheel: every import under src/ comes from a declared dependency."""

from __future__ import annotations

import ast
import importlib
import re
import sys
import tomllib
from importlib.metadata import PackageNotFoundError, packages_distributions, requires
from pathlib import Path

import typer

cli_main = importlib.import_module("certready.interfaces.cli.main")

ROOT = Path(__file__).resolve().parents[2]


def _name(requirement: str) -> str:
    return re.split(r"[\s\[<>=!~;(]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def _closure(names: set[str]) -> set[str]:
    """The declared distributions and everything they require (extras excluded)."""
    seen: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            needs = requires(name) or []
        except PackageNotFoundError:  # a dependency for another platform (colorama on Windows)
            continue
        for req in needs:
            if "extra ==" not in req:
                todo.append(_name(req))
    return seen


def _imports(source: Path) -> set[str]:
    tree = ast.parse(source.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def undeclared_imports(dependencies: list[str]) -> set[str]:
    allowed = _closure({_name(d) for d in dependencies})
    distributions = packages_distributions()
    bad = set()
    for source in (ROOT / "src").rglob("*.py"):
        for top in _imports(source):
            if top in sys.stdlib_module_names or top == "certready":
                continue
            dists = {_name(d) for d in distributions.get(top, [])}
            if not dists & allowed:
                bad.add(f"{top} ({source.relative_to(ROOT)})")
    return bad


def test_every_import_under_src_comes_from_a_declared_dependency() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert undeclared_imports(project["dependencies"]) == set()


def test_the_check_sees_an_undeclared_import() -> None:
    """Negative control: without typer declared, the CLI's typer imports are reported."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    without_typer = [d for d in project["dependencies"] if _name(d) != "typer"]
    assert any(b.startswith("typer ") for b in undeclared_imports(without_typer))


def test_usage_errors_are_recognised_through_typers_public_class() -> None:
    """main() finds click's ``ClickException`` through ``typer.BadParameter``; if typer moves it,
    usage errors would turn into "unexpected ..." lines: this fails first."""
    assert len(cli_main._CLICK_ERRORS) == 1
    assert issubclass(typer.BadParameter, cli_main._CLICK_ERRORS[0])
