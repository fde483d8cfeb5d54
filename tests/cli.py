"""Drive the CLI in-process (DESIGN §4, after httpie): ``run("lint", path)`` -> (status, out, err)."""

from __future__ import annotations

import io

from certready.interfaces.cli import main


def run(*argv: str, stdin: bytes | None = None) -> tuple[int, str, str]:
    """``stdin``: what ``-`` reads (default: the process's standard input)."""
    out, err = io.StringIO(), io.StringIO()
    given = io.BytesIO(stdin) if stdin is not None else None
    status = main(list(argv), stdout=out, stderr=err, stdin=given)
    return status, out.getvalue(), err.getvalue()
