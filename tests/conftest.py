from __future__ import annotations

import pytest

from tests.pki import TestCA


@pytest.fixture(scope="session")
def ca() -> TestCA:
    """A root + issuing intermediate shared by the whole session (leaves are cheap)."""
    return TestCA()


@pytest.fixture(scope="session")
def other_ca() -> TestCA:
    """An unrelated CA, for "wrong CA" negative controls."""
    return TestCA(name="unrelated")
