from __future__ import annotations

from pathlib import Path

import pytest

from certready.services import lab
from tests.pki import TestCA


@pytest.fixture(autouse=True)
def _no_ambient_inventory(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test records into the user's inventory: ``CERTREADY_DB`` unset, the platformdirs data
    folder (where ``--record`` and ``make demo`` write by default) inside the test's tmp_path."""
    monkeypatch.delenv("CERTREADY_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))


@pytest.fixture(scope="session")
def ca() -> TestCA:
    """A root + issuing intermediate shared by the whole session (leaves are cheap)."""
    return TestCA()


@pytest.fixture(scope="session")
def other_ca() -> TestCA:
    """An unrelated CA, for "wrong CA" negative controls."""
    return TestCA(name="unrelated")


@pytest.fixture(scope="session")
def lab_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One lab CA (P-256 CA keys: fast) shared by the session; tests issue into their tmp_path."""
    directory = tmp_path_factory.mktemp("lab")
    lab.init(directory, key_type="p256")
    return directory


@pytest.fixture(scope="session")
def other_lab_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An unrelated lab, for "wrong root" negative controls."""
    directory = tmp_path_factory.mktemp("other-lab")
    lab.init(directory, key_type="p256")
    return directory
