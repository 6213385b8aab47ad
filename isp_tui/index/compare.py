"""Whether the derived index in use says what the records say (`isp verify --full`).

The index is derived data that `isp list`, `isp report` and the app read without opening the records;
an `UPDATE` on its tables would forge what they show while every record file and commit still passes.
`differences(store)` rebuilds the index from the committed records in a temporary file beside the one in
use and compares every table, row by row. What it says names record files (ids) and columns only,
never a value: the index holds names and dates of birth."""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path

from isp_tui.index import build
from isp_tui.index.db import COLUMNS, FILE, REPORTED, connect, meta
from isp_tui.store import Store

# each table's columns after its key, `path`
TABLES = {"rows": ("blob", *COLUMNS), "problems": ("blob", "message"), "reported": REPORTED}


def table(db: sqlite3.Connection, name: str, columns: tuple[str, ...]) -> dict[str, tuple]:
    return {path: tuple(rest) for path, *rest in db.execute(f"SELECT path, {', '.join(columns)} FROM {name}")}


def differences(store: Store) -> list[str]:
    """How the index in use differs from one rebuilt now from the committed records ([] when it does not).
    The index in use is first brought up to date, as `isp list` would."""
    from isp_tui.index.view import Index

    head = store.head()
    index = Index(store)
    try:
        index.refresh()
    finally:
        index.close()
    found: list[str] = []
    with tempfile.TemporaryDirectory(dir=store.work) as tmp:
        fresh, in_use = connect(Path(tmp) / FILE), connect(store.work / FILE)
        try:
            build.update(fresh, store, head)
            if (meta(in_use, "commit") or None) != head:
                found.append(f"the index says it describes commit {(meta(in_use, 'commit') or 'none')[:12]}, "
                             f"not the branch head {(head or 'none')[:12]}")
            for name, columns in TABLES.items():
                used, rebuilt = table(in_use, name, columns), table(fresh, name, columns)
                for path in sorted(set(used) | set(rebuilt)):
                    if path not in rebuilt:
                        found.append(f"the index's {name} table has a row for {path}, which the records do not hold")
                    elif path not in used:
                        found.append(f"the index's {name} table has no row for {path}")
                    elif used[path] != rebuilt[path]:
                        changed = [c for c, a, b in zip(columns, used[path], rebuilt[path]) if a != b]
                        found.append(f"the index's {name} table differs from {path} in: {', '.join(changed)}")
        finally:
            fresh.close()
            in_use.close()
    return found
