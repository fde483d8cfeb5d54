"""Real TLS servers on 127.0.0.1, scanned through services.scan: verdicts and negative controls.

Names resolve through an injected resolver (every *.example.test -> 127.0.0.1), so SNI and name
checks run with real names and no DNS.
"""

from __future__ import annotations

import datetime as dt
import socket
import ssl
import time
from collections.abc import Iterator

import pytest

from certready.adapters.profiles import load_policy
from certready.core.location import TrustKind, TrustLocation
from certready.core.model import Report, TargetResult, TargetStatus
from certready.core.rules import catalogue
from certready.services.scan import ScanOptions, scan_endpoints
from tests.pki import NOW, TestCA
from tests.scan.servers import Servers, server_context

POLICY = load_policy("homecare")
RULE_IDS = {r.id for r in catalogue()}


async def loopback(host: str, port: int) -> list[tuple[str, int]]:
    if host.endswith(".example.test"):
        return [("127.0.0.1", port)]
    raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")


def options(**kwargs: object) -> ScanOptions:
    base: dict[str, object] = {"policy": POLICY, "timeout": 3.0, "resolver": loopback}
    base.update(kwargs)
    return ScanOptions(**base)  # type: ignore[arg-type]


def scan(*targets: str, **kwargs: object) -> Report:
    return scan_endpoints(list(targets), options(**kwargs))


def rule_ids(result: TargetResult) -> set[str]:
    return {f.rule_id for f in result.findings}


def needs(rule_id: str) -> None:
    """Verdicts of rules another helper implements: checked once they are in the catalogue."""
    if rule_id not in RULE_IDS:
        pytest.skip(f"{rule_id} is not in the catalogue yet")


class Ports:
    complete: int
    leaf_only: int
    expired: int
    sni: int
    tls11: int
    require_sni: int
    wrong_order: int


@pytest.fixture(scope="module")
def ports(ca: TestCA, other_ca: TestCA) -> Iterator[Ports]:
    p = Ports()
    with Servers() as servers:
        leaf = ca.issue("app.example.test", "127.0.0.1")
        p.complete = servers.tls([leaf, ca.intermediate])
        p.leaf_only = servers.tls([leaf])
        p.wrong_order = servers.tls([leaf, ca.root, ca.intermediate])
        expired = ca.issue(
            "old.example.test",
            not_before=NOW - dt.timedelta(days=400),
            not_after=NOW - dt.timedelta(days=3),
        )
        p.expired = servers.tls([expired, ca.intermediate])
        mobile = server_context([ca.issue("mobile.example.test"), ca.intermediate])
        p.sni = servers.tls(
            [other_ca.issue("default.example.test"), other_ca.intermediate],
            sni={"mobile.example.test": mobile},
        )
        p.require_sni = servers.tls([leaf, ca.intermediate], require_sni=True)
        p.tls11 = servers.tls([leaf, ca.intermediate], maximum_version=ssl.TLSVersion.TLSv1_1)
        yield p


def test_complete_chain(ports: Ports, ca: TestCA) -> None:
    report = scan(f"app.example.test:{ports.complete}")
    (result,) = report.targets
    assert result.status is TargetStatus.OK
    assert result.hosts == ("app.example.test",)
    assert result.tls is not None and result.tls.protocol == "TLSv1.3"
    assert result.tls.sni == "app.example.test"
    assert result.tls.address == f"127.0.0.1:{ports.complete}"
    assert [str(e.origin) for e in result.certificates] == [
        f"tls://app.example.test:{ports.complete}#leaf",
        f"tls://app.example.test:{ports.complete}#1",
    ]
    assert not {i for i in rule_ids(result) if i.startswith("tls.")}
    assert report.command == "scan"


def test_leaf_only_is_intermediate_not_sent(ports: Ports) -> None:
    (result,) = scan(f"app.example.test:{ports.leaf_only}").targets
    assert result.status is TargetStatus.OK
    assert "tls.intermediate-not-sent" in rule_ids(result)
    assert len(result.certificates) == 1


def test_wrong_order_served(ports: Ports) -> None:
    (result,) = scan(f"app.example.test:{ports.wrong_order}").targets
    assert "tls.wrong-order" in rule_ids(result)
    (control,) = scan(f"app.example.test:{ports.complete}").targets
    assert "tls.wrong-order" not in rule_ids(control)


def test_ip_target_sends_no_sni_and_checks_the_ip(ports: Ports) -> None:
    (result,) = scan(f"127.0.0.1:{ports.complete}").targets
    assert result.tls is not None and result.tls.sni is None
    assert result.hosts == ("127.0.0.1",)
    assert "tls.sni-differs" not in rule_ids(result)


def test_wrong_name(ports: Ports) -> None:
    needs("names.host-not-covered")
    (result,) = scan(f"wrong.example.test:{ports.complete}").targets
    assert result.hosts == ("wrong.example.test",)
    assert "names.host-not-covered" in rule_ids(result)
    (control,) = scan(f"app.example.test:{ports.complete}").targets
    assert "names.host-not-covered" not in rule_ids(control)


def test_sni_override_is_the_name_checked(ports: Ports) -> None:
    (result,) = scan(f"127.0.0.1:{ports.sni}", sni="mobile.example.test").targets
    assert result.hosts == ("mobile.example.test",)
    assert result.certificates[0].certificate.display_name == "mobile.example.test"


def test_expired(ports: Ports) -> None:
    needs("validity.expired")
    (result,) = scan(f"old.example.test:{ports.expired}").targets
    assert "validity.expired" in rule_ids(result)
    (control,) = scan(f"app.example.test:{ports.complete}").targets
    assert "validity.expired" not in rule_ids(control)


def test_sni_switched_certificates(ports: Ports) -> None:
    (result,) = scan(f"mobile.example.test:{ports.sni}").targets
    assert result.certificates[0].certificate.display_name == "mobile.example.test"
    sni = [f for f in result.findings if f.rule_id == "tls.sni-differs"]
    assert len(sni) == 1 and "default.example.test" in sni[0].message
    assert sni[0].severity.label == "info"
    # negative controls: a server with one certificate, and the check switched off
    (single,) = scan(f"app.example.test:{ports.complete}").targets
    assert "tls.sni-differs" not in rule_ids(single)
    (off,) = scan(f"mobile.example.test:{ports.sni}", compare_without_sni=False).targets
    assert "tls.sni-differs" not in rule_ids(off)


def test_server_requiring_sni(ports: Ports) -> None:
    (result,) = scan(f"app.example.test:{ports.require_sni}").targets
    assert result.status is TargetStatus.OK
    sni = [f for f in result.findings if f.rule_id == "tls.sni-differs"]
    assert len(sni) == 1 and "without SNI it fails" in sni[0].message
    # an IP target sends no SNI at all: the server refuses it, and that is the verdict
    (by_ip,) = scan(f"127.0.0.1:{ports.require_sni}").targets
    assert by_ip.status is TargetStatus.UNREACHABLE
    assert "unrecognized name" in (by_ip.reason or "")


def test_expected_leaf_and_issuer(ports: Ports, ca: TestCA, other_ca: TestCA) -> None:
    (first,) = scan(f"app.example.test:{ports.complete}").targets
    fp = first.certificates[0].certificate.fingerprint_sha256
    (same,) = scan(f"app.example.test:{ports.complete}", expect_sha256=fp.lower()).targets
    assert "tls.unexpected-leaf" not in rule_ids(same)
    (differs,) = scan(f"app.example.test:{ports.complete}", expect_sha256="AB" * 32).targets
    assert "tls.unexpected-leaf" in rule_ids(differs)
    ours = (ca.intermediate.cert.subject.rfc4514_string(),)
    (ok,) = scan(f"app.example.test:{ports.complete}", expect_issuers=ours).targets
    assert "tls.unexpected-issuer" not in rule_ids(ok)
    theirs = (other_ca.intermediate.cert.subject.rfc4514_string(),)
    (proxy,) = scan(f"app.example.test:{ports.complete}", expect_issuers=theirs).targets
    assert "tls.unexpected-issuer" in rule_ids(proxy)


def test_obsolete_protocol(ports: Ports) -> None:
    (result,) = scan(f"app.example.test:{ports.tls11}").targets
    assert result.tls is not None and result.tls.protocol == "TLSv1.1"
    assert "tls.protocol-obsolete" in rule_ids(result)
    (control,) = scan(f"app.example.test:{ports.complete}").targets
    assert "tls.protocol-obsolete" not in rule_ids(control)


def test_results_keep_the_order_given_and_progress_sees_each(ports: Ports) -> None:
    seen: list[str] = []
    targets = [f"app.example.test:{p}" for p in (ports.leaf_only, ports.complete, ports.expired)]
    report = scan_endpoints(
        targets, options(concurrency=2), progress=lambda r: seen.append(r.target)
    )
    assert [t.target for t in report.targets] == targets
    assert sorted(seen) == sorted(targets)


def test_scan_is_fast_for_many_targets(ports: Ports) -> None:
    targets = [f"127.0.0.1:{ports.complete}"] * 40
    started = time.monotonic()
    report = scan_endpoints(targets, options(concurrency=20))
    assert all(t.status is TargetStatus.OK for t in report.targets)
    assert time.monotonic() - started < 5


def test_chain_analysis_runs_and_says_each_defect_once(ports: Ports, ca: TestCA) -> None:
    from certready.adapters.trust.model import TrustStore
    from certready.services.chain import ChainOptions

    store = TrustStore(TrustLocation(TrustKind.FILE, "root.pem"), (ca.root.cert,))
    chain = ChainOptions(trust=(store,), public=store)
    (complete,) = scan(f"app.example.test:{ports.complete}", chain=chain).targets
    assert [str(e.origin) for e in complete.path][-1] == "trust:file:root.pem"
    assert not {i for i in rule_ids(complete) if i.startswith(("chain.", "tls."))} - {
        "chain.validation-type"
    }
    (leaf_only,) = scan(f"app.example.test:{ports.leaf_only}", chain=chain).targets
    assert "tls.intermediate-not-sent" in rule_ids(leaf_only)
    assert "chain.missing-intermediate" not in rule_ids(leaf_only)
    (disorder,) = scan(f"app.example.test:{ports.wrong_order}", chain=chain).targets
    assert "tls.wrong-order" in rule_ids(disorder)
    assert "chain.wrong-order" not in rule_ids(disorder)
    # without chain analysis the chain rules are silent (negative control of the wiring)
    (plain,) = scan(f"app.example.test:{ports.leaf_only}").targets
    assert not {i for i in rule_ids(plain) if i.startswith("chain.")}


def test_a_crashing_tls_check_is_rule_failed_and_every_target_still_reported(
    ports: Ports, monkeypatch: pytest.MonkeyPatch
) -> None:
    from certready.core.rules.meta import rule_failed
    from certready.core.rules.tls import protocol_obsolete
    from tests.crash import INJECTED, crash_check_of

    targets = (f"app.example.test:{ports.complete}", f"app.example.test:{ports.leaf_only}")
    # control: without the crash, no rule-failed finding
    report = scan(*targets)
    assert all(rule_failed.id not in rule_ids(t) for t in report.targets)
    crash_check_of(monkeypatch, protocol_obsolete)
    report = scan(*targets, policy=load_policy("homecare"))
    assert [t.status for t in report.targets] == [TargetStatus.OK, TargetStatus.OK]
    for target in report.targets:
        (failed,) = [f for f in target.findings if f.rule_id == rule_failed.id]
        assert f"rule {protocol_obsolete.id} failed: RuntimeError: {INJECTED}" == failed.message
        assert failed.location == target.certificates[0].origin
    complete, leaf_only = report.targets
    assert "tls.intermediate-not-sent" in rule_ids(leaf_only)  # the other tls rules still ran
    assert "tls.intermediate-not-sent" not in rule_ids(complete)
