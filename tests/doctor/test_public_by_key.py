"""doctor decides "public" as the rest of certready does: a public root program's store holds
the path's root (by fingerprint), or one of its roots issued the top of the path (found by name,
proven by its key), never by a name alone. A private CA named exactly like a public one is
private: its root must be installed by hand, and doctor says so.

Mozilla's real roots have no keys we hold, so the test CA's root plays a public program's root
(the store ``load_mozilla`` returns), and a second CA of the same names plays the impostor.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from certready.adapters.trust import TrustStore
from certready.core.client import StoreHolds
from certready.core.deployment import Platform
from certready.core.location import MOZILLA
from certready.core.model import Report
from certready.interfaces.demo.servers import Endpoint, LoopbackServers
from certready.services.doctor import DoctorOptions, doctor
from tests.doctor.support import APP, FakeEnvironment, store, write_manifest
from tests.pki import TestCA

WINDOWS_CLIENTS = "  - {name: office PCs, platform: windows, connects_to: [%(fqdn)s]}\n"


@pytest.fixture
def public_ca(monkeypatch: pytest.MonkeyPatch) -> TestCA:
    """A CA whose root is in the public program's store."""
    ca = TestCA()
    mozilla = TrustStore(MOZILLA, (ca.root.cert,))
    for module in ("certready.services.chain_options", "certready.services.doctor"):
        monkeypatch.setattr(f"{module}.load_mozilla", lambda: mozilla, raising=False)
    return ca


@pytest.fixture
def impostor() -> TestCA:
    """A private CA with the same root and intermediate names, its own keys."""
    return TestCA()


def _serve(tmp: Path, ca: TestCA) -> Iterator[Endpoint]:
    leaf = ca.issue(APP)
    chain, key = tmp / "served.pem", tmp / "served.key"
    chain.write_bytes(ca.chain_pem(leaf))
    key.write_bytes(leaf.key_pem())
    with LoopbackServers() as servers:
        yield servers.start("app", chain, key)


def _doctor(tmp: Path, ca: TestCA, public: TestCA, *, listed_root: bool) -> Report:
    """doctor of a Windows PC whose stores hold the public roots (as Windows' do), none by hand."""
    directory = tmp / ("listed" if listed_root else "unlisted")
    directory.mkdir()
    environment = FakeEnvironment(
        stores=(
            store("Trusted Root", public.root.cert),
            store("Intermediate", holds=StoreHolds.INTERMEDIATES),
        ),
        platform=Platform.WINDOWS,
    )
    for endpoint in _serve(tmp, ca):
        manifest = write_manifest(
            directory,
            endpoint=endpoint.target,
            clients=WINDOWS_CLIENTS,
            root=ca.root.cert_pem() if listed_root else None,
        )
        return doctor(manifest, DoctorOptions(environment=environment, timeout=5))[0]
    raise AssertionError("unreachable")


@pytest.mark.parametrize("listed_root", [False, True])
def test_a_private_ca_named_like_a_public_one_is_private(
    tmp_path: Path, public_ca: TestCA, impostor: TestCA, listed_root: bool
) -> None:
    assert impostor.root.cert.subject == public_ca.root.cert.subject  # the same names
    assert impostor.intermediate.cert.subject == public_ca.intermediate.cert.subject
    report = _doctor(tmp_path, impostor, public_ca, listed_root=listed_root)
    ids = sorted(f.rule_id for f in report.all_findings())
    # its intermediate is not public: it belongs in the Intermediate store (the server sends it)
    assert ids == ["client.intermediate-missing", "client.root-missing"]
    [root_missing] = [f for f in report.all_findings() if f.rule_id == "client.root-missing"]
    assert "certready test Root CA" in root_missing.message


@pytest.mark.parametrize("listed_root", [False, True])
def test_control_the_public_ca_needs_nothing_installed(
    tmp_path: Path, public_ca: TestCA, listed_root: bool
) -> None:
    report = _doctor(tmp_path, public_ca, public_ca, listed_root=listed_root)
    assert list(report.all_findings()) == []  # a public root: nothing to install by hand
    [target] = report.targets
    assert target.status.value == "ok" and len(target.certificates) == 2
