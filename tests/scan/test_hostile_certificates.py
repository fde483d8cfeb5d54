"""A server presenting a certificate certready cannot judge (an empty RDN, a 2,000-byte serial)
is that target's one-line error; the healthy server scanned with it still gets its verdict."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests import hostile_certs
from tests.cli import run
from tests.pki import TestCA
from tests.scan.servers import Servers


@pytest.fixture(scope="module")
def ports(ca: TestCA) -> Iterator[dict[str, int]]:
    with Servers() as s:
        yield {
            "healthy": s.tls([ca.issue("127.0.0.1"), ca.intermediate]),
            "empty-rdn": s.tls([hostile_certs.empty_rdn("127.0.0.1")]),
            "long-serial": s.tls([hostile_certs.long_serial("127.0.0.1")]),
        }


@pytest.mark.parametrize("hostile", ["empty-rdn", "long-serial"])
def test_the_healthy_server_still_gets_its_verdict(ports: dict[str, int], hostile: str) -> None:
    healthy, bad = f"127.0.0.1:{ports['healthy']}", f"127.0.0.1:{ports[hostile]}"
    code, out, err = run("scan", healthy, bad, "--timeout", "5", "--format", "json")
    assert "Traceback" not in err and "certready: error: unexpected" not in err
    assert code in (1, 2)
    targets = {t["target"]: t for t in json.loads(out)["targets"]}
    assert targets[healthy]["status"] == "ok"  # the healthy server was judged
    assert bad in targets  # and the hostile one has its own result (a verdict, or why not)
    if hostile == "empty-rdn":
        assert targets[bad]["status"] == "input-error"


def test_the_empty_rdn_is_named(ports: dict[str, int]) -> None:
    _, out, err = run("scan", f"127.0.0.1:{ports['empty-rdn']}", "--timeout", "5")
    assert "the server sent a certificate that cannot be parsed" in out + err
    assert "a relative distinguished name cannot be empty" in out + err
    # negative control: the healthy server alone is judged, no input error
    _, out, err = run("scan", f"127.0.0.1:{ports['healthy']}", "--timeout", "5")
    assert "input-error" not in out and "cannot be parsed" not in out + err


def test_a_crash_while_judging_one_server_is_its_own_error(
    ports: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    from certready.services import scan as scan_service

    original = scan_service.analyse_presented
    crashing = f"127.0.0.1:{ports['long-serial']}"

    def analyse_presented(target: Any, *args: Any, **kwargs: Any) -> Any:
        if target.text == crashing:
            raise ValueError("a bug in a check")
        return original(target, *args, **kwargs)

    monkeypatch.setattr(scan_service, "analyse_presented", analyse_presented)
    healthy = f"127.0.0.1:{ports['healthy']}"
    code, out, err = run("scan", healthy, crashing, "--timeout", "5", "--format", "json")
    assert code == 2
    assert "Traceback" not in err
    targets = {t["target"]: t for t in json.loads(out)["targets"]}
    assert targets[healthy]["status"] == "ok"
    assert targets[crashing]["status"] == "input-error"
    assert targets[crashing]["reason"] == (
        "could not be judged: certready failed on it (unexpected ValueError: a bug in a check)"
    )
