"""Safe reads (issue 14): inputs are followed through symbolic links to regular files (certbot's
``live/``, Kubernetes secret mounts), and a named pipe, a device or a socket is refused in one
line without being read or waited on; the rest of the batch still runs."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from certready.adapters.inputs import Bundle, iter_inputs, read_bytes
from certready.adapters.inputs.passwords import secret_from_file
from certready.core.errors import InputError
from tests.cli import run
from tests.pki import TestCA

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX special files")

QUICK = 2.0


def _within(seconds: float, work: Callable[[], object]) -> object:
    """``work()``'s result, failing (instead of hanging the suite) if it takes longer."""
    box: list[object] = []
    thread = threading.Thread(target=lambda: box.append(work()), daemon=True)
    started = time.monotonic()
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still blocked after {seconds} s"
    assert time.monotonic() - started < seconds
    return box[0]


def _refusal(path: str) -> InputError:
    def read() -> object:
        try:
            read_bytes(path)
        except InputError as exc:
            return exc
        return None

    exc = _within(QUICK, read)
    assert isinstance(exc, InputError), exc
    assert exc.location == path and "\n" not in exc.message
    return exc


def test_a_fifo_is_refused_at_once_not_waited_on(tmp_path: Path) -> None:
    fifo = tmp_path / "cert.pem"
    os.mkfifo(fifo)
    exc = _refusal(str(fifo))
    assert exc.message == "a named pipe (FIFO), not a regular file: give - to read standard input"


def test_a_link_to_a_fifo_is_refused(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "cert.pem").symlink_to(tmp_path / "pipe")
    assert "named pipe" in _refusal(str(tmp_path / "cert.pem")).message


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null", "/dev/urandom"])
def test_a_device_is_refused(device: str) -> None:
    if not Path(device).exists():
        pytest.skip(f"no {device}")
    assert _refusal(device).message == "a character device, not a regular file"


def test_a_socket_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.sock"
    if len(str(path)) > 100:
        pytest.skip("socket path too long")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        server.bind(str(path))
        assert _refusal(str(path)).message == "a socket, not a regular file"
    finally:
        server.close()


def test_a_password_file_from_dev_zero_is_one_line() -> None:
    exc = _within(QUICK, lambda: _error(lambda: secret_from_file("/dev/zero")))
    assert isinstance(exc, InputError)
    assert exc.message == "cannot read the password file: a character device, not a regular file"


def _error(work: Callable[[], object]) -> object:
    try:
        work()
    except InputError as exc:
        return exc
    return None


def test_certbot_and_kubernetes_links_are_followed(tmp_path: Path, ca: TestCA) -> None:
    """certbot: live/NAME/cert.pem -> ../../archive/NAME/cert1.pem; Kubernetes: tls.crt ->
    ..data/tls.crt, ..data -> ..2026_12_02_08_00_00.123 (hidden folders)."""
    leaf = ca.issue("app.example.test")
    archive = tmp_path / "archive" / "app"
    archive.mkdir(parents=True)
    leaf.write(archive, "cert1")
    live = tmp_path / "live" / "app"
    live.mkdir(parents=True)
    (live / "cert.pem").symlink_to(Path("../../archive/app/cert1.pem"))
    mount = tmp_path / "secret"
    (mount / "..2026_12_02_08_00_00.123").mkdir(parents=True)
    leaf.write(mount / "..2026_12_02_08_00_00.123", "tls")
    (mount / "..data").symlink_to("..2026_12_02_08_00_00.123")
    (mount / "tls.crt").symlink_to("..data/tls.pem")
    items = list(iter_inputs([str(live / "cert.pem"), str(mount)]))
    assert [type(i) for i in items] == [Bundle, Bundle], items
    assert all(isinstance(i, Bundle) and i.certificates for i in items)


def test_lint_refuses_the_special_file_and_judges_the_rest(tmp_path: Path, ca: TestCA) -> None:
    leaf = ca.issue("app.example.test")
    cert, _ = leaf.write(tmp_path, "app")
    os.mkfifo(tmp_path / "pipe.pem")
    code, out, err = _within(
        10, lambda: run("lint", str(tmp_path / "pipe.pem"), "/dev/zero", str(cert))
    )  # type: ignore[misc]
    assert code == 2 and "Traceback" not in err
    assert "pipe.pem: a named pipe (FIFO), not a regular file" in err
    assert "/dev/zero: a character device, not a regular file" in err
    assert "app.example.test" in out  # control: the regular file is judged


def test_a_password_file_may_be_a_pipe_but_a_certificate_input_may_not() -> None:
    """``--password-file <(pass show app)`` hands certready a pipe: it is read, bounded. The same
    pipe given as a certificate input is still refused (control)."""
    import os

    from certready.adapters.inputs.passwords import secret_from_file
    from certready.adapters.inputs.read import read_input
    from certready.core.errors import InputError

    read_end, write_end = os.pipe()
    os.write(write_end, b"s3cret\n")
    os.close(write_end)
    try:
        assert secret_from_file(f"/dev/fd/{read_end}") == b"s3cret"
    finally:
        os.close(read_end)
    read_end, write_end = os.pipe()
    os.close(write_end)
    try:
        with pytest.raises(InputError, match="named pipe"):
            read_input(f"/dev/fd/{read_end}")
    finally:
        os.close(read_end)
