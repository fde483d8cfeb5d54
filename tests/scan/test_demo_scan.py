"""The demo's scan section: the example deployment served on loopback and scanned."""

from __future__ import annotations

import io
from pathlib import Path

from certready.interfaces.cli.common import Streams
from certready.interfaces.demo import _scan_demo
from certready.services.example import write_example


def test_demo_scans_the_example_servers(tmp_path: Path) -> None:
    out = io.StringIO()
    _scan_demo(write_example(tmp_path), Streams(out, io.StringIO()))
    command, text = out.getvalue().split("profile homecare", 1)
    assert "$ certready scan" in command
    # the portal is planted without its intermediate: the served-chain rule says so, only there
    portal = text[text.index("portal.") : text.index("hctest.")]
    assert "tls.intermediate-not-sent" in portal
    app = text[text.index("hcappserver.") : text.index("hctabletserver.")]
    assert "tls.intermediate-not-sent" not in app
