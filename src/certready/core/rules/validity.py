"""Rules: validity — dates and lifetimes.

Sources: RFC 5280 §4.1.2.5 (validity), CA/Browser Forum Baseline Requirements §6.3.2 as amended by
ballot SC-081 (public TLS lifetimes), Apple HT210176 (825 days for any TLS certificate).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from certready.core.model import NoParameters, RuleContext, Severity, Violation
from certready.core.rules.registry import SSL, SSL_AND_STS, rule

_UTC = dt.UTC
CABF_MAX_DAYS: tuple[tuple[dt.datetime, int], ...] = (
    (dt.datetime(2029, 3, 15, tzinfo=_UTC), 47),
    (dt.datetime(2027, 3, 15, tzinfo=_UTC), 100),
    (dt.datetime(2026, 3, 15, tzinfo=_UTC), 200),
    (dt.datetime(2020, 9, 1, tzinfo=_UTC), 398),
    (dt.datetime(2018, 3, 1, tzinfo=_UTC), 825),
)
"""(issued on or after, maximum validity in days), newest first (BR §6.3.2, SC-081, SC-31, SC-22)."""
APPLE_SINCE = dt.datetime(2019, 7, 1, tzinfo=_UTC)
APPLE_MAX_DAYS = 825
_ONE_SECOND = dt.timedelta(seconds=1)


def cabf_max_days(issued: dt.datetime) -> int | None:
    """The CA/B Forum maximum validity for a TLS certificate issued at ``issued``."""
    for since, days in CABF_MAX_DAYS:
        if issued >= since:
            return days
    return None


def validity_period(ctx: RuleContext) -> dt.timedelta:
    """notBefore through notAfter inclusive (CA/B BR §1.6.1), i.e. lifetime + 1 second."""
    return ctx.leaf.lifetime + _ONE_SECOND


def _span(delta: dt.timedelta) -> str:
    """Whole days, as an administrator reads them: ``1 day``, ``12 days``, ``less than a day``."""
    if delta.days == 0:
        return "less than a day"
    return "1 day" if delta.days == 1 else f"{delta.days} days"


def exact_span(delta: dt.timedelta) -> str:
    """Whole days and what is left, so a span just over a limit never reads as the limit itself:
    ``825 days and 1 second``, ``398 days and 3 hours``, ``397 days``."""
    days = delta.days
    rest = int(delta.total_seconds()) - days * 86400
    text = "1 day" if days == 1 else f"{days} days"
    if rest == 0:
        return text
    for unit, size in (("hour", 3600), ("minute", 60), ("second", 1)):
        if rest >= size:
            count = rest // size
            return f"{text} and {count} {unit}{'' if count == 1 else 's'}"
    return text


def _date(when: dt.datetime) -> str:
    return when.strftime("%Y-%m-%d %H:%M UTC")


@rule(
    id="validity.expired",
    title="The certificate has not expired",
    severity=Severity.ERROR,
    rationale=(
        "Every client refuses a certificate after its notAfter date (RFC 5280 §4.1.2.5, "
        "§6.1.3); for the STS, expired token-signing certificates stop every sign-in."
    ),
    remediation="Renew the certificate, install it with its key, and bind it on every server that uses it.",
    references=("RFC 5280 §4.1.2.5",),
    roles=SSL_AND_STS,
)
def expired(ctx: RuleContext, params: NoParameters) -> Iterable[Violation]:
    """now <= notAfter (RFC 5280 §4.1.2.5)."""
    if ctx.now > ctx.leaf.not_valid_after:
        ago = _span(ctx.now - ctx.leaf.not_valid_after)
        yield Violation(f"expired on {_date(ctx.leaf.not_valid_after)} ({ago} ago)")


@rule(
    id="validity.not-yet-valid",
    title="The certificate is already valid (notBefore has passed)",
    severity=Severity.ERROR,
    rationale=(
        "Clients refuse a certificate before its notBefore date (RFC 5280 §4.1.2.5); it usually "
        "means a wrong clock on the issuing CA or on this machine."
    ),
    remediation="Check the clocks of the CA and the servers (time zone, NTP), or wait until notBefore.",
    references=("RFC 5280 §4.1.2.5",),
    roles=SSL_AND_STS,
)
def not_yet_valid(ctx: RuleContext, params: NoParameters) -> Iterable[Violation]:
    """notBefore <= now (RFC 5280 §4.1.2.5)."""
    if ctx.now < ctx.leaf.not_valid_before:
        yield Violation(f"not valid before {_date(ctx.leaf.not_valid_before)}")


@dataclass(frozen=True, slots=True)
class ExpiringSoonParams:
    days: int = 30
    """Warn when the certificate expires within this many days."""


@rule(
    id="validity.expiring-soon",
    title="The certificate does not expire within `days` days (30 by default)",
    severity=Severity.WARNING,
    rationale=(
        "Renewal, CA approval and installing the new certificate (with its chain, on every "
        "server and, for a private CA, every client) takes time; start before it expires."
    ),
    remediation="Renew the certificate now and schedule its installation before the expiry date.",
    references=("RFC 5280 §4.1.2.5", "Install guide, 'Certificate implementation'"),
    parameters=ExpiringSoonParams,
    roles=SSL_AND_STS,
)
def expiring_soon(ctx: RuleContext, params: ExpiringSoonParams) -> Iterable[Violation]:
    """notAfter is more than ``days`` days away (silent once expired: validity.expired says it)."""
    days = params.days
    left = ctx.leaf.not_valid_after - ctx.now
    if dt.timedelta(0) <= left < dt.timedelta(days=days):
        yield Violation(
            f"expires on {_date(ctx.leaf.not_valid_after)}, in {_span(left)} "
            f"(warning threshold {days} days)"
        )


@dataclass(frozen=True, slots=True)
class LifetimeCabfParams:
    public_only: bool = True
    """Judge only leaves whose chain ends in a public root; ``false`` judges every leaf (the
    webpki profile: claiming the Web PKI profile is the claim to meet its lifetimes)."""


@rule(
    id="validity.lifetime-cabf",
    title="A public certificate's lifetime is within the CA/B Forum maximum for its issue date",
    severity=Severity.ERROR,
    rationale=(
        "Browsers reject publicly-trusted TLS certificates valid for longer than the CA/Browser "
        "Forum allows on their issue date (BR §6.3.2 as amended by SC-081): 398 days, 200 days "
        "from 2026-03-15, 100 days from 2027-03-15, 47 days from 2029-03-15 (825 before "
        "2020-09-01). Checked when the chain ends in a public root, and on every leaf in a "
        "profile with `public_only = false` (webpki)."
    ),
    remediation=(
        "Ask the CA for a certificate within the current maximum and automate renewal (ACME) "
        "since lifetimes keep shrinking."
    ),
    references=("CA/B BR §6.3.2", "CA/B ballot SC-081", "CA/B BR §1.6.1 (Validity Period)"),
    parameters=LifetimeCabfParams,
    roles=SSL,
)
def lifetime_cabf(ctx: RuleContext, params: LifetimeCabfParams) -> Iterable[Violation]:
    """Inclusive validity period <= the SC-081 maximum for notBefore (CA/B BR §6.3.2, §1.6.1),
    for a public CA's leaf, or every leaf when ``public_only`` is false."""
    if params.public_only and ctx.issuer_is_public is not True:
        return
    limit = cabf_max_days(ctx.leaf.not_valid_before)
    period = validity_period(ctx)
    if limit is not None and period > dt.timedelta(days=limit):
        yield Violation(
            f"valid for {exact_span(period)} from {ctx.leaf.not_valid_before:%Y-%m-%d} "
            "(notBefore through notAfter, both included: CA/B BR §1.6.1); public TLS "
            f"certificates issued then may be valid for at most {limit} days"
        )


@dataclass(frozen=True, slots=True)
class LifetimeAppleParams:
    max_days: int = APPLE_MAX_DAYS
    """The longest validity Apple clients accept, in days."""


@rule(
    id="validity.lifetime-apple",
    title="The lifetime is at most 825 days (Apple clients, any CA)",
    severity=Severity.ERROR,
    rationale=(
        "iOS 13+ and macOS 10.15+ reject any TLS server certificate issued after 2019-07-01 "
        "that is valid for more than 825 days, private CAs included (Apple HT210176): iPhones "
        "and iPads running the mobile apps will refuse the connection."
    ),
    remediation=(
        "Reissue the certificate with a validity of 825 days or less (397 days is a safe "
        "choice for any CA)."
    ),
    references=("Apple HT210176",),
    parameters=LifetimeAppleParams,
    roles=SSL,
)
def lifetime_apple(ctx: RuleContext, params: LifetimeAppleParams) -> Iterable[Violation]:
    """notAfter - notBefore <= ``max_days`` (825) for certificates issued from 2019-07-01."""
    max_days = params.max_days
    if ctx.leaf.not_valid_before < APPLE_SINCE:
        return
    if ctx.leaf.lifetime > dt.timedelta(days=max_days):
        yield Violation(
            f"valid for {exact_span(ctx.leaf.lifetime)}; Apple clients reject TLS certificates "
            f"valid for more than {max_days} days"
        )
