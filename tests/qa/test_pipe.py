"""Pipes and sizes: a closed pipe is no failure (exit 0); a huge input names the limit."""

from __future__ import annotations

import io
from pathlib import Path

from certready.adapters.inputs import MAX_INPUT_BYTES
from certready.interfaces.cli import main
from tests.cli import run


class ClosedPipe(io.StringIO):
    def write(self, s: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")


def test_a_closed_pipe_exits_zero() -> None:
    err = io.StringIO()
    status = main(["rules"], stdout=ClosedPipe(), stderr=err)
    assert status == 0
    assert "Traceback" not in err.getvalue()


def test_an_open_pipe_gets_everything() -> None:
    """Negative control."""
    out = io.StringIO()
    assert main(["rules"], stdout=out, stderr=io.StringIO()) == 0
    assert "names.san-missing" in out.getvalue()


def test_too_large_says_the_limit_plainly(tmp_path: Path) -> None:
    big = tmp_path / "big.bin"
    big.write_bytes(b"0" * (MAX_INPUT_BYTES + 10))
    status, _, err = run("lint", str(big))
    assert status == 2
    assert "(over the 16 MiB limit)" in err and "over;" not in err
    # negative control: a small file is read (and judged on its content)
    small = tmp_path / "small.bin"
    small.write_bytes(b"0" * 100)
    assert "too large" not in run("lint", str(small))[2]
