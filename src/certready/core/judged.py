"""What a verdict is judged for: the command and the kind of server input, so that a fix text
names what the reader can act on.

``lint`` takes flags (``--chain``, ``--trust``); ``audit`` has no such flags but manifest keys
(``trust.roots``, ``trust.intermediates``, a server's full-chain ``certificate:`` file, ``key:``);
``scan`` sees what a server sends. A PFX is what IIS and Windows import: SChannel builds the chain
it sends from the machine's certificate stores, so "the certificate file" is the wrong place for
an intermediate there, and a root inside the PFX is never sent; a PKCS#7 ``.p7b`` is imported the
same way. Rules read this value from their context and choose their remediation
(:attr:`certready.core.model.Violation.remediation`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Command(StrEnum):
    """The command whose report the finding appears in."""

    LINT = "lint"
    SCAN = "scan"
    AUDIT = "audit"


class ServerKind(StrEnum):
    """How the server gets its certificate and chain."""

    FILES = "files"
    """PEM/DER files: the server sends what its certificate file holds (nginx, Apache)."""
    WINDOWS = "windows"
    """An install file, a PFX/PKCS#12 or a PKCS#7 ``.p7b``, as IIS and certlm import it (no
    server sends it as it is): SChannel builds the chain from the machine's stores."""
    LIVE = "live"
    """What a live server presented (``scan``, ``audit --live``)."""


@dataclass(frozen=True, slots=True)
class JudgedFor:
    """The command and input a context is judged for (default: ``lint`` of certificate files)."""

    command: Command = Command.LINT
    server: ServerKind = ServerKind.FILES
    name_given: bool = True
    """A server name was checked: ``False`` when ``scan`` connected to an IP address without
    ``--sni`` (the IP is then the only name checked, and rarely the one clients use)."""

    @property
    def audit(self) -> bool:
        return self.command is Command.AUDIT

    @property
    def windows(self) -> bool:
        return self.server is ServerKind.WINDOWS


LINT_FILES = JudgedFor()
"""``lint`` of certificate files: every context's default."""
SCAN_LIVE = JudgedFor(Command.SCAN, ServerKind.LIVE)
"""``scan`` of a server by name."""
