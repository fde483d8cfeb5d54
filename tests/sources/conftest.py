from __future__ import annotations

import pytest

from tests.pki import Issued, TestCA


@pytest.fixture(scope="module")
def leaf(ca: TestCA) -> Issued:
    """A homecare-conformant leaf under the session CA."""
    return ca.issue("app.example.test")
