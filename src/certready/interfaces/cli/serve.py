"""``certready serve``: scheduled live audits recorded into the inventory, alerts, ``/metrics``
and the dashboard, in one long-running process."""

from __future__ import annotations

import datetime as dt
import logging
import signal
import socket
import sys
from typing import Annotated

import typer

from certready.core.errors import UsageError
from certready.interfaces.cli.main import current_streams
from certready.interfaces.cli.options import DEFAULT_TIMEOUT, timeout_option
from certready.interfaces.cli.recording import DbOption

SERVE_EPILOG = """\
\b
Examples:
  certready serve --db inventory.sqlite3 --manifest site.yaml
  certready serve --db postgresql://certready@db/inventory --manifest site.yaml \\
      --every 6h --listen 0.0.0.0:9443 --token-file /etc/certready/token --alerts alerts.yaml
  certready serve --test-alert --alerts alerts.yaml
\b
/metrics is at http://HOST:PORT/metrics; the dashboard at http://HOST:PORT/.
"""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def register(app: typer.Typer) -> None:
    @app.command("serve", epilog=SERVE_EPILOG)
    def serve_command(
        db: DbOption = None,
        manifest: Annotated[
            list[str] | None,
            typer.Option(
                "--manifest",
                metavar="FILE",
                help="A deployment manifest to audit live on the schedule (repeatable).",
            ),
        ] = None,
        listen: Annotated[
            str,
            typer.Option(
                metavar="HOST:PORT",
                help="Where the dashboard and /metrics listen (plain HTTP). Any address but "
                "loopback needs --token-file.",
            ),
        ] = "127.0.0.1:9443",
        every: Annotated[
            str | None,
            typer.Option(
                metavar="DURATION", help="Run each manifest this often: 30s, 15m, 6h, 1d."
            ),
        ] = None,
        cron: Annotated[
            str | None,
            typer.Option(
                metavar="EXPR", help="Or at these times: a cron expression ('0 */6 * * *')."
            ),
        ] = None,
        jitter: Annotated[
            float,
            typer.Option(
                metavar="PERCENT",
                help="Delay each slot by a random part of up to this percent of the interval "
                "(0: off).",
            ),
        ] = 10.0,
        alerts: Annotated[
            str | None,
            typer.Option(
                metavar="FILE",
                help="Alert targets and rules (YAML; URLs through url_env: or url_file:).",
            ),
        ] = None,
        token_file: Annotated[
            str | None,
            typer.Option(
                metavar="FILE",
                help="A file holding the access token: every route then needs "
                "'Authorization: Bearer TOKEN' or the login form's cookie.",
            ),
        ] = None,
        timeout: Annotated[
            float, timeout_option("Seconds per endpoint (DNS, connect, handshake).")
        ] = DEFAULT_TIMEOUT,
        test_alert: Annotated[
            bool,
            typer.Option("--test-alert", help="Send one test message through --alerts and exit."),
        ] = False,
    ) -> int:
        """Audit manifests live on a schedule, record each run, send alerts, and serve the
        dashboard and Prometheus /metrics.

        Exit status: 0 stopped cleanly (SIGTERM, Ctrl-C) or test alert sent, 1 test alert not
        delivered, 2 usage error (a non-loopback --listen without --token-file refuses to start).
        """
        from certready.adapters.notify import Notifier, load_alerts

        streams = current_streams()
        alert_config = load_alerts(alerts) if alerts is not None else None
        if test_alert:
            if alert_config is None:
                raise UsageError("--test-alert needs --alerts FILE")
            ok = Notifier(alert_config).send(
                "certready: test alert",
                "This is a test message from certready serve --test-alert.",
            )
            streams.stdout.write(
                "test alert sent\n" if ok else "the test alert was not delivered\n"
            )
            return 0 if ok else 1
        if not manifest:
            raise UsageError("give at least one --manifest FILE to audit")
        from certready.interfaces.web.access import Access, parse_listen
        from certready.services.schedule import parse_schedule

        schedule = parse_schedule(every, cron, jitter)
        host, port = parse_listen(listen)
        access = Access.for_listen(host, token_file)
        return _serve(db, manifest, host, port, schedule, access, alert_config, timeout)

    del serve_command


def _serve(
    db: str | None,
    manifests: list[str],
    host: str,
    port: int,
    schedule: object,
    access: object,
    alert_config: object,
    timeout: float,
) -> int:
    import uvicorn

    from certready.adapters.inventory import Store, resolve_database
    from certready.adapters.inventory.watch_store import WatchStore
    from certready.adapters.metrics import Metrics
    from certready.adapters.notify import AlertConfig, Notifier
    from certready.interfaces.cli.output import exit_status
    from certready.interfaces.web.access import Access
    from certready.interfaces.web.app import build_app
    from certready.services.alerts import alerts_for_run, deliver
    from certready.services.schedule import Schedule
    from certready.services.watch import Finished, Watcher

    assert isinstance(schedule, Schedule) and isinstance(access, Access)
    assert alert_config is None or isinstance(alert_config, AlertConfig)
    log = logging.getLogger("certready.serve")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("certready serve: %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
    try:
        sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError as exc:
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    database = resolve_database(db)
    watch = WatchStore(database)
    inventory = Store(database)
    metrics = Metrics(watch, _now)
    notifier = Notifier(alert_config) if alert_config is not None else None
    watcher: Watcher

    def after_run(finished: Finished) -> None:
        run = inventory.run(finished.run_id)
        if run is not None:
            from certready.adapters.metrics import deployment_name

            metrics.count_failures(deployment_name(run), finished.report)
        if notifier is not None and alert_config is not None:
            found = alerts_for_run(watch, inventory, finished.run_id, alert_config.rules, _now())
            deliver(watch, found, notifier.send, owner=watcher.owner, now=_now())

    watcher = Watcher(
        database,
        manifests,
        schedule,
        status_of=lambda report: exit_status(report, None) or 0,
        timeout=timeout,
        after_run=after_run,
    )
    app = build_app(watch, inventory, metrics, access, _now)
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    shown = f"[{host}]" if ":" in host else host
    log.info(
        "listening on http://%s:%d/ (metrics at /metrics); %d manifest(s), recording into %s",
        shown,
        sock.getsockname()[1],
        len(manifests),
        database.named,
    )
    # uvicorn handles SIGTERM/SIGINT (a graceful stop), then raises the signal again once it has
    # stopped: these handlers take that second one so the watcher can finish and serve exits 0
    previous = {sig: signal.signal(sig, _ignore) for sig in (signal.SIGTERM, signal.SIGINT)}
    watcher.start()
    try:
        server.run(sockets=[sock])
    finally:
        watcher.stop()
        inventory.close()
        sock.close()
        for sig, handler_ in previous.items():
            signal.signal(sig, handler_)
        log.info("stopped")
    return 0


def _ignore(_signal: int, _frame: object) -> None:
    """The signal uvicorn raises again after its graceful stop: already handled."""
