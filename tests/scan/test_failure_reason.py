"""Why a live target failed travels to the JSON report as a stable value (``targets[].failure``),
beside the sentence in ``reason``: a refused and a timed-out server on 127.0.0.1, and a good one as
the control (no failure)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import jsonschema
import pytest

from certready.adapters.reporting.json_report import FailureOut, shipped_schema
from certready.core.failure import FailureReason, FetchStep
from tests.cli import run
from tests.pki import TestCA
from tests.scan.servers import Servers, free_port, silent


@pytest.fixture(scope="module")
def ports(ca: TestCA) -> Iterator[dict[str, int]]:
    with Servers() as s:
        yield {
            "good": s.tls([ca.issue("127.0.0.1"), ca.intermediate]),
            "silent": s.start(silent),
            "refused": free_port(),
        }


def _scan(ports: dict[str, int]) -> dict[str, dict[str, object]]:
    order = ["good", "refused", "silent"]
    _, out, _ = run(
        "scan", *(f"127.0.0.1:{ports[n]}" for n in order), "--timeout", "0.5", "--format", "json"
    )
    data = json.loads(out)
    jsonschema.validate(data, shipped_schema())
    return dict(zip(order, data["targets"], strict=True))


def test_refused_and_timed_out_targets_carry_a_stable_reason(ports: dict[str, int]) -> None:
    targets = _scan(ports)
    refused, silent_ = targets["refused"], targets["silent"]
    assert refused["status"] == silent_["status"] == "unreachable"
    assert refused["failure"] == {"reason": "refused", "step": "connect"}
    assert "refused" in str(refused["reason"])  # the sentence is still there
    assert silent_["failure"] == {"reason": "timeout", "step": "handshake"}
    assert "timed out during the TLS handshake" in str(silent_["reason"])


def test_control_a_reachable_target_has_no_failure(ports: dict[str, int]) -> None:
    good = _scan(ports)["good"]
    assert good["status"] == "ok" and good["failure"] is None and good["reason"] is None


def test_every_reason_and_step_is_in_the_json_contract() -> None:
    """The JSON literals list every enum value: a new reason cannot reach a report unannounced."""
    fields = FailureOut.model_fields
    assert set(fields["reason"].annotation.__args__) == {r.value for r in FailureReason}  # type: ignore[union-attr]
    assert set(fields["step"].annotation.__args__) == {s.value for s in FetchStep}  # type: ignore[union-attr]
    assert FailureReason.TIMEOUT.value == "timeout" and FailureReason.REFUSED.value == "refused"
