"""Assembles the typer application from one module per command, importing a module only when needed.

``certready --version`` and ``certready --help`` import no command module (and so no service):
the root help lists the commands from :data:`COMMANDS`, and a command's module is imported when
the command line names it. A test keeps each summary equal to its command's docstring.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

import typer
import typer.core
import typer.main

from certready import __version__

HELP = """\
Check that every server of a deployment presents a certificate every client accepts
and that meets the vendor's certificate policy, and say exactly how to fix what does not.

Start with:  certready lint cert.pfx --host app.example.com
"""

# Every Typer certready builds (the root and each command module's) is made with these.
SETTINGS: dict[str, Any] = {
    "add_completion": False,
    "pretty_exceptions_enable": False,
    "rich_markup_mode": None,
}


@dataclass(frozen=True, slots=True)
class CommandEntry:
    """A command as the root help lists it, and the module whose ``register(app)`` defines it."""

    module: str
    summary: str
    """The first paragraph of the command's help (click shortens it to fit the terminal)."""


COMMANDS: dict[str, CommandEntry] = {
    "lint": CommandEntry("lint", "Check certificate files against the policy."),
    "show": CommandEntry(
        "show",
        "Show what certificate files hold: names, usages in words, both fingerprints, key, "
        "validity and chain order. Private keys are detected and matched, never printed.",
    ),
    "rules": CommandEntry(
        "rules", "List every rule: id, severity, parameters, what it checks and why."
    ),
    "scan": CommandEntry(
        "scan",
        "Check the certificates live servers present, without trusting anything on the way.",
    ),
    "csr": CommandEntry(
        "csr",
        "Create a private key (PKCS#8, 0600) and a request the policy accepts: every name as a "
        "SAN, Key Usage by key type (RSA a0, EC digitalSignature), EKU serverAuth + clientAuth. "
        "Also writes a certreq INF (Windows) and an OpenSSL config with the same content.",
    ),
    "audit": CommandEntry(
        "audit",
        "Audit a whole deployment: every server's certificates, the topology, the clients.",
    ),
    "plan": CommandEntry(
        "audit",
        "Write the trust-install plan: scripts per server and client group, and a README.",
    ),
    "pfx": CommandEntry(
        "pfx",
        "Build the PFX (PKCS#12) Windows imports from a certificate, its key and its "
        "intermediates: AES-256 with a SHA-256 MAC, or --legacy. Without --password-env or "
        "--password-file the new PFX's password is asked on the terminal.",
    ),
    "doctor": CommandEntry(
        "doctor",
        "Check this client machine the way its applications connect: trust stores, proxy, "
        "interception.",
    ),
    "lab": CommandEntry(
        "lab",
        "A private lab CA that issues what the install guide wants (never for production).",
    ),
    "manifest": CommandEntry(
        "audit", "The deployment manifest: its JSON Schema, a commented starting point."
    ),
    "inventory": CommandEntry(
        "inventory",
        "Every certificate the recorded runs saw: days left, where, which servers.",
    ),
    "history": CommandEntry(
        "inventory",
        "What a target presented over time, and when each change started (new thumbprint, new "
        "issuer, chain changed, key size changed).",
    ),
    "diff": CommandEntry(
        "inventory",
        "Findings new, fixed and unchanged between two runs; certificates added, replaced and "
        "removed. JSON: findings.{new,fixed,unchanged} and certificates.{added,replaced,removed}.",
    ),
    "calendar": CommandEntry(
        "inventory",
        "The renewal calendar: when each certificate must be renewed (expiry minus the profile's "
        "lead time) and, for public ones, the longest lifetime a replacement issued then will get "
        "(CA/Browser Forum: 200 days from 2026-03-15, 100 from 2027-03-15, 47 from 2029-03-15).",
    ),
    "serve": CommandEntry(
        "serve",
        "Audit manifests live on a schedule, record each run, send alerts, and serve the "
        "dashboard and Prometheus /metrics.",
    ),
}
"""Every command, in the order ``--help`` lists them."""


class LazyGroup(typer.core.TyperGroup):
    """The root command: imports a command's module the first time the command is looked up."""

    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        entry = COMMANDS.get(cmd_name)
        if entry is not None and cmd_name not in self.commands:
            self.load(entry.module)
        return self.commands.get(cmd_name)

    def load(self, module_name: str) -> None:
        """Import ``interfaces.cli.<module_name>`` and add the commands its ``register`` defines."""
        module = importlib.import_module(f"certready.interfaces.cli.{module_name}")
        app = typer.Typer(**SETTINGS)
        module.register(app)
        for name, command in typer.main.get_group(app).commands.items():
            plain_help(command)
            self.add_command(command, name)

    def load_all(self) -> None:
        for module_name in dict.fromkeys(e.module for e in COMMANDS.values()):
            self.load(module_name)

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        """The command list from :data:`COMMANDS`, without importing any command module."""
        listed = self.commands
        self.commands = {
            name: listed.get(name) or typer.core.TyperCommand(name, help=entry.summary)
            for name, entry in COMMANDS.items()
        }
        try:
            super().format_commands(ctx, formatter)
        finally:
            self.commands = listed

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        if args and args[0] not in COMMANDS:  # a typo: "did you mean" needs every name loaded
            self.load_all()
        return super().resolve_command(ctx, args)


def _version(value: bool) -> None:
    if value:
        from certready.interfaces.cli.main import current_streams

        current_streams().stdout.write(f"certready {__version__}\n")
        raise typer.Exit(0)


def build_app() -> typer.Typer:
    app = typer.Typer(
        name="certready",
        cls=LazyGroup,
        help=HELP,
        no_args_is_help=True,
        context_settings={"help_option_names": ["-h", "--help"]},
        **SETTINGS,
    )

    @app.callback()
    def _root(
        version: bool = typer.Option(
            False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ) -> None:
        """certready: certificate readiness for whole deployments."""

    return app


def plain_help(command: object) -> None:
    """typer >= 0.29 prints an argument as ``PATH <list[str]>`` and ``{PATH}...`` in the usage
    line; an administrator reads ``PATH...`` / ``[PATH]``, the way every other tool writes it."""
    for param in getattr(command, "params", ()):
        if getattr(param, "param_type_name", "") != "argument":
            continue
        name = str(param.metavar or param.name or "ARG").upper()
        dots = "..." if param.nargs != 1 else ""
        usage = f"{name}{dots}" if param.required else f"[{name}]{dots}"
        param.metavar = name
        param.display_type_rich = lambda ctx: None
        param._usage_display_name = lambda usage=usage: usage
    for sub in getattr(command, "commands", {}).values():
        plain_help(sub)
