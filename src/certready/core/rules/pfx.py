"""Rules: pfx — what a PFX (PKCS#12) file's encryption means for the Windows that imports it.

Windows Server 2016 and older (and Windows 10 before 1709) import only PFX files encrypted with
PBE-SHA1-3DES; OpenSSL 3 and cryptography write AES-256 (PBES2) by default, which those systems
refuse with "The password you entered is incorrect". The encryption is a fact of the file, not
of the certificate: the audit, which reads the manifest's files, hands each server's PFX to these
rules as a :class:`PfxContext` (scope ``CONTAINER``), located at the manifest line naming it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import PurePath
from typing import ClassVar

from certready.core.location import Location
from certready.core.model import CertFacts, NoParameters, Role, Scope, Severity, Violation
from certready.core.rules.registry import SSL_AND_STS, rule


class PfxEncryption(StrEnum):
    """How a PKCS#12 file is encrypted, as it decides which Windows can import it."""

    LEGACY = "legacy"
    """PBE-SHA1-3DES or RC2/RC4: every Windows imports it (what Windows Server 2016 needs)."""
    PBES2 = "pbes2"
    """PBES2 with AES (OpenSSL 3's and cryptography's default): Windows Server 2019 and Windows 10
    1709 or later only; Windows Server 2016 and older cannot import it."""


@dataclass(frozen=True, slots=True)
class PfxContext:
    """A PFX file a manifest server names: its encryption, and whose file it is."""

    scope: ClassVar[Scope] = Scope.CONTAINER
    location: Location
    """The manifest line that names the file (``certificate:`` or ``sts_certificate:``)."""
    path: str
    """The file as the manifest names it."""
    encryption: PfxEncryption | None
    cipher: str | None
    """The cipher's name as administrators know it (``AES-256``, ``3DES``)."""
    server: str
    """The server as reports name it (``production/app``)."""
    fqdn: str
    manifest_key: str
    """``certificate`` or ``sts_certificate``: the key to point at a rebuilt file."""
    role: Role
    certificate: CertFacts | None = None
    """The file's leaf, when it could be read."""

    @property
    def subject_certificate(self) -> CertFacts | None:
        return self.certificate


@rule(
    id="pfx.windows-import",
    title="A PFX encrypted with AES (PBES2) is imported only by Windows Server 2019 / Windows 10 "
    "1709 and later",
    severity=Severity.INFO,
    rationale=(
        "Windows Server 2016 and older cannot import a PKCS#12 file encrypted with AES-256 "
        "(PBES2, RFC 8018): the import fails as if the password were wrong. A 3DES-encrypted PFX "
        "with a SHA-1 MAC imports everywhere."
    ),
    remediation=(
        "On Windows Server 2016 or older, rebuild the PFX with 3DES: `certready pfx OLD.pfx "
        "OLD.pfx --legacy --out NEW.pfx --key-password-env VAR` (VAR holds OLD.pfx's password; "
        "from PEM files: `certready pfx CERT KEY CHAIN --legacy --out NEW.pfx`); on Windows "
        "Server 2019 and later nothing needs to change."
    ),
    references=(
        "RFC 8018 §6.2 (PBES2)",
        "RFC 7292 Appendix C (PBE-SHA1-3DES)",
        "Microsoft: AES-256 PFX import needs Windows 10 1709 / Windows Server 2019",
    ),
    roles=SSL_AND_STS,
    scope=Scope.CONTAINER,
)
def pfx_windows_import(ctx: PfxContext, params: NoParameters) -> Iterable[Violation]:
    """An AES (PBES2) PFX: the server it is for may run a Windows that cannot import it."""
    if ctx.encryption is not PfxEncryption.PBES2:
        return
    path = PurePath(ctx.path)
    rebuilt = _quoted(str(path.with_name(f"{path.stem}-legacy{path.suffix or '.pfx'}")))
    source = _quoted(ctx.path)
    key = ctx.manifest_key
    yield Violation(
        f"{key}: {ctx.path} is encrypted with {ctx.cipher}: Windows Server 2016 and older"
        f" cannot import it on {ctx.server} ({ctx.fqdn})",
        remediation=(
            f"If {ctx.server} runs Windows Server 2016 or older, rebuild its PFX with 3DES:"
            f" `certready pfx {source} {source} --legacy --out {rebuilt} --key-password-env VAR`"
            f" (VAR holds the PFX's password) and point `{key}:` of {ctx.server} at the new file;"
            " Windows Server 2019 and later import it as it is."
        ),
    )


def _quoted(path: str) -> str:
    """A path as one argument that POSIX shells and PowerShell read alike: as it is when plain,
    else in single quotes, or double quotes when it holds a single quote (and no ``$``, backtick
    or double quote, which either shell would read)."""
    if re.fullmatch(r"[\w./\\:+-]+", path):
        return path
    if "'" not in path:
        return f"'{path}'"
    if not re.search(r'[$`"\\]', path):
        return f'"{path}"'
    return "'" + path.replace("'", "''") + "'"  # PowerShell's doubling
