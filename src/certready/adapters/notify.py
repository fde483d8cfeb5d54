"""Alert delivery: ``--alerts FILE`` (YAML) names where messages go, and Apprise sends them.

Apprise URLs carry credentials, so the file holds none: each target gives ``url_env:`` (an
environment variable holding the URL) or ``url_file:`` (a file holding it)::

    targets:
      - url_env: CERTREADY_ALERT_URL          # mailto://..., msteams://..., json://host/hook
      - url_file: /etc/certready/slack.url
    rules:
      expiring_within: [30d, 7d]
      new_error_finding: true
      served_certificate_changed: true
      endpoint_unreachable_twice: true
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from certready.core.durations import parse_duration
from certready.core.errors import UsageError


@dataclass(frozen=True, slots=True)
class AlertRules:
    expiring_within: tuple[dt.timedelta, ...] = (dt.timedelta(days=30), dt.timedelta(days=7))
    new_error_finding: bool = True
    served_certificate_changed: bool = True
    endpoint_unreachable_twice: bool = True


@dataclass(frozen=True, slots=True)
class AlertConfig:
    urls: tuple[str, ...]
    """Apprise URLs, read from the environment or files: never printed."""
    rules: AlertRules


_RULE_KEYS = {
    "expiring_within",
    "new_error_finding",
    "served_certificate_changed",
    "endpoint_unreachable_twice",
}


def load_alerts(path: str) -> AlertConfig:
    """Read ``--alerts FILE``; a usage error naming the file and key for anything wrong."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"cannot read: {exc.strerror or exc}", location=path) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else path
        raise UsageError("not valid YAML", location=where) from None
    if not isinstance(data, dict):
        raise UsageError("expected a mapping with targets: and rules:", location=path)
    unknown = set(data) - {"targets", "rules"}
    if unknown:
        raise UsageError(f"unknown key {sorted(unknown)[0]!r}", location=path)
    targets = data.get("targets")
    if not isinstance(targets, list) or not targets:
        raise UsageError("targets: needs at least one url_env: or url_file:", location=path)
    urls = tuple(_url(path, i, t) for i, t in enumerate(targets))
    return AlertConfig(urls, _rules(path, data.get("rules") or {}))


def _url(path: str, index: int, target: Any) -> str:
    where = f"{path}: targets[{index}]"
    if not isinstance(target, dict) or len(set(target) & {"url_env", "url_file"}) != 1:
        raise UsageError("give exactly one of url_env: or url_file:", location=where)
    if set(target) - {"url_env", "url_file", "name"}:
        raise UsageError(
            "only url_env:, url_file: and name: (URLs carry credentials: never inline)",
            location=where,
        )
    if "url_env" in target:
        name = str(target["url_env"])
        url = os.environ.get(name, "").strip()
        if not url:
            raise UsageError(f"the environment variable {name} is not set", location=where)
        return url
    file = str(target["url_file"])
    try:
        url = Path(file).read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise UsageError(f"cannot read {file}: {exc.strerror or exc}", location=where) from None
    if not url:
        raise UsageError(f"{file} is empty", location=where)
    return url


def _rules(path: str, data: Any) -> AlertRules:
    if not isinstance(data, dict):
        raise UsageError("rules: must be a mapping", location=path)
    unknown = set(data) - _RULE_KEYS
    if unknown:
        raise UsageError(
            f"rules: unknown rule {sorted(unknown)[0]!r} (known: {', '.join(sorted(_RULE_KEYS))})",
            location=path,
        )
    defaults = AlertRules()
    within = data.get("expiring_within", None)
    if within is None:
        durations = defaults.expiring_within
    else:
        if not isinstance(within, list):
            raise UsageError("rules: expiring_within: a list like [30d, 7d]", location=path)
        try:
            durations = tuple(sorted((parse_duration(str(w)) for w in within), reverse=True))
        except ValueError as exc:
            raise UsageError(f"rules: expiring_within: {exc}", location=path) from None
    flags = {}
    for key in ("new_error_finding", "served_certificate_changed", "endpoint_unreachable_twice"):
        value = data.get(key, getattr(defaults, key))
        if not isinstance(value, bool):
            raise UsageError(f"rules: {key}: true or false", location=path)
        flags[key] = value
    return AlertRules(durations, **flags)


class Notifier:
    """Sends one message to every target through Apprise; ``send`` says whether all took it."""

    def __init__(self, config: AlertConfig) -> None:
        import apprise

        self._apprise = apprise.Apprise()
        for url in config.urls:
            if not self._apprise.add(url):
                # the URL itself may hold a password: name its scheme only
                scheme = url.split("://", 1)[0] if "://" in url else "?"
                raise UsageError(f"--alerts: Apprise does not accept a {scheme}:// URL")

    def send(self, title: str, body: str) -> bool:
        return bool(self._apprise.notify(title=title, body=body))


__all__ = ["AlertConfig", "AlertRules", "Notifier", "load_alerts"]
