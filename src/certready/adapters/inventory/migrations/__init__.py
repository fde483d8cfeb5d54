"""Alembic migrations of the inventory, shipped in the package (``env.py`` and ``versions/``)."""
