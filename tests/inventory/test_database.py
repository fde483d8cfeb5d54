"""Which database: URL forms, CERTREADY_DB, the default file; recording only when asked."""

from __future__ import annotations

from pathlib import Path

import pytest

from certready.adapters.inventory import (
    InventoryError,
    default_path,
    parse_database,
    resolve_database,
)
from tests.cli import run
from tests.inventory.helpers import open_store, recorded_run
from tests.pki import TestCA
from tests.qa.test_help_and_usage import help_text


def test_url_forms() -> None:
    pg = parse_database("postgresql://alice:s3cret@db.example.test/inventory")
    assert pg.url.drivername == "postgresql+psycopg" and not pg.is_sqlite
    assert "s3cret" not in pg.named and "db.example.test" in pg.named
    socket = parse_database("postgresql:///inventory?host=/run/postgresql")
    assert socket.url.drivername == "postgresql+psycopg"
    assert socket.url.query["host"] == "/run/postgresql" and socket.url.database == "inventory"
    relative = parse_database("sqlite:///data/inv.db")
    assert relative.is_sqlite and relative.url.database == "data/inv.db"
    absolute = parse_database("sqlite:////var/lib/certready/inv.db")
    assert absolute.url.database == "/var/lib/certready/inv.db"
    bare = parse_database("inv.sqlite3")
    assert bare.is_sqlite and Path(bare.url.database or "") == Path.cwd() / "inv.sqlite3"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("mysql://u@h/db", "unsupported database 'mysql'"),
        ("sqlite://", "needs a file path"),
        ("", "empty database URL"),
    ],
)
def test_bad_urls_are_one_line_usage_errors(spec: str, message: str, tmp_path: Path) -> None:
    with pytest.raises(InventoryError, match=message):
        parse_database(spec)
    status, _, err = run("inventory", "--db", spec) if spec else (2, "", message)
    assert status == 2 and message in err and len(err.splitlines()) == 1


def test_db_then_environment_then_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert resolve_database(None, {}).url.database == str(default_path())
    assert str(default_path()).startswith(str(tmp_path / "xdg-data"))  # platformdirs, XDG
    env = {"CERTREADY_DB": str(tmp_path / "env.db")}
    assert resolve_database(None, env).url.database == str(tmp_path / "env.db")
    assert resolve_database("sqlite:////x.db", env).url.database == "/x.db"


def test_recording_only_when_asked(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, ca: TestCA
) -> None:
    cert, _ = ca.issue("app.example.test").write(tmp_path, "app")
    status, _, err = run("lint", str(cert))
    assert "recorded run" not in err and not default_path().exists()  # control: nothing asked
    status, _, err = run("lint", str(cert), "--record")
    assert recorded_run(err) == 1 and default_path().exists()
    monkeypatch.setenv("CERTREADY_DB", str(tmp_path / "env.db"))
    status, _, err = run("lint", str(cert))
    assert recorded_run(err) == 1 and str(tmp_path / "env.db") in err
    # query commands resolve the database the same way
    status, out, _ = run("inventory", "--format", "csv")
    assert status == 0 and len(out.splitlines()) == 2
    with open_store(f"sqlite:///{default_path()}") as store:
        assert len(store.runs()) == 1  # the CERTREADY_DB run went to its own file


def test_query_on_a_missing_file_is_one_line(tmp_path: Path) -> None:
    status, _, err = run("inventory", "--db", str(tmp_path / "none.db"))
    assert status == 2 and "no inventory here yet" in err and len(err.splitlines()) == 1
    assert not (tmp_path / "none.db").exists()


@pytest.mark.parametrize(
    "command",
    [("inventory",), ("inventory", "prune"), ("history",), ("diff",), ("calendar",)],
    ids=" ".join,
)
def test_help_of_every_query_command(
    capsys: pytest.CaptureFixture[str], command: tuple[str, ...]
) -> None:
    out = help_text(capsys, *command)
    assert "--db URL" in out and "CERTREADY_DB" in out
    assert f"Usage: certready {' '.join(command)}" in out
    if command != ("inventory", "prune"):
        assert f"certready {command[0]} " in out.split("Examples:", 1)[1]


@pytest.mark.parametrize("command", ["lint", "scan", "audit"])
def test_lint_scan_and_audit_take_db_and_record(
    capsys: pytest.CaptureFixture[str], command: str
) -> None:
    out = " ".join(help_text(capsys, command).split())
    assert "--db URL" in out and "--record" in out and "4 judged but not recorded" in out


def test_the_readme_tour_runs_after_make_demo(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import io
    import sys

    from certready.interfaces.demo import run as demo

    out = io.StringIO()
    with monkeypatch.context() as patch:
        patch.setattr(sys, "stdout", out)
        patch.chdir(tmp_path)  # make demo writes ./demo/
        assert demo.main() == 0
    assert "recorded the offline and the live audit as runs 1 and 2" in out.getvalue()
    status, text, err = run("inventory", "--expiring", "30d")
    assert status == 0, err
    status, text, err = run("history", "production/app")
    assert status == 0 and "first seen" in text, err
    status, text, err = run("diff")
    assert status == 0 and "run 1" in text and "run 2" in text, err
    assert "new" in text and "added" in text  # the live targets appear in the second run
    status, text, err = run("calendar")
    assert status == 0 and "renew by" in text, err


def test_the_migrations_build_exactly_the_declared_tables(db_url: str) -> None:
    """Alembic's autogenerate finds nothing to do after the shipped migrations ran."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import create_engine

    from certready.adapters.inventory.tables import metadata

    open_store(db_url).close()
    engine = create_engine(parse_database(db_url).url)
    try:
        with engine.connect() as connection:
            assert compare_metadata(MigrationContext.configure(connection), metadata) == []
    finally:
        engine.dispose()


def test_lint_imports_no_database_library_unless_it_records() -> None:
    import subprocess
    import sys

    from certready.adapters.inventory import ENV_VAR
    from certready.interfaces.cli import recording

    assert recording.ENV_VAR == ENV_VAR
    code = (
        "import sys; from certready.interfaces.cli import lint, scan, audit; "
        "print(sorted(m for m in ('sqlalchemy', 'alembic', 'psycopg') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
