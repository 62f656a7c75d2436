"""Checking many drafts: ``stream`` yields verdicts in input order, with worker processes, in bounded memory.

Drafts are read lazily from any iterable and checked in chunks of ``chunk`` drafts; at most ``2 * jobs`` chunks
are in flight, so memory does not grow with the input. With ``jobs > 1`` each worker process gets the model once
(inherited on fork, pickled once otherwise) and runs ``coaching.check_many`` on whole chunks.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import islice

from classifier.coaching import check_many
from classifier.model import PitchModel
from classifier.verdict import Verdict

#: Drafts per unit of work: large enough to amortise the hand-over to a worker, small enough to keep order cheap.
CHUNK = 512

_worker_model: PitchModel | None = None


def _init_worker(model: PitchModel) -> None:
    global _worker_model
    _worker_model = model
    # A forked worker shares the parent's objects (model, caches) page by page until it writes to one. The
    # garbage collector's passes would touch every one of them, copying the pages and walking the heap again at
    # each collection: what exists at start is set aside for good (it stays alive for the worker's life anyway).
    gc.freeze()


def _check_chunk(texts: list[str]) -> list[Verdict]:
    assert _worker_model is not None, "worker started without a model"
    return check_many(_worker_model, texts)


def default_jobs() -> int:
    """Worker processes to use by default: the CPUs this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _chunks(texts: Iterable[str], size: int) -> Iterator[list[str]]:
    it = iter(texts)
    while chunk := list(islice(it, size)):
        yield chunk


def stream(
    model: PitchModel,
    texts: Iterable[str],
    jobs: int = 1,
    chunk: int = CHUNK,
    progress: Callable[[int], None] | None = None,
) -> Iterator[Verdict]:
    """Verdicts for ``texts``, one per draft, in input order (equal to ``check_many(model, list(texts))``).

    ``jobs`` worker processes (1: in this process); ``progress(n)`` is called after each chunk of ``n`` drafts.
    Raises ``ValueError`` when ``jobs`` or ``chunk`` is below 1.
    """
    if jobs < 1 or chunk < 1:
        raise ValueError(f"jobs and chunk must be at least 1 (got jobs={jobs}, chunk={chunk})")
    if jobs == 1:
        for part in _chunks(texts, chunk):
            yield from check_many(model, part)
            if progress:
                progress(len(part))
        return
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    with ProcessPoolExecutor(jobs, mp_context=context, initializer=_init_worker, initargs=(model,)) as pool:
        pending: deque[tuple[int, Future]] = deque()
        parts = _chunks(texts, chunk)
        for part in parts:
            pending.append((len(part), pool.submit(_check_chunk, part)))
            if len(pending) >= 2 * jobs:
                break
        while pending:
            n, future = pending.popleft()
            part = next(parts, None)
            if part is not None:
                pending.append((len(part), pool.submit(_check_chunk, part)))
            yield from future.result()
            if progress:
                progress(n)
