"""Bringing the index's rows up to date from git: a diff from the indexed commit, or a rebuild.

An update reads only the record files git's own `diff-tree` says changed; a rebuild lists every
record file (`ls-tree`) and reads them through `cat-file --batch`, on every core for a big one. Also
keeps git's commit-graph (with changed-path filters) up to date, so a record's history stays fast."""

from __future__ import annotations

import sqlite3
import subprocess
from typing import Any, Callable

from isp_tui.index.db import INSERT_PROBLEM, INSERT_REPORTED, INSERT_ROW, meta, set_meta
from isp_tui.index.parse import Also, parse_many
from isp_tui.index.workers import bulk_work, in_parallel
from isp_tui.gitlayer.env import run_git
from isp_tui.record.ids import in_record_folder
from isp_tui.store.repo import Store

GRAPH_EVERY = 50  # commits since the commit-graph was last written before it is written again
Progress = Callable[[int, int], None]
# (also, its extra arguments, collect): parse_many's second use of each reading, and what receives its
# (blob, answer) pairs in this process
Reuse = tuple[Also, tuple, Callable[[list[tuple[str, Any]]], None]]


def update(db: sqlite3.Connection, store: Store, head: str | None, progress: Progress | None = None,
           reuse: Reuse | None = None) -> int:
    """Make the rows describe `head`; returns the number of record files read. One writer at a time: others
    wait, then find it done. `reuse`: each record file read is also given to another check (parse_many)."""
    if meta(db, "commit") == head:
        return 0
    changed = 0
    db.execute("BEGIN IMMEDIATE")
    try:
        indexed = meta(db, "commit")
        if indexed != head:
            if indexed and head and is_commit(store, indexed):
                changed = apply_diff(db, store, indexed, head, progress, reuse)
            else:
                changed = rebuild(db, store, head, progress, reuse)
            set_meta(db, "commit", head or "")
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    return changed


def is_commit(store: Store, sha: str) -> bool:
    try:
        store.git("cat-file", "-e", f"{sha}^{{commit}}")
        return True
    except subprocess.CalledProcessError:
        return False


def rebuild(db: sqlite3.Connection, store: Store, head: str | None, progress: Progress | None = None,
            reuse: Reuse | None = None) -> int:
    for table in ("rows", "problems", "reported"):
        db.execute(f"DELETE FROM {table}")
    if not head:
        return 0
    out = run_git(store.root, "ls-tree", "-r", "-z", "--full-tree", head).stdout
    wanted = []
    for entry in out.split(b"\0"):
        if not entry:
            continue
        info, _, name = entry.partition(b"\t")
        mode, kind, sha = info.split()
        path = name.decode("utf-8", "surrogateescape")
        if kind == b"blob" and in_record_folder(path):
            wanted.append((path, sha.decode(), mode.decode()))
    store_rows(db, store, wanted, progress, reuse)
    return len(wanted)


def apply_diff(db: sqlite3.Connection, store: Store, old: str, new: str, progress: Progress | None = None,
               reuse: Reuse | None = None) -> int:
    out = run_git(store.root, "diff-tree", "-r", "-z", "--no-renames", "--raw", old, new).stdout
    fields = out.split(b"\0")
    wanted = []
    for info, name in zip(fields[0::2], fields[1::2]):
        if not info.startswith(b":"):
            continue
        _, new_mode, _, new_sha, status = info[1:].split()
        path = name.decode("utf-8", "surrogateescape")
        if not in_record_folder(path):
            continue
        for table in ("rows", "problems", "reported"):
            db.execute(f"DELETE FROM {table} WHERE path=?", (path,))
        if status != b"D" and new_mode != b"160000":
            wanted.append((path, new_sha.decode(), new_mode.decode()))
    store_rows(db, store, wanted, progress, reuse)
    return len(wanted)


def store_rows(db: sqlite3.Connection, store: Store, wanted: list[tuple[str, str, str]],
               progress: Progress | None = None, reuse: Reuse | None = None) -> None:
    """Read these (path, blob, mode) entries and write their rows, REPORTED values and problems."""
    done = 0
    also, args, collect = reuse or (None, (), None)
    with bulk_work():
        for rows, problems, extra in in_parallel(store.root, wanted, parse_many, also, *args):
            if collect is not None:
                collect(extra)
            done += len(rows) + len(problems)
            if progress is not None:
                progress(done, len(wanted))
            db.executemany(INSERT_ROW, [row[:-1] for row in rows])
            db.executemany(INSERT_REPORTED, [(row[0], *row[-1]) for row in rows])
            db.executemany(INSERT_PROBLEM, problems)


def maintain_commit_graph(db: sqlite3.Connection, store: Store, head: str) -> None:
    """Keep git's commit-graph, with changed-path filters, no more than GRAPH_EVERY commits behind
    (written by a background git process)."""
    graphed = meta(db, "graph")
    if graphed == head:
        return
    if graphed and is_commit(store, graphed):
        try:
            behind = int(store.git("rev-list", "--count", f"{graphed}..{head}").strip() or 0)
        except (subprocess.CalledProcessError, ValueError):
            behind = GRAPH_EVERY
        if behind < GRAPH_EVERY:
            return
    store.update_commit_graph(wait=False, replace=not graphed)
    set_meta(db, "graph", head)
