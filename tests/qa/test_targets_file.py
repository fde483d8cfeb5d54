"""scan -T: an unreadable targets file is one plain line (no "[Errno 2] ...: 'x'")."""

from __future__ import annotations

from pathlib import Path

from tests.cli import run


def test_missing_targets_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.txt"
    status, _, err = run("scan", "-T", str(missing))
    assert status == 2
    assert (
        err == f"certready: error: {missing}: cannot read targets file: no such file or directory\n"
    )


def test_binary_targets_file(tmp_path: Path) -> None:
    binary = tmp_path / "t.bin"
    binary.write_bytes(b"\xff\xfe\x00junk")
    status, _, err = run("scan", "-T", str(binary))
    assert status == 2 and "not UTF-8 text (byte 0)" in err and "codec" not in err


def test_a_folder_as_targets_file(tmp_path: Path) -> None:
    status, _, err = run("scan", "-T", str(tmp_path))
    assert status == 2 and "is a directory" in err and "Errno" not in err


def test_a_good_targets_file_is_read(tmp_path: Path) -> None:
    """Negative control: comments and blank lines skipped, the target scanned (refused port)."""
    targets = tmp_path / "t.txt"
    targets.write_text("# lab\n\n127.0.0.1:1\n")
    status, out, _ = run("scan", "-T", str(targets), "--timeout", "2", "--no-sni-check")
    assert status == 3 and "127.0.0.1:1" in out
