"""Renderers: one module per output format, all from the same :class:`~certready.core.model.Report`.

``renderer(fmt, policy)(report)`` returns the text to write; no rule logic lives in a renderer.
A format is any module ``<fmt>_report`` in this package with ``render(report, ...) -> str``; the
registry discovers them. A renderer that takes a ``policy`` keyword gets the policy the report was
made with (JUnit lists the rules it ran, SARIF describes them, HTML takes its expiry window);
``json`` takes the report alone (its contract carries no rule metadata).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable
from functools import partial

from certready.core.model import Report, Severity
from certready.core.policy import Policy

Renderer = Callable[[Report], str]
_SUFFIX = "_report"


def formats() -> tuple[str, ...]:
    """Every format a renderer module provides, sorted (``text`` is also printed in colour on a terminal)."""
    return tuple(
        sorted(
            m.name[: -len(_SUFFIX)]
            for m in pkgutil.iter_modules(__path__)
            if m.name.endswith(_SUFFIX)
        )
    )


FORMATS = formats()


def renderer(
    fmt: str, policy: Policy | None = None, *, fail_on: Severity | None = Severity.ERROR
) -> Renderer:
    """The renderer for ``fmt``; ``KeyError`` for an unknown format. A renderer that takes
    ``fail_on`` (JUnit: which findings are failures) gets the command's ``--fail-on``."""
    if fmt not in FORMATS:
        raise KeyError(fmt)
    module = importlib.import_module(f"{__name__}.{fmt}{_SUFFIX}")
    render: Renderer = module.render
    parameters = inspect.signature(render).parameters
    keywords: dict[str, object] = {}
    if "policy" in parameters:
        keywords["policy"] = policy
    if "fail_on" in parameters:
        keywords["fail_on"] = fail_on
    return partial(module.render, **keywords) if keywords else render
