"""What ``certready show`` prints on a terminal: each file's certificates, keys and requests in
rows of plain words, the built path, its findings (rich markup, fields made visible)."""

from __future__ import annotations

import datetime as dt
from functools import cache

from cryptography import x509
from rich.console import Console
from rich.markup import escape as markup_escape

from certready.adapters.profiles import load_policy
from certready.adapters.reporting.common import RenderContext
from certready.adapters.reporting.visible import visible
from certready.core.days import days_left, days_text
from certready.core.facts import (
    EKU_NAMES,
    colon_hex,
    describe_key,
    key_usage_text,
)
from certready.core.issuer_link import issued_by
from certready.core.location import EndpointLocation, FileLocation, Location, TrustLocation
from certready.core.model import CertFacts, ChainElement, KeyPairing
from certready.services.show import Inspected


def escape(text: str) -> str:
    """Rich markup escaped, invisible characters (a bidi override) shown as ``<U+202E>``."""
    return markup_escape(visible(text))


def _signature_name(oid: str) -> str:
    name = x509.ObjectIdentifier(oid)._name
    return oid if name == "Unknown OID" else name


@cache
def _expiry_warning_days() -> int:
    """Fewer days left than this shows in yellow: the default profile's ``validity.expiring-soon``
    window, read from the policy rather than restated here."""
    return RenderContext(load_policy()).expiry_days


POLICY_NAMES = {
    "2.23.140.1.2.1": "CA/B Domain Validated",
    "2.23.140.1.2.2": "CA/B Organization Validated",
    "2.23.140.1.2.3": "CA/B Individual Validated",
    "2.23.140.1.1": "CA/B Extended Validation",
    "2.5.29.32.0": "any policy",
}
"""Certificate policy identifiers an administrator meets (CA/B Forum BR §7.1.6.1, RFC 5280)."""

FORMAT_NAMES = {
    "pem": "PEM",
    "der": "DER",
    "pkcs7": "PKCS#7",
    "pkcs12": "PKCS#12",
    "key": "key",
    "csr": "certificate request (PKCS#10)",
}
REQUEST_LABELS = (
    "Subject",
    "Names (SAN)",
    "Key",
    "Signature",
    "Key Usage",
    "Enhanced Key Usage",
    "Basic Constraints",
    "SHA-256",
    "Public key SHA-256",
    "Unreadable",
)
"""What a certificate request asks for (no issuer, dates or serial: the CA sets them)."""


def _validity(f: CertFacts, now: dt.datetime) -> str:
    span = f"{f.not_valid_before:%Y-%m-%d %H:%M} → {f.not_valid_after:%Y-%m-%d %H:%M} UTC"
    lifetime = f.lifetime.days
    left = days_left(f.not_valid_after, now)
    if now < f.not_valid_before:
        state = "[red]not yet valid[/]"
    elif now > f.not_valid_after:
        state = f"[red]expired {days_text(-left)} ago[/]"
    elif left < _expiry_warning_days():
        state = f"[yellow]{days_text(left)} left[/]"
    else:
        state = f"{days_text(left)} left"
    return f"{span}  ({days_text(lifetime)}; {state})"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _critical(flag: bool) -> str:
    return "  [dim](critical)[/]" if flag else ""


def certificate_rows(
    element: ChainElement, now: dt.datetime, *, friendly_name: str | None = None
) -> list[tuple[str, str]]:
    """(label, rich-markup value) pairs describing one certificate, in reading order.

    Every fact :func:`certready.core.facts.extract_facts` gives, in the words of the Windows
    certificate dialog where it has some (the install guide's "Key Usage ... (a0)").
    """
    f = element.certificate
    rows: list[tuple[str, str]] = []

    def row(label: str, value: str) -> None:
        rows.append((label, value))

    if friendly_name is not None:
        row("Friendly name", escape(friendly_name))
    row("Subject", escape(f.subject or "(empty)"))
    row("Issuer", escape(f.issuer or "(empty)"))
    san = f.subject_alt_name
    if san is None:
        if f.is_ca:
            row("Names (SAN)", "(none; a CA certificate needs none)")
        else:
            row("Names (SAN)", "[red]none[/] — clients that ignore the CN will reject it")
    else:
        names = [f"DNS:{n}" for n in san.dns_names] + [f"IP:{a}" for a in san.ip_addresses]
        names += list(san.other_names)
        row("Names (SAN)", escape(", ".join(names) or "(empty)") + _critical(san.critical))
    row("Validity", _validity(f, now))
    key = describe_key(f.public_key)
    if f.public_key.key_type == "ec" and f.public_key.curve:
        key += f" ({f.public_key.curve})"
    if f.public_key.rsa_exponent is not None:
        key += f" (e={f.public_key.rsa_exponent})"
    row("Key", escape(key))
    row(
        "Signature",
        escape(f"{_signature_name(f.signature_algorithm)} ({f.signature_hash or 'no digest'})"),
    )
    if f.key_usage is None:
        row("Key Usage", "(none)")
    else:
        row("Key Usage", key_usage_text(f.key_usage))
    if f.extended_key_usage is None:
        row("Enhanced Key Usage", "(none)")
    else:
        row(
            "Enhanced Key Usage",
            escape(
                ", ".join(f"{EKU_NAMES.get(o, o)} ({o})" for o in f.extended_key_usage) or "(empty)"
            ),
        )
    bc = f.basic_constraints
    if bc is None:
        row("Basic Constraints", "(none)")
    else:
        ca = "CA" if bc.ca else "end entity"
        if bc.ca and bc.path_length is not None:
            ca += f", path length {bc.path_length}"
        row("Basic Constraints", ca + _critical(bc.critical))
    if f.certificate_policies:
        named = [
            f"{oid} ({POLICY_NAMES[oid]})" if oid in POLICY_NAMES else oid
            for oid in f.certificate_policies
        ]
        row("Policies", escape(", ".join(named)))
    if f.ca_issuers or f.ocsp_responders:
        row(
            "Authority Info",
            escape(
                "; ".join(
                    [
                        *(f"CA Issuers: {u}" for u in f.ca_issuers),
                        *(f"OCSP: {u}" for u in f.ocsp_responders),
                    ]
                )
            ),
        )
    if f.crl_distribution_points:
        row("CRL", escape(", ".join(f.crl_distribution_points)))
    if f.subject_key_identifier:
        row("Subject Key ID", colon_hex(f.subject_key_identifier.upper()))
    if f.authority_key_identifier:
        row("Authority Key ID", colon_hex(f.authority_key_identifier.upper()))
    row(
        "Serial",
        colon_hex(f.serial_number if len(f.serial_number) % 2 == 0 else "0" + f.serial_number),
    )
    row("SHA-256", colon_hex(f.fingerprint_sha256))
    row("SHA-1 thumbprint", f.thumbprint_sha1.lower() + "  [dim](as Windows shows it)[/]")
    if f.public_key.spki_sha256:
        row("Public key SHA-256", f.public_key.spki_sha256.lower() + "  [dim](SPKI: pairs keys)[/]")
    row("Version", f"X.509 v{f.version}")
    if f.self_signed:
        row("Self-signed", "yes")
    elif f.self_issued:
        row(
            "Self-issued",
            "yes (subject = issuer), but its signature does not verify with its own key",
        )
    for problem in f.extension_errors:
        row("Unreadable", f"[red]{escape(str(problem))}[/]")
    return rows


def request_rows(element: ChainElement, now: dt.datetime) -> list[tuple[str, str]]:
    """(label, value) pairs of what a certificate request asks for (:data:`REQUEST_LABELS`)."""
    rows = [r for r in certificate_rows(element, now) if r[0] in REQUEST_LABELS]
    if element.certificate.subject_alt_name is None:
        rows = [
            (
                label,
                "[red]none[/] — the CA must add it, or make the request with `certready csr`"
                if label == "Names (SAN)"
                else value,
            )
            for label, value in rows
        ]
    return rows


def _print_requests(item: Inspected, console: Console, now: dt.datetime) -> None:
    for i, element in enumerate(item.requests):
        console.print()
        console.print(
            f"  [bold]request #{i}[/]: {escape(element.certificate.display_name)}"
            f"  [dim]{escape(str(element.origin))}[/]"
        )
        for label, value in request_rows(element, now):
            console.print(f"    [bold]{label:<19}[/]{value}")
        findings = item.request_findings[i] if i < len(item.request_findings) else ()
        for finding in findings:
            colour = {"error": "red", "warning": "yellow"}.get(finding.severity.label, "cyan")
            console.print(
                f"    [{colour}]{finding.severity.label}[/] {finding.rule_id}: "
                f"{escape(finding.message)}"
            )
        if not findings:
            console.print("    [green]what it asks for meets the profile[/]")


def print_inspected(item: Inspected, console: Console, now: dt.datetime) -> None:
    count = len(item.certificates)
    keys = f", {_plural(item.key_count, 'private key')}" if item.key_count else ""
    what = FORMAT_NAMES.get(item.format, item.format)
    source = "standard input" if item.source == "-" else item.source
    held = _plural(count, "certificate")
    if item.requests:
        asked = _plural(len(item.requests), "request")
        held = f"{held}, {asked}" if count else asked
    console.print(f"[bold underline]{escape(source)}[/] — {what}, {held}{keys}")
    described = escape(", ".join(item.keys)) + " — " if item.keys else ""
    if item.private_key is KeyPairing.MATCHES:
        console.print(
            f"  private key: {described}[green]matches the leaf certificate (#{item.leaf_index})[/]"
        )
    elif item.private_key is KeyPairing.MISMATCH:
        console.print(
            f"  private key: {described}[red]does NOT belong to any certificate in this file[/]"
        )
    elif item.key_count and not count:
        owners = [o for o in item.key_owners if o is not None]
        if owners:
            console.print(
                f"  private key: {described}[green]belongs to {escape(', '.join(owners))}[/]"
            )
        else:
            console.print(
                f"  private key: {described}[red]belongs to none of the certificates given[/]"
            )
    for i, element in enumerate(item.certificates):
        role = (
            "leaf"
            if i == item.leaf_index
            else ("CA" if element.certificate.is_ca else "certificate")
        )
        console.print()
        console.print(
            f"  [bold]#{i}[/] {role}: {escape(element.certificate.display_name)}  [dim]{escape(str(element.origin))}[/]"
        )
        friendly = item.friendly_names[i] if i < len(item.friendly_names) else None
        for label, value in certificate_rows(element, now, friendly_name=friendly):
            console.print(f"    [bold]{label:<19}[/]{value}")
    if count > 1:
        console.print()
        console.print("  [bold]Order[/]")
        certs = [e.certificate for e in item.certificates]
        for i in range(count - 1):
            ok = issued_by(certs[i], certs[i + 1])
            link = "[green]issued by[/]" if ok else "[red]NOT issued by[/]"
            console.print(f"    #{i} {link} #{i + 1}")
        if certs[-1].self_signed:
            console.print(f"    #{count - 1} is self-signed (a root: clients use their own copy)")
    if item.chain is not None:
        _print_path(item, console)
    _print_requests(item, console, now)
    console.print()


def origin_words(origin: Location) -> str:
    """``file:app.pem#1`` -> ``file app.pem#1``; ``trust:mozilla`` -> ``trust store mozilla``."""
    text = str(origin)
    if isinstance(origin, TrustLocation):
        return f"trust store {text.removeprefix('trust:')}"
    if isinstance(origin, EndpointLocation):
        return f"served by {text}"
    if isinstance(origin, FileLocation) and not (origin.is_stdin and origin.fragment):
        return f"file {text.removeprefix('file:')}"
    return text


def _print_path(item: Inspected, console: Console) -> None:
    analysis = item.chain
    assert analysis is not None
    console.print()
    if not analysis.path:
        console.print("  [bold]Built path[/]: [red]none[/]")
    else:
        kind = {True: "public CA", False: "private CA", None: "undetermined"}[
            analysis.issuer_is_public
        ]
        console.print(f"  [bold]Built path[/] ({len(analysis.path)} certificates, {kind})")
        for i, element in enumerate(analysis.path):
            f = element.certificate
            console.print(
                f"    [bold]{i}[/] {escape(f.subject or '(empty)')}  "
                f"[dim]{escape(origin_words(element.origin))}[/]"
            )
            console.print(f"       issuer  {escape(f.issuer or '(empty)')}")
            console.print(f"       SHA-256 {colon_hex(f.fingerprint_sha256)}", emoji=False)
            console.print(f"       SHA-1   {f.thumbprint_sha1.lower()}")
    for finding in analysis.findings:
        colour = {"error": "red", "warning": "yellow"}.get(finding.severity.label, "cyan")
        console.print(
            f"    [{colour}]{finding.severity.label}[/] {finding.rule_id}: {escape(finding.message)}"
        )
