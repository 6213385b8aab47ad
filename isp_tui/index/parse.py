"""One committed record file to its index row, or to a Problem when it is not a readable record."""

from __future__ import annotations

from pathlib import Path

from isp_tui.errors import InputError
from isp_tui.index.db import Row, reported_values, row_values
from isp_tui.gitlayer.plumbing import blobs
from isp_tui.record.model import Record
from isp_tui.store.types import Problem

def parse(path: str, raw: bytes | None, mode: str = "100644") -> tuple[Row, tuple] | Problem:
    """One record file, as committed, to its Row and its REPORTED values; a file that is not a readable
    record to a Problem."""
    try:
        if mode == "120000":
            raise InputError("is a symbolic link; records are plain files and links are not followed", file=path)
        if raw is None:
            raise InputError("cannot be read from git", file=path)
        record = Record.from_toml(raw, path)
        stem = path.rsplit("/", 1)[-1][:-5]
        if record.id != stem:
            raise InputError(f"holds id {record.id!r}, but its file name says {stem!r}", file=path, field="id")
        return Row.of(record), reported_values(record)
    except InputError as exc:
        return Problem(path, str(exc))


def parse_many(root: Path, wanted: list[tuple[str, str, str]]) -> tuple[list[tuple], list[tuple]]:
    """Rows (as table values, their REPORTED values last) and problems for (path, blob, mode) entries: the
    index's job for workers.in_parallel."""
    rows, problems = [], []
    for (path, sha, mode), raw in zip(wanted, blobs(root, [sha for _, sha, _ in wanted])):
        item = parse(path, raw, mode)
        if isinstance(item, Problem):
            problems.append((path, sha, item.message))
        else:
            row, reported = item
            rows.append((path, sha, *row_values(row), reported))
    return rows, problems
