"""Renderers: one module per output format, all from the same :class:`~certready.core.model.Report`.

``render(report, fmt)`` returns the text to write; no rule logic lives in a renderer.
"""

from __future__ import annotations

from collections.abc import Callable

from certready.core.model import Report

Renderer = Callable[[Report], str]


def renderer(fmt: str) -> Renderer:
    """The renderer for ``fmt``; ``KeyError`` for an unknown format."""
    from certready.adapters.reporting import json_report

    table: dict[str, Renderer] = {"json": json_report.render}
    for name, module in _optional_renderers():
        table[name] = module
    return table[fmt]


def _optional_renderers() -> list[tuple[str, Renderer]]:
    """Formats provided by their own modules (html, junit, sarif, markdown) when present."""
    found: list[tuple[str, Renderer]] = []
    import importlib

    for name in ("html", "junit", "sarif", "markdown"):
        try:
            module = importlib.import_module(f"certready.adapters.reporting.{name}_report")
        except ModuleNotFoundError:
            continue
        found.append((name, module.render))
    return found
