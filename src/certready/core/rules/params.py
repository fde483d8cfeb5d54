"""Typed rule parameters: a rule with parameters declares them once, as a frozen dataclass whose
fields carry their types and defaults; a profile's values are checked against those types when the
profile loads, so a typo or a wrong type is an error naming the file and key, never a surprise at
run time.

Field types a profile can set: ``bool``, ``int``, ``float``, ``str``, ``tuple[str, ...]`` (a TOML
list of strings) and :class:`~certready.core.model.Severity` (a severity name).
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Mapping
from typing import Any

from certready.core.model import NoParameters, ParamValue, Severity

__all__ = ["NoParameters", "ParameterError", "as_mapping", "parameter_names", "with_overrides"]


class ParameterError(ValueError):
    """A profile value that does not fit a parameter: which one, and what was wrong."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name
        self.message = message


def parameter_names(params_type: type[Any]) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(params_type))


def as_mapping(params: object) -> dict[str, ParamValue]:
    """``{name: value}`` of a parameters instance, in declaration order (for ``certready rules``)."""
    return {f.name: getattr(params, f.name) for f in dataclasses.fields(params)}  # type: ignore[arg-type]


def with_overrides(params: Any, overrides: Mapping[str, Any]) -> Any:
    """A copy of ``params`` with ``overrides`` (raw TOML values) checked against the field types;
    :class:`ParameterError` names the first parameter that is unknown or of the wrong type."""
    hints = typing.get_type_hints(type(params))
    known = parameter_names(type(params))
    changes: dict[str, Any] = {}
    for name, value in overrides.items():
        if name not in known:
            raise ParameterError(name, f"unknown parameter {name!r}")
        changes[name] = _coerce(name, hints[name], value)
    return dataclasses.replace(params, **changes)


def _coerce(name: str, hint: Any, value: Any) -> Any:
    if hint is bool:
        if isinstance(value, bool):
            return value
        raise ParameterError(name, f"must be bool, not {value!r}")
    if hint is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise ParameterError(name, f"must be int, not {value!r}")
    if hint is float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        raise ParameterError(name, f"must be float, not {value!r}")
    if hint is str:
        if isinstance(value, str):
            return value
        raise ParameterError(name, f"must be str, not {value!r}")
    if hint is Severity:
        if isinstance(value, str):
            try:
                return Severity.parse(value)
            except ValueError as exc:
                raise ParameterError(name, str(exc)) from None
        raise ParameterError(name, f"must be a severity name, not {value!r}")
    if typing.get_origin(hint) is tuple:
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return tuple(value)
        raise ParameterError(name, f"must be a list of strings, not {value!r}")
    raise TypeError(f"parameter {name!r} has a type profiles cannot set: {hint!r}")
