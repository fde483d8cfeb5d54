"""``certready --version`` and ``--help`` import no command module; the lazy listing stays true."""

from __future__ import annotations

import subprocess
import sys

import pytest
import typer.main

from certready.interfaces.cli.app import COMMANDS, LazyGroup, build_app

PROBE = """
import contextlib, io, sys
from certready.interfaces.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    main({argv!r}, stdout=io.StringIO(), stderr=io.StringIO())
print(" ".join(sorted(m for m in sys.modules if m.startswith("certready."))))
"""
COMMAND_MODULES = {f"certready.interfaces.cli.{e.module}" for e in COMMANDS.values()}


def imported_after(*argv: str) -> set[str]:
    code = PROBE.format(argv=list(argv))
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    return set(done.stdout.split())


@pytest.mark.parametrize("argv", [("--version",), ("--help",), ()])
def test_version_and_help_import_no_command_and_no_service(argv: tuple[str, ...]) -> None:
    modules = imported_after(*argv)
    assert "certready.interfaces.cli.app" in modules
    assert not modules & COMMAND_MODULES
    assert not {m for m in modules if m.startswith(("certready.services", "certready.adapters"))}


def test_a_command_imports_its_own_module_only() -> None:  # control: the probe sees imports
    modules = imported_after("rules", "--help")
    assert "certready.interfaces.cli.rules" in modules
    assert not modules & (COMMAND_MODULES - {"certready.interfaces.cli.rules"})


def _loaded_group() -> LazyGroup:
    group = typer.main.get_command(build_app())
    assert isinstance(group, LazyGroup)
    group.load_all()
    return group


def test_every_command_a_module_registers_is_listed() -> None:
    assert set(_loaded_group().commands) == set(COMMANDS)


def test_each_summary_is_the_first_paragraph_of_its_command_help() -> None:
    group = _loaded_group()
    for name, entry in COMMANDS.items():
        help_text = group.commands[name].help or ""
        assert " ".join(help_text.split("\n\n")[0].split()) == entry.summary, name


@pytest.mark.parametrize("width", [60, 80, 200])
def test_root_help_is_the_same_lazy_or_loaded(width: int) -> None:
    def root_help(load: bool) -> str:
        group = typer.main.get_command(build_app())
        assert isinstance(group, LazyGroup)
        if load:
            group.load_all()
        ctx = group.make_context("certready", [], resilient_parsing=True)
        ctx.terminal_width = ctx.max_content_width = width
        return group.get_help(ctx)

    lazy, loaded = root_help(load=False), root_help(load=True)
    assert "lint " in lazy and "manifest " in lazy
    assert lazy == loaded
