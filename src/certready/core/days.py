"""How many whole days a certificate has left: the one day counter of every output.

The rule: count the whole days of the span between now and notAfter, rounding toward zero both
ways, negative once expired. A certificate that ends in 5 days 23 hours has 5 days left; one
that ended 3 days 1 hour ago has -3 ("expired 3 days ago", as ``validity.expired`` says it).
Said as floors: ``floor(not_after - now)`` while it is valid, ``-floor(now - not_after)`` once it
is not. (``timedelta.days`` alone floors a negative span: it would say 4.)

``show``, the terminal report, Markdown, HTML and the expiry timeline all count with
:func:`days_left`, so two outputs never disagree by one day about the same certificate.
"""

from __future__ import annotations

import datetime as dt


def days_left(not_after: dt.datetime, now: dt.datetime) -> int:
    """Whole days from ``now`` to ``not_after``; negative (whole days since) once past."""
    if not_after < now:
        return -(now - not_after).days
    return (not_after - now).days


def days_text(count: int) -> str:
    """``1 day``, ``12 days``."""
    return "1 day" if count == 1 else f"{count} days"
