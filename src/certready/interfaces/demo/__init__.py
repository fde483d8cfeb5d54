"""The demo deployment: ``make demo`` (``python -m certready.interfaces.demo``).

Everything is generated at demo time in `./demo/` (gitignored, never committed, so it never expires)
and shipped in the wheel, so the demo runs from an installed copy too:

- :mod:`.example` writes the example deployment: a lab CA, the install guide's servers with
  realistic mistakes, and a manifest with clients and a proxy (tests use it as a fixture too);
- :mod:`.servers` starts loopback TLS servers on 127.0.0.x that present those chains;
- :mod:`.run` is the demo itself: audit the deployment live, write its install plan.
"""
