"""The written parts of a plan: Android steps and the README saying which file goes where."""

from __future__ import annotations

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
            f"# {plan.deployment}: Android client group {group.name!r}",
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
        f" | {c.subject} | `{c.thumbprint_sha1}` |"
        for c in plan.ca_certificates
    ]
    return rows


def readme(plan: InstallPlan, files: list[str]) -> str:
    """Which file goes where, in the order to run them: servers first, then each client group."""
    out = [f"# Install plan: {plan.deployment}", ""]
    if plan.private:
        out += [
            "The chain ends in a private (or self-signed) root: every server and client must trust",
            "the root (Trusted Root Certification Authorities) and the intermediates (Intermediate",
            "Certification Authorities).",
        ]
    else:
        out += [
            "The chain ends in a public root that clients already trust: nothing needs installing",
            "on clients. The server scripts still import each server's certificate and key.",
        ]
    out += ["", "## Certificates in this folder", "", *_thumb_table(plan), ""]
    out += [
        "Private keys are never copied here: the server scripts import each PFX from where the",
        "manifest names it and ask for its password.",
        "",
        "## In this order",
        "",
    ]
    step = 1
    for server in plan.servers:
        out.append(
            f"{step}. Server {server.key} ({server.fqdn}): run `server-{server.file_stem}.ps1` in an "
            f"elevated PowerShell (or `server-{server.file_stem}.cmd`). It imports the CA "
            "certificates and the server's PFX into LocalMachine\\My, then checks the thumbprints."
        )
        step += 1
    for group in plan.clients:
        stem = f"{group.platform.value}-{group.file_stem}"
        out.append(f"{step}. Clients {group.name!r} ({group.platform.value}): {_how(group, stem)}")
        step += 1
    out += ["", "## Files", "", *(f"- `{f}`" for f in files), "- `README.md` (this file)", ""]
    return "\n".join(out)


def _how(group: ClientGroup, stem: str) -> str:
    if group.platform is Platform.WINDOWS:
        return (
            f"run `{stem}.ps1` on each PC as administrator (or `{stem}.cmd`; or import the "
            "`.cer` files with Group Policy: Computer Configuration > Public Key Policies)."
        )
    if group.platform is Platform.LINUX:
        return f"run `sudo sh {stem}.sh` (update-ca-certificates / update-ca-trust)."
    if group.platform is Platform.MACOS:
        return f"run `sudo sh {stem}.sh` (security add-trusted-cert into the System keychain)."
    if group.platform.is_apple_mobile:
        return (
            f"install `{stem}.mobileconfig` (AirDrop, email or MDM), then Settings > General > "
            "About > Certificate Trust Settings: enable full trust for the root."
        )
    return f"follow `{stem}.md` (read its caveat first)."
