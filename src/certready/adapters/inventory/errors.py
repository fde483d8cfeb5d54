"""The inventory's one error: the database could not be opened, read or written."""

from __future__ import annotations

from certready.core.errors import CertReadyError


class InventoryError(CertReadyError):
    """``location`` is the database as the user named it (password hidden)."""
