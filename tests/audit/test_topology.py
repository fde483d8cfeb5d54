"""Each deployment.* rule with a failing topology and a passing control (core/rules/deployment.py,
core/rules/deployment_clients.py), run through the engine."""

from __future__ import annotations

from certready.core.deployment import Platform, ServerObservation, ServerSpec
from certready.core.model import KeyPairing, Severity
from certready.core.rules.deployment import valid_wildcard_covering
from tests.audit.topo import (
    MOBILE,
    PORTAL,
    client,
    facts,
    findings,
    rule_ids,
    seen,
    server,
    topology,
)
from tests.pki import TestCA

APP_FQDN = "hcappserver.sunrise.example"
MOBILE_FQDN = "hctabletserver.sunrise.example"
EXTERNAL = "mobile.sunrise-health.example"


def test_certificate_missing(ca: TestCA) -> None:
    bare = server("app", APP_FQDN, cert=False, sts=False)
    assert "deployment.certificate-missing" in rule_ids(topology([(bare, ServerObservation())]))
    only_ca = server("app", APP_FQDN, sts=False)
    assert "deployment.certificate-missing" in rule_ids(
        topology([(only_ca, ServerObservation(leaf=None))])
    )
    unreadable = ServerObservation(leaf=None, input_error=True)
    assert "deployment.certificate-missing" not in rule_ids(topology([(only_ca, unreadable)]))
    ok = server("app", APP_FQDN, sts=False)
    assert "deployment.certificate-missing" not in rule_ids(
        topology([(ok, seen(facts(ca.issue(APP_FQDN))))])
    )


def test_private_key_missing_or_mismatched(ca: TestCA) -> None:
    s = server("app", APP_FQDN, sts=False)
    leaf = facts(ca.issue(APP_FQDN))
    for pairing in (KeyPairing.ABSENT, KeyPairing.MISMATCH):
        assert "deployment.private-key-missing" in rule_ids(
            topology([(s, seen(leaf, key=pairing))])
        )
    assert "deployment.private-key-missing" not in rule_ids(topology([(s, seen(leaf))]))


def test_certificate_reused_by_test_copy(ca: TestCA) -> None:
    shared = facts(ca.issue(APP_FQDN, "hctest.sunrise.example"))
    prod = server("app", APP_FQDN, sts=False)
    test = server("app", "hctest.sunrise.example", env="test", sts=False)
    ids = rule_ids(topology([(prod, seen(shared)), (test, seen(shared))]))
    assert "deployment.certificate-reused" in ids
    own = facts(ca.issue("hctest.sunrise.example"))
    ids = rule_ids(topology([(prod, seen(facts(ca.issue(APP_FQDN)))), (test, seen(own))]))
    assert "deployment.certificate-reused" not in ids
    wildcard = facts(ca.issue("*.sunrise.example"))
    ids = rule_ids(topology([(prod, seen(wildcard)), (test, seen(wildcard))]))
    assert "deployment.certificate-reused" not in ids


def test_one_certificate_per_host(ca: TestCA) -> None:
    app = server("app", APP_FQDN, sts=False)
    portal = server("portal", APP_FQDN, PORTAL)
    one = facts(ca.issue(APP_FQDN))
    two = facts(ca.issue(APP_FQDN))
    assert "deployment.host-multiple-certificates" in rule_ids(
        topology([(app, seen(one)), (portal, seen(two))])
    )
    assert "deployment.host-multiple-certificates" not in rule_ids(
        topology([(app, seen(one)), (portal, seen(one))])
    )


def test_app_and_mobile_need_distinct_certificates_unless_a_valid_wildcard(ca: TestCA) -> None:
    app = server("app", APP_FQDN, sts=False)
    mobile = server("mobile", MOBILE_FQDN, MOBILE)
    multi = facts(ca.issue(APP_FQDN, MOBILE_FQDN))
    ids = rule_ids(topology([(app, seen(multi)), (mobile, seen(multi))]))
    assert "deployment.app-mobile-shared-certificate" in ids
    assert "deployment.certificate-reused" not in ids
    wildcard = facts(ca.issue("*.sunrise.example"))
    ids = rule_ids(topology([(app, seen(wildcard)), (mobile, seen(wildcard))]))
    assert "deployment.app-mobile-shared-certificate" not in ids
    distinct = [
        (app, seen(facts(ca.issue(APP_FQDN)))),
        (mobile, seen(facts(ca.issue(MOBILE_FQDN)))),
    ]
    assert "deployment.app-mobile-shared-certificate" not in rule_ids(topology(distinct))


def test_wildcard_over_a_public_suffix_is_not_valid(ca: TestCA) -> None:
    public = facts(ca.issue("*.co.uk", sans=["*.co.uk"]))
    assert valid_wildcard_covering(public, ("app.co.uk", "mobile.co.uk")) is None
    private = facts(ca.issue("*.sunrise.example"))
    assert valid_wildcard_covering(private, (APP_FQDN, MOBILE_FQDN)) == "*.sunrise.example"
    assert valid_wildcard_covering(private, ("a.b.sunrise.example",)) is None


def test_mobile_certificate_covers_external_names(ca: TestCA) -> None:
    mobile = server("mobile", MOBILE_FQDN, MOBILE, external=(EXTERNAL,))
    internal_only = facts(ca.issue(MOBILE_FQDN))
    assert "deployment.mobile-external-name" in rule_ids(topology([(mobile, seen(internal_only))]))
    both = facts(ca.issue(MOBILE_FQDN, EXTERNAL))
    assert "deployment.mobile-external-name" not in rule_ids(topology([(mobile, seen(both))]))


def test_client_names_are_covered_by_the_server_they_reach(ca: TestCA) -> None:
    app = server("app", APP_FQDN, external=("homecare.sunrise-health.example",), sts=False)
    pcs = client("office PCs", Platform.WINDOWS, "homecare.sunrise-health.example")
    internal = facts(ca.issue(APP_FQDN))
    assert "deployment.client-name-not-covered" in rule_ids(
        topology([(app, seen(internal))], clients=(pcs,))
    )
    laptops = client("laptops", Platform.MACOS, "homecare.sunrise-health.example")
    issues = [
        i
        for i in findings(topology([(app, seen(internal))], clients=(pcs, laptops)))
        if i.rule_id == "deployment.client-name-not-covered"
    ]
    assert len(issues) == 1 and "'office PCs', 'laptops'" in issues[0].message
    full = facts(ca.issue(APP_FQDN, "homecare.sunrise-health.example"))
    assert "deployment.client-name-not-covered" not in rule_ids(
        topology([(app, seen(full))], clients=(pcs,))
    )


def test_client_host_unknown(ca: TestCA) -> None:
    app = server("app", APP_FQDN, sts=False)
    leaf = seen(facts(ca.issue(APP_FQDN)))
    typo = client("office PCs", Platform.WINDOWS, "hcapserver.sunrise.example")
    assert "deployment.client-host-unknown" in rule_ids(topology([(app, leaf)], clients=(typo,)))
    right = client("office PCs", Platform.WINDOWS, APP_FQDN)
    assert "deployment.client-host-unknown" not in rule_ids(
        topology([(app, leaf)], clients=(right,))
    )


def test_clients_by_ip_address_need_an_ip_san(ca: TestCA) -> None:
    app = server("app", APP_FQDN, external=("10.0.0.5",), sts=False)
    by_ip = client("kiosk", Platform.WINDOWS, "10.0.0.5")
    dns_only = facts(ca.issue(APP_FQDN))
    assert "deployment.client-ip-address" in rule_ids(
        topology([(app, seen(dns_only))], clients=(by_ip,))
    )
    with_ip = facts(ca.issue(APP_FQDN, "10.0.0.5"))
    assert "deployment.client-ip-address" not in rule_ids(
        topology([(app, seen(with_ip))], clients=(by_ip,))
    )


def test_app_server_needs_an_sts_certificate(ca: TestCA) -> None:
    leaf = facts(ca.issue(APP_FQDN))
    without = server("app", APP_FQDN, sts=False)
    assert "deployment.sts-certificate-missing" in rule_ids(topology([(without, seen(leaf))]))
    with_sts = server("app", APP_FQDN)
    sts = facts(ca.issue("sts.sunrise.example"))
    assert "deployment.sts-certificate-missing" not in rule_ids(
        topology([(with_sts, seen(leaf, sts=sts))])
    )
    mobile = server("mobile", MOBILE_FQDN, MOBILE)
    assert "deployment.sts-certificate-missing" not in rule_ids(topology([(mobile, seen(leaf))]))


def test_sts_certificate_must_pass_its_rules(ca: TestCA) -> None:
    app = server("app", APP_FQDN)
    leaf = facts(ca.issue(APP_FQDN))
    sts = facts(ca.issue("sts.sunrise.example"))
    failing = ServerObservation(
        leaf=leaf, private_key=KeyPairing.MATCHES, sts_leaf=sts,
        sts_private_key=KeyPairing.MATCHES, sts_worst=Severity.ERROR,
    )  # fmt: skip
    assert "deployment.sts-certificate-failing" in rule_ids(topology([(app, failing)]))
    keyless = seen(leaf, sts=sts, sts_key=KeyPairing.ABSENT)
    assert "deployment.sts-certificate-failing" in rule_ids(topology([(app, keyless)]))
    warning_only = ServerObservation(
        leaf=leaf, private_key=KeyPairing.MATCHES, sts_leaf=sts,
        sts_private_key=KeyPairing.MATCHES, sts_worst=Severity.WARNING,
    )  # fmt: skip
    assert "deployment.sts-certificate-failing" not in rule_ids(topology([(app, warning_only)]))


def _three(ca: TestCA) -> list[tuple[ServerSpec, ServerObservation]]:
    return [
        (server("app", APP_FQDN, sts=False), seen(facts(ca.issue(APP_FQDN)))),
        (server("mobile", MOBILE_FQDN, MOBILE, external=(EXTERNAL,)),
         seen(facts(ca.issue(MOBILE_FQDN, EXTERNAL)))),
        (server("portal", "portal.sunrise.example", PORTAL),
         seen(facts(ca.issue("portal.sunrise.example")))),
    ]  # fmt: skip


def test_proxy_bypass_must_match_app_mobile_and_portal(ca: TestCA) -> None:
    servers = _three(ca)
    partial = rule_ids(topology(servers, bypass="*.sunrise.example;<local>"))
    assert partial.count("deployment.proxy-bypass-missing") == 1  # the external mobile name
    full = rule_ids(topology(servers, bypass="*.sunrise.example;*.sunrise-health.example"))
    assert "deployment.proxy-bypass-missing" not in full
    no_proxy = rule_ids(topology(servers))
    assert "deployment.proxy-bypass-missing" not in no_proxy


def test_proxy_bypass_syntax(ca: TestCA) -> None:
    servers = _three(ca)[:1]
    commas = rule_ids(topology(servers, bypass="*.sunrise.example, <local>"))
    assert "deployment.proxy-bypass-syntax" in commas
    semis = rule_ids(topology(servers, bypass="*.sunrise.example; <local>"))
    assert "deployment.proxy-bypass-syntax" not in semis


def test_android_and_ios_clients_with_a_private_chain(ca: TestCA) -> None:
    mobile = server("mobile", MOBILE_FQDN, MOBILE)
    leaf = seen(facts(ca.issue(MOBILE_FQDN)))
    clients = (
        client("phones", Platform.ANDROID, MOBILE_FQDN),
        client("phones", Platform.IOS, MOBILE_FQDN),
        client("tablets", Platform.IPADOS, MOBILE_FQDN),
        client("pcs", Platform.WINDOWS, MOBILE_FQDN),
    )
    private = rule_ids(topology([(mobile, leaf)], clients=clients, private=True))
    assert private.count("deployment.client-android-private-ca") == 1
    assert private.count("deployment.client-ios-trust-switch") == 2
    public = rule_ids(topology([(mobile, leaf)], clients=clients, private=False))
    assert "deployment.client-android-private-ca" not in public
    assert "deployment.client-ios-trust-switch" not in public


def test_served_certificate_differs(ca: TestCA) -> None:
    app = server("app", APP_FQDN, sts=False)
    leaf = facts(ca.issue(APP_FQDN))
    other = facts(ca.issue(APP_FQDN))
    assert "deployment.served-certificate-differs" in rule_ids(
        topology([(app, seen(leaf, served=other))])
    )
    assert "deployment.served-certificate-differs" not in rule_ids(
        topology([(app, seen(leaf, served=leaf))])
    )
