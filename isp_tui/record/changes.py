"""Amendments: what changed between two versions of a record, and replaying or laying changes over one."""

from __future__ import annotations

from typing import Any, Iterator

from isp_tui.errors import InputError
from isp_tui.record.model import Record
from isp_tui.record.schema import ORDER


def diff(before: Record, after: Record) -> list[dict[str, Any]]:
    """Field-by-field changes from one version to the next (not a raw TOML diff)."""
    old, new = before.flat(), after.flat()
    changes = []
    for key in sorted(set(old) | set(new), key=_field_order):
        if old.get(key) != new.get(key):
            change: dict[str, Any] = {"field": key}
            if key in old:
                change["before"] = old[key]
            if key in new:
                change["after"] = new[key]
            changes.append(change)
    return changes


def _field_order(key: str) -> tuple[int, str]:
    top = key.partition(".")[0]
    return (ORDER.index(top) if top in ORDER else len(ORDER), key)


def apply_changes(data: dict[str, Any], changes: list[dict[str, Any]]) -> dict[str, Any]:
    """Replay an amendment's changes onto a record's tables (used to merge amendments made apart).

    A change names a field at any depth: `decision.reasons`, `checklists.<list>.<item>`, or a whole table
    (`checklists`, written by hand or by another tool). Each table on the way is copied, never shared with
    `data`. A field that runs through a value that is not a table is an InputError (the merge keeps the
    other side's version and says so), never an IndexError."""
    out = {k: (dict(v) if isinstance(v, dict) else v) for k, v in data.items()}
    for change in changes:
        field = change.get("field") if isinstance(change, dict) else None
        parts = field.split(".") if isinstance(field, str) else []
        if not parts or not all(parts):
            raise InputError(f"an amendment's change names no field ({field!r})", field="amendments.changes")
        target = out
        for depth, part in enumerate(parts[:-1]):
            inner = target.get(part)
            if inner is None and "after" not in change:
                target = None  # removing a field of a table that is not there: nothing to do
                break
            if inner is not None and not isinstance(inner, dict):
                raise InputError(f"an amendment changes {field!r}, but {'.'.join(parts[:depth + 1])} is not a table",
                                 field="amendments.changes")
            target[part] = dict(inner or {})
            target = target[part]
        if target is None:
            continue
        if "after" in change:
            target[parts[-1]] = change["after"]
        else:
            target.pop(parts[-1], None)
    return out


def merge_tables(data: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """Lay the tables and keys of `changes` over a record's tables (an amendment file names only what changes)."""
    out = {k: (dict(v) if isinstance(v, dict) else v) for k, v in data.items()}
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key].update(value)
        else:
            out[key] = value
    return out


def iter_changes(record: Record) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    for amendment in record.data.get("amendments", []):
        for change in amendment.get("changes", []):
            yield amendment, change
