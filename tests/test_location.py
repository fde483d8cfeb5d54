"""Locations are typed values whose text is exactly the form reports have always shown.

Each value made by the code that makes it (input loader, manifest reader, scan target, trust
stores) prints its historical text; values that differ print differently and compare unequal.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from certready.adapters.inputs import key_location, location
from certready.adapters.manifest import load_manifest
from certready.adapters.trust import load_mozilla, parse_trust
from certready.core.location import (
    MOZILLA,
    SYSTEM,
    EndpointLocation,
    FileLocation,
    InputLocation,
    Location,
    ManifestLocation,
    StoreLocation,
    TrustKind,
    TrustLocation,
    UnknownLocation,
)
from certready.core.targets import parse_target
from tests.audit.lab import make_lab
from tests.cli import run
from tests.pki import TestCA

TEXT_FORMS: list[tuple[Location, str]] = [
    (FileLocation("certs/app.pem", 0), "file:certs/app.pem#0"),
    (FileLocation("certs/app.pfx", 1), "file:certs/app.pfx#1"),
    (FileLocation("certs/app.pem", key=0), "file:certs/app.pem#key0"),
    (FileLocation("certs/app.pem"), "file:certs/app.pem"),
    (FileLocation("C:\\certs\\app.pfx", 2), "file:C:\\certs\\app.pfx#2"),
    (FileLocation("-", 0), "stdin:#0"),
    (FileLocation("-", key=1), "stdin:#key1"),
    (FileLocation("-"), "file:-"),
    (EndpointLocation("app", 443), "tls://app:443"),
    (EndpointLocation("app", 443, 0), "tls://app:443#leaf"),
    (EndpointLocation("app", 443, 2), "tls://app:443#2"),
    (EndpointLocation("::1", 8443, 0), "tls://[::1]:8443#leaf"),
    (ManifestLocation("deploy.yaml", 12, "servers[2].fqdn"), "manifest:deploy.yaml:12"),
    (ManifestLocation("deploy.yaml"), "manifest:deploy.yaml"),
    (MOZILLA, "trust:mozilla"),
    (SYSTEM, "trust:system"),
    (TrustLocation(TrustKind.FILE, "roots.pem"), "trust:file:roots.pem"),
    (TrustLocation(TrustKind.DIRECTORY, "roots"), "trust:dir:roots"),
    (TrustLocation(TrustKind.MANIFEST, "deploy.yaml"), "trust:manifest:deploy.yaml"),
    (EndpointLocation("app", 443, via="proxy:3128"), "tls://proxy:3128->app:443"),
    (InputLocation("targets.txt:3"), "input:targets.txt:3"),
    (StoreLocation("windows", "Root"), "store:windows:Root"),
    (StoreLocation("bundle"), "store:bundle"),
    (UnknownLocation(), "unknown"),
]


@pytest.mark.parametrize(("value", "text"), TEXT_FORMS, ids=[t for _, t in TEXT_FORMS])
def test_text_form_is_todays(value: Location, text: str) -> None:
    assert str(value) == text
    assert f"at {value}" == f"at {text}"  # messages format them the same way


def test_control_different_places_print_and_compare_differently() -> None:
    texts = [t for _, t in TEXT_FORMS]
    assert len(set(texts)) == len(texts)
    values = [v for v, _ in TEXT_FORMS]
    assert len(set(values)) == len(values)  # hashable, and no two are equal
    assert FileLocation("app.pem", 0) != FileLocation("app.pem", 1)
    assert FileLocation("app.pem", 0) != FileLocation("app.pem", key=0)
    assert EndpointLocation("app", 443, 0) != EndpointLocation("app", 443)
    assert TrustLocation(TrustKind.FILE, "x") != TrustLocation(TrustKind.DIRECTORY, "x")


def test_the_key_path_is_kept_but_not_printed_nor_compared() -> None:
    a = ManifestLocation("deploy.yaml", 12, "servers[2].fqdn")
    b = ManifestLocation("deploy.yaml", 12, "servers[2]")
    assert a == b and str(a) == str(b) and a.key != b.key
    assert a != ManifestLocation("deploy.yaml", 13, "servers[2].fqdn")  # control: another line


def test_only_a_public_program_is_public() -> None:
    assert MOZILLA.is_public and load_mozilla().kind is TrustKind.PUBLIC_PROGRAM
    for kind in TrustKind:
        assert TrustLocation(kind, "x").is_public is (kind is TrustKind.PUBLIC_PROGRAM)


def test_the_code_that_makes_locations_makes_these(tmp_path: Path, ca: TestCA) -> None:
    assert str(location("certs/app.pfx", 1)) == "file:certs/app.pfx#1"
    assert str(key_location("app.pem", 0)) == "file:app.pem#key0"
    target = parse_target("https://App.Example.test:8443/login")
    assert str(target.location) == "tls://app.example.test:8443"
    assert str(target.location.presented(0)) == "tls://app.example.test:8443#leaf"
    assert str(target.location.presented(1)) == "tls://app.example.test:8443#1"
    roots = tmp_path / "roots.pem"
    roots.write_bytes(ca.root.cert_pem())
    assert [str(s.origin) for s in parse_trust([f"mozilla,{roots}"])] == [
        "trust:mozilla",
        f"trust:file:{roots}",
    ]
    lab = make_lab(tmp_path / "lab", ca)
    deployment = load_manifest(lab.manifest)
    app = deployment.servers[0]
    assert str(app.location) == f"manifest:{lab.manifest}:6"
    assert app.location.key == "environments.production.servers[0]"
    assert app.certificate is not None
    assert str(app.certificate.location) == f"manifest:{lab.manifest}:9"


def test_json_report_carries_the_text_form(tmp_path: Path, ca: TestCA) -> None:
    cert = tmp_path / "app.pem"
    cert.write_bytes(ca.chain_pem(ca.issue("app.example.test")))
    _, out, _ = run("lint", str(cert), "--format", "json")
    target = json.loads(out)["targets"][0]
    assert target["location"] == f"file:{cert}#0"
    assert [c["origin"] for c in target["certificates"]] == [f"file:{cert}#0", f"file:{cert}#1"]
