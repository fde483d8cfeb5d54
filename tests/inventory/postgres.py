"""A throwaway PostgreSQL cluster for the inventory tests: Debian's binaries, a Unix socket in a
temporary folder, started as the unprivileged ``postgres`` user when the tests run as root
(PostgreSQL refuses root), stopped and deleted after."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg


def find_bindir() -> Path | None:
    """``/usr/lib/postgresql/<newest>/bin`` holding initdb and pg_ctl (not on PATH on Debian)."""
    root = Path("/usr/lib/postgresql")
    versions = sorted(
        (p for p in root.glob("*/bin") if (p / "initdb").exists() and (p / "pg_ctl").exists()),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    if versions:
        return versions[-1]
    found = shutil.which("initdb")
    return Path(found).parent if found else None


class Cluster:
    """``with Cluster(bindir) as c: url = c.new_database()``."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.folder = Path(tempfile.mkdtemp(prefix="crpg-"))
        self.data = self.folder / "data"
        self._as_postgres = os.geteuid() == 0
        self._count = 0
        self.user = "postgres" if self._as_postgres else os.environ.get("USER", "postgres")

    def _run(self, *argv: str) -> None:
        command = [str(self.bindir / argv[0]), *argv[1:]]
        if self._as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def __enter__(self) -> Cluster:
        if self._as_postgres:
            shutil.chown(self.folder, "postgres", "postgres")
        self.folder.chmod(0o700)
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", self.user, "--no-sync")
        options = f"-k {self.folder} -c listen_addresses= -F -c max_connections=60"
        log = str(self.folder / "server.log")
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", log, "-w", "start")
        return self

    def __exit__(self, *_exc: object) -> None:
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)

    def admin(self) -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(
            host=str(self.folder), user=self.user, dbname="postgres", autocommit=True
        )

    def new_database(self) -> str:
        """A fresh empty database; its libpq URL (socket folder in ``?host=``)."""
        self._count += 1
        name = f"inventory_{os.getpid()}_{self._count}"
        with self.admin() as connection:
            connection.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
        return f"postgresql://{self.user}@/{name}?host={self.folder}"


def start(bindir: Path) -> Iterator[Cluster]:
    with Cluster(bindir) as cluster:
        yield cluster
