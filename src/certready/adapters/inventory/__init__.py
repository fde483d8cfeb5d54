"""The inventory: every certificate, endpoint, server and finding over time (SQLite or PostgreSQL).

``tables`` declares the schema (SQLAlchemy Core), ``migrations`` upgrades it (Alembic, shipped in
the package), ``engine`` resolves ``--db``/``CERTREADY_DB``/the default file and opens it,
``store`` is the API the services call, ``rows`` the values it takes and returns.
"""

from certready.adapters.inventory.engine import (
    ENV_VAR,
    Database,
    default_path,
    parse_database,
    resolve_database,
)
from certready.adapters.inventory.errors import InventoryError
from certready.adapters.inventory.store import Store

__all__ = [
    "ENV_VAR",
    "Database",
    "InventoryError",
    "Store",
    "default_path",
    "parse_database",
    "resolve_database",
]
