"""Recording and the questions, the same tests on SQLite and PostgreSQL (``db_url``)."""

from __future__ import annotations

import datetime as dt
import json
import ssl
import threading
from pathlib import Path

import pytest

from certready.adapters.inventory import Store
from certready.adapters.inventory.rows import (
    CertificateRecord,
    EndpointKey,
    ObservationRecord,
    RunStart,
)
from certready.services.history import calendar, inventory
from tests.audit.lab import make_lab
from tests.cli import run
from tests.inventory.helpers import (
    INVENTORY_COLUMNS,
    open_store,
    recorded_run,
    sha256,
)
from tests.pki import TestCA
from tests.scan.servers import Servers, server_context, tls_handler


def test_lint_records_the_run_its_certificate_and_findings(
    db_url: str, tmp_path: Path, ca: TestCA
) -> None:
    leaf = ca.issue("app.example.test")
    cert, _ = leaf.write(tmp_path, "app")
    status, out, err = run("lint", str(cert), "--format", "json", "--db", db_url)
    report = json.loads(out)  # the report is printed as without --db
    run_id = recorded_run(err)
    with open_store(db_url) as store:
        (recorded,) = store.runs()
        assert (recorded.id, recorded.command, recorded.complete) == (run_id, "lint", True)
        assert recorded.exit_status == status and recorded.profile == "homecare"
        (observation,) = store.observations(run_id=run_id)
        assert observation.leaf_sha256 == sha256(leaf.cert)
        assert observation.target == str(cert)
        stored = sorted(f.rule_id for f in store.findings(run_id))
    assert stored == sorted(f["rule_id"] for t in report["targets"] for f in t["findings"])


def test_inventory_lists_certificates_and_expiring_narrows_them(
    db_url: str, tmp_path: Path, ca: TestCA
) -> None:
    soon = ca.issue("soon.example.test", days=10)
    later = ca.issue("later.example.test", days=200)
    soon_pem, _ = soon.write(tmp_path, "soon")
    later_pem, _ = later.write(tmp_path, "later")
    status, _, err = run("lint", str(soon_pem), str(later_pem), "--db", db_url)
    assert status in (0, 1), err
    status, out, err = run("inventory", "--expiring", "30d", "--db", db_url, "--format", "json")
    assert status == 0, err
    (row,) = json.loads(out)["certificates"]
    assert list(row) == INVENTORY_COLUMNS
    assert row["fingerprint_sha256"] == sha256(soon.cert)
    left = (soon.cert.not_valid_after_utc - dt.datetime.now(dt.UTC)) // dt.timedelta(days=1)
    assert row["days_left"] in (left, left - 1) and row["where"] == f"file:{soon_pem}#0"
    # control: without --expiring both are listed, soonest first; CSV has the same columns
    status, out, _ = run("inventory", "--db", db_url, "--format", "csv")
    lines = out.splitlines()
    assert lines[0] == ",".join(INVENTORY_COLUMNS)
    assert [line.split(",")[0] for line in lines[1:]] == [sha256(soon.cert), sha256(later.cert)]
    status, out, _ = run("inventory", "--db", db_url, "--issuer", "no such issuer")
    assert status == 0 and "sha256" not in out


class Swappable:
    """A loopback TLS server whose certificate the test replaces between scans."""

    def __init__(self, context: ssl.SSLContext) -> None:
        self.context = context
        self.lock = threading.Lock()

    def __call__(self, conn: object, stop: threading.Event) -> None:
        with self.lock:
            context = self.context
        tls_handler(context)(conn, stop)  # type: ignore[arg-type]


def test_history_of_an_endpoint_shows_the_replaced_certificate(
    db_url: str, ca: TestCA, other_ca: TestCA
) -> None:
    first = ca.issue("app.example.test")
    second = other_ca.issue("app.example.test", key_kind="p256")
    server = Swappable(server_context([first, ca.intermediate]))
    with Servers() as servers:
        port = servers.start(server)
        target = f"127.0.0.1:{port}"
        scan = ("scan", target, "--sni", "app.example.test", "--no-sni-check", "--db", db_url)
        for _ in range(2):
            status, _, err = run(*scan)
            assert status in (0, 1), err
        with server.lock:
            server.context = server_context([second, other_ca.intermediate])
        status, _, err = run(*scan)
        assert status in (0, 1), err
        # the same host:port scanned with another SNI: a series of its own
        run("scan", target, "--sni", "other.example.test", "--no-sni-check", "--db", db_url)
    status, out, err = run("history", target, "--db", db_url, "--format", "json")
    assert status == 0, err
    data = json.loads(out)
    assert data["target"] == target
    series = {s["target"]: s["periods"] for s in data["series"]}
    assert set(series) == {f"{target} (SNI app.example.test)", f"{target} (SNI other.example.test)"}
    old, new = series[f"{target} (SNI app.example.test)"]
    assert (old["observations"], old["fingerprint_sha256"]) == (2, sha256(first.cert))
    assert old["changes"] == ["first seen"]
    assert new["fingerprint_sha256"] == sha256(second.cert) and new["observations"] == 1
    assert set(new["changes"]) >= {"new thumbprint", "new issuer", "key size changed"}
    assert new["since"] > old["last_seen"]
    status, out, _ = run("history", target, "--db", db_url)
    assert "new thumbprint" in out and sha256(second.cert) in out
    status, _, err = run("history", "127.0.0.1:1", "--db", db_url)
    assert status == 2 and "no recorded endpoint 127.0.0.1:1" in err


def test_history_of_a_manifest_server_and_an_ambiguous_name(
    db_url: str, tmp_path: Path, ca: TestCA
) -> None:
    lab = make_lab(tmp_path / "sunrise", ca)
    status, _, err = run("audit", str(lab.manifest), "--db", db_url)
    assert status in (0, 1), err
    replaced = ca.issue("hcappserver.sunrise.example")
    app_pem = lab.root / "certs" / "app.pem"
    app_pem.write_bytes(ca.chain_pem(replaced) + replaced.key_pem())
    status, _, err = run("audit", str(lab.manifest), "--db", db_url)
    assert status in (0, 1), err
    status, out, err = run("history", "production/app", "--db", db_url, "--format", "json")
    assert status == 0, err
    data = json.loads(out)
    assert data["target"] == "Sunrise Home Health:production/app"
    series = {s["target"]: s for s in data["series"]}
    assert set(series) == {"production/app", "production/app (sts)"}
    periods = series["production/app"]["periods"]
    assert [p["fingerprint_sha256"] for p in periods][-1] == sha256(replaced.cert)
    assert len(periods) == 2 and "new thumbprint" in periods[1]["changes"]
    assert len(series["production/app (sts)"]["periods"]) == 1  # control: STS unchanged
    # a second deployment with the same environment/server: ambiguous unless named
    other = make_lab(tmp_path / "dawn", ca)
    other.manifest.write_text(
        other.manifest.read_text().replace("Sunrise Home Health", "Dawn Care")
    )
    run("audit", str(other.manifest), "--db", db_url)
    status, _, err = run("history", "production/app", "--db", db_url)
    assert status == 2
    assert "Dawn Care:production/app" in err and "Sunrise Home Health:production/app" in err
    status, out, err = run("history", "Dawn Care:production/app", "--db", db_url)
    assert status == 0 and "first seen" in out, err
    status, _, err = run("history", "nowhere/app", "--db", db_url)
    assert status == 2 and "no recorded manifest server" in err


def test_diff_shows_a_fixed_and_a_new_finding_then_a_replaced_certificate(
    db_url: str, tmp_path: Path, ca: TestCA
) -> None:
    cert, key = ca.issue("app.example.test").write(tmp_path, "app")
    run("lint", str(cert), "--host", "app.example.test", "--db", db_url)
    # the key now comes with it (key.private-key-missing fixed), a name it lacks is asked (new)
    run("lint", str(cert), str(key), "--host", "other.example.test", "--db", db_url)
    status, out, err = run("diff", "--db", db_url, "--format", "json")
    assert status == 0, err
    data = json.loads(out)
    new = {f["rule_id"] for f in data["findings"]["new"]}
    fixed = {f["rule_id"] for f in data["findings"]["fixed"]}
    assert new == {"names.host-not-covered"} and fixed == {"key.private-key-missing"}
    assert data["findings"]["unchanged"]  # control: what did not change is not new
    assert data["certificates"] == {"added": [], "replaced": [], "removed": []}
    assert (data["run_a"]["id"], data["run_b"]["id"]) == (1, 2) or data["run_a"]["id"] < data[
        "run_b"
    ]["id"]
    replacement = ca.issue("app.example.test")
    cert.write_bytes(replacement.cert_pem())
    run("lint", str(cert), str(key), "--host", "other.example.test", "--db", db_url)
    status, out, err = run("diff", "--db", db_url, "--format", "json")
    (replaced,) = json.loads(out)["certificates"]["replaced"]
    assert replaced["after"] == sha256(replacement.cert)
    status, out, _ = run("diff", "--db", db_url)
    assert "1 replaced" in out


def _public_cert(fp: str, not_after: dt.datetime, public: bool | None) -> CertificateRecord:
    return CertificateRecord(
        fingerprint_sha256=fp * 64,
        thumbprint_sha1=fp * 40,
        subject=f"CN={fp}.example.test",
        issuer="CN=Public CA",
        serial_number="01",
        not_before=not_after - dt.timedelta(days=90),
        not_after=not_after,
        key_type="ec",
        key_bits=256,
        curve="secp256r1",
        signature_hash="sha256",
        dns_names=(f"{fp}.example.test",),
        is_ca=False,
        self_signed=False,
        public=public,
    )


def _record_leaves(store: Store, leaves: list[tuple[CertificateRecord, dt.datetime]]) -> None:
    """One scan run observing each certificate on its own endpoint at the time given."""
    first = min(when for _, when in leaves)
    run_id = store.begin_run(RunStart("scan", "webpki", None, None, "me", "here", "0", first))
    for i, (cert, when) in enumerate(leaves):
        store.add_observation(
            run_id,
            ObservationRecord(
                observed_at=when,
                target=f"h{i}:443",
                location=f"tls://h{i}:443",
                kind="endpoint",
                role="ssl",
                status="ok",
                reason=None,
                endpoint=EndpointKey(f"h{i}", 443, f"h{i}"),
                server=None,
                leaf=cert,
                others=(),
                private_key="absent",
                findings=(),
            ),
        )


def test_expiring_lists_soon_and_still_served_not_long_replaced(db_url: str) -> None:
    utc = dt.UTC
    now = dt.datetime(2027, 1, 1, tzinfo=utc)
    day = dt.timedelta(days=1)
    with open_store(db_url) as store:
        _record_leaves(
            store,
            [
                (_public_cert("S", now + 10 * day, None), now - 5 * day),  # expires soon
                (_public_cert("L", now + 90 * day, None), now - 5 * day),  # control: later
                (_public_cert("R", now - 40 * day, None), now - 60 * day),  # replaced in time
                (_public_cert("X", now - 3 * day, None), now - 1 * day),  # expired, still served
            ],
        )
        items = inventory(store, now=now, expiring=30 * day)
        assert [i.subject[3] for i in items] == ["X", "S"]
        assert [i.days_left for i in items] == [-3, 10]
        everything = inventory(store, now=now)
        assert {i.subject[3] for i in everything} == {"S", "L", "R", "X"}


def test_calendar_across_the_2027_03_15_boundary(db_url: str) -> None:
    utc = dt.UTC
    now = dt.datetime(2027, 1, 1, tzinfo=utc)
    certs = [
        _public_cert("A", dt.datetime(2027, 3, 20, tzinfo=utc), True),
        _public_cert("B", dt.datetime(2027, 5, 1, tzinfo=utc), True),
        _public_cert("C", dt.datetime(2027, 5, 1, tzinfo=utc), False),
        _public_cert("D", dt.datetime(2026, 11, 1, tzinfo=utc), True),  # expired, not served since
    ]
    with open_store(db_url) as store:
        _record_leaves(store, [(cert, now - dt.timedelta(days=70)) for cert in certs])
        entries = calendar(store, now=now, lead=dt.timedelta(days=30))
        by = {e.subject[3]: e for e in entries}
        assert set(by) == {"A", "B", "C"}  # D expired before anyone saw it again
        assert by["A"].renew_by == dt.datetime(2027, 2, 18, tzinfo=utc)
        assert by["A"].replacement_max_days == 200  # renewed before 2027-03-15
        assert by["B"].renew_by == dt.datetime(2027, 4, 1, tzinfo=utc)
        assert by["B"].replacement_max_days == 100  # renewed after it
        assert by["C"].replacement_max_days is None  # private: the CA/B schedule does not apply
        assert [e.subject[3] for e in entries] == ["A", "B", "C"] or entries[0].subject[3] == "A"
        # control: a 60-day lead brings B's renewal back before the boundary
        early = {e.subject[3]: e for e in calendar(store, now=now, lead=dt.timedelta(days=60))}
        assert early["B"].renew_by == dt.datetime(2027, 3, 2, tzinfo=utc)
        assert early["B"].replacement_max_days == 200


def test_calendar_lead_time_comes_from_the_profile(db_url: str, tmp_path: Path, ca: TestCA) -> None:
    cert, _ = ca.issue("app.example.test", days=100).write(tmp_path, "app")
    run("lint", str(cert), "--db", db_url)
    status, out, err = run("calendar", "--db", db_url, "--format", "json")
    assert status == 0, err
    data = json.loads(out)
    (entry,) = data["certificates"]
    assert data["renewal_lead"] == "30d"
    not_after = dt.datetime.fromisoformat(entry["not_after"])
    assert dt.datetime.fromisoformat(entry["renew_by"]) == not_after - dt.timedelta(days=30)
    profile = tmp_path / "site.toml"
    profile.write_text('[profile]\nextends = "homecare"\n\n[validity]\nrenewal-lead = "6w"\n')
    status, out, err = run(
        "calendar", "--db", db_url, "--profile", str(profile), "--format", "json"
    )
    assert status == 0, err
    (entry,) = json.loads(out)["certificates"]
    assert dt.datetime.fromisoformat(entry["renew_by"]) == not_after - dt.timedelta(weeks=6)


def test_prune_keeps_certificates_in_use_and_each_endpoints_last_observation(
    db_url: str,
) -> None:
    utc = dt.UTC
    now = dt.datetime.now(utc)
    old, older = now - dt.timedelta(days=500), now - dt.timedelta(days=600)
    a = _public_cert("A", now + dt.timedelta(days=10), None)
    b = _public_cert("B", now + dt.timedelta(days=20), None)
    c = _public_cert("C", now + dt.timedelta(days=30), None)

    def observe(store: object, run_id: int, when: dt.datetime, host: str, leaf: object) -> None:
        store.add_observation(  # type: ignore[attr-defined]
            run_id,
            ObservationRecord(
                when,
                f"{host}:443",
                f"tls://{host}:443",
                "endpoint",
                "ssl",
                "ok",
                None,
                EndpointKey(host, 443, host),
                None,
                leaf,
                (),
                "absent",
                (),  # type: ignore[arg-type]
            ),
        )

    with open_store(db_url) as store:
        first = store.begin_run(RunStart("scan", "p", None, None, "u", "h", "0", older))
        observe(store, first, older, "e", a)
        second = store.begin_run(RunStart("scan", "p", None, None, "u", "h", "0", old))
        observe(store, second, old, "e", b)  # e's last observation: kept although old
        third = store.begin_run(RunStart("scan", "p", None, None, "u", "h", "0", now))
        observe(store, third, now, "f", c)
    status, out, err = run("inventory", "prune", "--older-than", "400d", "--db", db_url)
    assert status == 0, err
    assert "pruned 1 observations, 1 runs and 1 certificates" in out
    with open_store(db_url) as store:
        left = {r.fingerprint_sha256[0] for r in store.certificates()}
        assert left == {"B", "C"}
        assert {r.id for r in store.runs()} == {second, third}
    status, _, err = run("inventory", "prune", "--older-than", "400", "--db", db_url)
    assert status == 2 and "not a duration" in err and len(err.splitlines()) == 1


@pytest.mark.parametrize("bad", ["30", "30 days", "-3d", "3y", "d"])
def test_expiring_takes_the_one_duration_grammar(db_url: str, bad: str) -> None:
    status, _, err = run("inventory", "--expiring", bad, "--db", db_url)
    assert status == 2 and "not a duration" in err and len(err.splitlines()) == 1


def test_history_of_an_ipv6_endpoint(db_url: str) -> None:
    now = dt.datetime.now(dt.UTC)
    cert = _public_cert("E", now + dt.timedelta(days=50), None)
    with open_store(db_url) as store:
        run_id = store.begin_run(RunStart("scan", "p", None, None, "u", "h", "0", now))
        store.add_observation(
            run_id,
            ObservationRecord(
                now, "[2001:db8::5]:8443", "tls://[2001:db8::5]:8443", "endpoint", "ssl", "ok",
                None, EndpointKey("2001:db8::5", 8443, ""), None, cert, (), "absent", (),
            ),
        )  # fmt: skip
    status, out, err = run("history", "[2001:db8::5]:8443", "--db", db_url, "--format", "json")
    assert status == 0, err
    data = json.loads(out)
    assert data["target"] == "[2001:db8::5]:8443"
    (series,) = data["series"]
    assert series["periods"][0]["fingerprint_sha256"] == "E" * 64
    status, _, err = run("history", "[2001:db8::6]:8443", "--db", db_url)
    assert status == 2 and "no recorded endpoint [2001:db8::6]:8443" in err  # control
