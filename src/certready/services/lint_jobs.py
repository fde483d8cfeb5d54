"""``--jobs N``: lint in worker processes, results streamed back in input order.

The inputs are expanded to files (folders recursively, as :func:`iter_inputs` does) and handed to
a pool of forked workers in chunks; each worker reads and judges its files with the run's own
options (inherited at the fork: trust stores and policy are loaded once, in the parent) and sends
back each file's finished :class:`TargetResult`. ``imap`` returns them in input order, so the
report is the one a single process writes, order included.

Single-process runs (:func:`lint_results` itself) remain for one worker, standard input, a
terminal password prompt (a worker has no terminal to ask on) and runs with private keys in files
of their own (pairing them needs every certificate of the run: the first pass finds them).

The inputs given together are one set here too: a first pass in the workers sends back what
:func:`lint_results`' first pass notes of each file (its certificates' facts, its CA certificates
as DER), the parent plans every file from them (:class:`~certready.services.lint.Plan`: the other
inputs' CA certificates as path candidates, a leaf given twice judged once, a file of CA
certificates skipped), and a second pool, forked after the plans exist, judges each file with its
plan (inherited at the fork: certificates do not pickle).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO, TypeVar, cast

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from certready.adapters.inputs import STDIN, Bundle, LoadedCertificate, PasswordSource
from certready.adapters.inputs.load import (
    empty_folder,
    load_in_folder,
    load_one,
    within_folder_limits,
)
from certready.adapters.inputs.pem_stream import PemStream
from certready.adapters.inputs.read import folder_files
from certready.core.errors import InputError
from certready.core.location import Location
from certready.core.model import TargetResult
from certready.services.lint import (
    STREAM_AT,
    IndexedInput,
    InputIndex,
    LintOptions,
    Plan,
    Plans,
    input_error_result,
    judge_item,
    lint_results,
)
from certready.services.lint_bundles import BUNDLE_FORMATS, leaves_of

T = TypeVar("T")

_DER = serialization.Encoding.DER

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


_RUN: tuple[LintOptions, PasswordSource | None, Plans | None] | None = None
"""The run's options in a worker (and, in the second pass, every file's plan): set in the parent
just before the fork."""

Task = tuple[int, str, bool]
"""A file's position in the run, its name, and whether a folder walk found it."""

_Cas = list[tuple[int, bytes, Location, str | None]]


@dataclass(frozen=True, slots=True)
class _Seen:
    """First pass over one file, as a worker sends it back (it pickles: no certificate objects)."""

    key_file: bool
    """A private key alone (to be paired with another file's leaf: one process does that)."""
    found: IndexedInput | None
    cas: _Cas
    request_spkis: frozenset[str]
    bundle: bool = False
    """Several leaves in one file (lint_bundles): the run is judged in one process."""


def _several_leaves(item: Bundle | InputError) -> bool:
    assert _RUN is not None
    if not isinstance(item, Bundle) or item.format not in BUNDLE_FORMATS:
        return False
    facts = _RUN[0].facts_cache
    leaves, _ = leaves_of(lambda: item.certificates, lambda c: facts.facts(c.certificate).is_ca)
    return leaves >= 2


def _load(task: Task) -> Bundle | InputError | PemStream:
    assert _RUN is not None
    _, file, in_folder = task
    if in_folder:
        return load_in_folder(file, _RUN[1], streams=True)
    return load_one(file, _RUN[1], streams=True)


def _index(task: Task) -> _Seen:
    """First pass: what the parent needs of this file to plan every file."""
    assert _RUN is not None
    item = _load(task)
    if isinstance(item, PemStream) or _several_leaves(item):
        return _Seen(False, None, [], frozenset(), bundle=True)
    if not isinstance(item, Bundle):
        return _Seen(False, None, [], frozenset())
    index = InputIndex()
    index.add(task[0], item, _RUN[0])
    found = index.last
    cas: _Cas = []
    if found is not None:
        cas = [
            (j, c.certificate.public_bytes(_DER), c.location, c.friendly_name)
            for j, _, c in found.cas
        ]
        found = replace(found, keys=(), cas=[])
    key_file = not item.certificates and bool(item.keys)
    return _Seen(key_file, found, cas, frozenset(index.request_spkis))


def _judge(task: Task) -> _Judged:
    assert _RUN is not None
    options, _, plans = _RUN
    found = _load(task)
    # (a bundle of several leaves runs in one process: never here)
    item = load_one(found.source, _RUN[1]) if isinstance(found, PemStream) else found
    plan = (plans.get(task[0]) if plans is not None else None) or Plan()
    if isinstance(item, InputError):
        return _Judged(judge_item(item, options), task[1], (), False)
    held = bool(item.certificates or item.requests)
    return _Judged(judge_item(item, options, plan), item.source, item.notes, held)


def _plans(seen: Sequence[_Seen], options: LintOptions) -> Plans | None:
    """Every file's plan from the workers' first pass; ``None``: only one process can plan them
    (the same leaf given twice, a copy with its own key not the one judged)."""
    index = InputIndex()
    for position, one in enumerate(seen):
        index.request_spkis.update(one.request_spkis)
        if one.found is not None:
            cas = [
                (j, options.facts_cache.facts(cert), LoadedCertificate(cert, where, name))
                for j, der, where, name in one.cas
                for cert in [x509.load_der_x509_certificate(der)]
            ]
            index.keep(position, replace(one.found, cas=cas))
    plans = index.plans((), hosts=bool(options.hosts), options=options)
    for position, plan in plans.items():
        kept = index.inputs.get(position)
        if plan.duplicate and kept is not None and kept.has_keys:
            return None
    return plans


def expand(paths: Sequence[str]) -> list[Group]:
    """Every input in order, a folder with its files (as :func:`iter_inputs` walks them)."""
    return [
        (name, folder_files(name) if name != STDIN and Path(name).is_dir() else None)
        for name in paths
    ]


def _files(groups: Sequence[Group]) -> list[str]:
    return [f for name, files in groups for f in (files if files is not None else [name])]


def _tasks(groups: Sequence[Group]) -> list[Task]:
    named = [
        (f, files is not None)
        for name, files in groups
        for f in (files if files is not None else [name])
    ]
    return [(i, f, in_folder) for i, (f, in_folder) in enumerate(named)]


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
    if jobs == 1:  # one process: no list of every file's name
        yield from lint_results(paths, options, password, on_note, on_error, stdin=stdin)
        return
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
    tasks = _tasks(groups)
    _RUN = (options, password, None)
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            seen = list(pool.imap(_index, tasks, CHUNK))
        plans = None if any(s.key_file or s.bundle for s in seen) else _plans(seen, options)
        if plans is None:  # loose keys, keys on copies, bundles of leaves: in one process
            yield from lint_results(paths, options, password, on_note, on_error)
            return
        del seen
        _RUN = (options, password, plans)
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            judged = pool.imap(_judge, tasks, CHUNK)
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
