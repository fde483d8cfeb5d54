"""Assembles the typer application from one module per command."""

from __future__ import annotations

import typer

from certready import __version__

HELP = """\
Check that every server of a deployment presents a certificate every client accepts
and that meets the vendor's certificate policy, and say exactly how to fix what does not.

Start with:  certready lint cert.pfx --host app.example.com
"""


def _version(value: bool) -> None:
    if value:
        from certready.interfaces.cli.main import current_streams

        current_streams().stdout.write(f"certready {__version__}\n")
        raise typer.Exit(0)


def build_app() -> typer.Typer:
    from certready.interfaces.cli import audit, csr, lab, lint, pfx, rules, scan, show

    app = typer.Typer(
        name="certready",
        help=HELP,
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
        context_settings={"help_option_names": ["-h", "--help"]},
    )

    @app.callback()
    def _root(
        version: bool = typer.Option(
            False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ) -> None:
        """certready: certificate readiness for whole deployments."""

    for module in (lint, show, rules, scan, csr, lab, audit, pfx):
        module.register(app)
    return app
