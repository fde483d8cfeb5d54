"""``python -m certready``: the same command line as the ``certready`` script."""

from certready.interfaces.cli import run

run()
