"""Files written so that every write is complete or fails: all bytes or an error, never a half file,
and no temporary file left behind when it fails."""

from __future__ import annotations

import errno
import itertools
import os
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Iterable

from isp_tui.gitlayer.plumbing import Folders


def write_all(fd: int, data: bytes) -> None:
    """os.write until every byte is written (a write may take fewer bytes than it was given)."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        if written <= 0:  # pragma: no cover - a regular file either takes bytes or raises
            raise OSError(f"wrote nothing of {len(view)} bytes")
        view = view[written:]


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sync_filesystem(path: Path) -> None:
    """Make everything written to `path`'s filesystem durable at once: syncfs(2) where the C library has it
    (Linux), else sync(2), every filesystem. For many files written with atomic_write(flush=False)."""
    try:
        import ctypes

        syncfs = ctypes.CDLL(None, use_errno=True).syncfs
        fd = os.open(path, os.O_RDONLY)
        try:
            if syncfs(fd) == 0:
                return
        finally:
            os.close(fd)
    except (OSError, AttributeError):
        pass
    os.sync()


def make_dirs(path: Path) -> None:
    """mkdir -p with every folder it creates owner-only (Path.mkdir(parents=True) gives the parents the umask's mode)."""
    missing = []
    while not path.exists():
        missing.append(path)
        path = path.parent
    for folder in reversed(missing):
        folder.mkdir(mode=0o700, exist_ok=True)


def linked_folder(target: Path, tmp_dir: Path) -> Path | None:
    """The first folder on the way to `target` that is a symbolic link, below the folder it shares with
    `tmp_dir` (the records repository, or .git/isp: callers keep their temporary files inside it), or None.
    Plain string work and one lstat a folder: a first sync writes 100,000 files."""
    folder, spare = (os.fspath(p) if os.path.isabs(p) else os.path.abspath(p) for p in (target, tmp_dir))
    folder = os.path.dirname(folder)
    shared = os.path.commonprefix([folder + os.sep, spare + os.sep])
    here = shared[:shared.rindex(os.sep)] or os.sep  # cut back to a whole folder name (at least the root)
    rest = folder[len(here):].strip(os.sep)
    for part in rest.split(os.sep) if rest else ():
        here = os.path.join(here, part)
        if os.path.islink(here):
            return Path(here)
    return None


def refused_link(name: str, link: str) -> Exception:
    """The one refusal of a write through a folder that is a symbolic link (a StoreError, one line)."""
    from isp_tui.errors import StoreError, printable

    return StoreError(f"refused to write {printable(name)}: the folder {printable(link)} is a symbolic link, and isp "
                      "never writes through one (records are plain files in plain folders); replace the link with a "
                      "plain folder, then run isp again")


def atomic_write(target: Path, data: bytes, tmp_dir: Path, mode: int = 0o600, *, flush: bool = True) -> None:
    """Write a file so that a crash leaves the old content or the new, never a half file; a write that fails
    leaves the old content and no temporary file. `flush=False`: no fsync of the file and its folder, for a
    caller writing many files that flushes them all at once (sync_filesystem) and can write them again after
    a crash. A folder on the way that is a symbolic link is refused (StoreError), never written through: a
    record (personal data) would land wherever the link points, outside the repository."""
    link = linked_folder(target, tmp_dir)
    if link is not None:
        raise refused_link(target.name, str(link))
    make_dirs(target.parent)
    make_dirs(tmp_dir)
    tmp = tmp_dir / f"{target.name}.{os.getpid()}.tmp"
    try:
        # the name is predictable: whatever stands there (a stale copy, or a symbolic link planted in a repository
        # handed over) is removed, never written through, and the file is made new (O_EXCL: no link followed)
        tmp.unlink(missing_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), mode)
        try:
            write_all(fd, data)
            if flush:
                os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if flush:
        fsync_dir(target.parent)


WRITERS = 4  # threads writing files at once (the system calls run outside the GIL)
OPEN_FOLDERS = 256  # folders write_many keeps open at once
BATCH = 64  # files a writing thread takes at once
_NO_FOLLOW = os.O_NOFOLLOW | getattr(os, "O_DIRECTORY", 0)


def finish(pending: list[Future]) -> None:
    """Wait for every write handed to the threads (the first failure is raised), and forget them."""
    try:
        for done in pending:
            done.result()
    finally:
        pending.clear()


def write_many(root: Path, files: Iterable[tuple[str, bytes]], tmp_dir: Path) -> None:
    """Write many files under `root` (each given by its path relative to it, with its content), each whole
    or absent as atomic_write leaves it, and flush them together (sync_filesystem) at the end: a new
    machine's 100,000 records. Folders are made owner-only as needed. No symbolic link is followed on the way
    (gitlayer.plumbing.Folders): a link where a folder belongs is refused. The files are written by WRITERS
    threads while the caller's iterable is still being read (the next blobs from git)."""
    make_dirs(tmp_dir)
    tmp = os.open(tmp_dir, os.O_RDONLY | _NO_FOLLOW)
    pid, count = os.getpid(), itertools.count()
    try:
        with Folders(root, make=True) as folders:

            def folder(relative: str) -> int:
                try:
                    return folders.fd(relative)
                except OSError as exc:
                    if exc.errno in (errno.ELOOP, errno.ENOTDIR):  # a link (or a file) where a folder belongs
                        raise refused_link(exc.filename + "/", exc.filename) from None
                    raise

            def write(at: int, name: str, data: bytes, n: int) -> None:
                scratch = f"{name}.{pid}.{n}.tmp"
                try:
                    fd = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600, dir_fd=tmp)
                    try:
                        write_all(fd, data)
                    finally:
                        os.close(fd)
                    os.replace(scratch, name, src_dir_fd=tmp, dst_dir_fd=at)
                except BaseException:
                    try:
                        os.unlink(scratch, dir_fd=tmp)
                    except OSError:
                        pass
                    raise

            def write_batch(batch: list[tuple[int, str, bytes, int]]) -> None:
                for at, name, data, n in batch:
                    write(at, name, data, n)

            with ThreadPoolExecutor(WRITERS) as pool:
                pending: list[Future] = []
                batch: list[tuple[int, str, bytes, int]] = []
                try:
                    for path, data in files:
                        parent, _, name = path.rpartition("/")
                        if parent not in folders and len(folders) >= OPEN_FOLDERS:  # a tree of very many folders: close
                            if batch:                                               # them (none is in use) and go on
                                pending.append(pool.submit(write_batch, batch))
                                batch = []
                            finish(pending)
                            folders.release()
                        batch.append((folder(parent), name, data, next(count)))
                        if len(batch) >= BATCH:  # a thread takes files a batch at a time: one task (and one hand-over
                            pending.append(pool.submit(write_batch, batch))  # of the GIL) for many files, not each
                            batch = []
                            if len(pending) >= 4 * WRITERS:  # a bounded queue: the blobs are not all held at once
                                finish(pending)
                finally:  # the files already read are written, even when reading the next one failed
                    if batch:
                        pending.append(pool.submit(write_batch, batch))
                    finish(pending)
    finally:
        os.close(tmp)
    sync_filesystem(root)
