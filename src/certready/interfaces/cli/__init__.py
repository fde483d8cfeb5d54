"""The ``certready`` command line. ``main(argv)`` maps exceptions to exit statuses (after httpie).

Each command lives in its own module with a ``register(app)`` function; :mod:`.app` assembles them.
Streams are injectable so tests drive the CLI in-process::

    out, err = io.StringIO(), io.StringIO()
    status = main(["lint", "app.pem"], stdout=out, stderr=err)
"""

from __future__ import annotations

import sys

from certready.interfaces.cli.common import ExitStatus
from certready.interfaces.cli.main import main

__all__ = ["ExitStatus", "main", "run"]


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
