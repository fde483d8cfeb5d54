"""Renderers: one module per output format, all from the same :class:`~certready.core.model.Report`.

``renderer(fmt, policy)(report)`` returns the text to write; no rule logic lives in a renderer.
A format is a module ``<fmt>_report`` here with ``render(report, policy=None) -> str`` (``json``
takes the report alone: its contract carries no rule metadata). The policy is the one the report
was made with: JUnit lists the rules it ran, SARIF describes them, HTML takes its expiry window.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from functools import partial

from certready.core.model import Report
from certready.core.policy import Policy

Renderer = Callable[[Report], str]
FORMATS = ("json", "html", "junit", "sarif", "markdown")
"""Every format a renderer module provides (``text`` is the terminal report, in the CLI)."""


def renderer(fmt: str, policy: Policy | None = None) -> Renderer:
    """The renderer for ``fmt``; ``KeyError`` for an unknown format."""
    if fmt not in FORMATS:
        raise KeyError(fmt)
    module = importlib.import_module(f"certready.adapters.reporting.{fmt}_report")
    if fmt == "json":
        render: Renderer = module.render
        return render
    return partial(module.render, policy=policy)
