"""Alerts end to end through Apprise: a local SMTP server (aiosmtpd) and a local webhook receive
exactly one message per change, and a repeated run with no change sends nothing."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from certready.adapters.inventory import Store, parse_database
from certready.adapters.inventory.watch_store import WatchStore
from certready.adapters.notify import AlertConfig, AlertRules, Notifier, load_alerts
from certready.core.errors import UsageError
from certready.services.alerts import alerts_for_run, deliver
from certready.services.schedule import parse_schedule
from certready.services.watch import Watcher
from tests.audit.lab import APP, make_lab
from tests.cli import run
from tests.pki import TestCA
from tests.scan.servers import Servers
from tests.serve.support import SwappableTLS, Webhook, free_port

DEPLOYMENT = "Sunrise Home Health"


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, email.message.EmailMessage)
        self.messages.append(parsed)
        return "250 OK"

    @property
    def subjects(self) -> list[str]:
        return [str(m["Subject"]) for m in self.messages]


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, str]]:
    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield (
            box,
            (
                f"mailto://127.0.0.1:{port}?from=certready@example.test&to=ops@example.test"
                "&mode=insecure"
            ),
        )
    finally:
        controller.stop()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def test_one_message_per_change(tmp_path: Path, ca: TestCA, mailbox: tuple[Mailbox, str]) -> None:
    box, mail_url = mailbox
    hook = Webhook()
    lab = make_lab(tmp_path, ca)
    db = parse_database(f"sqlite:///{tmp_path / 'inventory.sqlite3'}")
    rules = AlertRules(new_error_finding=False)
    notifier = Notifier(AlertConfig((mail_url, hook.url), rules))
    watch, inventory = WatchStore(db), Store(db)
    month, week = ca.issue(APP, days=20), ca.issue(APP, days=5)
    sent_per_run: list[list[str]] = []
    with Servers() as servers:
        app = SwappableTLS(servers, [month, ca.intermediate])
        endpoint = f"127.0.0.1:{app.port}"
        lab.manifest.write_text(
            lab.manifest.read_text().replace(
                f"fqdn: {APP}\n", f"fqdn: {APP}\n        endpoint: {endpoint}\n", 1
            )
        )
        watcher = Watcher(db, [lab.manifest], parse_schedule("2s", None, 0), status_of=lambda r: 0)
        watcher.timeout = 2

        slot = [_now()]

        def one_run() -> None:
            slot[0] += dt.timedelta(minutes=1)  # the next slot of the claims' clock
            run_id = watcher.run_once(str(lab.manifest), slot[0])
            assert run_id is not None
            found = alerts_for_run(watch, inventory, run_id, rules, _now())
            sent = deliver(watch, found, notifier.send, owner="test", now=_now())
            sent_per_run.append([a.title for a in sent])

        one_run()  # 1: expires within 30 days
        one_run()  # 2: no change
        app.serve([week, ca.intermediate])
        one_run()  # 3: replaced, and now within 7 days
        one_run()  # 4: no change
        app.down = True
        one_run()  # 5: unreachable once
        one_run()  # 6: unreachable twice
        one_run()  # 7: still unreachable: the same streak
        watcher.stop()
    watch.close()
    inventory.close()
    hook.close()

    live = f"production/app (live {endpoint})"
    left_month = (month.cert.not_valid_after_utc - _now()) // dt.timedelta(days=1)
    left_week = (week.cert.not_valid_after_utc - _now()) // dt.timedelta(days=1)
    assert sent_per_run == [
        [f"certready: {live} expires in {left_month} days ({DEPLOYMENT})"],
        [],
        [
            f"certready: {live} expires in {left_week} days ({DEPLOYMENT})",
            f"certready: served certificate changed on {live} ({DEPLOYMENT})",
        ],
        [],
        [],
        [f"certready: {live} unreachable twice in a row ({DEPLOYMENT})"],
        [],
    ]
    every_title = [t for titles in sent_per_run for t in titles]
    assert box.subjects == every_title  # one e-mail per alert, nothing per run
    assert [m["title"] for m in hook.received] == every_title
    first = box.messages[0]
    body = first.get_body(preferencelist=("plain",))
    assert body is not None
    assert f"expires on {month.cert.not_valid_after_utc:%Y-%m-%d %H:%M} UTC" in body.get_content()
    assert str(first["To"]) == "ops@example.test"


def test_test_alert_sends_one_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mailbox: tuple[Mailbox, str]
) -> None:
    box, mail_url = mailbox
    (tmp_path / "mail.url").write_text(mail_url + "\n")
    config = tmp_path / "alerts.yaml"
    config.write_text(
        "targets:\n  - url_file: mail.url\n".replace("mail.url", str(tmp_path / "mail.url"))
    )
    status, out, err = run("serve", "--test-alert", "--alerts", str(config))
    assert status == 0 and out == "test alert sent\n", err
    assert box.subjects == ["certready: test alert"]
    # control: a webhook nobody listens on is reported, exit 1
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("CERTREADY_DEAD_HOOK", f"json://127.0.0.1:{port}/hook")
    config.write_text("targets:\n  - url_env: CERTREADY_DEAD_HOOK\n")
    status, out, _ = run("serve", "--test-alert", "--alerts", str(config))
    assert status == 1 and out == "the test alert was not delivered\n"
    assert len(box.messages) == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("targets:\n  - url: json://user:pw@host/\n", "give exactly one of url_env: or url_file:"),
        ("targets:\n  - url_env: NOT_SET_ANYWHERE\n", "NOT_SET_ANYWHERE is not set"),
        ("targets: []\n", "targets: needs at least one"),
        ("targets:\n  - url_env: HOME\nrules:\n  expiring_within: [soon]\n", "not a duration"),
        ("targets:\n  - url_env: HOME\nrules:\n  louder: true\n", "unknown rule 'louder'"),
        ("targets: [\n", "not valid YAML"),
    ],
)
def test_bad_alert_files_are_one_line_errors(tmp_path: Path, text: str, message: str) -> None:
    config = tmp_path / "alerts.yaml"
    config.write_text(text)
    with pytest.raises(UsageError, match=message) as raised:
        load_alerts(str(config))
    assert str(config) in str(raised.value) and "pw" not in str(raised.value)


def test_a_new_error_finding_is_announced_once(tmp_path: Path, ca: TestCA) -> None:
    hook = Webhook()
    lab = make_lab(tmp_path, ca)
    db = parse_database(f"sqlite:///{tmp_path / 'inventory.sqlite3'}")
    rules = AlertRules(
        expiring_within=(), served_certificate_changed=False, endpoint_unreachable_twice=False
    )
    notifier = Notifier(AlertConfig((hook.url,), rules))
    watch, inventory = WatchStore(db), Store(db)
    app_pem = (tmp_path / "certs" / "app.pem").read_bytes()
    from cryptography import x509

    own = x509.load_pem_x509_certificate(app_pem)
    wrong_name = ca.issue("elsewhere.example")
    sent: list[list[str]] = []
    with Servers() as servers:
        app = SwappableTLS(servers, [wrong_name, ca.intermediate])
        app.serve_pem(app_pem)
        endpoint = f"127.0.0.1:{app.port}"
        lab.manifest.write_text(
            lab.manifest.read_text().replace(
                f"fqdn: {APP}\n", f"fqdn: {APP}\n        endpoint: {endpoint}\n", 1
            )
        )
        watcher = Watcher(db, [lab.manifest], parse_schedule("2s", None, 0), status_of=lambda r: 0)
        slot = [_now()]
        wrong = [wrong_name, ca.intermediate]
        for chain in (None, wrong, None, wrong, wrong):
            if chain is None:
                app.serve_pem(app_pem)
            else:
                app.serve(chain)
            slot[0] += dt.timedelta(minutes=1)
            run_id = watcher.run_once(str(lab.manifest), slot[0])
            assert run_id is not None
            found = alerts_for_run(watch, inventory, run_id, rules, _now())
            sent.append(
                [a.title for a in deliver(watch, found, notifier.send, owner="t", now=_now())]
            )
        watcher.stop()
    watch.close()
    inventory.close()
    hook.close()
    assert own.subject  # the file's own certificate is served first: no error
    live = f"production/app (live {endpoint})"
    appeared = [
        f"certready: new error names.host-not-covered on {live} ({DEPLOYMENT})",
        f"certready: new error deployment.served-certificate-differs on (deployment) ({DEPLOYMENT})",
    ]
    # wrong certificate served: announced; fixed: quiet; back again: a new change, announced
    # again; the same again: quiet
    assert sent == [[], appeared, [], appeared, []]
