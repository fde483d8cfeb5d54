"""Every --help teaches (examples, real metavars) and every usage mistake is one line, exit 2."""

from __future__ import annotations

import re

import pytest

from tests.cli import run

COMMANDS = [
    ("lint",),
    ("show",),
    ("rules",),
    ("scan",),
    ("csr",),
    ("audit",),
    ("plan",),
    ("lab",),
    ("lab", "init"),
    ("lab", "issue"),
    ("lab", "sign"),
    ("lab", "revoke"),
    ("lab", "crl"),
    ("lab", "defects"),
    ("manifest", "schema"),
    ("manifest", "init"),
]


def help_text(capsys: pytest.CaptureFixture[str], *command: str) -> str:
    """``--help`` is printed by click straight to sys.stdout, not to run()'s stream."""
    capsys.readouterr()
    status, out, err = run(*command, "--help")
    assert status == 0, err
    return out + capsys.readouterr().out


TYPE_NAME = re.compile(r"<(str|int|float|bool|list\[[^>]*\]|path)>|\{[A-Z]+\}")


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_help_shows_no_python_type_names(
    capsys: pytest.CaptureFixture[str], command: tuple[str, ...]
) -> None:
    out = help_text(capsys, *command)
    assert "Usage: certready" in out
    assert not TYPE_NAME.search(out), TYPE_NAME.search(out)


@pytest.mark.parametrize(
    "command",
    [("lint",), ("show",), ("rules",), ("scan",), ("csr",), ("audit",), ("plan",), ("lab",)],
)
def test_help_has_examples(capsys: pytest.CaptureFixture[str], command: tuple[str, ...]) -> None:
    out = help_text(capsys, *command)
    assert "Examples:" in out
    assert f"certready {command[0]} " in out.split("Examples:", 1)[1]


def test_usage_line_names_the_argument_plainly(capsys: pytest.CaptureFixture[str]) -> None:
    assert "Usage: certready lint [OPTIONS] PATH..." in help_text(capsys, "lint")  # not {PATH}...
    init = help_text(capsys, "manifest", "init")
    assert "Usage: certready manifest init [OPTIONS] [PATH]" in init


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (("lint",), "Missing argument 'PATH'"),
        (("bogus",), "No such command 'bogus'"),
        (("lint", "x.pem", "--nope"), "No such option: --nope"),
        (("lint", "x.pem", "--format", "xml"), "Invalid value for '--format'"),
        (("lint", "x.pem", "--fail-on", "bogus"), "Invalid value for '--fail-on': 'bogus' is not"),
        (("scan", "x", "--timeout", "abc"), "Invalid value for '--timeout'"),
        (("lab", "issue"), "Missing option '--out'"),
    ],
)
def test_a_usage_mistake_is_one_line_with_the_usage(argv: tuple[str, ...], says: str) -> None:
    status, out, err = run(*argv)
    assert status == 2
    assert f"certready: error: {says}" in err
    assert "unexpected" not in err and "Value error" not in err and "Traceback" not in err
    assert err.startswith("Usage: certready")
    assert out == ""


def test_version_and_help_exit_zero() -> None:
    """Negative control: the eager options still exit 0 with their text."""
    assert run("--version")[0] == 0
    assert run("--version")[1].startswith("certready ")
