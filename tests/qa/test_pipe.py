"""`certready rules | head -1`: the reader going away is not a failure (exit 0, no traceback)."""

from __future__ import annotations

import io

from certready.interfaces.cli import main


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
