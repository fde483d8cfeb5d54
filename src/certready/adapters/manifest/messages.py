"""Validation errors in the manifest's words: unknown keys with the closest known one, passwords
steered to ``*_password_env``/``*_password_file``, every error sorted by line."""

from __future__ import annotations

import difflib
from typing import Any, get_args, get_origin

from pydantic import BaseModel

from certready.adapters.manifest.model import Loc, ManifestModel
from certready.core.errors import ManifestError


def in_line_order(errors: list[ManifestError]) -> ManifestError:
    """All of ``errors`` as one, in the order of their lines."""
    return ManifestError.every(sorted(errors, key=lambda e: _line_number(e.location)))


def _line_number(location: str | None) -> int:
    line = (location or "").rsplit(":", 1)[-1]
    return int(line) if line.isdigit() else 0


def _model_of(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        if (found := _model_of(arg)) is not None:
            return found
    return None


def known_keys(loc: Loc) -> tuple[str, ...]:
    """The keys the manifest allows beside the last part of ``loc`` (empty when unknown)."""
    model: type[BaseModel] = ManifestModel
    parts = list(loc[:-1])
    i = 0
    while i < len(parts):
        field = model.model_fields.get(str(parts[i]))
        nested = _model_of(field.annotation) if field is not None else None
        if field is None or nested is None:
            return ()
        if get_origin(field.annotation) in (list, dict):
            i += 1  # the index or name inside the list or mapping
        model = nested
        i += 1
    return tuple(model.model_fields)


def _unknown_key(loc: Loc) -> str:
    name = str(loc[-1]) if loc else ""
    if name.endswith("password"):  # password:, sts_password:, pfx_password:...
        prefix = "sts_" if name.startswith("sts_") else ""
        return (
            f"passwords never go in the manifest: use {prefix}password_env or {prefix}password_file"
        )
    close = difflib.get_close_matches(name, known_keys(loc), n=1)
    return f"unknown key (did you mean `{close[0]}`?)" if close else "unknown key"


def validation_message(err: Any, loc: Loc = ()) -> str:
    kind = err["type"]
    if kind == "extra_forbidden":
        return _unknown_key(loc)
    if kind == "missing":
        return "required key missing"
    if kind in ("model_type", "dict_type"):
        return "must be a mapping (`key: value` lines)"
    if kind == "list_type":
        return "must be a list (`[a, b]` or `- a` lines)"
    if kind == "enum":  # platform: iPhone, roles: [web]: the value given, then the choices
        expected = str(err.get("ctx", {}).get("expected", "")).replace("'", "")
        return f"{err.get('input')!r} is not one of {expected}"
    text = str(err["msg"])
    return text.removeprefix("Value error, ")
