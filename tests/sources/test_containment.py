"""Containment (issue 14): whatever one input or certificate makes certready raise is that
target's one-line error, never the batch's: ``lint good.pem bad.p7b`` still reports good.pem."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding, pkcs7

from certready.adapters.inputs import load as load_module
from certready.adapters.inputs import load_bytes
from certready.core.errors import InputError
from certready.services import lint as lint_service
from tests import hostile_certs
from tests.cli import run
from tests.pki import TestCA


def _p7b(path: Path, cert: hostile_certs.Issued) -> Path:
    path.write_bytes(pkcs7.serialize_certificates([cert.cert], Encoding.DER))
    return path


@pytest.fixture
def good(tmp_path: Path, ca: TestCA) -> Path:
    cert, _ = ca.issue("app.example.test").write(tmp_path, "good")
    return cert


def test_a_pkcs7_with_an_empty_rdn_is_its_own_error(tmp_path: Path, good: Path) -> None:
    bad = _p7b(tmp_path / "bad.p7b", hostile_certs.empty_rdn())
    code, out, err = run("lint", str(good), str(bad))
    assert "unexpected" not in err and "Traceback" not in err
    assert (
        f"{bad}: certificate #0 is damaged: its names cannot be read"
        " (a relative distinguished name cannot be empty)"
    ) in err
    assert "app.example.test" in out  # good.pem is still reported
    assert code == 2  # an input error
    # negative control: a PKCS#7 of a sound certificate is judged like good.pem
    fine = _p7b(tmp_path / "fine.p7b", hostile_certs.certificate("app.example.test"))
    code, out, err = run("lint", str(good), str(fine))
    assert code == 1 and "fine.p7b" in out and "input-error" not in out


def test_a_2000_byte_serial_next_to_a_good_certificate(tmp_path: Path, good: Path) -> None:
    bad = _p7b(tmp_path / "serial.p7b", hostile_certs.long_serial())
    code, out, err = run("lint", str(good), str(bad))
    assert "Traceback" not in err and "certready: error: unexpected" not in err
    assert "app.example.test" in out  # good.pem is still judged
    assert "serial.p7b" in out  # and the other has its own line (a verdict, or why not)
    assert code in (1, 2)


def test_a_crash_while_judging_one_input_is_that_targets_error(
    tmp_path: Path, good: Path, ca: TestCA, monkeypatch: pytest.MonkeyPatch
) -> None:
    other, _ = ca.issue("other.example.test").write(tmp_path, "other")
    original = lint_service.analyse

    def analyse(target: str, *args: object, **kwargs: object) -> object:
        if target.endswith("good.pem"):
            raise RuntimeError("a bug in a rule helper")
        return original(target, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(lint_service, "analyse", analyse)
    code, out, err = run("lint", str(good), str(other))
    assert "Traceback" not in err
    assert (
        f"{good}: could not be judged: certready failed on it"
        " (unexpected RuntimeError: a bug in a rule helper)"
    ) in err
    assert "other.example.test" in out  # the rest of the batch is judged
    assert code == 2
    # --debug shows where it failed
    _, _, debug = run("lint", str(good), str(other), "--debug")
    assert "Traceback" in debug and "a bug in a rule helper" in debug
    # negative control: without the bug both are judged
    monkeypatch.setattr(lint_service, "analyse", original)
    code, out, err = run("lint", str(good), str(other))
    assert "could not be judged" not in err and "app.example.test" in out


def test_an_unexpected_exception_while_reading_is_the_inputs_error(
    monkeypatch: pytest.MonkeyPatch, ca: TestCA
) -> None:
    data = ca.chain_pem(ca.issue("app.example.test"))
    assert load_bytes(data, "app.pem").certificates  # control

    def broken(*_args: object) -> object:
        raise KeyError("surprise")

    monkeypatch.setattr(load_module, "load_pem", broken)
    with pytest.raises(InputError) as caught:
        load_bytes(data, "app.pem")
    assert caught.value.location == "app.pem"
    assert caught.value.message == "cannot be read (unexpected KeyError: 'surprise')"
    assert isinstance(caught.value.__cause__, KeyError)


def test_a_crash_while_judging_one_audit_server_is_that_targets_error(
    tmp_path: Path, ca: TestCA, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    from certready.services import audit_files as audit_service
    from tests.audit.lab import make_lab

    lab = make_lab(tmp_path, ca)
    original = audit_service.analyse

    def analyse(name: str, *args: object, **kwargs: object) -> object:
        if name == "production/mobile":
            raise RuntimeError("a bug in a rule helper")
        return original(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(audit_service, "analyse", analyse)
    _, out, err = run("audit", str(lab.manifest), "--format", "json")
    assert "Traceback" not in err and "certready: error: unexpected" not in err
    targets = {t["target"]: t for t in json.loads(out)["targets"]}
    assert targets["production/mobile"]["status"] == "input-error"
    assert "could not be judged" in targets["production/mobile"]["reason"]
    assert targets["production/app"]["status"] == "ok"  # the other servers are judged
    # negative control: without the bug the mobile server is judged too
    monkeypatch.setattr(audit_service, "analyse", original)
    _, out, _ = run("audit", str(lab.manifest), "--format", "json")
    assert {t["target"]: t for t in json.loads(out)["targets"]}["production/mobile"][
        "status"
    ] == "ok"
