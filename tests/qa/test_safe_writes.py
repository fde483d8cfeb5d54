"""Writes never follow a planted link, and reports never replace a device or FIFO (issue 14).

Each case has its control: the same command with a plain file (or no file) where the link was.
"""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from certready.adapters.writes import write_new, write_output
from certready.core.errors import UsageError
from certready.interfaces.cli import ExitStatus
from tests.audit.lab import make_lab
from tests.cli import run
from tests.pki import TestCA

HOST = "app.example.com"
VICTIM_TEXT = b"somebody else's file\n"


def _victim(tmp_path: Path) -> Path:
    victim = tmp_path / "victim.txt"
    victim.write_bytes(VICTIM_TEXT)
    victim.chmod(0o644)
    return victim


def _untouched(victim: Path) -> bool:
    return victim.read_bytes() == VICTIM_TEXT and stat.S_IMODE(victim.stat().st_mode) == 0o644


# --- csr --out: the private key -------------------------------------------------------------


def test_csr_refuses_a_link_planted_at_the_key_path(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    victim = _victim(tmp_path)
    (out / f"{HOST}.key").symlink_to(victim)
    status, _, err = run("csr", "--out", str(out), "--host", HOST)
    assert status == ExitStatus.USAGE
    assert "already exists" in err and "Traceback" not in err
    assert _untouched(victim)
    assert (out / f"{HOST}.key").is_symlink()


def test_csr_force_replaces_the_link_not_its_target(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    victim = _victim(tmp_path)
    key = out / f"{HOST}.key"
    key.symlink_to(victim)
    status, _, err = run("csr", "--out", str(out), "--host", HOST, "--force")
    assert status == ExitStatus.OK, err
    assert _untouched(victim)
    assert not key.is_symlink() and key.is_file()
    assert stat.S_IMODE(key.lstat().st_mode) == 0o600
    assert b"PRIVATE KEY" in key.read_bytes()


def test_csr_force_over_a_dangling_link_creates_no_target(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    key = out / f"{HOST}.key"
    key.symlink_to(tmp_path / "elsewhere.key")
    assert run("csr", "--out", str(out), "--host", HOST)[0] == ExitStatus.USAGE
    assert not (tmp_path / "elsewhere.key").exists()
    assert run("csr", "--out", str(out), "--host", HOST, "--force")[0] == ExitStatus.OK
    assert not (tmp_path / "elsewhere.key").exists()
    assert stat.S_IMODE(key.lstat().st_mode) == 0o600


# --- lab outputs ----------------------------------------------------------------------------


def test_lab_issue_force_replaces_planted_key_and_pfx_links(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CERTREADY_TEST_PFX", "a pfx password")
    assert run("lab", "init", str(tmp_path / "lab"), "--key-type", "p256")[0] == ExitStatus.OK
    out = tmp_path / "out"
    out.mkdir()
    victim = _victim(tmp_path)
    key, pfx = out / f"{HOST}.key", out / f"{HOST}.pfx"
    key.symlink_to(victim)
    pfx.symlink_to(tmp_path / "elsewhere.pfx")
    argv = ["lab", "issue", "--lab", str(tmp_path / "lab"), "-o", str(out), "-H", HOST]
    argv += ["--password-env", "CERTREADY_TEST_PFX"]
    status, _, err = run(*argv)
    assert status == ExitStatus.USAGE and "already exists" in err
    assert _untouched(victim) and key.is_symlink() and pfx.is_symlink()
    status, _, err = run(*argv, "--force")
    assert status == ExitStatus.OK, err
    assert _untouched(victim) and not (tmp_path / "elsewhere.pfx").exists()
    for path in (key, pfx):
        assert not path.is_symlink() and stat.S_IMODE(path.lstat().st_mode) == 0o600


def test_lab_init_force_replaces_a_planted_ca_key_link(tmp_path: Path) -> None:
    lab = tmp_path / "lab"
    assert run("lab", "init", str(lab), "--key-type", "p256")[0] == ExitStatus.OK
    victim = _victim(tmp_path)
    keys = sorted(p for p in lab.iterdir() if p.suffix == ".key")
    assert keys
    keys[0].unlink()
    keys[0].symlink_to(victim)
    assert run("lab", "init", str(lab), "--key-type", "p256")[0] == ExitStatus.USAGE
    assert _untouched(victim)
    status, _, err = run("lab", "init", str(lab), "--key-type", "p256", "--force")
    assert status == ExitStatus.OK, err
    assert _untouched(victim)
    assert not keys[0].is_symlink() and stat.S_IMODE(keys[0].lstat().st_mode) == 0o600


# --- manifest init and plan --out -----------------------------------------------------------


def test_manifest_init_refuses_a_dangling_link(tmp_path: Path) -> None:
    target = tmp_path / "certready.yaml"
    elsewhere = tmp_path / "elsewhere.yaml"
    target.symlink_to(elsewhere)
    status, _, err = run("manifest", "init", str(target))
    assert status == ExitStatus.USAGE
    assert "--force" in err and "Traceback" not in err
    assert not elsewhere.exists() and target.is_symlink()
    status, _, err = run("manifest", "init", str(target), "--force")
    assert status == ExitStatus.OK, err
    assert not elsewhere.exists()
    assert not target.is_symlink() and "deployment:" in target.read_text()


def test_manifest_init_control_writes_a_new_file(tmp_path: Path) -> None:
    target = tmp_path / "certready.yaml"
    assert run("manifest", "init", str(target))[0] == ExitStatus.OK
    assert target.is_file() and stat.S_IMODE(target.stat().st_mode) == 0o644
    assert run("manifest", "init", str(target))[0] == ExitStatus.USAGE


def test_plan_out_refuses_a_dangling_link(tmp_path: Path, ca: TestCA) -> None:
    lab = make_lab(tmp_path, ca)
    out = tmp_path / "plan"
    out.mkdir()
    elsewhere = tmp_path / "elsewhere.md"
    (out / "README.md").symlink_to(elsewhere)
    status, _, err = run("plan", str(lab.manifest), "--out", str(out))
    assert status == ExitStatus.USAGE
    assert "README.md" in err and "--force" in err
    assert not elsewhere.exists()
    status, _, err = run("plan", str(lab.manifest), "--out", str(out), "--force")
    assert status == ExitStatus.OK, err
    assert not elsewhere.exists()
    assert not (out / "README.md").is_symlink() and (out / "README.md").is_file()
    scripts = list(out.glob("*.sh"))
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o755 for p in scripts)


# --- report --output ------------------------------------------------------------------------


@pytest.fixture
def good(tmp_path: Path, ca: TestCA) -> list[str]:
    issued = ca.issue("app.example.test")
    cert, _ = issued.write(tmp_path, "app")
    return [str(cert), "--trust", "system", "--fail-on", "never"]


def _null_device(tmp_path: Path) -> Path:
    """As root, a private copy of /dev/null (same device numbers), so a regression replaces the
    copy and not the machine's /dev/null; otherwise /dev/null itself (which a non-root user could
    not replace anyway)."""
    if os.geteuid() != 0:
        return Path("/dev/null")
    device = tmp_path / "null"
    try:
        os.mknod(device, stat.S_IFCHR | 0o666, Path("/dev/null").stat().st_rdev)
    except PermissionError:
        pytest.skip("no CAP_MKNOD to make a private /dev/null")
    return device


def test_output_to_a_character_device_writes_into_it(tmp_path: Path, good: list[str]) -> None:
    device = _null_device(tmp_path)
    status, _, err = run("lint", *good, "-f", "json", "-o", str(device))
    assert status == ExitStatus.OK, err
    assert stat.S_ISCHR(device.lstat().st_mode)
    assert stat.S_ISCHR(Path("/dev/null").lstat().st_mode)
    assert [p.name for p in device.parent.iterdir() if p.name.startswith(".null")] == []


def test_output_to_a_fifo_is_read_by_its_reader(tmp_path: Path, good: list[str]) -> None:
    fifo = tmp_path / "report.fifo"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    status, _, err = run("lint", *good, "-f", "json", "-o", str(fifo))
    reader.join(timeout=30)
    assert status == ExitStatus.OK, err
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert received and b'"schema_version"' in received[0]


def test_output_to_a_descriptor_name_appends_to_what_it_opens(
    tmp_path: Path, good: list[str]
) -> None:
    """``-o /dev/stdout`` with stdout redirected to a file: written into the file, never renamed
    over the name (as root that would replace ``/dev/stdout``). Shown with ``/proc/self/fd/N``,
    which no test can damage."""
    redirected = tmp_path / "stdout.txt"
    redirected.write_text("earlier output\n")
    fd = os.open(redirected, os.O_WRONLY | os.O_APPEND)
    try:
        status, _, err = run("lint", *good, "-f", "json", "-o", f"/proc/self/fd/{fd}")
    finally:
        os.close(fd)
    assert status == ExitStatus.OK, err
    text = redirected.read_text()
    assert text.startswith("earlier output\n") and '"schema_version"' in text


def test_output_control_a_regular_file_is_replaced_atomically(
    tmp_path: Path, good: list[str]
) -> None:
    target = tmp_path / "report.json"
    target.write_text("old")
    target.chmod(0o640)
    assert run("lint", *good, "-f", "json", "-o", str(target))[0] == ExitStatus.OK
    assert '"schema_version"' in target.read_text()
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_output_over_a_link_to_a_file_replaces_the_link(tmp_path: Path, good: list[str]) -> None:
    victim = _victim(tmp_path)
    target = tmp_path / "report.json"
    target.symlink_to(victim)
    assert run("lint", *good, "-f", "json", "-o", str(target))[0] == ExitStatus.OK
    assert _untouched(victim)
    assert not target.is_symlink() and '"schema_version"' in target.read_text()


# --- the helper itself ----------------------------------------------------------------------


def test_write_new_sets_the_mode_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o077)
    try:
        write_new(tmp_path / "public.pem", b"x", mode=0o644)
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "public.pem").stat().st_mode) == 0o644


def test_write_new_never_replaces_a_folder_or_a_fifo(tmp_path: Path) -> None:
    (tmp_path / "folder").mkdir()
    os.mkfifo(tmp_path / "pipe")
    for name in ("folder", "pipe"):
        with pytest.raises(UsageError):
            write_new(tmp_path / name, b"x", mode=0o600, force=True)
    assert (tmp_path / "folder").is_dir() and stat.S_ISFIFO((tmp_path / "pipe").lstat().st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder", "pipe"]


def test_write_output_into_a_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="directory"):
        write_output(tmp_path, b"x")


def test_the_example_password_file_replaces_a_planted_link(tmp_path: Path) -> None:
    from certready.interfaces.demo.example import PASSWORD_FILE, write_example

    victim = _victim(tmp_path)
    folder = tmp_path / "example"
    secret = folder / PASSWORD_FILE
    secret.parent.mkdir(parents=True)
    secret.symlink_to(victim)
    example = write_example(folder)
    assert _untouched(victim)
    assert not secret.is_symlink() and stat.S_IMODE(secret.lstat().st_mode) == 0o600
    assert example.manifest.is_file()
