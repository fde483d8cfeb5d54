"""JSON output (placeholder until the JSON schema lands)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from enum import Enum
from typing import Any

from certready.core.model import Report, Severity

SCHEMA_VERSION = "1"


def _default(value: Any) -> Any:
    if isinstance(value, Severity):
        return value.label
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, frozenset):
        return sorted(value)
    raise TypeError(type(value).__name__)


def render(report: Report) -> str:
    data = {"schema_version": SCHEMA_VERSION, **dataclasses.asdict(report)}
    return json.dumps(data, default=_default, indent=2) + "\n"
