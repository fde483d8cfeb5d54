"""Rendering an :class:`~certready.core.plan.InstallPlan` to the files an administrator runs.

:func:`render_plan` returns every file's relative path and content; :func:`write_plan` writes them
(refusing to overwrite without ``force``). Only CA certificates are written; each server's PFX is
copied by the administrator next to the server's script (the README says which goes where).
``.ps1`` files are UTF-8 with BOM and CRLF, ``.cmd`` files CRLF (see :mod:`.quoting`).
"""

from __future__ import annotations

import os
import ssl
from pathlib import Path

from certready.adapters.plan.guides import android_steps, readme
from certready.adapters.plan.mobileconfig import ProfileSigner, mobileconfig
from certready.adapters.plan.proxy import WINHTTP, WININET, winhttp_script, wininet_script
from certready.adapters.plan.quoting import cmd_bytes, ps1_bytes
from certready.adapters.plan.scripts import (
    certutil_script,
    linux_script,
    macos_script,
    powershell_script,
    script_name,
)
from certready.adapters.writes import write_new
from certready.core.deployment import Platform
from certready.core.errors import CertReadyError, UsageError
from certready.core.plan import InstallPlan

__all__ = ["ProfileSigner", "render_plan", "write_plan"]

CERT_DIR = "certificates"


def render_plan(plan: InstallPlan, *, signer: ProfileSigner | None = None) -> dict[str, bytes]:
    """Relative path -> content, in the order the README lists them."""
    files: dict[str, bytes] = {}
    for cert in plan.ca_certificates:
        files[f"{CERT_DIR}/{cert.file_stem}.cer"] = cert.der
        files[f"{CERT_DIR}/{cert.file_stem}.pem"] = ssl.DER_cert_to_PEM_cert(cert.der).encode(
            "ascii"
        )
    for server in plan.servers:
        stem = script_name(server, None)
        files[f"{stem}.ps1"] = ps1_bytes(powershell_script(plan, server=server))
        files[f"{stem}.cmd"] = cmd_bytes(certutil_script(plan, server=server))
    for group in plan.clients:
        stem = script_name(None, group)
        if group.platform is Platform.WINDOWS:
            files[f"{stem}.ps1"] = ps1_bytes(powershell_script(plan, group=group))
            files[f"{stem}.cmd"] = cmd_bytes(certutil_script(plan, group=group))
        elif group.platform is Platform.LINUX:
            files[f"{stem}.sh"] = linux_script(plan, group).encode("utf-8")
        elif group.platform is Platform.MACOS:
            files[f"{stem}.sh"] = macos_script(plan, group).encode("utf-8")
        elif group.platform.is_apple_mobile:
            files[f"{stem}.mobileconfig"] = mobileconfig(plan, group, signer)
        else:
            files[f"{stem}.md"] = android_steps(plan, group).encode("utf-8")
    if plan.proxy is not None:
        if plan.proxy.server is not None:
            files[WINHTTP] = ps1_bytes(winhttp_script(plan, plan.proxy))
        files[WININET] = ps1_bytes(wininet_script(plan, plan.proxy))
    files["README.md"] = readme(plan, list(files), signed=signer is not None).encode("utf-8")
    return files


def write_plan(files: dict[str, bytes], out_dir: str | Path, *, force: bool = False) -> list[Path]:
    """Write the files under ``out_dir``; an existing file (or a link, even dangling) is an error
    unless ``force``, which replaces it rather than writing through it."""
    root = Path(out_dir)
    if root.exists() and not root.is_dir():
        raise UsageError("is a file, not a folder", location=str(root))
    existing = [name for name in files if os.path.lexists(root / name)]
    if existing and not force:
        shown = ", ".join(existing[:3]) + (" ..." if len(existing) > 3 else "")
        raise UsageError(f"{root} already holds {shown}; pass --force to overwrite")
    written: list[Path] = []
    for name, content in files.items():
        path = root / name
        mode = 0o755 if path.suffix == ".sh" else 0o644
        try:
            write_new(path, content, mode=mode, force=force)
        except CertReadyError as exc:
            raise UsageError(f"cannot write: {exc.message}", location=str(path)) from None
        except OSError as exc:
            raise UsageError(f"cannot write: {exc.strerror or exc}", location=str(path)) from None
        written.append(path)
    return written
