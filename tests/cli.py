"""Drive the CLI in-process (DESIGN §4, after httpie): ``run("lint", path)`` -> (status, out, err)."""

from __future__ import annotations

import io

from certready.interfaces.cli import main


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(list(argv), stdout=out, stderr=err)
    return status, out.getvalue(), err.getvalue()
