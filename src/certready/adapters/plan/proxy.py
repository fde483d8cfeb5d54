"""The proxy bypass of a plan, for both Windows proxy stacks.

- WinHTTP (``netsh winhttp set proxy``): what services use: IIS, the STS, Windows services and
  scheduled tasks run without a user's Internet Options. It needs the proxy's ``host:port``.
- WinINET (the user's ``ProxyOverride`` under ``HKCU\\...\\Internet Settings``): what browsers and
  desktop applications read, per user; deployed to many PCs with Group Policy Preferences.
"""

from __future__ import annotations

from certready.adapters.plan.quoting import comment, ps_literal
from certready.core.plan import InstallPlan, ProxyPlan

WINHTTP = "proxy-winhttp.ps1"
WININET = "proxy-wininet.ps1"
INTERNET_SETTINGS = "HKCU:\\Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings"


def winhttp_script(plan: InstallPlan, proxy: ProxyPlan) -> str:
    assert proxy.server is not None
    return "\n".join(
        [
            f"# {comment(plan.deployment)}: WinHTTP proxy and bypass list (services, the STS, IIS)",
            "# Run in an elevated PowerShell on each server:",
            f"#   powershell -ExecutionPolicy Bypass -File .\\{WINHTTP}",
            "#Requires -RunAsAdministrator",
            "param(",
            f"    [string]$ProxyServer = {ps_literal(proxy.server)},",
            f"    [string]$BypassList = {ps_literal(proxy.bypass)}",
            ")",
            "$ErrorActionPreference = 'Stop'",
            "netsh winhttp set proxy ('proxy-server=' + $ProxyServer) ('bypass-list=' + $BypassList)"
            " | Out-Null",
            "if ($LASTEXITCODE -ne 0) { Write-Host 'netsh winhttp set proxy failed'; exit 1 }",
            "# Check: netsh shows the same bypass list.",
            "$shown = netsh winhttp show proxy | Out-String",
            "if ($shown.Contains($BypassList) -and $shown.Contains($ProxyServer)) {",
            "    Write-Host ('OK       WinHTTP proxy ' + $ProxyServer + ', bypass ' + $BypassList)",
            "    exit 0",
            "}",
            "Write-Host ('WRONG    WinHTTP proxy settings:' + [Environment]::NewLine + $shown)",
            "exit 1",
            "",
        ]
    )


def wininet_script(plan: InstallPlan, proxy: ProxyPlan) -> str:
    server = ps_literal(proxy.server or "")
    return "\n".join(
        [
            f"# {comment(plan.deployment)}: WinINET bypass list (browsers and the applications of"
            " the signed-in user)",
            "# Run as the user, not elevated (it writes HKCU):",
            f"#   powershell -ExecutionPolicy Bypass -File .\\{WININET}",
            "# Many PCs: Group Policy Preferences instead (see README.md).",
            "param(",
            f"    [string]$BypassList = {ps_literal(proxy.bypass)},",
            f"    [string]$ProxyServer = {server}",
            ")",
            "$ErrorActionPreference = 'Stop'",
            f"$key = {ps_literal(INTERNET_SETTINGS)}",
            "Set-ItemProperty -Path $key -Name ProxyOverride -Value $BypassList",
            "if ($ProxyServer) {",
            "    Set-ItemProperty -Path $key -Name ProxyServer -Value $ProxyServer",
            "    Set-ItemProperty -Path $key -Name ProxyEnable -Value 1 -Type DWord",
            "}",
            "# Check: the value reads back the same.",
            "$now = (Get-ItemProperty -Path $key -Name ProxyOverride).ProxyOverride",
            "if ($now -eq $BypassList) { Write-Host ('OK       ProxyOverride ' + $now); exit 0 }",
            "Write-Host ('WRONG    ProxyOverride is [' + $now + ']'); exit 1",
            "",
        ]
    )


def proxy_readme(proxy: ProxyPlan) -> list[str]:
    """The README's proxy section: which stack each machine needs, and the Group Policy route."""
    out = [
        "## Proxy bypass",
        "",
        f"The manifest's bypass list: `{comment(proxy.bypass)}` (the guide: bypass the application,",
        "mobile and Physician Portal servers, or use no proxy).",
        "",
    ]
    if proxy.server is not None:
        out += [
            f"- **Servers** (services, IIS, the STS use WinHTTP): run `{WINHTTP}` elevated on each",
            f"  server. It runs `netsh winhttp set proxy proxy-server={comment(proxy.server)} "
            "bypass-list=...` and checks the result.",
        ]
    else:
        out += [
            "- **Servers** (services, IIS, the STS use WinHTTP): `netsh winhttp set proxy` needs",
            "  the proxy's address, which the manifest does not give: add `server: host:port`",
            "  under `proxy:` and plan again (or run `netsh winhttp set proxy",
            "  proxy-server=HOST:PORT bypass-list=...` by hand).",
        ]
    out += [
        f"- **Windows PCs** (browsers and the desktop application use WinINET): run `{WININET}`",
        "  as each user, or deploy it with Group Policy: User Configuration > Preferences >",
        "  Windows Settings > Registry, value `ProxyOverride` (REG_SZ) under",
        "  `HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings`",
        "  with the list above.",
        "- macOS, iOS, Android and Linux clients: enter the same names as proxy exceptions in the",
        "  network settings or the MDM's proxy payload (their syntax separates with commas).",
        "",
    ]
    return out
