"""iter_inputs: files, folders (recursive, hidden skipped), stdin; one bad input never stops the rest."""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

import pytest

from certready.adapters.inputs import SKIPPED, Bundle, iter_inputs
from certready.core.errors import InputError
from tests.cli import run
from tests.pki import TestCA


def test_files_in_order_with_errors_in_place(tmp_path: Path, ca: TestCA) -> None:
    good, _ = ca.issue("a.example.test").write(tmp_path, "a")
    bad = tmp_path / "bad.pem"
    bad.write_text("not a certificate")
    other, _ = ca.issue("b.example.test").write(tmp_path, "b")
    items = list(iter_inputs([str(good), str(bad), str(tmp_path / "missing.pem"), str(other)]))
    assert [type(i) for i in items] == [Bundle, InputError, InputError, Bundle]
    assert isinstance(items[1], InputError) and items[1].location == str(bad)
    assert isinstance(items[2], InputError) and "no such file" in items[2].message


def test_folder_recursive_sorted_hidden_skipped(tmp_path: Path, ca: TestCA) -> None:
    (tmp_path / "b" / "deep").mkdir(parents=True)
    (tmp_path / ".git").mkdir()
    ca.issue("a.example.test").write(tmp_path, "a")
    ca.issue("c.example.test").write(tmp_path / "b" / "deep", "c")
    (tmp_path / ".hidden.pem").write_bytes(ca.root.cert_pem())
    (tmp_path / ".git" / "x.pem").write_bytes(ca.root.cert_pem())
    items = list(iter_inputs([str(tmp_path)]))
    sources = [i.source for i in items if isinstance(i, Bundle)]
    assert sources == [
        str(tmp_path / "a.key"),
        str(tmp_path / "a.pem"),
        str(tmp_path / "b" / "deep" / "c.key"),
        str(tmp_path / "b" / "deep" / "c.pem"),
    ]
    assert not [i for i in items if isinstance(i, InputError)]


def test_folder_junk_is_one_error_per_file(tmp_path: Path, ca: TestCA) -> None:
    ca.issue("a.example.test").write(tmp_path, "a")
    (tmp_path / "README.txt").write_text("certificates for the app server\n")
    (tmp_path / "empty.crt").write_bytes(b"")
    (tmp_path / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    items = list(iter_inputs([str(tmp_path)]))
    errors = {Path(str(i.location)).name: i.message for i in items if isinstance(i, InputError)}
    assert errors == {
        "photo.png": "not a certificate, key, PKCS#7 or PKCS#12 file (neither PEM nor DER)",
        "empty.crt": "empty file",
    }
    # plain text in a folder (a README) is skipped with a note, not an error (issue 12 item 5)
    (readme,) = [i for i in items if isinstance(i, Bundle) and i.format == SKIPPED]
    assert Path(readme.source).name == "README.txt" and readme.notes
    assert sum(isinstance(i, Bundle) and bool(i.certificates) for i in items) == 1


def test_folder_without_certificates_is_an_error_naming_it(tmp_path: Path, ca: TestCA) -> None:
    keys = tmp_path / "keys"
    keys.mkdir()
    _, key = ca.issue("a.example.test").write(tmp_path, "a")
    key.rename(keys / "a.key")
    items = list(iter_inputs([str(keys)]))
    assert isinstance(items[-1], InputError)
    assert items[-1].location == str(keys)
    assert items[-1].message == "folder holds no certificate (none of its 1 files)"
    empty = tmp_path / "empty"
    empty.mkdir()
    (last,) = iter_inputs([str(empty)])
    assert (
        isinstance(last, InputError)
        and last.message == "folder holds no certificate (it has no files)"
    )
    # negative control: a folder with a certificate has no folder-level error
    assert all(isinstance(i, Bundle) for i in iter_inputs([str(tmp_path)]))


@pytest.mark.skipif(sys.platform == "win32", reason="symbolic links")
def test_kubernetes_secret_mount_layout(tmp_path: Path, ca: TestCA) -> None:
    """``tls.crt -> ..data/tls.crt``: the hidden ``..data`` folder is skipped, the links are read."""
    data = tmp_path / "..2026_11_29"
    data.mkdir()
    leaf = ca.issue("app.example.test")
    (data / "tls.crt").write_bytes(leaf.cert_pem())
    (data / "tls.key").write_bytes(leaf.key_pem())
    (tmp_path / "..data").symlink_to(data.name)
    (tmp_path / "tls.crt").symlink_to("..data/tls.crt")
    (tmp_path / "tls.key").symlink_to("..data/tls.key")
    items = list(iter_inputs([str(tmp_path)]))
    assert [i.source for i in items if isinstance(i, Bundle)] == [
        str(tmp_path / "tls.crt"),
        str(tmp_path / "tls.key"),
    ]


@pytest.mark.skipif(sys.platform == "win32", reason="symbolic links")
def test_symlink_loop_does_not_hang(tmp_path: Path, ca: TestCA) -> None:
    ca.issue("a.example.test").write(tmp_path, "a")
    (tmp_path / "loop").symlink_to(tmp_path)
    items = list(iter_inputs([str(tmp_path)]))
    assert len(items) == 2


@pytest.mark.skipif(os.geteuid() == 0 if hasattr(os, "geteuid") else True, reason="root reads all")
def test_unreadable_file(tmp_path: Path, ca: TestCA) -> None:
    cert, _ = ca.issue("a.example.test").write(tmp_path, "a")
    cert.chmod(0)
    (item,) = iter_inputs([str(cert)])
    assert isinstance(item, InputError) and "permission denied" in item.message


def test_stdin_is_the_stream_passed_in(monkeypatch: pytest.MonkeyPatch, ca: TestCA) -> None:
    leaf = ca.issue("app.example.test")
    monkeypatch.setattr(sys, "stdin", None)  # never read behind the caller's back
    (item,) = iter_inputs(["-"], stdin=io.BytesIO(ca.chain_pem(leaf)))
    assert isinstance(item, Bundle)
    assert item.source == "-"
    assert [str(c.location) for c in item.certificates] == ["stdin:#0", "stdin:#1"]


def test_stdin_empty_and_huge() -> None:
    from certready.adapters.inputs import MAX_INPUT_BYTES

    (item,) = iter_inputs(["-"], stdin=io.BytesIO(b""))
    assert isinstance(item, InputError) and item.message == "empty input" and item.location == "-"
    (item,) = iter_inputs(["-"], stdin=io.BytesIO(b"A" * (MAX_INPUT_BYTES + 10)))
    assert isinstance(item, InputError) and "too large" in item.message


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes")
def test_named_pipe_in_a_folder_is_passed_over_not_read(tmp_path: Path, ca: TestCA) -> None:
    """Reading a pipe nobody writes to would hang the whole run."""
    ca.issue("a.example.test").write(tmp_path, "a")
    os.mkfifo(tmp_path / "pipe.pem")
    (tmp_path / "broken.pem").symlink_to(tmp_path / "gone.pem")
    items = list(iter_inputs([str(tmp_path)]))
    names = [Path(i.source if isinstance(i, Bundle) else str(i.location)).name for i in items]
    assert names == ["a.key", "a.pem", "broken.pem"]  # the broken link is reported
    assert isinstance(items[2], InputError) and "no such file" in items[2].message


def test_no_stdin_at_all(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No stream passed in (``sys.stdin`` is ``None`` under pythonw or a service): one error, not
    a crash, and the other inputs still run."""
    (item,) = iter_inputs(["-"])
    assert isinstance(item, InputError) and item.message == "standard input is not available"
    monkeypatch.setattr(sys, "stdin", None)
    status, _, err = run("lint", "-", str(tmp_path / "missing.pem"))
    assert status == 2
    assert "-: standard input is not available" in err and "missing.pem: no such file" in err
