"""Rules: client — one client machine, the way its applications connect (``certready doctor``).

Each rule judges a :class:`~certready.core.client.ClientContext`: one server this client group
connects to, this machine's trust stores and proxy settings, and the chains presented to a direct
connection and through each proxy that applies (install guide, 'Root certificates',
'Intermediate certificates' and 'Proxy server settings').
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from certready.core.client import (
    CaKind,
    ClientContext,
    ClientStore,
    ExpectedCa,
    ProxyFailureKind,
    ProxyRoute,
    ProxySetting,
)
from certready.core.model import CertFacts, NoParameters, Scope, Severity, Violation
from certready.core.rules.registry import rule

GUIDE_TRUST = "install guide: 'Root certificates' and 'Intermediate certificates'"
GUIDE_PROXY = "install guide: 'Proxy server settings'"


def _plan(ctx: ClientContext, what: str, store: ClientStore) -> str:
    if store.install_hint:
        how = store.install_hint
    else:
        where = f"the install plan's {ctx.plan_hint}" if ctx.plan_hint else "the install plan"
        how = f"run {where} (`certready plan MANIFEST --out DIR` writes it)"
    return f"Install {what} on this machine: {how}; then run `certready doctor` again."


def _names(ctx: ClientContext) -> str:
    return ", ".join(ctx.names)


def _describe(ca: ExpectedCa) -> str:
    if ca.certificate is not None:
        return f"{ca.kind.value} {ca.subject!r} (SHA-256 {ca.certificate.fingerprint_sha256})"
    return f"{ca.kind.value} {ca.subject!r} (named by the server's chain; no file supplies it)"


@rule(
    id="client.root-missing",
    title="Each root of each server's path is in this machine's trust stores",
    severity=Severity.ERROR,
    rationale=(
        "A private or self-signed root must be in the Trusted Root store of every client; an "
        "application on a machine whose store lacks it refuses the server ('certificate not "
        "trusted'). On Linux, OpenSSL applications read the distribution bundle while Chromium and "
        "Firefox read an NSS database: each needs the root."
    ),
    remediation=(
        "Install the root into the store named (the install plan's script for this client group "
        "does it), then run `certready doctor` again."
    ),
    references=(GUIDE_TRUST, "DESIGN §2 chain and trust"),
    parameters=NoParameters,
    scope=Scope.CLIENT,
)
def root_missing(ctx: ClientContext, params: NoParameters) -> Iterable[Violation]:
    """Every group of root stores holds every root of the server's path (public roots excepted
    where the stores get them from elsewhere, as an NSS user database does); a store that could
    not be read is said, as a warning."""
    roots = [ca for ca in ctx.expected if ca.kind is CaKind.ROOT]
    if not roots:
        return
    for group in _groups(ctx, lambda s: s.holds.roots):
        readable = [s for s in group if s.problem is None]
        for store in group:
            if store.problem is not None:
                yield Violation(
                    f"{store.name} could not be read ({store.problem}): whether it holds the "
                    f"roots of {ctx.server} is unknown",
                    location=store.location,
                    severity=Severity.WARNING,
                    remediation="Make the store readable (see the message), then run "
                    "`certready doctor` again.",
                )
        if not readable:
            continue
        for ca in roots:
            if ca.public and not any(s.includes_public_roots for s in readable):
                continue
            if any(ca.present_in(s) for s in readable):
                continue
            yield Violation(
                f"{_store_names(readable)}{_users(readable)} lacks the {_describe(ca)} of "
                f"{ctx.server}: applications using it refuse {_names(ctx)}",
                certificate=ca.certificate,
                location=readable[0].location,
                remediation=_plan(
                    ctx, f"the root {ca.subject!r} into {readable[0].name}", readable[0]
                ),
            )


def _groups(ctx: ClientContext, holds: Callable[[ClientStore], bool]) -> list[list[ClientStore]]:
    """The stores for which ``holds`` is true, grouped (alternatives together), in order."""
    groups: dict[str, list[ClientStore]] = {}
    for store in ctx.stores:
        if holds(store):
            groups.setdefault(store.group_key, []).append(store)
    return list(groups.values())


def _store_names(stores: list[ClientStore]) -> str:
    if len(stores) == 1:
        return stores[0].name
    return "neither " + " nor ".join(s.name for s in stores)


def _users(stores: list[ClientStore]) -> str:
    users = ", ".join(dict.fromkeys(s.users for s in stores if s.users))
    return f" (read by {users})" if users else ""


@rule(
    id="client.intermediate-missing",
    title="Each intermediate of each server's path is in this machine's intermediate store",
    severity=Severity.ERROR,
    rationale=(
        "The install guide puts every intermediate of the application's, mobile and STS paths in "
        "the Intermediate Certification Authorities store of every machine: token signatures are "
        "checked without a TLS handshake to send them, and a server that forgets to send one "
        "breaks every client that lacks it."
    ),
    remediation=(
        "Install the intermediate into the machine's intermediate store (the install plan's "
        "script for this client group does it), then run `certready doctor` again."
    ),
    references=(GUIDE_TRUST, "RFC 5280 §6.1"),
    parameters=NoParameters,
    scope=Scope.CLIENT,
)
def intermediate_missing(ctx: ClientContext, params: NoParameters) -> Iterable[Violation]:
    """Every private intermediate is in each group of stores that holds intermediates; a warning
    when the server sends it anyway (connections work, token validation may not), an error when
    it does not (or when this machine has no store that holds intermediates)."""
    groups = [
        [s for s in group if s.problem is None]
        for group in _groups(ctx, lambda s: s.holds.intermediates)
    ]
    groups = [g for g in groups if g]
    # the server could not be reached: what it sends is unknown, not "nothing"
    unreached = not ctx.direct and ctx.direct_failure is not None
    for ca in ctx.expected:
        if ca.kind is not CaKind.INTERMEDIATE or ca.public:
            continue
        if not groups:
            if not ca.sent_by_server:
                sends = (
                    f"{ctx.server} could not be reached to see whether it sends its "
                    f"{_describe(ca)}: applications refuse {_names(ctx)} unless it does"
                    if unreached
                    else f"{ctx.server} does not send its {_describe(ca)}: applications refuse "
                    f"{_names(ctx)}"
                )
                yield Violation(
                    f"no store of this machine holds intermediates and {sends}",
                    certificate=ca.certificate,
                    severity=Severity.WARNING if unreached else None,
                    remediation=(
                        "Make the server send its intermediates (IIS: import them into the "
                        "server's Intermediate Certification Authorities store; nginx/Apache: "
                        "append them to the certificate file)."
                    ),
                )
            continue
        if ca.sent_by_server:
            sent = "the server sends it, so TLS connections work"
        elif unreached:
            sent = "the server could not be reached to see whether it sends it"
        else:
            sent = "the server does not send it either, so connections fail"
        for group in groups:
            if any(ca.present_in(s) for s in group):
                continue
            yield Violation(
                f"{_store_names(group)} lacks the {_describe(ca)} of {ctx.server} ({sent})",
                certificate=ca.certificate,
                location=group[0].location,
                severity=Severity.WARNING if ca.sent_by_server else None,
                remediation=_plan(
                    ctx, f"the intermediate {ca.subject!r} into {group[0].name}", group[0]
                ),
            )


def _bypass_text(setting: ProxySetting) -> str:
    if not setting.bypass:
        return "no bypass list is set"
    return f"its bypass list {setting.bypass!r} does not match it"


@rule(
    id="client.proxy-not-bypassed",
    title="The app, mobile and Portal names bypass this machine's proxy",
    severity=Severity.ERROR,
    rationale=(
        "The install guide: when a proxy is used, its bypass list must contain the application, "
        "mobile and Physician Portal servers or the application will fail. Each proxy setting "
        "serves other applications (environment variables: command-line tools; WinINET: browsers "
        "and desktop applications; WinHTTP: services), so each must bypass them. A proxy "
        "auto-config (PAC) script is reported, not evaluated."
    ),
    remediation=(
        "Add the server names to the proxy's bypass list (Windows: Internet Options > Connections "
        "> LAN settings > Advanced > Exceptions, or Group Policy; WinHTTP: `netsh winhttp set "
        'proxy <proxy> bypass-list="*.example.org;<local>"`; environment: NO_PROXY).'
    ),
    references=(GUIDE_PROXY,),
    parameters=NoParameters,
    scope=Scope.CLIENT,
)
def proxy_not_bypassed(ctx: ClientContext, params: NoParameters) -> Iterable[Violation]:
    """Each proxy that applies to an app, mobile or Portal name; each PAC in use (unevaluated)."""
    if not ctx.needs_bypass:
        return
    for route in ctx.routes:
        setting = route.setting
        through = ""
        if route.failure is not None and route.failure.kind is ProxyFailureKind.CONNECT_REFUSED:
            through = f"; through it: {route.failure.message}"
        yield Violation(
            f"{setting.description} ({setting.source.value}) sends {route.name} through the proxy "
            f"{setting.address}: {_bypass_text(setting)}{through}",
            certificate=None,
            location=route.location or ctx.location,
            remediation=(
                f"Add {_names(ctx)} to the bypass list of {setting.description} "
                f"({_how_to_bypass(setting)})."
            ),
        )
    for setting in ctx.proxies:
        if setting.pac_url:
            yield Violation(
                f"a proxy auto-config script {setting.pac_url!r} ({setting.source.value}) decides "
                f"the proxy for {_names(ctx)}; certready does not evaluate PAC scripts",
                location=ctx.location,
                severity=Severity.WARNING,
                remediation=(
                    f"Check that the PAC script returns DIRECT for {_names(ctx)} (ask its owner, or "
                    "open it and search for the names)."
                ),
            )


def _how_to_bypass(setting: ProxySetting) -> str:
    return {
        "environment": "NO_PROXY, comma-separated: app.example.org,.example.org",
        "wininet": "Internet Options > Connections > LAN settings > Advanced > Exceptions, "
        "';'-separated: *.example.org;<local>",
        "winhttp": 'netsh winhttp set proxy <proxy> bypass-list="*.example.org;<local>"',
        "macos": "System Settings > Network > Details > Proxies > 'Bypass proxy settings for "
        "these Hosts & Domains'",
    }[setting.source.value]


def _issued_by_same_ca(a: CertFacts, b: CertFacts) -> bool:
    if a.issuer != b.issuer:
        return False
    if a.authority_key_identifier and b.authority_key_identifier:
        return a.authority_key_identifier == b.authority_key_identifier
    return True


def _intercepting_ca(chain: tuple[CertFacts, ...]) -> str:
    top = chain[-1]
    return top.subject if top.self_signed and len(chain) > 1 else chain[0].issuer


def _known_issuer(leaf: CertFacts, expected: tuple[ExpectedCa, ...]) -> bool:
    return any(ca.subject == leaf.issuer for ca in expected)


def _intercepted(ctx: ClientContext, route: ProxyRoute) -> str | None:
    """Why ``route``'s chain is another CA's re-signing, or ``None``."""
    proxied = route.presented
    if not proxied:
        return None
    leaf = proxied[0]
    if ctx.direct:
        direct = ctx.direct[0]
        if leaf.fingerprint_sha256 == direct.fingerprint_sha256 or _issued_by_same_ca(leaf, direct):
            return None
        return f"directly it presents one issued by {direct.issuer!r}"
    if not ctx.expected or _known_issuer(leaf, ctx.expected):
        return None
    known = "; ".join(repr(ca.subject) for ca in ctx.expected)
    return f"the deployment's CAs are {known} (the direct connection failed: {ctx.direct_failure})"


@rule(
    id="client.intercepted",
    title="No proxy re-signs the servers' certificates (TLS interception)",
    severity=Severity.ERROR,
    rationale=(
        "A TLS-inspecting proxy or firewall replaces each server's certificate with one its own "
        "CA signs. Browsers on managed machines trust that CA; the application, phones, tablets "
        "and the token service do not, so they fail, and the proxy sees every patient record."
    ),
    remediation=(
        "Bypass these names on the proxy (the install guide's answer): add them to the proxy's "
        "bypass list and exempt them from TLS inspection on the proxy or firewall."
    ),
    references=(GUIDE_PROXY, "DESIGN §2 topology"),
    parameters=NoParameters,
    scope=Scope.CLIENT,
)
def intercepted(ctx: ClientContext, params: NoParameters) -> Iterable[Violation]:
    """The chain through a proxy leads to another issuer than the direct one (or, without a
    direct connection, than the deployment's CAs): name the intercepting CA."""
    for route in ctx.routes:
        why = _intercepted(ctx, route)
        if why is None:
            continue
        leaf = route.presented[0]
        ca = _intercepting_ca(route.presented)
        yield Violation(
            f"through the proxy {route.setting.address} ({route.setting.description}) "
            f"{route.name} presents a certificate issued by {leaf.issuer!r}; {why}: the proxy "
            f"intercepts TLS and re-signs with its CA {ca!r}",
            certificate=leaf,
            location=route.location or ctx.location,
            remediation=(
                f"Bypass these names on the proxy: {_names(ctx)} (add them to the bypass list of "
                f"{route.setting.description} and exempt them from TLS inspection on the proxy)."
            ),
        )


@rule(
    id="client.proxy-unreachable",
    title="The proxy this machine uses for a server answers",
    severity=Severity.ERROR,
    rationale=(
        "Applications configured with a proxy send every connection to it; when the proxy does "
        "not answer they fail before reaching the server, whatever the server's certificate."
    ),
    remediation=(
        "Fix the proxy setting (address and port) or the proxy itself, or bypass these names so "
        "the applications connect directly."
    ),
    references=(GUIDE_PROXY,),
    parameters=NoParameters,
    scope=Scope.CLIENT,
)
def proxy_unreachable(ctx: ClientContext, params: NoParameters) -> Iterable[Violation]:
    """Each applying proxy that did not answer (as opposed to a server it cannot reach)."""
    for route in _unreachable(ctx.routes):
        assert route.failure is not None
        yield Violation(
            f"the proxy {route.setting.address} ({route.setting.description}) that {route.name} "
            f"goes through does not answer: {route.failure.message}",
            location=route.location or ctx.location,
        )


def _unreachable(routes: Iterable[ProxyRoute]) -> Iterator[ProxyRoute]:
    for route in routes:
        if route.failure is not None and route.failure.kind is ProxyFailureKind.PROXY_UNREACHABLE:
            yield route
