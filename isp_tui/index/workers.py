"""Spreading a job over the machine's cores (the blobs a job reads come from gitlayer.plumbing.blobs).

`in_parallel` runs a module-level
job over parts of a long list in a `concurrent.futures.ProcessPoolExecutor` with the *spawn* context
(fresh interpreters, never fork: safe beside the app's threads), while this process works through its
own share. The index's rebuild and `isp verify` both use it.

Spawn's one rule applies: a program that reaches this must guard its main script with
`if __name__ == "__main__":` (the `isp` console script, `python -m isp_tui`, bench/ and the test
harnesses do). A worker started from an unguarded script fails at start, and this process then
does all the work itself: the same answer, slower."""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any, Callable, Iterator


PARALLEL_FROM = 4000  # entries before a job uses worker processes
PARALLEL_CHUNK = 2000  # entries this process works through between progress reports
MAX_WORKERS = 4

Job = Callable[..., Any]


def in_parallel(root: Path, wanted: list, job: Job, *extra: object) -> Iterator:
    """`job(root, part, *extra)` over `wanted` in parts, on every core for a big list; the results are
    yielded part by part (a part is a list of entries, in no promised order). `job` must be a module-level
    function (it is sent to the workers by name). A worker that fails leaves its part to this process."""
    work = job
    workers = min(os.cpu_count() or 1, MAX_WORKERS)
    if len(wanted) < PARALLEL_FROM or workers < 2:
        for n in range(0, len(wanted), PARALLEL_CHUNK):
            yield work(root, wanted[n:n + PARALLEL_CHUNK], *extra)
        return
    parts = [wanted[n::workers] for n in range(workers)]
    with ProcessPoolExecutor(workers - 1, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = [pool.submit(work, root, part, *extra) for part in parts[1:]]
        for n in range(0, len(parts[0]), PARALLEL_CHUNK):
            yield work(root, parts[0][n:n + PARALLEL_CHUNK], *extra)
        for part, future in zip(parts[1:], futures):
            try:
                result = future.result()
            except Exception:  # noqa: BLE001 - a worker that failed (or died) leaves its share to this process
                result = work(root, part, *extra)
            yield result
