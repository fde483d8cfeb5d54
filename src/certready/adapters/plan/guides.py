"""The written parts of a plan: Android steps and the README saying which file goes where."""

from __future__ import annotations

from certready.adapters.plan.proxy import proxy_readme
from certready.adapters.plan.quoting import comment
from certready.adapters.plan.scripts import pfx_command, script_name
from certready.core.deployment import Platform
from certready.core.plan import ClientGroup, InstallPlan

CERT_DIR = "certificates"

ANDROID_CAVEAT = (
    "Caveat: since Android 7, apps trust user-installed CAs only when the app opts in (its network "
    "security configuration). Confirm with the vendor that the app does, or deploy the root "
    "through your device management (MDM/EMM) as a managed CA, or use a publicly trusted "
    "certificate on the servers."
)


def android_steps(plan: InstallPlan, group: ClientGroup) -> str:
    roots = ", ".join(f"`{CERT_DIR}/{c.file_stem}.cer`" for c in plan.roots) or "(none)"
    return "\n".join(
        [
            f"# {comment(plan.deployment)}: Android client group {comment(group.name)!r}",
            "",
            f"> {ANDROID_CAVEAT}",
            "",
            f"1. Copy {roots} to the device (email, USB or the MDM).",
            "2. Settings > Security & privacy > More security settings > Encryption & credentials >",
            "   Install a certificate > CA certificate (wording varies by maker and version).",
            "3. Acknowledge the warning, pick the copied file, confirm with the screen lock.",
            "4. Check: Settings > ... > Trusted credentials > User shows the root.",
            "5. Open the app and sign in; if it still refuses the server, the app does not trust",
            "   user CAs: see the caveat above.",
            "",
        ]
    )


def _thumb_table(plan: InstallPlan) -> list[str]:
    rows = ["| file | store | subject | SHA-1 thumbprint |", "| --- | --- | --- | --- |"]
    rows += [
        f"| `{CERT_DIR}/{c.file_stem}.cer` | {'Trusted Root' if c.kind == 'root' else 'Intermediate'}"
        f" | {_cell(c.subject)} | `{c.thumbprint_sha1}` |"
        for c in plan.ca_certificates
    ]
    return rows


def _cell(text: str) -> str:
    return comment(text).replace("|", "\\|")


RUNNING = [
    "## Running the scripts on Windows",
    "",
    "Copy the folder (or the files the next section names) to the machine, then in an elevated",
    "PowerShell in that folder:",
    "",
    "```powershell",
    "Get-ChildItem -Recurse | Unblock-File      # files from a zip, a share or a download",
    "powershell -ExecutionPolicy Bypass -File .\\server-production-app.ps1",
    "```",
    "",
    "`Unblock-File` removes the mark Windows puts on downloaded files; `-ExecutionPolicy Bypass`",
    "runs this one script without changing the machine's policy. Each script takes its files from",
    "its own folder; parameters override that: `-CertificateFolder DIR`, and on servers `-PfxPath",
    "FILE`, `-StsPfxPath FILE`, `-SiteName NAME` (IIS site, default `Default Web Site`), `-Port N`,",
    "`-IPAddress IP`, `-AppPoolAccount ACCOUNT` (default `IIS AppPool\\DefaultAppPool`),",
    "`-StsAccount ACCOUNT` (the STS service's account, default `NT AUTHORITY\\NETWORK SERVICE`),",
    "`-UseNetsh` (bind with `netsh http add sslcert` even where IIS is installed). Every step is",
    "safe to rerun; the script ends with a check and exits 1 when something is missing or the",
    "HTTPS binding holds another certificate. The `.cmd` twins do the certificate imports with",
    "certutil (no binding, no key access).",
    "",
]


def _server_files(plan: InstallPlan) -> list[str]:
    out = ["## What goes to which machine", ""]
    for server in plan.servers:
        stem = script_name(server, None)
        out.append(
            f"- **{comment(server.key)}** ({server.fqdn}): `{stem}.ps1` (or `{stem}.cmd`), the "
            f"`{CERT_DIR}` folder, and next to the script:"
        )
        if not server.imports:
            out.append("  - (the manifest names no certificate file for this server)")
        for cert in server.imports:
            if cert.is_pfx:
                out.append(
                    f"  - `{comment(cert.pfx_name)}`: the {cert.label}, from `{comment(cert.source)}`"
                    " beside the manifest."
                )
            else:
                out.append(
                    f"  - `{comment(cert.pfx_name)}`: the {cert.label}. `{comment(cert.source)}` is "
                    "not a PFX; make the PFX from the manifest's folder with"
                    f" `{comment(pfx_command(cert))}`"
                    " (add `--legacy` for Windows Server 2016 and older)."
                )
            if cert.thumbprint_sha1 is None:
                out.append(
                    "    certready could not open it while planning (no `password_env` or "
                    "`password_file`, or a wrong one): CA certificates only in that file are not "
                    "in this plan, and the script checks the thumbprint it imports. Set the "
                    "password source in the manifest and plan again."
                )
    out += [
        "- **Client machines**: their script and the `certificates` folder only.",
        "",
        "Private keys are never in this folder: copy each PFX straight to its own server (not",
        "into a shared copy of the plan), and delete it there once the script has imported it.",
        "",
    ]
    return out


def readme(plan: InstallPlan, files: list[str], *, signed: bool = False) -> str:
    """Which file goes where, in the order to run them: servers first, then each client group."""
    out = [f"# Install plan: {comment(plan.deployment)}", ""]
    if plan.private:
        out += [
            "The chain ends in a private (or self-signed) root: every server and client must trust",
            "the root (Trusted Root Certification Authorities) and every intermediate of the SSL",
            "and STS paths (Intermediate Certification Authorities).",
        ]
    else:
        out += [
            "The chain ends in a public root that clients already trust: nothing needs installing",
            "on clients. The server scripts still import each server's certificate and key.",
        ]
    out += ["", "## Certificates in this folder", "", *_thumb_table(plan), ""]
    out += RUNNING
    if plan.servers:
        out += _server_files(plan)
    out += ["## In this order", ""]
    step = 1
    for server in plan.servers:
        stem = script_name(server, None)
        binding = (
            " binds HTTPS for " + ", ".join(server.names) + (" (SNI)" if server.sni else "")
            if server.certificate is not None
            else ""
        )
        accounts = " and ".join(
            ("the application pool" if c.purpose == "ssl" else "the STS account")
            for c in server.imports
        )
        pfx = (
            f" and the server's PFX into LocalMachine\\My, gives {accounts} read access to the key,"
            if accounts
            else ","
        )
        out.append(
            f"{step}. Server {comment(server.key)} ({server.fqdn}): run `{stem}.ps1` elevated. It "
            f"imports the CA certificates{pfx}{binding} and checks the thumbprints."
        )
        step += 1
    for group in plan.clients:
        stem = script_name(None, group)
        out.append(
            f"{step}. Clients {comment(group.name)!r} ({group.platform.value}): "
            f"{_how(group, stem, signed)}"
        )
        step += 1
    if plan.proxy is not None:
        out.append(f"{step}. The proxy bypass: see below.")
        out += ["", *proxy_readme(plan.proxy)[:-1]]
    out += ["", "## Files", "", *(f"- `{f}`" for f in files), "- `README.md` (this file)", ""]
    return "\n".join(out)


def _how(group: ClientGroup, stem: str, signed: bool) -> str:
    if group.platform is Platform.WINDOWS:
        return (
            f"run `{stem}.ps1` on each PC as administrator (or `{stem}.cmd`; or import the "
            "`.cer` files with Group Policy: Computer Configuration > Policies > Windows Settings >"
            " Security Settings > Public Key Policies)."
        )
    if group.platform is Platform.LINUX:
        return f"run `sudo sh {stem}.sh` (update-ca-certificates / update-ca-trust)."
    if group.platform is Platform.MACOS:
        return f"run `sudo sh {stem}.sh` (security add-trusted-cert into the System keychain)."
    if group.platform.is_apple_mobile:
        warning = (
            ""
            if signed
            else ' The profile is not signed: iOS shows it as "Not Verified" (sign it with '
            "`certready plan --sign-profile CERT --sign-profile-key KEY`, or deploy it through "
            "your MDM)."
        )
        return (
            f"install `{stem}.mobileconfig` (AirDrop, email or MDM), then Settings > General > "
            f"About > Certificate Trust Settings: enable full trust for the root.{warning}"
        )
    return f"follow `{stem}.md` (read its caveat first)."
