"""``--jobs N``: lint in worker processes, results streamed back in input order.

The inputs are expanded to files (folders recursively, as :func:`iter_inputs` does) and handed to
a pool of forked workers in chunks; each worker reads and judges its files with the run's own
options (inherited at the fork: trust stores and policy are loaded once, in the parent) and sends
back each file's finished :class:`TargetResult`. ``imap`` returns them in input order, so the
report is the one a single process writes, order included.

Single-process runs (:func:`lint_results` itself) remain for one worker, standard input, a
terminal password prompt (a worker has no terminal to ask on) and runs with private keys in files
of their own (pairing them needs every certificate of the run: the first pass finds them).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, TypeVar, cast

from certready.adapters.inputs import STDIN, Bundle, PasswordSource
from certready.adapters.inputs.load import empty_folder, load_one, within_folder_limits
from certready.adapters.inputs.read import folder_files
from certready.core.errors import InputError
from certready.core.model import TargetResult
from certready.services.lint import (
    STREAM_AT,
    LintOptions,
    input_error_result,
    judge_item,
    lint_results,
)

T = TypeVar("T")

JOBS_AT = STREAM_AT
"""``--jobs`` unset: every core from this many input files on, one process below."""

CHUNK = 16
"""Files a worker takes at a time: large enough to amortise the pipe, small enough to balance."""


def default_jobs(files: int) -> int:
    """The machine's cores for :data:`JOBS_AT` input files or more, else 1."""
    return (os.cpu_count() or 1) if files >= JOBS_AT else 1


@dataclass(frozen=True, slots=True)
class _Judged:
    results: list[TargetResult]
    source: str
    notes: tuple[str, ...]
    certificates: bool
    """The file held a certificate (a folder none of whose files does is itself an error)."""


Group = tuple[str, list[str] | None]
"""An input as given, and its files when it is a folder (``None``: a file)."""


_RUN: tuple[LintOptions, PasswordSource | None] | None = None
"""The run's options in a worker: set in the parent just before the fork."""


def _index(file: str) -> bool:
    """First pass: is this file a private key alone (to be paired with another file's leaf)?"""
    assert _RUN is not None
    item = load_one(file, _RUN[1])
    return isinstance(item, Bundle) and not item.certificates and bool(item.keys)


def _judge(file: str) -> _Judged:
    assert _RUN is not None
    options, password = _RUN
    item = load_one(file, password)
    if isinstance(item, InputError):
        return _Judged(judge_item(item, options), file, (), False)
    held = bool(item.certificates or item.requests)
    return _Judged(judge_item(item, options), item.source, item.notes, held)


def expand(paths: Sequence[str]) -> list[Group]:
    """Every input in order, a folder with its files (as :func:`iter_inputs` walks them)."""
    return [
        (name, folder_files(name) if name != STDIN and Path(name).is_dir() else None)
        for name in paths
    ]


def _files(groups: Sequence[Group]) -> list[str]:
    return [f for name, files in groups for f in (files if files is not None else [name])]


def lint_parallel(
    paths: Sequence[str],
    options: LintOptions,
    password: PasswordSource | None = None,
    on_note: Callable[[str, str], None] | None = None,
    on_error: Callable[[InputError], None] | None = None,
    *,
    stdin: BinaryIO | None = None,
    jobs: int | None = None,
) -> Iterator[TargetResult]:
    """:func:`lint_results` over ``jobs`` worker processes (``None``: :func:`default_jobs`)."""
    groups = expand(paths)
    files = _files(groups)
    too_large = any(f is not None and not within_folder_limits(f) for _, f in groups)
    workers = default_jobs(len(files)) if jobs is None else jobs
    workers = min(workers, len(files))
    single = (
        workers <= 1
        or too_large  # the folder limits are iter_inputs' to enforce and report
        or STDIN in paths
        or hasattr(password, "rejected")  # a terminal prompt: only the parent can ask
        or "fork" not in multiprocessing.get_all_start_methods()
    )
    if single:
        yield from lint_results(paths, options, password, on_note, on_error, stdin=stdin)
        return
    global _RUN
    _RUN = (options, password)
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            if any(pool.imap(_index, files, CHUNK)):  # loose keys: pair them in one process
                pool.terminate()
                yield from lint_results(paths, options, password, on_note, on_error)
                return
            judged = pool.imap(_judge, files, CHUNK)
            yield from _in_order(groups, judged, options, on_note)
    finally:
        _RUN = None


def _in_order(
    groups: Sequence[Group],
    judged: Iterator[_Judged],
    options: LintOptions,
    on_note: Callable[[str, str], None] | None,
) -> Iterator[TargetResult]:
    """The workers' results as the single process yields them: after a folder's files, the
    folder's own error when none of them held a certificate."""
    for name, files in groups:
        any_certificate = False
        for _ in files if files is not None else [name]:
            one = next(judged)
            any_certificate = any_certificate or one.certificates
            if on_note is not None:
                for note in one.notes:
                    on_note(one.source, note)
            yield from one.results
        if files is not None and not any_certificate:
            yield input_error_result(empty_folder(name, len(files)), options)


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
