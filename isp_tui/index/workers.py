"""Spreading a job over the machine's cores (the blobs a job reads come from gitlayer.plumbing.blobs).

`in_parallel` runs a module-level job over parts of a long list in a
`concurrent.futures.ProcessPoolExecutor` with the *spawn* context (fresh interpreters, never fork: safe
beside the app's threads), one worker per core, while this process takes in their answers. The index's
rebuild and `isp verify` both use it.

Spawn's one rule applies: a program that reaches this must guard its main script with
`if __name__ == "__main__":` (the `isp` console script, `python -m isp_tui`, bench/ and the test
harnesses do). A worker started from an unguarded script fails at start, and this process then
does all the work itself: the same answer, slower."""

from __future__ import annotations

import gc
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator


PARALLEL_FROM = 4000  # entries before a job uses worker processes
PARALLEL_CHUNK = 2000  # entries in one part (a worker's task, and one progress report)
MAX_WORKERS = 4

Job = Callable[..., Any]


@contextmanager
def bulk_work() -> Iterator[None]:
    """Python's cycle collector paused while a bulk job makes and keeps many objects and no cycles (100,000
    records read, 125,000 commits checked): each collection walks every object kept so far, and at 100,000
    records those walks took half the reading time (the compiled reader's parse of 20,000 records, rtoml then: 3.1 s, 1.1 s without).
    Reference counting frees everything as usual; the collector is back when the job ends."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


_JOB: tuple[Job, Path, tuple] | None = None  # a worker process's job, root and extra arguments (_keep_job)


def _keep_job(job: Job, root: Path, extra: tuple) -> None:
    """A worker process's start: the job and its arguments, sent once rather than with every part."""
    global _JOB
    _JOB = (job, root, extra)


def _work_on(part: list) -> Any:
    """One part of the job, in a worker process, under bulk_work()."""
    assert _JOB is not None
    job, root, extra = _JOB
    with bulk_work():
        return job(root, part, *extra)


def in_parallel(root: Path, wanted: list, job: Job, *extra: object) -> Iterator:
    """`job(root, part, *extra)` over `wanted` in parts, on every core for a big list; the results are
    yielded part by part (a part is a list of entries, in no promised order). `job` must be a module-level
    function (it is sent to the workers by name). A worker that fails leaves its part to this process.

    A big list is cut into parts of PARALLEL_CHUNK, handed to one worker process per core as each becomes
    free, so every core stays busy to the end; this process receives the answers (the index writes them to
    SQLite meanwhile). The collector is paused in the workers (bulk_work); the caller pauses it here."""
    workers = min(os.cpu_count() or 1, MAX_WORKERS)
    if len(wanted) < PARALLEL_FROM or workers < 2:
        for n in range(0, len(wanted), PARALLEL_CHUNK):
            yield job(root, wanted[n:n + PARALLEL_CHUNK], *extra)
        return
    parts = [wanted[n:n + PARALLEL_CHUNK] for n in range(0, len(wanted), PARALLEL_CHUNK)]
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"), initializer=_keep_job,
                               initargs=(job, root, extra))
    try:
        futures = {pool.submit(_work_on, part): part for part in parts}
        for future in as_completed(futures):
            try:
                result = future.result()
            except Exception:  # noqa: BLE001 - a worker that failed (or died) leaves its part to this process
                result = job(root, futures[future], *extra)
            yield result
    finally:  # a caller that stops early (ctrl+c, an error) waits for the parts being worked on, not for all
        pool.shutdown(wait=True, cancel_futures=True)
