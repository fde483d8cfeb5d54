"""--out onto an existing file: one line naming it (was "unexpected FileExistsError")."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli import run


def _argv(command: str, out: Path, lab_dir: Path) -> list[str]:
    if command == "csr":
        return ["csr", "--host", "a.example.test", "--out", str(out)]
    if command == "lab issue":
        return ["lab", "issue", "--lab", str(lab_dir), "-H", "a.example.test", "--no-pfx"]
    return ["lab", "init", str(out), "--key-type", "p256"]


@pytest.mark.parametrize("command", ["csr", "lab issue", "lab init"])
def test_out_onto_a_file_is_refused(tmp_path: Path, lab_dir: Path, command: str) -> None:
    target = tmp_path / "report.txt"
    target.write_text("keep me\n")
    argv = _argv(command, target, lab_dir)
    if command == "lab issue":
        argv += ["--out", str(target)]
    status, _, err = run(*argv)
    assert status == 2
    assert err == f"certready: error: {target}: is a file, not a folder\n"
    assert target.read_text() == "keep me\n"


@pytest.mark.parametrize("command", ["csr", "lab issue"])
def test_out_into_a_new_folder_works(tmp_path: Path, lab_dir: Path, command: str) -> None:
    """Negative control: a folder that does not exist yet is created, the key is 0600."""
    target = tmp_path / "new"
    argv = _argv(command, target, lab_dir)
    if command == "lab issue":
        argv += ["--out", str(target)]
    status, _, err = run(*argv)
    assert status == 0, err
    (key,) = target.glob("*.key")
    assert key.stat().st_mode & 0o777 == 0o600


def test_plan_out_onto_a_file_is_refused(tmp_path: Path, lab_dir: Path) -> None:
    manifest = tmp_path / "site.yaml"
    manifest.write_text(
        "deployment: QA\nenvironments:\n  prod:\n    servers:\n"
        "      - {name: app, roles: [app], fqdn: a.example.test}\n"
        "trust:\n  roots: [" + str(lab_dir / "root-ca.pem") + "]\n"
        "clients:\n  - {name: pcs, platform: windows, connects_to: [a.example.test]}\n"
    )
    target = tmp_path / "plan.txt"
    target.write_text("keep me\n")
    status, _, err = run("plan", str(manifest), "--out", str(target))
    assert status == 2 and err == f"certready: error: {target}: is a file, not a folder\n"
    # negative control
    status, _, err = run("plan", str(manifest), "--out", str(tmp_path / "plan"))
    assert status == 0, err
