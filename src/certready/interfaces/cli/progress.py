"""Progress of live connections on a terminal: how many finished, and which are being waited on.

Shown on stderr only when it is a terminal (``scan``, ``audit --live``); nothing when piped. The
label names the targets whose connections are open, not the last one that finished: a silent
endpoint stays named until its deadline.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from certready.core.model import TargetResult
from certready.interfaces.cli.common import Streams

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

SHOWN = 3
"""How many waited-on targets the label names before ``+N more``."""


def waiting_label(waiting: list[str]) -> str:
    """``waiting on a, b, c +2 more``; empty when nothing is open."""
    if not waiting:
        return ""
    shown = ", ".join(waiting[:SHOWN])
    more = f" +{len(waiting) - SHOWN} more" if len(waiting) > SHOWN else ""
    return f"waiting on {shown}{more}"


@dataclass(slots=True)
class Waiting:
    """The targets started and not finished, in start order, and the bar showing them."""

    bar: Progress | None = None
    task: TaskID | None = None
    open: list[str] = field(default_factory=list)

    def started(self, name: str) -> None:
        self.open.append(name)
        self._show(0)

    def finished(self, result: TargetResult) -> None:
        self.done(result.target)

    def done(self, name: str) -> None:
        if name in self.open:
            self.open.remove(name)
        self._show(1)

    def expect(self, total: int) -> None:
        """The number of connections, when it is known only once the work starts."""
        if self.bar is not None and self.task is not None:
            self.bar.update(self.task, total=total)

    def _show(self, advance: int) -> None:
        if self.bar is not None and self.task is not None:
            self.bar.update(self.task, advance=advance, waiting=waiting_label(self.open))


@contextmanager
def live_progress(streams: Streams, total: int | None, verb: str) -> Iterator[Waiting | None]:
    """A rich progress bar on stderr when it is a terminal (``verb`` 3/10 waiting on ...);
    ``None`` when piped, so nothing is drawn. ``total`` may come later (:meth:`Waiting.expect`)."""
    if not streams.err.is_terminal:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    bar = Progress(
        TextColumn(verb),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[waiting]}"),
        console=streams.err,
        transient=True,
    )
    task = bar.add_task(verb, total=total, waiting="")
    with bar:
        yield Waiting(bar, task)


__all__ = ["Waiting", "live_progress", "waiting_label"]
