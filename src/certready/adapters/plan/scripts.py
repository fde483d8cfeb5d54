"""PowerShell, certutil, Linux and macOS install scripts of a plan.

Every script runs from its own folder on the machine it is for: paths are parameters whose
defaults are relative to the script (``-CertificateFolder``, ``-PfxPath``), never a path of the
machine that wrote the plan. Each step is safe to rerun; each script ends with a check of what it
installed and exits non-zero when something is missing.
"""

from __future__ import annotations

from certready.adapters.plan.quoting import cmd_text, comment, ps_literal, sh_literal
from certready.core.plan import (
    ClientGroup,
    InstallPlan,
    PlanCertificate,
    ServerCertificate,
    ServerInstall,
)

CERT_DIR = "certificates"
RUN_HINT = "powershell -ExecutionPolicy Bypass -File .\\{name}"


def _title(plan: InstallPlan, server: ServerInstall | None, group: ClientGroup | None) -> str:
    """``certready install plan: <deployment> -- server ...`` (or ``-- client group ...``)."""
    if server is not None:
        who = f"server {server.key} ({server.fqdn})"
    else:
        assert group is not None
        who = f"client group {group.name!r} ({group.platform.value})"
    return comment(f"certready install plan: {plan.deployment} -- {who}")


def script_name(server: ServerInstall | None, group: ClientGroup | None) -> str:
    if server is not None:
        return f"server-{server.file_stem}"
    assert group is not None
    return f"{group.platform.value}-{group.file_stem}"


_CA_FUNCTIONS = r"""
function Add-CaCertificate([string]$File, [string]$Store, [string]$Thumbprint) {
    if (Test-Path -Path ('Cert:\LocalMachine\' + $Store + '\' + $Thumbprint)) {
        Write-Host ('present  {0,-4} {1}' -f $Store, $File)
        return
    }
    Import-Certificate -FilePath (Join-Path $CertificateFolder $File) `
        -CertStoreLocation ('Cert:\LocalMachine\' + $Store) | Out-Null
    Write-Host ('added    {0,-4} {1}' -f $Store, $File)
}
"""

_SERVER_FUNCTIONS = r"""
function Import-ServerPfx([string]$Path, [string]$Thumbprint, [string]$Label) {
    if ($Thumbprint -and (Test-Path -Path ('Cert:\LocalMachine\My\' + $Thumbprint))) {
        Write-Host ('present  My   ' + $Label)
        return $Thumbprint
    }
    if (-not (Test-Path -LiteralPath $Path)) {
        throw ($Label + ': ' + $Path + ' not found: copy the PFX next to this script or give its path')
    }
    $password = Read-Host -AsSecureString -Prompt ('Password of ' + $Path)
    $imported = Import-PfxCertificate -FilePath $Path -CertStoreLocation Cert:\LocalMachine\My `
        -Password $password
    $leaf = $imported | Where-Object { $_.HasPrivateKey } | Select-Object -First 1
    if (-not $leaf) { throw ($Label + ': ' + $Path + ' holds no certificate with its private key') }
    if ($Thumbprint -and $leaf.Thumbprint -ne $Thumbprint) {
        throw ($Label + ': ' + $Path + ' holds ' + $leaf.Thumbprint + ', the plan expects ' + $Thumbprint)
    }
    Write-Host ('added    My   ' + $Label + ' ' + $leaf.Thumbprint)
    return $leaf.Thumbprint
}

$script:NotGranted = @()
function Grant-KeyRead([string]$Thumbprint, [string]$Account) {
    try {
        $null = (New-Object System.Security.Principal.NTAccount($Account)).Translate(
            [System.Security.Principal.SecurityIdentifier])
    } catch {
        Write-Host ('WARNING  no account ' + $Account + ' on this machine: give the right one ' +
            '(-AppPoolAccount / -StsAccount) and rerun')
        $script:NotGranted += $Account
        return
    }
    $cert = Get-Item -Path ('Cert:\LocalMachine\My\' + $Thumbprint)
    $key = [System.Security.Cryptography.X509Certificates.RSACertificateExtensions]::GetRSAPrivateKey($cert)
    if (-not $key) {
        $key = [System.Security.Cryptography.X509Certificates.ECDsaCertificateExtensions]::GetECDsaPrivateKey($cert)
    }
    if ($key -is [System.Security.Cryptography.RSACng] -or $key -is [System.Security.Cryptography.ECDsaCng]) {
        $file = Join-Path $env:ProgramData ('Microsoft\Crypto\Keys\' + $key.Key.UniqueName)
    } else {
        $file = Join-Path $env:ProgramData ('Microsoft\Crypto\RSA\MachineKeys\' + $key.CspKeyContainerInfo.UniqueKeyContainerName)
    }
    $acl = Get-Acl -Path $file
    $rule = New-Object System.Security.AccessControl.FileSystemAccessRule($Account, 'Read', 'Allow')
    $acl.AddAccessRule($rule)
    Set-Acl -Path $file -AclObject $acl
    Write-Host ('granted  read of the private key of ' + $Thumbprint + ' to ' + $Account)
}

function Get-SslEndpoint([string]$Name, [bool]$Sni) {
    if ($Sni) { return ('hostnameport=' + $Name + ':' + $Port) }
    $ip = if ($IPAddress -eq '*') { '0.0.0.0' } else { $IPAddress }
    return ('ipport=' + $ip + ':' + $Port)
}

function Get-BoundThumbprint([string]$Name, [bool]$Sni) {
    $ErrorActionPreference = 'Continue'  # netsh reports "not found" on stderr
    $text = netsh http show sslcert (Get-SslEndpoint $Name $Sni) 2>$null | Out-String
    if ($text -match '\b([0-9a-fA-F]{40})\b') { return $Matches[1].ToUpper() }
    return ''
}

function Set-HttpsBinding([string]$Name, [string]$Thumbprint, [bool]$Sni) {
    $iis = (-not $UseNetsh) -and (Get-Module -ListAvailable -Name WebAdministration)
    if ($iis) {
        Import-Module WebAdministration
        $flags = if ($Sni) { 1 } else { 0 }
        $binding = Get-WebBinding -Name $SiteName -Protocol https -Port $Port -HostHeader $Name
        if (-not $binding) {
            New-WebBinding -Name $SiteName -Protocol https -Port $Port -IPAddress $IPAddress `
                -HostHeader $Name -SslFlags $flags
            $binding = Get-WebBinding -Name $SiteName -Protocol https -Port $Port -HostHeader $Name
        }
        if ($binding.certificateHash -ne $Thumbprint) {
            if ($binding.certificateHash) { $binding.RemoveSslCertificate() }
            $binding.AddSslCertificate($Thumbprint, 'My')
        }
        Write-Host ('bound    IIS ' + $SiteName + ' https ' + $Name + ':' + $Port + ' -> ' + $Thumbprint)
        return
    }
    $endpoint = Get-SslEndpoint $Name $Sni
    $current = Get-BoundThumbprint $Name $Sni
    if ($current -eq $Thumbprint) {
        Write-Host ('present  ' + $endpoint + ' -> ' + $Thumbprint)
        return
    }
    if ($current) { netsh http delete sslcert $endpoint | Out-Null }
    netsh http add sslcert $endpoint ('certhash=' + $Thumbprint) ('appid={' + $AppId + '}') 'certstorename=MY' | Out-Null
    if ($LASTEXITCODE -ne 0) { throw ('netsh http add sslcert ' + $endpoint + ' failed') }
    Write-Host ('bound    ' + $endpoint + ' -> ' + $Thumbprint)
}
"""

_CHECK = r"""
$failed = 0
foreach ($e in $expected) {
    $found = Test-Path -Path ('Cert:\LocalMachine\' + $e.Store + '\' + $e.Thumbprint)
    if ($found) { Write-Host ('OK       {0,-4} {1} {2}' -f $e.Store, $e.Thumbprint, $e.Subject) }
    else { Write-Host ('MISSING  {0,-4} {1} {2}' -f $e.Store, $e.Thumbprint, $e.Subject); $failed++ }
}
"""


def _header(name: str, title: str, needs: list[str]) -> list[str]:
    lines = [
        f"# {title}",
        "# Run in an elevated PowerShell, from the folder holding this script:",
        f"#   {RUN_HINT.format(name=name)}",
        "# (a copy from a zip or a share: Unblock-File first, see README.md)",
    ]
    if needs:
        lines.append("# Next to this script: " + ", ".join(needs))
    return [*lines, "#Requires -RunAsAdministrator"]


def powershell_script(
    plan: InstallPlan, *, server: ServerInstall | None = None, group: ClientGroup | None = None
) -> str:
    """Import-Certificate into LocalMachine\\Root and \\CA; on a server, Import-PfxCertificate
    into \\My, read access to the key, the HTTPS binding; then a final check."""
    name = script_name(server, group) + ".ps1"
    imports = server.imports if server is not None else ()
    needs = [f"{CERT_DIR}\\", *(c.pfx_name for c in imports)]
    lines = _header(name, _title(plan, server, group), needs)
    params = [f"    [string]$CertificateFolder = (Join-Path $PSScriptRoot {ps_literal(CERT_DIR)})"]
    if server is not None:
        params += _server_params(server)
    lines += ["[CmdletBinding()]", "param(", ",\n".join(params), ")"]
    lines += ["$ErrorActionPreference = 'Stop'", _CA_FUNCTIONS.rstrip()]
    if server is not None:
        lines.append(_SERVER_FUNCTIONS.rstrip())
    lines += ["", "# Every CA certificate of the plan into its store (rerunning adds nothing)."]
    for cert in plan.ca_certificates:
        lines.append(f"# {cert.kind}: {comment(cert.subject)}")
        lines.append(
            f"Add-CaCertificate {ps_literal(cert.file_stem + '.cer')} {ps_literal(cert.store)} "
            f"{ps_literal(cert.thumbprint_sha1)}"
        )
    lines += ["", "$expected = @("]
    lines += [
        f"    @{{ Store = {ps_literal(c.store)}; Thumbprint = {ps_literal(c.thumbprint_sha1)}; "
        f"Subject = {ps_literal(c.subject)} }}"
        for c in plan.ca_certificates
    ]
    lines.append(")")
    if server is not None:
        lines += _server_steps(server)
    lines += ["", "# Final check: every certificate of this plan is in its store.", _CHECK.strip()]
    if server is not None and server.certificate is not None:
        lines += [
            "foreach ($name in $Names) {",
            "    $bound = Get-BoundThumbprint $name $Sni",
            "    if ($bound -eq $ServerThumbprint) { Write-Host ('OK       https ' + $name + ':' "
            "+ $Port + ' -> ' + $bound) }",
            "    else { Write-Host ('WRONG    https ' + $name + ':' + $Port + ' is bound to [' "
            "+ $bound + '], expected ' + $ServerThumbprint); $failed++ }",
            "}",
        ]
    if server is not None and server.imports:
        lines += [
            "foreach ($account in $script:NotGranted) {",
            "    Write-Host ('MISSING  read access to the private key for ' + $account); $failed++",
            "}",
        ]
    lines += [
        "if ($failed -gt 0) { Write-Host ('{0} check(s) failed' -f $failed); exit 1 }",
        "Write-Host 'All certificates of the plan are installed.'",
        "exit 0",
        "",
    ]
    return "\n".join(lines)


def _server_params(server: ServerInstall) -> list[str]:
    params: list[str] = []
    if server.certificate is not None:
        params.append(
            f"    [string]$PfxPath = (Join-Path $PSScriptRoot "
            f"{ps_literal(server.certificate.pfx_name)})"
        )
    if server.sts is not None:
        params.append(
            f"    [string]$StsPfxPath = (Join-Path $PSScriptRoot {ps_literal(server.sts.pfx_name)})"
        )
    names = ", ".join(ps_literal(n) for n in server.names)
    params += [
        f"    [string[]]$Names = @({names})",
        "    [string]$SiteName = 'Default Web Site'",
        f"    [int]$Port = {server.port}",
        "    [string]$IPAddress = '*'",
        "    [string]$AppPoolAccount = 'IIS AppPool\\DefaultAppPool'",
        "    [string]$StsAccount = 'NT AUTHORITY\\NETWORK SERVICE'",
        "    [switch]$UseNetsh",
    ]
    return params


def _server_steps(server: ServerInstall) -> list[str]:
    lines = [
        "",
        f"$AppId = {ps_literal(server.app_id)}",
        "$Sni = $Names.Count -gt 1",
    ]
    for cert in server.imports:
        var = "$ServerThumbprint" if cert.purpose == "ssl" else "$StsThumbprint"
        path = "$PfxPath" if cert.purpose == "ssl" else "$StsPfxPath"
        account = "$AppPoolAccount" if cert.purpose == "ssl" else "$StsAccount"
        lines += ["", f"# The {cert.label} with its private key into LocalMachine\\My."]
        lines += _pem_note(cert)
        lines += [
            f"{var} = Import-ServerPfx {path} {ps_literal(cert.thumbprint_sha1 or '')} "
            f"{ps_literal(cert.label)}",
            f"$expected += @{{ Store = 'My'; Thumbprint = {var}; "
            f"Subject = {ps_literal(cert.label + ' of ' + server.fqdn)} }}",
            f"# Read access to its private key for {account[1:]} (the account that uses it).",
            f"Grant-KeyRead {var} {account}",
        ]
    if server.certificate is not None:
        how = "with the SNI flag (the names share the IP:port)" if server.sni else "no SNI flag"
        lines += [
            "",
            f"# The HTTPS binding of every name of the server, {how}:",
            "# IIS when it is installed, netsh http add sslcert otherwise (or with -UseNetsh).",
            "foreach ($name in $Names) { Set-HttpsBinding $name $ServerThumbprint $Sni }",
        ]
    return lines


def _pem_note(cert: ServerCertificate) -> list[str]:
    if cert.is_pfx:
        return [
            f"#    From {comment(cert.source)} (the manifest's file), copied next to this script."
        ]
    return [
        f"#    {comment(cert.source)} is not a PFX: make {comment(cert.pfx_name)} first, where the "
        "key is:",
        f"#      {comment(pfx_command(cert))}",
    ]


def pfx_command(cert: ServerCertificate) -> str:
    """The ``certready pfx`` command that turns a certificate and key (PEM or DER) into the plan's
    PFX."""
    key = cert.key_source or "KEY-FILE"
    return f"certready pfx {sh_literal(cert.source)} {sh_literal(key)} --out {sh_literal(cert.pfx_name)}"


def certutil_script(
    plan: InstallPlan, *, server: ServerInstall | None = None, group: ClientGroup | None = None
) -> str:
    """The same CA and PFX imports with certutil (no HTTPS binding: the .ps1 does that)."""
    lines = [
        "@echo off",
        "chcp 65001 >nul",
        f"rem {cmd_text(_title(plan, server, group))}",
        "rem Run from an elevated command prompt. Argument 1: the certificates folder",
        "rem (default: the one next to this script).",
        "setlocal",
        'set "CERTS=%~dp0certificates"',
        'if not "%~1"=="" set "CERTS=%~1"',
    ]
    checks: list[tuple[str, str]] = []
    for cert in plan.ca_certificates:
        lines.append(
            f'certutil -addstore -f {cert.store} "%CERTS%\\{cmd_text(cert.file_stem)}.cer" '
            "|| goto :fail"
        )
        checks.append((cert.store, cert.thumbprint_sha1))
    if server is not None:
        for imported in server.imports:
            lines.append(f"rem {cmd_text(imported.label)}: certutil asks for the PFX password")
            lines.append(
                f'certutil -f -importpfx My "%~dp0{cmd_text(imported.pfx_name)}" || goto :fail'
            )
            if imported.thumbprint_sha1:
                checks.append(("My", imported.thumbprint_sha1))
        if server.certificate is not None:
            lines.append("rem The HTTPS binding and the key's access rights: run the .ps1 script.")
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
    return "\n".join(lines)


def linux_script(plan: InstallPlan, group: ClientGroup) -> str:
    """update-ca-certificates (Debian, Ubuntu) or update-ca-trust (RHEL, Fedora, SUSE)."""
    lines = [
        "#!/bin/sh",
        f"# {_title(plan, None, group)}",
        "# Run as root from the plan folder: sudo sh ./" + script_name(None, group) + ".sh",
        "# Roots become system trust anchors; servers must send their intermediates (installing",
        "# those as anchors would trust them directly).",
        "set -eu",
        'cd "$(dirname "$0")"',
        'certs="${CERTIFICATE_FOLDER:-certificates}"',
        "if command -v update-ca-certificates >/dev/null 2>&1; then",
        "    dir=/usr/local/share/ca-certificates; update=update-ca-certificates",
        "else",
        "    dir=/etc/pki/ca-trust/source/anchors; update='update-ca-trust extract'",
        "fi",
    ]
    lines += [
        f'install -m 0644 "$certs"/{sh_literal(c.file_stem + ".pem")} '
        f'"$dir"/{sh_literal("certready-" + c.file_stem + ".crt")}'
        for c in plan.roots
    ]
    lines += ["$update", _check_lines(plan.roots), ""]
    return "\n".join(lines)


def _check_lines(roots: tuple[PlanCertificate, ...]) -> str:
    names = " ".join(c.file_stem for c in roots)
    return f"echo {sh_literal('installed: ' + names)}" if roots else "echo 'no root to install'"


def macos_script(plan: InstallPlan, group: ClientGroup) -> str:
    """security add-trusted-cert into the System keychain (roots), add-certificates (CAs)."""
    keychain = "/Library/Keychains/System.keychain"
    lines = [
        "#!/bin/sh",
        f"# {_title(plan, None, group)}",
        "# Run with sudo from the plan folder: sudo sh ./" + script_name(None, group) + ".sh",
        "set -eu",
        'cd "$(dirname "$0")"',
        'certs="${CERTIFICATE_FOLDER:-certificates}"',
    ]
    lines += [
        f"security add-trusted-cert -d -r trustRoot -k {keychain} "
        f'"$certs"/{sh_literal(c.file_stem + ".cer")}'
        for c in plan.roots
    ]
    lines += [
        f'security add-certificates -k {keychain} "$certs"/{sh_literal(c.file_stem + ".cer")} '
        "|| true"
        for c in plan.intermediates
    ]
    lines += [
        "# Final check: each root is found by its SHA-1 thumbprint.",
        *(
            f"security find-certificate -a -Z {keychain} | grep -q {c.thumbprint_sha1} "
            f"|| {{ echo {sh_literal('MISSING ' + c.subject)}; exit 1; }}"
            for c in plan.roots
        ),
        "echo 'All roots of the plan are trusted.'",
        "",
    ]
    return "\n".join(lines)
