"""Which database, and an engine on it that is ready to use.

The database is ``--db``, else ``CERTREADY_DB``, else a SQLite file in the user's data folder
(``platformdirs``). URLs: ``postgresql://...`` (libpq form, used through psycopg 3),
``sqlite:///relative/path``, ``sqlite:////absolute/path``, or a bare file path (SQLite).

On first use by a new certready the schema is upgraded (Alembic, migrations shipped in the
package); a database written by a newer certready is refused. SQLite waits for a lock (busy timeout,
``?timeout=SECONDS`` in the URL, 30 by default) instead of failing at once.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError

from certready.adapters.inventory.errors import InventoryError

ENV_VAR = "CERTREADY_DB"
SQLITE_TIMEOUT = 30.0
"""Seconds a SQLite writer waits for another one before giving up."""
LOCK_TIMEOUT = 30.0
"""Seconds a PostgreSQL statement waits for a lock another session holds."""
CONNECT_TIMEOUT = 10
_MIGRATIONS = "certready.adapters.inventory:migrations"
_PG_LOCK = 0x63657274  # "cert": serialises concurrent first-use upgrades on PostgreSQL


@dataclass(frozen=True, slots=True)
class Database:
    """A database as the user named it, and the SQLAlchemy URL it means."""

    url: URL
    named: str
    """How the user wrote it (or the default path), password hidden: for messages."""

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"


def default_path() -> Path:
    """``~/.local/share/certready/inventory.sqlite3`` on Linux (platformdirs' user data folder)."""
    return Path(platformdirs.user_data_dir("certready", appauthor=False)) / "inventory.sqlite3"


def resolve_database(db: str | None, environ: Mapping[str, str] | None = None) -> Database:
    """``--db``, else ``CERTREADY_DB``, else the default file."""
    env = os.environ if environ is None else environ
    spec = db or env.get(ENV_VAR) or None
    if spec is None:
        path = default_path()
        return Database(make_url(f"sqlite:///{path}"), str(path))
    return parse_database(spec)


def parse_database(spec: str) -> Database:
    """A URL or a bare path -> :class:`Database`. ``InventoryError`` for anything else."""
    text_ = spec.strip()
    if not text_:
        raise InventoryError("empty database URL")
    if "://" not in text_:
        return Database(make_url("sqlite:///" + str(Path(text_).absolute())), text_)
    scheme = text_.split("://", 1)[0].lower()
    try:
        url = make_url(text_)
    except ArgumentError:
        raise InventoryError("not a database URL", location=_hide(text_)) from None
    if scheme in ("postgresql", "postgres", "postgresql+psycopg"):
        url = url.set(drivername="postgresql+psycopg")
    elif scheme != "sqlite":
        raise InventoryError(
            f"unsupported database {scheme!r} (use postgresql://..., sqlite:///path or a file path)",
            location=_hide(text_),
        )
    elif not url.database:
        raise InventoryError("sqlite:/// needs a file path", location=_hide(text_))
    return Database(url, url.render_as_string(hide_password=True))


def _hide(spec: str) -> str:
    try:
        return make_url(spec).render_as_string(hide_password=True)
    except ArgumentError:
        return spec.split("@", 1)[-1]


def open_engine(database: Database, *, create: bool = True) -> Engine:
    """An engine on ``database`` with its schema at this certready's version.

    ``create=False`` (query commands): a SQLite file that does not exist is an error rather than a
    new empty inventory.
    """
    engine = _engine(database, create=create)
    try:
        upgrade(engine, database)
    except SQLAlchemyError as exc:
        engine.dispose()
        raise database_error(database, exc) from None
    except InventoryError:
        engine.dispose()
        raise
    return engine


def _engine(database: Database, *, create: bool) -> Engine:
    url = database.url
    if not database.is_sqlite:
        # libpq's own ?options= / ?connect_timeout= win; else a lock held elsewhere fails after
        # LOCK_TIMEOUT instead of hanging, and an unreachable server after CONNECT_TIMEOUT
        connect_args: dict[str, Any] = {}
        if "options" not in url.query:
            connect_args["options"] = f"-c lock_timeout={int(LOCK_TIMEOUT * 1000)}"
        if "connect_timeout" not in url.query:
            connect_args["connect_timeout"] = CONNECT_TIMEOUT
        return create_engine(url, connect_args=connect_args)
    path = Path(url.database or "")
    if not path.exists():
        if not create:
            raise InventoryError(
                "no inventory here yet (record a run first)", location=database.named
            )
        if path.parent == default_path().parent:
            path.parent.mkdir(parents=True, exist_ok=True)
        elif not path.parent.is_dir():
            raise InventoryError("no such folder for the database", location=database.named)
    query = dict(url.query)
    try:
        timeout = float(str(query.pop("timeout", SQLITE_TIMEOUT)))
    except ValueError:
        raise InventoryError(
            "?timeout= must be a number of seconds", location=database.named
        ) from None
    engine = create_engine(url.set(query=query), connect_args={"timeout": timeout})
    event.listen(engine, "connect", _sqlite_connect)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # the driver's own transaction handling off: SQLAlchemy's "begin" event emits BEGIN, so DDL is
    # transactional and writers take the lock up front (BEGIN IMMEDIATE) instead of failing on
    # a lock upgrade
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        # WAL + NORMAL: a commit is in the WAL file before it returns (a killed process loses
        # nothing committed) without an fsync per target; only a power cut can lose the last few
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    write = connection.get_execution_options().get("certready_write", False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """A write transaction: committed when the block ends, rolled back on an exception. On SQLite
    it holds the write lock from the start (waiting the busy timeout for it)."""
    with engine.connect() as connection:
        connection = connection.execution_options(certready_write=True)
        with connection.begin():
            yield connection


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", _MIGRATIONS)
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def upgrade(engine: Engine, database: Database) -> None:
    """Bring the schema to this version's head; refuse a database from a newer certready."""
    config = _config()
    script = ScriptDirectory.from_config(config)
    head = script.get_current_head()
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    if current == head:
        return
    _check_known(script, current, database)
    with writing(engine) as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK})
        current = MigrationContext.configure(connection).get_current_revision()
        _check_known(script, current, database)
        if current != head:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")


def _check_known(script: ScriptDirectory, current: str | None, database: Database) -> None:
    if current is None:
        return
    known = {r.revision for r in script.walk_revisions()}
    if current not in known:
        raise InventoryError(
            f"written by a newer certready (schema {current}; this one knows up to "
            f"{script.get_current_head()}): upgrade certready to use it",
            location=database.named,
        )


def database_error(database: Database, exc: BaseException) -> InventoryError:
    """A driver's exception as one line naming the database: ``database is locked``."""
    origin = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    lines = [line.strip() for line in str(origin).splitlines() if line.strip()]
    reason = lines[0] if lines else type(origin).__name__
    if reason.startswith("(") and ") " in reason:  # "(sqlite3.OperationalError) ..."
        reason = reason.split(") ", 1)[1]
    return InventoryError(reason, location=database.named)
