"""Amendments: what changed between two versions of a record, and replaying or laying changes over one."""

from __future__ import annotations

from typing import Any, Iterator

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
    """Replay an amendment's changes onto a record's tables (used to merge amendments made apart)."""
    out = {k: (dict(v) if isinstance(v, dict) else v) for k, v in data.items()}
    for change in changes:
        parts = change["field"].split(".")
        if parts[0] == "checklists":
            table = out.setdefault("checklists", {})
            table[parts[1]] = dict(table.get(parts[1], {}))
            target, key = table[parts[1]], parts[2]
        elif len(parts) == 1:
            target, key = out, parts[0]
        else:
            target, key = out.setdefault(parts[0], {}), parts[1]
        if "after" in change:
            target[key] = change["after"]
        else:
            target.pop(key, None)
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
