"""Rules: names — subjectAltName, host coverage, wildcards, CN (RFC 9525, RFC 6125, the install guide).

Clients match the names they connect to against the subjectAltName dNSName and iPAddress entries
only: RFC 9525 §6.3 (and Chrome 58+, Apple) never fall back to the subject CN. Matching itself is
done by ``service_identity`` (pyca's implementation of RFC 6125/9525), not by hand.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import idna
import service_identity
from publicsuffixlist import PublicSuffixList
from service_identity.hazmat import (
    DNS_ID,
    DNSPattern,
    IPAddress_ID,
    IPAddressPattern,
)

from certready.core.hostnames import a_label, is_ip_address
from certready.core.model import (
    CertFacts,
    NoParameters,
    RuleContext,
    Severity,
    Violation,
)
from certready.core.rules.registry import rule

GUIDE = "Install guide, 'Certificate implementation': the name must exactly match the FQDN"


def _san_names(leaf: CertFacts) -> tuple[tuple[str, ...], tuple[str, ...]]:
    san = leaf.subject_alt_name
    if san is None:
        return (), ()
    return san.dns_names, san.ip_addresses


@lru_cache(maxsize=4096)
def dns_name_covers(pattern: str, host: str) -> bool:
    """Whether the SAN dNSName ``pattern`` covers the DNS ``host`` (RFC 9525 §6.3, via service_identity).

    A wildcard is honoured only as the whole left-most label over at least two more labels; a
    partial wildcard (``f*o.example.com``) or an invalid pattern covers nothing.
    """
    if pattern == host:
        return True
    if "*" not in pattern or wildcard_problem(pattern) is not None:
        return False
    try:
        return bool(DNS_ID(host).verify(DNSPattern.from_bytes(pattern.encode("ascii"))))
    except (service_identity.CertificateError, ValueError, UnicodeError):
        return False


@lru_cache(maxsize=4096)
def ip_covers(san_ip: str, host: str) -> bool:
    """Whether the SAN iPAddress ``san_ip`` is the address ``host`` (compared as addresses)."""
    if san_ip == host:
        return True
    try:
        return bool(IPAddress_ID(host).verify(IPAddressPattern(ipaddress.ip_address(san_ip))))
    except ValueError:
        return False


_IPV4_CHARACTERS = frozenset("0123456789.")


def is_ip(host: str) -> bool:
    """:func:`~certready.core.hostnames.is_ip_address`, remembered: asked for every host and CN.

    A name without a colon (no IPv6 address) and with a character other than an ASCII digit or a
    dot (no IPv4 address) is no address: answered at once (``ipaddress`` raises and catches two
    exceptions to say so, and each leaf's host name is new to the cache)."""
    text = host.strip("[]")
    if ":" not in text and not _IPV4_CHARACTERS.issuperset(text):
        return False
    return _is_ip(host)


@lru_cache(maxsize=4096)
def _is_ip(host: str) -> bool:
    return is_ip_address(host)


def host_covered(leaf: CertFacts, host: str) -> bool:
    """Whether a SAN entry of ``leaf`` covers ``host`` (a lower-case A-label or an IP address)."""
    dns, ips = _san_names(leaf)
    if is_ip(host):
        return any(ip_covers(ip, host) for ip in ips)
    return host in dns or any(dns_name_covers(p, host) for p in dns if "*" in p)


def wildcard_problem(pattern: str) -> str | None:
    """Why a SAN wildcard pattern is invalid (RFC 9525 §6.3, RFC 6125 §7.2), or ``None``."""
    labels = pattern.split(".")
    if pattern.count("*") > 1:
        return "more than one wildcard"
    if "*" not in labels[0]:
        return "the wildcard is not in the left-most label"
    if labels[0] != "*":
        if labels[0].startswith("xn--"):
            return "a wildcard inside an internationalised (xn--) label"
        return f"a partial-label wildcard ({labels[0]!r}): only a whole '*' label is honoured"
    if len(labels) < 3 or any(not label for label in labels):
        return "a wildcard needs at least two labels after it (e.g. *.example.com)"
    return None


def _a_label(name: str) -> str:
    """A CN as SAN entries spell it: lower-case A-labels, no trailing dot."""
    text = name.strip().rstrip(".")
    try:
        return a_label(text)
    except idna.IDNAError:
        return text.lower()


@lru_cache(maxsize=2)
def _suffix_list(only_icann: bool) -> PublicSuffixList:
    return PublicSuffixList(only_icann=only_icann)


def is_public_suffix(domain: str, *, only_icann: bool = True) -> bool:
    """Whether ``domain`` is itself a public suffix (``com``, ``co.uk``), from the offline list."""
    return bool(_suffix_list(only_icann).is_public(domain))


@rule(
    id="names.san-missing",
    title="The certificate has a subjectAltName with a DNS name or IP address",
    severity=Severity.ERROR,
    rationale=(
        "Browsers and TLS libraries match the server name against subjectAltName only (RFC 9525 "
        "§6.3; Chrome 58+, Apple since iOS 13/macOS 10.15): a certificate whose name is only in "
        "the subject CN is rejected as a name mismatch, which the install guide says breaks the "
        "application's web service calls."
    ),
    remediation=(
        "Request a new certificate whose subjectAltName lists every FQDN (and IP address, if "
        "clients connect by address) of the server, e.g. DNS:hcappserver.mycompany.com."
    ),
    references=(
        GUIDE,
        "RFC 9525 §6.3",
        "RFC 5280 §4.2.1.6",
        "Apple HT210176",
        "CA/B BR §7.1.2.7.12",
    ),
)
def san_missing(ctx: RuleContext, params: NoParameters) -> Iterable[Violation]:
    """A subjectAltName with at least one dNSName or iPAddress (RFC 9525 §6.3; install guide)."""
    san = ctx.leaf.subject_alt_name
    if san is None:
        yield Violation("no subjectAltName extension: clients will not match the CN")
    elif not san.dns_names and not san.ip_addresses:
        yield Violation("the subjectAltName has no DNS name or IP address")


@rule(
    id="names.host-not-covered",
    title="Every name clients use is covered by a SAN entry",
    severity=Severity.ERROR,
    rationale=(
        "The install guide: 'the certificate must be issued for that exact same FQDN'; a name "
        "mismatch makes browsers warn and the application's web service calls fail. Clients "
        "compare the typed name with the SAN dNSName entries (a wildcard covers exactly one "
        "left-most label) and an IP address only with iPAddress entries, never with the CN "
        "(RFC 9525 §6.3)."
    ),
    remediation=(
        "Reissue the certificate with the exact FQDN users type (the external name for the "
        "mobile server) in the subjectAltName, or a wildcard that validly covers it."
    ),
    references=(GUIDE, "RFC 9525 §6.3-6.4", "RFC 6125 §6.4"),
)
def host_not_covered(ctx: RuleContext, params: NoParameters) -> Iterable[Violation]:
    """Each name clients use (``--host``; the server name of a scan; a manifest server's
    ``fqdn`` and ``external_fqdns``) matches a SAN dNSName/iPAddress (RFC 9525 §6.3); the CN never
    counts.

    A certificate with no SAN name at all is ``names.san-missing``'s finding, not repeated here
    (one defect, one finding: issue 5).
    """
    dns, ips = _san_names(ctx.leaf)
    if not dns and not ips:
        return
    listed = ", ".join([*dns, *ips]) or "none"
    for host in ctx.hosts:
        if host_covered(ctx.leaf, host):
            continue
        cn_hint = ""
        if any(cn.lower().rstrip(".") == host for cn in ctx.leaf.common_names):
            cn_hint = " (it is the CN, but clients ignore the CN)"
        elif not is_ip(host) and any(p == "*." + host for p in dns):
            cn_hint = f" (*.{host} covers names below {host}, not {host} itself)"
        elif is_ip(host) and host in dns:
            cn_hint = " (it is listed as a DNS name; an address must be an iPAddress entry)"
        remediation = None
        if ctx.judged_for.audit:
            # the names come from the manifest, which may be what is wrong
            remediation = (
                f"Reissue the certificate with {host} in the subjectAltName (or a wildcard that "
                "validly covers it); if clients do not use that name, correct the server's fqdn "
                "or external_fqdns in the manifest."
            )
        elif is_ip(host) and not ctx.judged_for.name_given and dns:
            # scan of an address without --sni: the address is not the name clients use
            named = next((n for n in dns if "*" not in n), "NAME")
            remediation = (
                f"Scan by name (certready scan {named}) or pass --sni {named} with "
                "the name clients type: connected by address, no name was sent or checked. "
                "Reissue with an iPAddress entry only if clients really connect by address."
            )
        yield Violation(
            f"{host} is not covered by the certificate{cn_hint}; SAN: {listed}",
            remediation=remediation,
            host=host,
        )


@rule(
    id="names.wildcard-invalid",
    title="Wildcards are a whole left-most label covering one label",
    severity=Severity.ERROR,
    rationale=(
        "A wildcard is honoured only as the complete left-most label ('*.example.com'), covers "
        "exactly one label and never a partial label ('f*o.example.com'), a label of an "
        "internationalised name, or a name with fewer than three labels (RFC 9525 §6.3, "
        "RFC 6125 §7.2, CA/B BR §3.2.2.6). Such an entry covers nothing in modern clients."
    ),
    remediation=(
        "Request the certificate with the wildcard as the whole left-most label "
        "(*.mycompany.com) or list each FQDN explicitly."
    ),
    references=("RFC 9525 §6.3", "RFC 6125 §7.2", "CA/B BR §3.2.2.6"),
)
def wildcard_invalid(ctx: RuleContext, params: NoParameters) -> Iterable[Violation]:
    """Each SAN wildcard is a whole left-most ``*`` label (RFC 9525 §6.3, RFC 6125 §7.2)."""
    dns, _ = _san_names(ctx.leaf)
    for pattern in dns:
        if "*" in pattern:
            problem = wildcard_problem(pattern)
            if problem is not None:
                yield Violation(f"SAN {pattern}: {problem}; it covers no host")


_LDH = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")
_LDH_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_PLAIN_NAME = re.compile(rf"(?:[^.]*\*[^.]*|{_LDH_LABEL})(?:\.{_LDH_LABEL})*")
"""A name every label check below accepts (a first label with ``*`` is not checked here), when
it has no ``--`` anywhere (no reserved or xn-- label) and at most 253 characters."""


def dns_name_problem(name: str) -> str | None:
    """Why a SAN dNSName is not a valid host name or wildcard (RFC 1035 §2.3.1/§2.3.4, RFC 5280
    §4.2.1.6, RFC 5890 §2.3.2.1, CA/B BR §7.1.4.2), or ``None``. Wildcards are judged by
    :func:`wildcard_problem`; here a whole ``*`` left-most label is accepted as it is."""
    if len(name) <= 253 and "--" not in name and _PLAIN_NAME.fullmatch(name):
        return None  # the usual name, in one regular expression match
    if len(name.encode("ascii", "replace")) > 253:
        return f"the name is {len(name)} characters long; a DNS name has at most 253"
    labels = name.split(".")
    for number, label in enumerate(labels):
        if number == 0 and "*" in label:
            continue
        if not label:
            return "an empty label (two dots in a row, or a leading or trailing dot)"
        if len(label) > 63:
            return (
                f"the label {label[:20]}... is {len(label)} octets long; a DNS label has at most 63"
            )
        if "_" in label:
            return f"an underscore in the label {label!r} (not a host name character)"
        odd = sorted(set(label) - _LDH)
        if odd:
            shown = ", ".join(repr(c) for c in odd)
            return f"the label {label!r} has {shown}: host names are letters, digits and hyphens"
        if label.startswith("-") or label.endswith("-"):
            return f"the label {label!r} starts or ends with a hyphen"
        if label[2:4] == "--" and not label.startswith("xn--"):
            return f"the label {label!r} has '--' in the third and fourth positions (reserved)"
        if label.startswith("xn--"):
            try:
                unicode = idna.decode(label)
                if idna.encode(unicode).decode("ascii") != label:
                    raise idna.IDNAError("does not round-trip")
            except (idna.IDNAError, UnicodeError) as exc:
                return f"the label {label!r} is not a valid A-label ({exc})"
    return None


@rule(
    id="names.dns-syntax",
    title="Every SAN DNS name is a valid host name (no underscores, labels <= 63, names <= 253)",
    severity=Severity.ERROR,
    rationale=(
        "A subjectAltName dNSName must be a host name in the preferred name syntax (RFC 5280 "
        "§4.2.1.6, RFC 1035 §2.3.1): letters, digits and hyphens in labels of at most 63 octets, "
        "at most 253 in all (RFC 1035 §2.3.4), internationalised labels as valid A-labels (RFC "
        "5890 §2.3.2.1). CA/B BR §7.1.4.2 forbids underscores since 2019 (ballot SC-12). Such "
        "an entry matches no host a client can resolve, and strict clients refuse the certificate."
    ),
    remediation=(
        "Request the certificate again with each SAN a fully qualified host name as clients type "
        "it (IDNs converted to their xn-- A-label); rename a host that has an underscore."
    ),
    references=(
        "RFC 5280 §4.2.1.6",
        "RFC 1035 §2.3.1",
        "RFC 1035 §2.3.4",
        "RFC 5890 §2.3.2.1",
        "CA/B BR §7.1.4.2",
    ),
)
def dns_syntax(ctx: RuleContext, params: NoParameters) -> Iterable[Violation]:
    """Each SAN dNSName is a syntactically valid host name or wildcard (RFC 1035; RFC 5890)."""
    dns, _ = _san_names(ctx.leaf)
    for name in dns:
        problem = dns_name_problem(name)
        if problem is not None:
            yield Violation(f"SAN {name[:80]}: {problem}")


@rule(
    id="names.wildcard-ev",
    title="An EV certificate has no wildcard name",
    severity=Severity.ERROR,
    rationale=(
        "Extended Validation vouches for each named host: the EV Guidelines §9.8.1 forbid "
        "wildcard names in EV certificates (a public CA must not issue one), and Baseline "
        "Requirements §7.1.2.7.12 tie the SAN to the validated names."
    ),
    remediation=(
        "List each FQDN in the EV certificate, or use an OV/DV certificate if a wildcard is needed."
    ),
    references=("CA/B EV Guidelines §9.8.1", "CA/B BR §7.1.2.7.12"),
)
def wildcard_ev(ctx: RuleContext, params: NoParameters) -> Iterable[Violation]:
    """No SAN or CN wildcard in a certificate asserting the EV policy (EV Guidelines §9.8.1)."""
    if ctx.leaf.validation_type != "EV":
        return
    dns, _ = _san_names(ctx.leaf)
    wildcards = [n for n in (*dns, *ctx.leaf.common_names) if "*" in n]
    for name in dict.fromkeys(wildcards):
        yield Violation(f"the EV certificate names the wildcard {name}")


@dataclass(frozen=True, slots=True)
class WildcardPublicSuffixParams:
    only_icann: bool = True
    """Judge against the ICANN section of the public-suffix list only (not private suffixes)."""


@rule(
    id="names.wildcard-public-suffix",
    title="No wildcard over a public suffix (*.com, *.co.uk)",
    severity=Severity.ERROR,
    rationale=(
        "A wildcard directly over a public suffix would cover every registrant's domain; CAs "
        "must not issue it (CA/B BR §3.2.2.6) and browsers refuse to match it. The public "
        "suffix list ships with certready (publicsuffixlist), so no network is needed."
    ),
    remediation="Use a wildcard under your own registered domain (*.mycompany.com).",
    references=("CA/B BR §3.2.2.6", "RFC 9525 §6.3", "https://publicsuffix.org/"),
    parameters=WildcardPublicSuffixParams,
)
def wildcard_public_suffix(
    ctx: RuleContext, params: WildcardPublicSuffixParams
) -> Iterable[Violation]:
    """No SAN ``*.<public suffix>`` (CA/B BR §3.2.2.6); ``only_icann`` ignores private suffixes."""
    only_icann = params.only_icann
    dns, _ = _san_names(ctx.leaf)
    for pattern in dns:
        if pattern.startswith("*.") and pattern.count("*") == 1:
            base = pattern[2:]
            if base and is_public_suffix(base, only_icann=only_icann):
                yield Violation(f"SAN {pattern} is a wildcard over the public suffix {base}")


@dataclass(frozen=True, slots=True)
class CnNotInSanParams:
    exact: bool = False
    """Require the CN byte for byte among the dNSNames (CA/B BR §7.1.4.3), not just covered."""


@rule(
    id="names.cn-not-in-san",
    title="The subject CN, if any, is also in the subjectAltName",
    severity=Severity.WARNING,
    rationale=(
        "Clients ignore the CN, so a CN that is not also a SAN entry misleads administrators who "
        "read the certificate ('Issued to') into believing it covers that name; CAs must copy "
        "the CN from the SAN (CA/B BR §7.1.4.3, RFC 9525 §6.3)."
    ),
    remediation="Reissue with the CN equal to one of the SAN entries (or no CN at all).",
    references=("CA/B BR §7.1.4.3", "RFC 9525 §6.3", "Apple HT210176"),
    parameters=CnNotInSanParams,
)
def cn_not_in_san(ctx: RuleContext, params: CnNotInSanParams) -> Iterable[Violation]:
    """Each CN equals a SAN dNSName or iPAddress (CA/B BR §7.1.4.3), case-insensitively.

    With ``exact`` (the ``webpki`` profile) the comparison is the Baseline Requirements' own: the
    CN byte for byte equal to a dNSName as written, or to an iPAddress in its RFC 5952 text form
    (IPv6 lower case and compressed) — ``Example.com`` or ``2001:DB8::1`` then do not match.
    """
    if params.exact:
        yield from _cn_not_in_san_exact(ctx.leaf)
        return
    dns, ips = _san_names(ctx.leaf)
    for cn in ctx.leaf.common_names:
        name = _a_label(cn)
        if name in dns:
            continue
        if is_ip(name) and any(ip_covers(ip, name) for ip in ips):
            continue
        yield Violation(f"the CN {cn!r} is not in the subjectAltName")


def _cn_not_in_san_exact(leaf: CertFacts) -> Iterable[Violation]:
    san = leaf.subject_alt_name
    written = set(san.dns_names_as_written) if san else set()
    ips = set(san.ip_addresses) if san else set()  # str(ipaddress) is RFC 5952 text
    for cn in leaf.common_names:
        if cn in written or cn in ips:
            continue
        close = cn.lower() in (san.dns_names if san else ()) or (
            is_ip(cn) and any(ip_covers(ip, cn) for ip in ips)
        )
        detail = (
            " as written (CA/B BR §7.1.4.3 compares byte for byte: case and IPv6 spelling count)"
            if close
            else ""
        )
        yield Violation(f"the CN {cn!r} is not in the subjectAltName{detail}")
