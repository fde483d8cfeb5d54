"""PowerShell, certutil, Linux and macOS install scripts of a plan."""

from __future__ import annotations

from certready.core.plan import ClientGroup, InstallPlan, PlanCertificate, ServerInstall

CERT_DIR = "certificates"


def _ps(text: str) -> str:
    """A PowerShell single-quoted string literal."""
    return "'" + text.replace("'", "''") + "'"


def _sh(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def _title(plan: InstallPlan, server: ServerInstall | None, group: ClientGroup | None) -> str:
    """``certready install plan: <deployment> -- server ...`` (or ``-- client group ...``)."""
    if server is not None:
        who = f"server {server.key} ({server.fqdn})"
    else:
        assert group is not None
        who = f"client group {group.name!r} ({group.platform.value})"
    return f"certready install plan: {plan.deployment} -- {who}"


def powershell_script(
    plan: InstallPlan, *, server: ServerInstall | None = None, group: ClientGroup | None = None
) -> str:
    """Import-Certificate into LocalMachine\\Root and \\CA, Import-PfxCertificate into \\My on a
    server, then a final check that lists every expected thumbprint."""
    lines = [
        f"# {_title(plan, server, group)}",
        "# Run in an elevated PowerShell on each machine, from the plan folder.",
        "#Requires -RunAsAdministrator",
        "$ErrorActionPreference = 'Stop'",
        "$here = Split-Path -Parent $MyInvocation.MyCommand.Path",
        "",
    ]
    expected: list[tuple[str, str, str]] = []
    for cert in plan.ca_certificates:
        store = "Root" if cert.kind == "root" else "CA"
        relative = _ps(CERT_DIR + "\\" + cert.file_stem + ".cer")
        lines.append(f"# {cert.kind}: {cert.subject}")
        lines.append(
            f"Import-Certificate -FilePath (Join-Path $here {relative}) "
            f"-CertStoreLocation Cert:\\LocalMachine\\{store} | Out-Null"
        )
        expected.append((store, cert.thumbprint_sha1, cert.subject))
    if server is not None:
        lines.extend(_server_powershell(server, expected))
    lines += [
        "",
        "# Final check: every certificate of this plan is in its store.",
        "$expected = @(",
    ]
    lines += [
        f"    @{{ Store = {_ps(store)}; Thumbprint = {_ps(thumb)}; Subject = {_ps(subject)} }}"
        for store, thumb, subject in expected
    ]
    lines += [
        ")",
        "$missing = 0",
        "foreach ($e in $expected) {",
        "    $found = Get-ChildItem -Path ('Cert:\\LocalMachine\\' + $e.Store) |",
        "        Where-Object { $_.Thumbprint -eq $e.Thumbprint }",
        "    if ($found) { Write-Host ('OK       {0,-4} {1} {2}' -f $e.Store, $e.Thumbprint, $e.Subject) }",
        "    else { Write-Host ('MISSING  {0,-4} {1} {2}' -f $e.Store, $e.Thumbprint, $e.Subject); $missing++ }",
        "}",
        "if ($missing -gt 0) { exit 1 }",
        "",
    ]
    return "\n".join(lines)


def _server_powershell(server: ServerInstall, expected: list[tuple[str, str, str]]) -> list[str]:
    lines = [""]
    for label, path, thumb in (
        ("server certificate", server.pfx_path, server.thumbprint_sha1),
        ("STS (token-signing) certificate", server.sts_pfx_path, server.sts_thumbprint_sha1),
    ):
        if path is None:
            if label.startswith("server") and server.certificate_path:
                lines.append(
                    f"# The {label} {server.certificate_path} is not a PFX: export it with its "
                    "private key as .pfx, then import it into Cert:\\LocalMachine\\My."
                )
            continue
        lines += [
            f"# {label} with its private key, imported from where it is (never copied here)",
            f"$pfx = {_ps(path)}",
            f"$password = Read-Host -AsSecureString -Prompt {_ps('Password of ' + path)}",
            "Import-PfxCertificate -FilePath $pfx -CertStoreLocation Cert:\\LocalMachine\\My "
            "-Password $password | Out-Null",
        ]
        if thumb:
            expected.append(("My", thumb, f"{label} of {server.fqdn}"))
        else:
            lines.append(
                "# (its thumbprint is not in the final check: certready could not open the PFX "
                "when writing this plan; set its password_env/password_file and plan again)"
            )
    return lines


def certutil_script(
    plan: InstallPlan, *, server: ServerInstall | None = None, group: ClientGroup | None = None
) -> str:
    """The same as the PowerShell script with certutil (for machines without the PKI module)."""
    lines = [
        "@echo off",
        f"rem {_title(plan, server, group)}",
        "rem Run from an elevated command prompt.",
        'cd /d "%~dp0"',
    ]
    checks: list[tuple[str, str]] = []
    for cert in plan.ca_certificates:
        lines.append(
            f'certutil -addstore -f {cert.store} "{CERT_DIR}\\{cert.file_stem}.cer" || goto :fail'
        )
        checks.append((cert.store, cert.thumbprint_sha1))
    if server is not None:
        for path, thumb in (
            (server.pfx_path, server.thumbprint_sha1),
            (server.sts_pfx_path, server.sts_thumbprint_sha1),
        ):
            if path is None:
                continue
            lines.append("rem certutil asks for the PFX password")
            lines.append(f'certutil -f -importpfx My "{path}" || goto :fail')
            if thumb:
                checks.append(("My", thumb))
    lines.append("rem Final check: every certificate of this plan is in its store.")
    lines += [
        f"certutil -store {store} {thumb} >nul || (echo MISSING {store} {thumb} & goto :fail)"
        for store, thumb in checks
    ]
    lines += [
        "echo All certificates of the plan are installed.",
        "exit /b 0",
        ":fail",
        "echo Installation incomplete.",
        "exit /b 1",
        "",
    ]
    return "\r\n".join(lines)


def linux_script(plan: InstallPlan, group: ClientGroup) -> str:
    """update-ca-certificates (Debian, Ubuntu) or update-ca-trust (RHEL, Fedora, SUSE)."""
    lines = [
        "#!/bin/sh",
        f"# {_title(plan, None, group)}",
        "# Run as root from the plan folder. Roots become system trust anchors; servers must",
        "# send their intermediates (installing those as anchors would trust them directly).",
        "set -eu",
        'cd "$(dirname "$0")"',
        "if command -v update-ca-certificates >/dev/null 2>&1; then",
        "    dir=/usr/local/share/ca-certificates; update=update-ca-certificates",
        "else",
        "    dir=/etc/pki/ca-trust/source/anchors; update='update-ca-trust extract'",
        "fi",
    ]
    lines += [
        f'install -m 0644 {_sh(f"{CERT_DIR}/{c.file_stem}.pem")} "$dir/certready-{c.file_stem}.crt"'
        for c in plan.roots
    ]
    lines += ["$update", _check_lines(plan.roots), ""]
    return "\n".join(lines)


def _check_lines(roots: tuple[PlanCertificate, ...]) -> str:
    names = " ".join(_sh(f"{CERT_DIR}/{c.file_stem}.pem") for c in roots)
    return f'echo "installed: {names}"' if roots else 'echo "no root to install"'


def macos_script(plan: InstallPlan, group: ClientGroup) -> str:
    """security add-trusted-cert into the System keychain (roots), add-certificates (CAs)."""
    keychain = "/Library/Keychains/System.keychain"
    lines = [
        "#!/bin/sh",
        f"# {_title(plan, None, group)}",
        "# Run with sudo from the plan folder.",
        "set -eu",
        'cd "$(dirname "$0")"',
    ]
    lines += [
        f"security add-trusted-cert -d -r trustRoot -k {keychain} "
        f"{_sh(f'{CERT_DIR}/{c.file_stem}.cer')}"
        for c in plan.roots
    ]
    lines += [
        f"security add-certificates -k {keychain} {_sh(f'{CERT_DIR}/{c.file_stem}.cer')} || true"
        for c in plan.intermediates
    ]
    lines += [
        "# Final check: each root is found by its SHA-1 thumbprint.",
        *(
            f"security find-certificate -a -Z {keychain} | grep -q {c.thumbprint_sha1} "
            f"|| {{ echo 'MISSING {c.subject}'; exit 1; }}"
            for c in plan.roots
        ),
        "echo 'All roots of the plan are trusted.'",
        "",
    ]
    return "\n".join(lines)
