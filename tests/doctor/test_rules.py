"""The client.* rules on hand-built contexts: each verdict, and its negative control."""

from __future__ import annotations

from dataclasses import replace

from certready.core.client import (
    BypassSyntax,
    CaKind,
    ClientContext,
    ExpectedCa,
    ProxyFailure,
    ProxyFailureKind,
    ProxyRoute,
    ProxySetting,
    ProxySource,
    StoreHolds,
)
from certready.core.engine import evaluate
from certready.core.facts import extract_facts
from certready.core.model import Finding, Severity
from certready.core.policy import Policy, default_settings
from certready.core.rules.client import (
    intercepted,
    proxy_not_bypassed,
    proxy_unreachable,
    root_missing,
)
from tests.doctor.support import APP, store
from tests.pki import TestCA

POLICY = Policy("test", "", "test", default_settings())
ENV_PROXY = ProxySetting(
    ProxySource.ENVIRONMENT,
    "HTTPS_PROXY=http://proxy.corp:3128",
    host="proxy.corp",
    port=3128,
    bypass_syntax=BypassSyntax.NO_PROXY,
)


def _expected(ca: TestCA, *, sent: bool = True) -> tuple[ExpectedCa, ...]:
    root, inter = extract_facts(ca.root.cert), extract_facts(ca.intermediate.cert)
    return (
        ExpectedCa(CaKind.INTERMEDIATE, inter.subject, inter, sent_by_server=sent),
        ExpectedCa(CaKind.ROOT, root.subject, root),
    )


def _ctx(ca: TestCA, **kwargs: object) -> ClientContext:
    base: dict[str, object] = {
        "client": "office PCs",
        "server": "production/app",
        "names": (APP,),
        "location": f"tls://{APP}:443",
        "expected": _expected(ca),
        "plan_hint": "windows-office-pcs.ps1",
    }
    base.update(kwargs)
    return ClientContext(**base)  # type: ignore[arg-type]


def _ids(findings: tuple[Finding, ...]) -> list[str]:
    return [f.rule_id for f in findings]


def test_root_missing_names_the_store_and_the_plan_file(ca: TestCA) -> None:
    windows_root = store("Trusted Root", ca.root.cert)
    empty_root = store("Trusted Root")
    intermediates = store("Intermediate", ca.intermediate.cert, holds=StoreHolds.INTERMEDIATES)
    missing = list(root_missing(_ctx(ca, stores=(empty_root, intermediates))))
    assert len(missing) == 1
    assert "Trusted Root lacks the root" in missing[0].message
    assert "certready test Root CA" in missing[0].message
    assert missing[0].location == "store:test:Trusted Root"
    assert missing[0].remediation and "windows-office-pcs.ps1" in missing[0].remediation
    # negative control: the root in the store
    assert list(root_missing(_ctx(ca, stores=(windows_root, intermediates)))) == []


def test_intermediate_missing_error_unless_the_server_sends_it(ca: TestCA) -> None:
    roots = store("Trusted Root", ca.root.cert)
    empty = store("Intermediate", holds=StoreHolds.INTERMEDIATES)
    full = store("Intermediate", ca.intermediate.cert, holds=StoreHolds.INTERMEDIATES)
    not_sent = _ctx(ca, stores=(roots, empty), expected=_expected(ca, sent=False))
    findings = evaluate(not_sent, POLICY)
    assert _ids(findings) == ["client.intermediate-missing"]
    assert findings[0].severity is Severity.ERROR
    assert "certready test Issuing CA" in findings[0].message
    sent = evaluate(_ctx(ca, stores=(roots, empty)), POLICY)
    assert [f.severity for f in sent] == [Severity.WARNING]  # connections work; the guide asks
    # negative control: both present
    assert evaluate(_ctx(ca, stores=(roots, full)), POLICY) == ()


def test_alternative_stores_and_public_roots(ca: TestCA) -> None:
    system = store("System keychain", holds=StoreHolds.BOTH, public=False, group="keychains")
    login = store(
        "login keychain",
        ca.root.cert,
        ca.intermediate.cert,
        holds=StoreHolds.BOTH,
        group="keychains",
    )
    assert evaluate(_ctx(ca, stores=(system, login)), POLICY) == ()  # either keychain serves
    empty_login = store("login keychain", holds=StoreHolds.BOTH, group="keychains")
    both_empty = evaluate(_ctx(ca, stores=(system, empty_login)), POLICY)
    assert _ids(both_empty) == ["client.intermediate-missing", "client.root-missing"]
    assert all("neither System keychain nor login keychain" in f.message for f in both_empty)
    public_root = tuple(
        ExpectedCa(e.kind, e.subject, e.certificate, public=True) for e in _expected(ca)
    )
    nss = store("NSS", public=False)  # browsers add public roots from their built-in module
    assert list(root_missing(_ctx(ca, stores=(nss,), expected=public_root))) == []
    assert len(list(root_missing(_ctx(ca, stores=(nss,))))) == 1  # control: a private root


def test_root_known_by_name_only(ca: TestCA) -> None:
    root = extract_facts(ca.root.cert)
    by_name = (
        ExpectedCa(CaKind.ROOT, root.subject, None, key_identifier=root.subject_key_identifier),
    )
    assert list(root_missing(_ctx(ca, expected=by_name, stores=(store("b", ca.root.cert),)))) == []
    missing = list(root_missing(_ctx(ca, expected=by_name, stores=(store("b"),))))
    assert "named by the server's chain" in missing[0].message


def test_unreadable_store_is_a_warning_not_a_missing_root(ca: TestCA) -> None:
    broken = replace(store("NSS", public=False), problem="certutil not found")
    findings = list(root_missing(_ctx(ca, stores=(broken,))))
    assert [f.severity for f in findings] == [Severity.WARNING]
    assert "could not be read (certutil not found)" in findings[0].message


def test_proxy_without_bypass_is_reported_with_bypass_is_not(ca: TestCA) -> None:
    route = ProxyRoute(ENV_PROXY, APP, location="tls://proxy.corp:3128->app")
    found = list(proxy_not_bypassed(_ctx(ca, proxies=(ENV_PROXY,), routes=(route,))))
    assert len(found) == 1
    assert "HTTPS_PROXY=http://proxy.corp:3128" in found[0].message
    assert "no bypass list is set" in found[0].message
    assert found[0].remediation and "NO_PROXY" in found[0].remediation
    # negative control: bypassed names get no route, so no finding
    assert list(proxy_not_bypassed(_ctx(ca, proxies=(ENV_PROXY,), routes=()))) == []
    # a server that is not app, mobile or Portal need not bypass
    assert list(proxy_not_bypassed(_ctx(ca, routes=(route,), needs_bypass=False))) == []


def test_pac_is_reported_not_evaluated(ca: TestCA) -> None:
    pac = ProxySetting(ProxySource.WININET, "WinINET AutoConfigURL", pac_url="http://wpad/p.pac")
    found = list(proxy_not_bypassed(_ctx(ca, proxies=(pac,))))
    assert found[0].severity is Severity.WARNING
    assert "does not evaluate PAC" in found[0].message


def test_interception_names_the_proxy_ca(ca: TestCA, other_ca: TestCA) -> None:
    real = ca.issue(APP)
    forged = other_ca.issue(APP)
    direct = (extract_facts(real.cert), extract_facts(ca.intermediate.cert))
    proxied = (extract_facts(forged.cert), extract_facts(other_ca.intermediate.cert))
    route = ProxyRoute(ENV_PROXY, APP, presented=proxied)
    found = list(intercepted(_ctx(ca, direct=direct, routes=(route,))))
    assert len(found) == 1
    assert "unrelated Issuing CA" in found[0].message and "intercepts TLS" in found[0].message
    assert found[0].remediation and found[0].remediation.startswith("Bypass these names")
    # negative controls: the same chain; another leaf of the same CA (two load-balanced servers)
    same = ProxyRoute(ENV_PROXY, APP, presented=direct)
    twin = ProxyRoute(ENV_PROXY, APP, presented=(extract_facts(ca.issue(APP).cert),))
    assert list(intercepted(_ctx(ca, direct=direct, routes=(same, twin)))) == []


def test_interception_without_a_direct_connection_compares_with_the_deployment_cas(
    ca: TestCA, other_ca: TestCA
) -> None:
    forged = ProxyRoute(ENV_PROXY, APP, presented=(extract_facts(other_ca.issue(APP).cert),))
    genuine = ProxyRoute(ENV_PROXY, APP, presented=(extract_facts(ca.issue(APP).cert),))
    ctx = _ctx(ca, direct_failure="timed out")
    assert len(list(intercepted(replace(ctx, routes=(forged,))))) == 1
    assert list(intercepted(replace(ctx, routes=(genuine,)))) == []
    # control: without a direct chain nor the deployment's CAs, nothing to compare with
    assert list(intercepted(replace(ctx, routes=(forged,), expected=()))) == []


def test_unreachable_proxy_is_not_a_refused_connect(ca: TestCA) -> None:
    dead = ProxyRoute(
        ENV_PROXY, APP, failure=ProxyFailure(ProxyFailureKind.PROXY_UNREACHABLE, "refused")
    )
    refused = ProxyRoute(
        ENV_PROXY, APP, failure=ProxyFailure(ProxyFailureKind.CONNECT_REFUSED, "502 Bad Gateway")
    )
    assert len(list(proxy_unreachable(_ctx(ca, routes=(dead,))))) == 1
    assert list(proxy_unreachable(_ctx(ca, routes=(refused,)))) == []
    bypass = list(proxy_not_bypassed(_ctx(ca, routes=(refused,))))
    assert "502 Bad Gateway" in bypass[0].message


def test_a_disabled_rule_does_not_run(ca: TestCA) -> None:
    from certready.core.policy import RuleSetting

    settings = default_settings()
    settings[root_missing.id] = RuleSetting(
        False, Severity.ERROR, settings[root_missing.id].parameters
    )
    policy = Policy("off", "", "test", settings)
    assert evaluate(_ctx(ca, stores=(store("Trusted Root"),)), policy) == ()


def test_an_unreached_server_is_not_said_to_withhold_its_intermediate(ca: TestCA) -> None:
    """Without a store that holds intermediates (Linux's CA bundle), what the server sends
    decides; unreached, that is unknown: a warning that says so, not "does not send"."""
    roots = store("CA bundle", ca.root.cert)
    unreached = _ctx(
        ca,
        stores=(roots,),
        expected=_expected(ca, sent=False),
        direct_failure="app.example:443: DNS failure",
    )
    [finding] = evaluate(unreached, POLICY)
    assert finding.rule_id == "client.intermediate-missing"
    assert finding.severity is Severity.WARNING
    assert "could not be reached to see whether it sends" in finding.message
    assert "does not send" not in finding.message
    # control: reached, and the intermediate not sent: an error that says so
    [reached] = evaluate(_ctx(ca, stores=(roots,), expected=_expected(ca, sent=False)), POLICY)
    assert reached.severity is Severity.ERROR and "does not send its" in reached.message
