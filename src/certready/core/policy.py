"""Policy profiles: which rules run, at what severity, with which parameters.

A profile is a TOML file::

    [profile]
    name = "mycorp"
    description = "homecare, but 3072-bit RSA and a 60-day expiry warning"
    extends = "homecare"            # a built-in profile name or a path relative to this file

    [rules."key.rsa-size"]
    min_bits = 3072

    [rules."validity.expiring-soon"]
    days = 60
    severity = "error"

    [rules."names.cn-not-in-san"]
    enabled = false

    [validity]
    renewal-lead = "45d"            # `certready calendar`: renew this long before expiry


Every rule not mentioned keeps the settings of the profile it extends (or of its declaration).
Unknown rule ids, unknown parameters and values of the wrong type are errors naming file and key.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from certready.core.durations import parse_duration
from certready.core.errors import PolicyError
from certready.core.model import Role, Rule, Scope, Severity
from certready.core.rules import catalogue
from certready.core.rules.params import ParameterError, parameter_names, with_overrides

BUILTIN_PROFILES = ("homecare", "webpki")
DEFAULT_PROFILE = "homecare"
_RULE_KEYS = {"enabled", "severity"}
_PROFILE_KEYS = {"name", "description", "extends"}
_VALIDITY_KEYS = {"renewal-lead"}
DEFAULT_RENEWAL_LEAD = dt.timedelta(days=30)
MAX_PROFILE_BYTES = 256 * 1024
"""A profile is a few dozen lines; a larger text is refused before it is parsed (issue 14)."""


@dataclass(frozen=True, slots=True)
class RuleSetting:
    enabled: bool
    severity: Severity
    parameters: Any
    """An instance of the rule's parameters dataclass (``Rule.params``), checked at load."""


@dataclass(frozen=True, slots=True)
class Policy:
    """A resolved profile: one setting per rule in the catalogue."""

    name: str
    description: str
    source: str
    """``builtin:homecare`` or the profile file's path."""
    settings: Mapping[str, RuleSetting] = field(default_factory=dict)
    renewal_lead: dt.timedelta = DEFAULT_RENEWAL_LEAD
    """``[validity] renewal-lead``: how long before expiry a certificate is due for renewal."""
    _plans: dict[tuple[Scope, Role | None], tuple[tuple[Rule, RuleSetting], ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    """The enabled rules per (scope, role), worked out once per policy (the engine asks for every
    target); owned by the policy, so no module-level cache outlives it."""

    def plan(self, scope: Scope, role: Role | None) -> tuple[tuple[Rule, RuleSetting], ...]:
        """The enabled catalogue rules of ``scope`` that apply to ``role``, with their settings,
        in catalogue order (``role`` ``None``: a scope without roles, e.g. a deployment)."""
        key = (scope, role)
        planned = self._plans.get(key)
        if planned is None:
            planned = self._plans[key] = applicable(catalogue(), self, scope, role)
        return planned

    def setting(self, rule_id: str) -> RuleSetting:
        try:
            return self.settings[rule_id]
        except KeyError:
            raise PolicyError(f"no rule {rule_id!r} in policy {self.name}") from None

    def enabled(self, rule_id: str) -> bool:
        return self.setting(rule_id).enabled


def applicable(
    rules: Iterable[Rule], policy: Policy, scope: Scope, role: Role | None
) -> tuple[tuple[Rule, RuleSetting], ...]:
    """Of ``rules``, those of ``scope`` that ``policy`` enables for ``role``, with their settings."""
    out = []
    for rule in rules:
        if rule.scope is not scope or (role is not None and role not in rule.roles):
            continue
        setting = policy.setting(rule.id)
        if setting.enabled:
            out.append((rule, setting))
    return tuple(out)


def default_settings(rules: tuple[Rule, ...] | None = None) -> dict[str, RuleSetting]:
    """Every rule as declared: enabled, its own severity and parameters."""
    return {
        r.id: RuleSetting(True, r.severity, r.params())
        for r in (catalogue() if rules is None else rules)
    }


ParentLoader = Callable[[str, "Path | None", tuple[str, ...]], "Policy"]
"""``(extends, base_dir, seen) -> Policy``: how a profile's ``extends`` is read. Reading files is
I/O, so the loader comes from :mod:`certready.adapters.profiles`; core only parses text."""


def parse_policy(
    text: str,
    *,
    source: str,
    seen: tuple[str, ...] = (),
    base_dir: Path | None = None,
    load_parent: ParentLoader | None = None,
) -> Policy:
    """Parse one profile's TOML text, resolving ``extends`` with ``load_parent`` (cycles are an
    error). Without a loader, a profile that extends another is an error."""
    if source in seen:
        raise PolicyError(f"profile extends itself through {' -> '.join(seen)}", location=source)
    if len(text) > MAX_PROFILE_BYTES:
        raise PolicyError(f"larger than {MAX_PROFILE_BYTES // 1024} KiB", location=source)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"not valid TOML: {exc}", location=source) from None
    except RecursionError:  # tomllib recurses once per level of [[[...]]] or {a={b=...}}
        raise PolicyError("not valid TOML: nested too deeply", location=source) from None
    unknown_top = set(data) - {"profile", "rules", "validity"}
    if unknown_top:
        key = sorted(unknown_top)[0]
        raise PolicyError(f"unknown table or key {key!r}", location=source, key=key)
    header = _table(data.get("profile", {}), "profile", source)
    for key in header:
        if key not in _PROFILE_KEYS:
            raise PolicyError(f"unknown key profile.{key}", location=source, key=f"profile.{key}")
    name = _string(header.get("name", Path(source).stem), "profile.name", source)
    description = _string(header.get("description", ""), "profile.description", source)
    settings: dict[str, RuleSetting]
    renewal_lead = DEFAULT_RENEWAL_LEAD
    extends = header.get("extends")
    if extends is None:
        settings = default_settings()
    else:
        extends = _string(extends, "profile.extends", source)
        if load_parent is None:
            raise PolicyError(
                f"extends {extends!r}: no profile loader given",
                location=source,
                key="profile.extends",
            )
        parent = load_parent(extends, base_dir, (*seen, source))
        settings = dict(parent.settings)
        renewal_lead = parent.renewal_lead
    rules = _table(data.get("rules", {}), "rules", source)
    for rule_id, overrides in rules.items():
        key = f"rules.{rule_id}"
        if rule_id not in settings:
            raise PolicyError(f"unknown rule id {rule_id!r}", location=source, key=key)
        settings[rule_id] = _apply(settings[rule_id], _table(overrides, key, source), key, source)
    renewal_lead = _validity(data.get("validity", {}), source, renewal_lead)
    return Policy(
        name=name,
        description=description,
        source=source,
        settings=settings,
        renewal_lead=renewal_lead,
    )


def _validity(value: Any, source: str, renewal_lead: dt.timedelta) -> dt.timedelta:
    """The ``[validity]`` table: ``renewal-lead = "30d"`` (the duration grammar of every option)."""
    table = _table(value, "validity", source)
    for key in table:
        if key not in _VALIDITY_KEYS:
            raise PolicyError(f"unknown key validity.{key}", location=source, key=f"validity.{key}")
    if "renewal-lead" in table:
        text = _string(table["renewal-lead"], "validity.renewal-lead", source)
        try:
            renewal_lead = parse_duration(text)
        except ValueError as exc:
            raise PolicyError(str(exc), location=source, key="validity.renewal-lead") from None
    return renewal_lead


def _apply(base: RuleSetting, overrides: dict[str, Any], key: str, source: str) -> RuleSetting:
    enabled, severity = base.enabled, base.severity
    params: dict[str, Any] = {}
    for name, value in overrides.items():
        where = f"{key}.{name}"
        if name == "enabled":
            if not isinstance(value, bool):
                raise PolicyError("must be true or false", location=source, key=where)
            enabled = value
        elif name == "severity":
            try:
                severity = Severity.parse(_string(value, where, source))
            except ValueError as exc:
                raise PolicyError(str(exc), location=source, key=where) from None
        else:
            params[name] = value
    try:
        parameters = with_overrides(base.parameters, params)
    except ParameterError as exc:
        where = f"{key}.{exc.name}"
        if exc.name not in parameter_names(type(base.parameters)):
            known = ", ".join(sorted({*parameter_names(type(base.parameters)), *_RULE_KEYS}))
            message = f"unknown parameter {exc.name!r} (this rule takes: {known})"
            raise PolicyError(message, location=source, key=where) from None
        raise PolicyError(exc.message, location=source, key=where) from None
    return RuleSetting(enabled, severity, parameters)


def _table(value: Any, key: str, source: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise PolicyError("must be a table", location=source, key=key)
    return value


def _string(value: Any, key: str, source: str) -> str:
    if not isinstance(value, str):
        raise PolicyError("must be a string", location=source, key=key)
    return value
