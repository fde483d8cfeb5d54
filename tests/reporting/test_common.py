"""Shared pieces: what reports read of a location, verdict, which rules count as evaluated."""

from __future__ import annotations

from dataclasses import replace

import pytest

from certready.adapters.profiles import load_policy
from certready.adapters.reporting.common import (
    evaluated_rule_ids,
    location_file,
    location_line,
    resolve_context,
    verdict,
)
from certready.core.location import (
    MOZILLA,
    EndpointLocation,
    FileLocation,
    Location,
    ManifestLocation,
    TrustKind,
    TrustLocation,
)
from certready.core.model import TargetStatus, TlsFacts
from tests.reporting.sample import RULES, clean_report, policy, sample_report


@pytest.mark.parametrize(
    ("location", "path", "line"),
    [
        (FileLocation("certs/app.pfx", 1), "certs/app.pfx", None),
        (FileLocation("C:\\certs\\app.pfx", 0), "C:\\certs\\app.pfx", None),
        (FileLocation("-"), "-", None),
        (FileLocation("-", 0), None, None),  # standard input's certificate: no file
        (ManifestLocation("deploy.yaml", 12), "deploy.yaml", 12),
        (ManifestLocation("C:\\d\\deploy.yaml", 3, "servers[0]"), "C:\\d\\deploy.yaml", 3),
        (ManifestLocation("deploy.yaml"), "deploy.yaml", None),
        (ManifestLocation("deploy.yaml", 0), "deploy.yaml", None),
        (EndpointLocation("app", 443, 0), None, None),
        (MOZILLA, None, None),
        (TrustLocation(TrustKind.FILE, "roots.pem"), None, None),  # a store, not a finding's file
    ],
)
def test_reports_read_the_fields_of_a_location(
    location: Location, path: str | None, line: int | None
) -> None:
    assert (location_file(location), location_line(location)) == (path, line)


def test_verdict() -> None:
    assert verdict(clean_report()) == "READY"
    assert verdict(sample_report()) == "NOT READY (1 unreadable)"
    report = sample_report()
    readable = replace(report, targets=report.targets[:3])
    assert verdict(readable) == "NOT READY"
    # an unreachable server is said apart from an unreadable input
    silent = replace(report.targets[1], status=TargetStatus.UNREACHABLE, reason="timed out")
    both = replace(report, targets=(*report.targets, silent))
    assert verdict(both) == "NOT READY (1 unreachable, 1 unreadable)"


def test_analyser_rules_count_only_where_the_analyser_ran() -> None:
    # a scan report: its command judges handshakes (a lint report lists no tls.* rule at all)
    context = resolve_context(replace(clean_report(), command="scan"), policy(), RULES)
    target = clean_report().targets[0]
    ids = evaluated_rule_ids(target, context)
    assert "tls.intermediate-not-sent" not in ids and "chain.validation-type" not in ids
    served = replace(target, tls=TlsFacts("127.0.0.1:443", None, "TLSv1.3", "x", 1.0))
    assert "tls.intermediate-not-sent" in evaluated_rule_ids(served, context)
    with_path = replace(target, path=target.certificates)
    assert "chain.validation-type" in evaluated_rule_ids(with_path, context)
    assert "deployment.certificate-shared" not in evaluated_rule_ids(with_path, context)


def test_expiry_days_defaults_when_the_rule_is_off() -> None:
    assert resolve_context(clean_report(), policy(), RULES).expiry_days == 30
    off = resolve_context(clean_report(), policy("validity.expiring-soon"), RULES)
    assert off.expiry_days == 30


def test_builtin_profile_is_loaded_by_name_and_unknown_falls_back() -> None:
    homecare = resolve_context(replace(clean_report(), profile="homecare"))
    assert homecare.policy.source == "builtin:homecare"
    mine = resolve_context(replace(clean_report(), profile="mine"))
    assert mine.policy.name == "mine" and mine.policy.settings


def test_registry_serves_every_format_and_refuses_others() -> None:
    from certready.adapters.reporting import FORMATS, renderer

    report = clean_report()
    for fmt in FORMATS:
        assert renderer(fmt, policy())(report).strip()
    with pytest.raises(KeyError):
        renderer("pdf")


def test_cli_format_choices_are_the_discovered_renderers() -> None:
    from certready.adapters.reporting import FORMATS
    from certready.interfaces.cli.options import ReportFormat

    assert FORMATS == ("html", "json", "jsonl", "junit", "markdown", "sarif", "text")
    assert {f.value for f in ReportFormat} == set(FORMATS)


def test_chain_and_tls_rules_count_only_where_their_facts_were_computed() -> None:
    """The real catalogue: chain and tls rules have real checks now, and still count as evaluated
    only on a target with a built path or a handshake."""
    context = resolve_context(replace(clean_report(), command="scan"), load_policy("homecare"))
    target = clean_report().targets[0]
    ids = evaluated_rule_ids(target, context)
    assert "names.host-not-covered" in ids  # control: the certificate rules ran
    assert not [i for i in ids if i.startswith(("tls.", "chain.", "deployment."))]
    served = replace(target, tls=TlsFacts("127.0.0.1:443", None, "TLSv1.3", "x", 1.0))
    served_ids = evaluated_rule_ids(served, context)
    assert "tls.intermediate-not-sent" in served_ids and "chain.wrong-order" not in served_ids
    with_path = evaluated_rule_ids(replace(target, path=target.certificates), context)
    assert "chain.wrong-order" in with_path and "tls.wrong-order" not in with_path
