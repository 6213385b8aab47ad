"""One committed record file to its index row, or to a Problem when it is not a readable record."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from isp_tui.errors import InputError
from isp_tui.index.db import reported_values, stored_row
from isp_tui.gitlayer.plumbing import committed
from isp_tui.record.model import Record
from isp_tui.record.schema import MAX_FILE, texts_pass
from isp_tui.store.types import Problem

# also(path, raw, tables or None when they could not be read, *args, record=the Record validated without the
# guidance, or None): a second use of each reading (a module-level function, sent to worker processes by name),
# e.g. verification's facts on a new machine (audit.verify_state)
Also = Callable[..., Any]


def read(path: str, raw: bytes | None, mode: str = "100644"
         ) -> tuple[tuple[tuple, tuple] | Problem, dict | None, Record | None]:
    """One record file, as committed, to its row as stored (db.stored_row) and its REPORTED values, or to a
    Problem when it is not a readable record; with the tables as read (None where they could not be), and the
    record they validate as (None where they do not)."""
    tables = record = None
    try:
        if mode == "120000":
            raise InputError("is a symbolic link; records are plain files and links are not followed", file=path)
        if raw is None:
            raise InputError("cannot be read from git", file=path)
        tables = Record.toml_tables(raw, path)
        record = Record.from_dict(tables, path, texts_checked=texts_pass(raw))
        stem = path.rsplit("/", 1)[-1][:-5]
        if record.id != stem:
            raise InputError(f"holds id {record.id!r}, but its file name says {stem!r}", file=path, field="id")
        return (stored_row(record), reported_values(record)), tables, record
    except InputError as exc:
        return Problem(path, str(exc)), tables, None


def parse_many(root: Path, wanted: list[tuple[str, str, str]], also: Also | None = None,
               *args: object) -> tuple[list[tuple], list[tuple], list[tuple]]:
    """Rows (as table values, their REPORTED values last), problems, and (blob, `also`'s answer) for (path,
    blob, mode) entries: the index's job for workers.in_parallel. Each blob is read (from its file where that
    holds it: plumbing.committed) and parsed once."""
    rows, problems, extra = [], [], []
    for (path, sha, mode), raw in zip(wanted, committed(root, [(path, sha) for path, sha, _ in wanted], MAX_FILE)):
        item, tables, record = read(path, raw, mode)
        if also is not None:
            extra.append((sha, also(path, raw, tables, *args, record=record)))
        if isinstance(item, Problem):
            problems.append((path, sha, item.message))
        else:
            row, reported = item
            rows.append((path, sha, *row, reported))
    return rows, problems, extra
