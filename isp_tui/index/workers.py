"""Reading many blobs from git, and spreading a job over the machine's cores.

`blobs` streams blob contents through one `git cat-file --batch`. `in_parallel` runs a module-level
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
import subprocess
import threading
from concurrent.futures import ProcessPoolExecutor
from importlib import import_module
from pathlib import Path
from typing import Any, Callable, Iterator

from isp_tui.store import git_env  # merge: use isp_tui.gitlayer.env.git_env

PARALLEL_FROM = 4000  # entries before a job uses worker processes
PARALLEL_CHUNK = 2000  # entries this process works through between progress reports
MAX_WORKERS = 4

Job = Callable[..., Any]


def blobs(root: Path, shas: list[str]) -> Iterator[bytes | None]:
    """The content of each blob, in order, from one `git cat-file --batch`; None for a missing one."""
    if not shas:
        return
    proc = subprocess.Popen(["git", "cat-file", "--batch"], cwd=root, env=git_env(), stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE)

    def feed() -> None:
        try:
            proc.stdin.write("".join(f"{sha}\n" for sha in shas).encode())
            proc.stdin.close()
        except BrokenPipeError:
            pass

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    out = proc.stdout
    try:
        for _ in shas:
            header = out.readline().split()
            if len(header) == 3:
                data = out.read(int(header[2]))
                out.read(1)
                yield data
            else:
                yield None  # "<sha> missing": reported as a problem for that file
    finally:
        out.close()
        proc.wait()
        feeder.join()


def resolve(job: Job | str) -> Job:
    """A job given as "module:name" (how callers named it before the pool was the standard one)."""
    if callable(job):
        return job
    module, _, name = job.partition(":")
    return getattr(import_module(module), name)


def in_parallel(root: Path, wanted: list, job: Job | str, *extra: object) -> Iterator:
    """`job(root, part, *extra)` over `wanted` in parts, on every core for a big list; the results are
    yielded part by part (a part is a list of entries, in no promised order). `job` must be a module-level
    function (it is sent to the workers by name). A worker that fails leaves its part to this process."""
    work = resolve(job)
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
