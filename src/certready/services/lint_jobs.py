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

import dataclasses
import io
import multiprocessing
import os
import pickle
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any, BinaryIO, TypeVar, cast

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
from certready.core.facts import request_facts
from certready.core.location import Location
from certready.core.model import CertFacts, TargetResult
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
from certready.services.lint_bundles import survey_bundle

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
    if not isinstance(item, Bundle):
        return False
    facts = _RUN[0].facts_cache
    return survey_bundle(item, lambda c: facts.facts(c.certificate).is_ca) is not None


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
    # what InputIndex.add notes of one input, without its records of the whole run (this
    # worker sees a part of it: the parent keeps them)
    requests = frozenset(request_facts(r.request).public_key.spki_sha256 for r in item.requests)
    if not item.certificates:
        return _Seen(bool(item.keys), None, [], requests)
    found = IndexedInput.of(item, _RUN[0])
    cas: _Cas = [
        (j, c.certificate.public_bytes(_DER), c.location, c.friendly_name) for j, _, c in found.cas
    ]
    return _Seen(False, replace(found, keys=(), cas=[]), cas, requests)


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
    loaded: dict[bytes, tuple[x509.Certificate, CertFacts]] = {}  # a fleet's CAs recur
    for position, one in enumerate(seen):
        index.request_spkis.update(one.request_spkis)
        if one.found is not None:
            cas = []
            for j, der, where, name in one.cas:
                known = loaded.get(der)
                if known is None:
                    cert = x509.load_der_x509_certificate(der)
                    known = loaded[der] = (cert, options.facts_cache.facts(cert))
                cas.append((j, known[1], LoadedCertificate(known[0], where, name)))
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
        seen = list(fork_map(lambda i: _index(tasks[i]), len(tasks), workers))
        plans = None if any(s.key_file or s.bundle for s in seen) else _plans(seen, options)
        if plans is None:  # loose keys, keys on copies, bundles of leaves: in one process
            yield from lint_results(paths, options, password, on_note, on_error)
            return
        del seen
        _RUN = (options, password, plans)
        judged = fork_map(lambda i: _judge(tasks[i]), len(tasks), workers)
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


def fork_map(task: Callable[[int], T], count: int, workers: int) -> Iterator[T]:
    """``task(0) .. task(count - 1)`` in ``workers`` forked processes, results in order (each
    must pickle; the task itself is inherited at the fork, never pickled).

    Not :class:`multiprocessing.pool.Pool`: its worker-maintenance thread wakes whenever a
    result waits in the pipe and spun for ~130 µs of the parent's CPU per file of a lint (a
    sixth of a worker's work), and its result thread added a thread switch to every
    hand-over. Here each worker takes the next :data:`CHUNK` of indices from a shared counter
    and sends each chunk's results on a pipe of its own; the parent reads whichever pipe is
    ready and yields in order. A worker that stops sending (results not read yet) waits: at
    most a few chunks per worker are held. An exception in a task is raised in the parent."""
    context = multiprocessing.get_context("fork")
    chunks = (count + CHUNK - 1) // CHUNK
    taken = context.Value("l", 0)
    pipes: dict[Connection, BaseProcess] = {}
    try:
        for _ in range(max(1, min(workers, chunks))):
            reader, writer = context.Pipe(duplex=False)
            process: BaseProcess = context.Process(
                target=_work, args=(task, count, taken, writer), daemon=True
            )
            process.start()
            writer.close()
            pipes[reader] = process
        waiting: dict[int, list[object]] = {}
        for number in range(chunks):
            while number not in waiting:
                if not pipes:
                    raise RuntimeError("a lint worker process ended before its work was done")
                for ready in wait(list(pipes)):
                    assert isinstance(ready, Connection)
                    try:
                        got, results = pickle.loads(ready.recv_bytes())  # noqa: S301 (our own worker's)
                    except EOFError:
                        pipes.pop(ready).join()
                        ready.close()
                        continue
                    if got < 0:
                        raise results  # (the task's exception)
                    waiting[got] = results
            for result in waiting.pop(number):
                yield cast(T, result)
    finally:
        for reader, process in pipes.items():
            if process.is_alive():
                process.terminate()
            process.join()
            reader.close()


def _work(task: Callable[[int], object], count: int, taken: Any, pipe: Connection) -> None:
    """A worker of :func:`fork_map`: chunks of indices taken in turn until none is left."""
    try:
        while True:
            with taken.get_lock():
                number = taken.value
                taken.value = number + 1
            start = number * CHUNK
            if start >= count:
                return
            try:
                results = [task(i) for i in range(start, min(start + CHUNK, count))]
            except Exception as exc:  # sent to the parent, which raises it
                pipe.send_bytes(_dumps((-1, exc)))
                return
            pipe.send_bytes(_dumps((number, results)))
    finally:
        pipe.close()


_UNKNOWN: tuple[str, ...] = ("?",)
_FIELDS: dict[type, tuple[str, ...] | None] = {}
"""Each class pickled: its field names when it is a slotted dataclass (None: another kind)."""


def _slotted_fields(cls: type) -> tuple[str, ...] | None:
    names = _FIELDS.get(cls, _UNKNOWN)
    if names is _UNKNOWN:
        getstate = getattr(cls, "__getstate__", None)
        slotted = (
            dataclasses.is_dataclass(cls)
            and "__slots__" in cls.__dict__
            and getattr(getstate, "__name__", "") == "_dataclass_getstate"
        )
        names = tuple(f.name for f in dataclasses.fields(cls)) if slotted else None
        _FIELDS[cls] = names
    return names


def _rebuild(cls: type, values: tuple[object, ...]) -> object:
    """A slotted dataclass from its field values (as its own ``__setstate__`` does)."""
    made: object = object.__new__(cls)
    for name, value in zip(_slotted_fields(cls) or (), values, strict=True):
        object.__setattr__(made, name, value)
    return made


class _Pickler(pickle.Pickler):
    """A result's frozen slotted dataclasses (facts, findings, locations) as their class and
    field values: their own reduction calls :func:`dataclasses.fields` for each object, a third
    of handing a result over (~65 -> ~45 µs to pickle a target of a leaf and its path)."""

    def reducer_override(self, obj: object) -> Any:
        cls = type(obj)
        names = _slotted_fields(cls)
        if names is None:
            return NotImplemented
        return _rebuild, (cls, tuple([getattr(obj, name) for name in names]))


def _dumps(value: object) -> bytes:
    out = io.BytesIO()
    _Pickler(out, pickle.HIGHEST_PROTOCOL).dump(value)
    return out.getvalue()
