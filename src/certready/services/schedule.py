"""When ``serve`` runs a manifest next: every DURATION (``--every 6h``) or a cron expression
(``--cron '0 */6 * * *'``, read by croniter), each slot delayed by a random jitter of up to
``--jitter`` percent of the interval so several instances and manifests do not fire together."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from croniter import croniter

from certready.core.durations import parse_duration
from certready.core.errors import UsageError

DEFAULT_EVERY = dt.timedelta(hours=6)
DEFAULT_JITTER = 10.0


@dataclass(frozen=True, slots=True)
class Schedule:
    every: dt.timedelta | None
    cron: str | None
    jitter: float
    """Percent of the interval (0 turns jitter off)."""

    def interval(self, now: dt.datetime) -> dt.timedelta:
        """The time between two slots around ``now``."""
        if self.every is not None:
            return self.every
        assert self.cron is not None
        slots = croniter(self.cron, now)
        first: dt.datetime = slots.get_next(dt.datetime)
        second: dt.datetime = slots.get_next(dt.datetime)
        return second - first

    def next_after(self, now: dt.datetime, rng: random.Random | None = None) -> dt.datetime:
        """The next slot after ``now``, jitter added."""
        if self.every is not None:
            base = now + self.every
        else:
            assert self.cron is not None
            base = croniter(self.cron, now).get_next(dt.datetime)
        spread = self.interval(now).total_seconds() * self.jitter / 100
        delay = (rng or random.SystemRandom()).uniform(0, spread) if spread > 0 else 0.0
        return base + dt.timedelta(seconds=delay)


def parse_schedule(every: str | None, cron: str | None, jitter: float) -> Schedule:
    """``--every``/``--cron``/``--jitter`` -> :class:`Schedule`; a usage error names the option."""
    if every is not None and cron is not None:
        raise UsageError("give --every or --cron, not both")
    if not 0 <= jitter <= 100:
        raise UsageError(f"--jitter {jitter:g}: a percentage from 0 to 100")
    if cron is not None:
        if not croniter.is_valid(cron):
            raise UsageError(f"--cron {cron!r} is not a cron expression (like '0 */6 * * *')")
        return Schedule(None, cron, jitter)
    if every is None:
        return Schedule(DEFAULT_EVERY, None, jitter)
    try:
        delta = parse_duration(every)
    except ValueError as exc:
        raise UsageError(f"--every: {exc}") from None
    if delta <= dt.timedelta(0):
        raise UsageError("--every must be longer than 0s")
    return Schedule(delta, None, jitter)


__all__ = ["DEFAULT_EVERY", "DEFAULT_JITTER", "Schedule", "parse_schedule"]
