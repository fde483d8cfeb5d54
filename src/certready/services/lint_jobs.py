"""``--jobs N``: work spread over forked worker processes, results back in input order.

The task is inherited by the workers at the fork, never pickled (a lint's options, trust stores,
policy and plans are loaded once, in the parent); each worker sends back what the task returns
(pickled), and ``imap`` hands the results back in order, so a report is the one a single process
writes, order included. Lint's pipeline (:func:`certready.services.lint.lint_results`) and the
file part of audit use it; deciding what may run in workers is theirs.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator
from typing import TypeVar, cast

T = TypeVar("T")

JOBS_AT = 256
"""``--jobs`` unset: every core from this many input files on, one process below (a one-file
run starts no pool)."""

CHUNK = 16
"""Tasks a worker takes at a time: large enough to amortise the pipe, small enough to balance."""


def default_jobs(files: int) -> int:
    """The machine's cores for :data:`JOBS_AT` input files or more, else 1."""
    return (os.cpu_count() or 1) if files >= JOBS_AT else 1


def can_fork() -> bool:
    """Whether workers can be forked here (they inherit the task: nothing to pickle)."""
    return "fork" in multiprocessing.get_all_start_methods()


_TASK: Callable[[int], object] | None = None
"""The task of :func:`fork_map` in a worker: set in the parent just before the fork."""


def _call(index: int) -> object:
    assert _TASK is not None
    return _TASK(index)


def fork_map(task: Callable[[int], T], count: int, workers: int) -> Iterator[T]:
    """``task(0) .. task(count - 1)`` in ``workers`` forked processes, results in order (each
    must pickle; the task itself is inherited at the fork, never pickled)."""
    global _TASK
    _TASK = task
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            for result in pool.imap(_call, range(count), CHUNK):
                yield cast(T, result)
    finally:
        _TASK = None
