"""What every report format shares: the verdict, the policy the report ran under, locations.

No rule logic lives here either: which rules *ran* is read from the policy and the catalogue, and
what they found is read from the report.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from certready.adapters.profiles import load_policy
from certready.core.location import (
    EndpointLocation,
    FileLocation,
    Location,
    ManifestLocation,
    TrustLocation,
)
from certready.core.model import (
    ChainElement,
    Finding,
    KeyPairing,
    Report,
    Rule,
    Scope,
    Severity,
    TargetResult,
    TargetStatus,
)
from certready.core.policy import BUILTIN_PROFILES, Policy, default_settings
from certready.core.rules import catalogue
from certready.core.rules.validity import ExpiringSoonParams, expiring_soon

DEFAULT_EXPIRY_DAYS = 30
"""The timeline's warning window when the policy has no ``validity.expiring-soon`` days."""


_PLACEHOLDER = re.compile(r"`([a-z_][a-z0-9_]*)`")
"""A parameter named in a rule title: `` `days` ``."""
_DEFAULT_NOTE = re.compile(r"\s*\([^()]*\bby default\)")
_MARKUP = str.maketrans("", "", "`{}")


def _parameter_text(params: object, name: str) -> str:
    value = getattr(params, name, None)
    if value is None:
        return name
    if isinstance(value, tuple):
        return ", ".join(str(v) for v in value)
    if isinstance(value, Severity):
        return value.label
    return str(value)


_FILE_SCOPES = frozenset({Scope.CERTIFICATE, Scope.CHAIN, Scope.CONTAINER})
COMMAND_SCOPES: dict[str, frozenset[Scope]] = {
    "lint": _FILE_SCOPES,
    "scan": _FILE_SCOPES | {Scope.HANDSHAKE},
    "audit": _FILE_SCOPES | {Scope.HANDSHAKE, Scope.DEPLOYMENT},
    "doctor": frozenset({Scope.CLIENT}),
}
"""The scopes each command judges: a file (certificate, chain, a PFX's container), what a live
server presented (scan, ``audit --live``), the topology (audit), a client machine (doctor)."""


def command_scopes(command: str) -> frozenset[Scope]:
    """The scopes of :data:`COMMAND_SCOPES`; another command: a file's and a live server's (the
    topology is audit's, a client machine doctor's)."""
    return COMMAND_SCOPES.get(command, COMMAND_SCOPES["scan"])


@dataclass(frozen=True, slots=True)
class RenderContext:
    """What a renderer needs besides the report: the resolved policy, the rule catalogue, and
    the scopes the report's command judged."""

    policy: Policy
    rules: tuple[Rule, ...] = field(default_factory=catalogue)
    scopes: frozenset[Scope] = frozenset(Scope)

    def rule(self, rule_id: str) -> Rule | None:
        for r in self.rules:
            if r.id == rule_id:
                return r
        return None

    def enabled_rules(self) -> tuple[Rule, ...]:
        """The rules the policy runs in the command's scopes, in catalogue order."""
        settings = self.policy.settings
        return tuple(
            r
            for r in self.rules
            if r.scope in self.scopes and r.id in settings and settings[r.id].enabled
        )

    def severity(self, rule: Rule) -> Severity:
        setting = self.policy.settings.get(rule.id)
        return setting.severity if setting else rule.severity

    def title(self, rule_id: str) -> str:
        """The rule's title in the words of this policy: a parameter written `` `days` `` in the
        declaration becomes the profile's value ("within 30 days"), and "(30 by default)" goes;
        no backtick or brace reaches a reader. Empty for an id outside the catalogue."""
        rule = self.rule(rule_id)
        if rule is None:
            return ""
        setting = self.policy.settings.get(rule.id)
        params = setting.parameters if setting is not None else rule.params()
        filled = _PLACEHOLDER.sub(lambda m: _parameter_text(params, m[1]), rule.title)
        if filled != rule.title:
            filled = _DEFAULT_NOTE.sub("", filled)
        return filled.translate(_MARKUP)

    @property
    def expiry_days(self) -> int:
        """The ``validity.expiring-soon`` window (days) of the policy, for the timeline."""
        setting = self.policy.settings.get(expiring_soon.id)
        if setting is None or not setting.enabled:
            return DEFAULT_EXPIRY_DAYS
        params = setting.parameters
        if isinstance(params, ExpiringSoonParams) and params.days >= 0:
            return params.days
        return DEFAULT_EXPIRY_DAYS


def resolve_context(
    report: Report, policy: Policy | None = None, rules: Sequence[Rule] | None = None
) -> RenderContext:
    """The given policy; else the built-in profile the report names; else every rule as declared.

    A report made with a profile *file* should be rendered with that policy passed in (the CLI
    does): its name alone cannot be loaded again. ``rules`` replaces the catalogue (tests pin it).
    """
    rule_tuple = catalogue() if rules is None else tuple(rules)
    if policy is None:
        if report.profile in BUILTIN_PROFILES:
            policy = load_policy(report.profile)
        else:
            policy = Policy(
                name=report.profile,
                description="",
                source="unknown",
                settings=default_settings(rule_tuple),
            )
    return RenderContext(policy=policy, rules=rule_tuple, scopes=command_scopes(report.command))


def verdict(report: Report) -> str:
    """READY when nothing is at error level and every input could be read; what could not be
    examined is said, unreachable servers apart from unreadable inputs."""
    failed = report.input_errors
    unreachable = sum(1 for t in failed if t.status is TargetStatus.UNREACHABLE)
    return verdict_of(unreachable, len(failed) - unreachable, report.worst)


def verdict_of(unreachable: int, unreadable: int, worst: Severity | None) -> str:
    """:func:`verdict` from counts (a streamed report keeps no targets)."""
    if unreachable or unreadable:
        parts = [f"{unreachable} unreachable"] if unreachable else []
        parts += [f"{unreadable} unreadable"] if unreadable else []
        return f"NOT READY ({', '.join(parts)})"
    if worst is Severity.ERROR:
        return "NOT READY"
    return "READY"


def severity_counts(findings: Iterable[Finding]) -> dict[Severity, int]:
    """Findings per severity, most severe first, every severity present (zero when none)."""
    counts = dict.fromkeys(sorted(Severity, reverse=True), 0)
    for f in findings:
        counts[f.severity] += 1
    return counts


def sorted_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Most severe first, then by rule id and location: the order every report shows."""
    return sorted(findings, key=lambda f: (-f.severity, f.rule_id, str(f.location), f.message))


# --- which rules ran ------------------------------------------------------------------------------


_ANALYSED_SCOPES = (Scope.CHAIN, Scope.HANDSHAKE, Scope.CONTAINER)
"""Scopes whose rules run only where their facts were computed: a built path, a handshake, a
manifest server's PFX."""
_REPORT_SCOPES = (Scope.DEPLOYMENT,)
"""Scopes judged once per report (the topology), not per target."""


def _area_ran(area: str, target: TargetResult) -> bool:
    """Whether the analyser behind an area (chain, tls) looked at this target."""
    if any(f.rule_id.split(".", 1)[0] == area for f in target.findings):
        return True
    if area == "chain":
        return bool(target.path)
    if area == "tls":
        return target.tls is not None
    return False


def examined(target: TargetResult) -> bool:
    """The rules ran on this target (it was read, and it held a certificate to lint)."""
    if target.status is not TargetStatus.OK:
        return False
    return bool(target.findings) or not target.reason


def private_key_text(target: TargetResult) -> str:
    """The private key in a reader's words; empty for a live server (it never sends its key)."""
    if target.tls is not None or isinstance(target.location, EndpointLocation):
        return ""
    if not target.certificates:
        return ""
    match target.private_key:
        case KeyPairing.MATCHES:
            return "private key matches"
        case KeyPairing.MISMATCH:
            return "private key does not match the certificate"
        case KeyPairing.ABSENT:
            return "no private key"


def timeline_label(name: str, element: ChainElement, target: str) -> str:
    """``portal.example (production, live)``: a certificate's name with what tells it apart from
    another of the same name: the environment (``production/portal`` -> ``production``) and
    whether it was read from a file, presented live or came from a trust store."""
    origin = element.origin
    if isinstance(origin, EndpointLocation):
        kind = "live"
    elif isinstance(origin, FileLocation):
        kind = "file"
    elif isinstance(origin, TrustLocation):
        kind = "trust store"
    else:
        kind = str(origin)
    environment = target.split("/", 1)[0] if "/" in target else target
    return f"{name} ({environment}, {kind})"


def evaluated_rule_ids(target: TargetResult, context: RenderContext) -> list[str]:
    """The rule ids evaluated for a target, catalogue order, then any other id it has findings for.

    A rule counts as evaluated when the policy enables it, its scope is one the report's command
    judges (:data:`COMMAND_SCOPES`: no ``client.*`` rule on a lint target), it applies to the
    target's role, and
    either the engine runs it on every leaf or its analyser (chain, TLS) left a trace on the target
    (a built path, a handshake, or a finding of its area). Deployment rules are report-level.
    """
    if not examined(target):
        return []
    ids: list[str] = []
    for rule in context.enabled_rules():
        if target.role not in rule.roles or rule.scope in _REPORT_SCOPES:
            continue
        analysed = rule.scope in _ANALYSED_SCOPES
        if analysed and not _area_ran(rule.area, target):
            continue
        ids.append(rule.id)
    return _with_finding_ids(ids, target.findings)


def report_rule_ids(report: Report, context: RenderContext) -> list[str]:
    """The rule ids evaluated over the whole report (deployment topology), plus any with findings."""
    ids = [r.id for r in context.enabled_rules() if r.scope in _REPORT_SCOPES]
    return _with_finding_ids(ids, report.findings)


def _with_finding_ids(ids: list[str], findings: Iterable[Finding]) -> list[str]:
    """``ids`` followed by the rule ids of ``findings`` not among them (engine.rule-failed...)."""
    out = list(ids)
    for f in findings:
        if f.rule_id not in out:
            out.append(f.rule_id)
    return out


# --- locations ------------------------------------------------------------------------------------


def location_file(location: Location) -> str | None:
    """The file a location points into: a certificate file or a manifest; ``None`` for a live
    server, a trust store, standard input's certificates and anything else.

    ``file:certs/app.pem#1`` -> ``certs/app.pem``; ``manifest:deploy.yaml:12`` -> ``deploy.yaml``.
    """
    if isinstance(location, FileLocation):
        if location.is_stdin and location.fragment is not None:
            return None
        return location.path or None
    if isinstance(location, ManifestLocation):
        return location.path or None
    return None


def location_line(location: Location) -> int | None:
    """The 1-based line a location points at: a manifest's, or a certificate's in a PEM bundle
    read as a stream."""
    if isinstance(location, ManifestLocation | FileLocation) and (location.line or 0) >= 1:
        return location.line
    return None


_XML_INVALID = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_safe(text: str) -> str:
    """``text`` with the characters XML 1.0 forbids (NUL, most C0 controls) shown as ``\\xNN``.

    A certificate field may hold any byte; an XML report must still parse.
    """
    return _XML_INVALID.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
