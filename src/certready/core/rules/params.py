"""Typed access to a rule's parameters (the policy has already checked their types)."""

from __future__ import annotations

from collections.abc import Mapping

from certready.core.model import ParamValue


def int_param(params: Mapping[str, ParamValue], name: str, default: int) -> int:
    value = params.get(name, default)
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def bool_param(params: Mapping[str, ParamValue], name: str, default: bool) -> bool:
    value = params.get(name, default)
    return value if isinstance(value, bool) else default


def str_param(params: Mapping[str, ParamValue], name: str, default: str) -> str:
    value = params.get(name, default)
    return value if isinstance(value, str) else default


def list_param(
    params: Mapping[str, ParamValue], name: str, default: tuple[str, ...]
) -> tuple[str, ...]:
    value = params.get(name, default)
    return value if isinstance(value, tuple) else default
