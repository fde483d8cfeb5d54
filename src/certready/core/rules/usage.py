"""Rules: usage. See the package docstring for the areas."""

from __future__ import annotations
