"""audit --live on a terminal shows what it is waiting on; piped, nothing. Scan's label names the
targets still open, not the last one that finished."""

from __future__ import annotations

import io
import re
from pathlib import Path

from certready.core.location import EndpointLocation
from certready.core.model import TargetResult
from certready.interfaces.cli import main
from certready.interfaces.cli.progress import Waiting, waiting_label
from tests.audit.lab import APP, make_lab
from tests.cli import run
from tests.pki import TestCA
from tests.scan.servers import Servers, silent


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _silent_lab(tmp_path: Path, ca: TestCA, port: int) -> Path:
    lab = make_lab(tmp_path, ca)
    text = lab.manifest.read_text().replace(
        f"fqdn: {APP}\n", f"fqdn: {APP}\n        endpoint: 127.0.0.1:{port}\n", 1
    )
    lab.manifest.write_text(text)
    return lab.manifest


def test_live_audit_on_a_terminal_names_the_silent_endpoint(tmp_path: Path, ca: TestCA) -> None:
    with Servers() as servers:
        port = servers.start(silent)
        manifest = _silent_lab(tmp_path, ca, port)
        err = Terminal()
        main(
            ["audit", str(manifest), "--live", "--timeout", "1.5"], stdout=io.StringIO(), stderr=err
        )
    shown = re.sub(r"\x1b\[[0-9;?]*[a-zA-Z]", "", err.getvalue())  # colours and cursor moves
    assert "connecting" in shown
    assert f"waiting on production/app 127.0.0.1:{port}" in shown


def test_live_audit_piped_shows_no_progress(tmp_path: Path, ca: TestCA) -> None:
    """Control: the same audit with stderr piped draws nothing."""
    with Servers() as servers:
        port = servers.start(silent)
        manifest = _silent_lab(tmp_path, ca, port)
        _, out, err = run("audit", str(manifest), "--live", "--timeout", "1")
    assert "waiting on" not in err and "connecting" not in err
    assert "UNREACHABLE" in out  # the report still says what happened, apart from unreadable
    assert "1 unreachable" in out


def _result(name: str) -> TargetResult:
    return TargetResult(target=name, location=EndpointLocation(name, 443))


def test_label_names_the_targets_still_open_not_the_last_finished() -> None:
    waiting = Waiting()
    for name in ("a.test", "b.test", "c.test"):
        waiting.started(name)
    waiting.finished(_result("a.test"))
    assert waiting_label(waiting.open) == "waiting on b.test, c.test"
    assert "a.test" not in waiting_label(waiting.open)  # control: a finished one is not named
    for name in ("d.test", "e.test", "f.test"):
        waiting.started(name)
    assert waiting_label(waiting.open) == "waiting on b.test, c.test, d.test +2 more"
    for name in ("b.test", "c.test", "d.test", "e.test", "f.test"):
        waiting.done(name)
    assert waiting_label(waiting.open) == ""


def test_live_says_which_servers_have_no_endpoint_and_were_not_scanned(
    tmp_path: Path, ca: TestCA
) -> None:
    """--live scans the servers with an `endpoint:`; the lab manifest has none: a note says so
    instead of a report that silently reads like an offline audit."""
    lab = make_lab(tmp_path, ca)
    _, _, err = run("audit", str(lab.manifest), "--live", "--format", "json")
    assert "--live: no server has an `endpoint:`, so nothing was scanned" in err
    # one server with an endpoint (refused at once on 127.0.0.1:1): the other is named
    text = lab.manifest.read_text()
    with_one = text.replace(
        "        certificate: certs/mobile.pem",
        "        endpoint: 127.0.0.1:1\n        certificate: certs/mobile.pem",
    )
    lab.manifest.write_text(with_one)
    _, _, err = run("audit", str(lab.manifest), "--live", "--timeout", "2", "--format", "json")
    assert "--live: production/app has no `endpoint:` and was not scanned" in err
    assert "production/mobile has no" not in err
    # controls: offline, no note; every server with an endpoint, no note
    _, _, err = run("audit", str(lab.manifest), "--format", "json")
    assert "endpoint" not in err
    lab.manifest.write_text(
        with_one.replace(
            "        certificate: certs/app.pem",
            "        endpoint: 127.0.0.1:1\n        certificate: certs/app.pem",
        )
    )
    _, _, err = run("audit", str(lab.manifest), "--live", "--timeout", "2", "--format", "json")
    assert "`endpoint:`" not in err
