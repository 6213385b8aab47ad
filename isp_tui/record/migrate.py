"""Schema versions: a record of any earlier schema brought to the current one, one step at a time."""

from __future__ import annotations

from typing import Any, Callable

from isp_tui.errors import InputError

SCHEMA_VERSION = 1


def migrate(data: dict[str, Any], file: object = None) -> dict[str, Any]:
    """Bring a record of any earlier schema version to the current one. Version 1 is the first."""
    version = data.get("schema", SCHEMA_VERSION)
    if isinstance(version, bool) or not isinstance(version, int):
        raise InputError("expected a whole number", file=file, field="schema")
    if version > SCHEMA_VERSION:
        raise InputError(f"schema {version} is newer than this version of isp understands ({SCHEMA_VERSION}); "
                         "upgrade isp to read it", file=file, field="schema")
    if version < 1:
        raise InputError(f"schema {version} is not a schema version (the first is 1)", file=file, field="schema")
    while version < SCHEMA_VERSION:  # one step at a time, each step kept for ever
        step = MIGRATIONS.get(version)
        if step is None:
            raise InputError(f"schema {version} has no migration to {version + 1}", file=file, field="schema")
        data = dict(step(dict(data)), schema=version + 1)
        version += 1
    return data


# MIGRATIONS[n] turns the tables of a schema-n record into schema n+1 (a pure function of the data, never
# touching the file: the record is rewritten only by its next save, in its own commit). When schema 2 comes,
# add `1: _v1_to_v2` here and bump SCHEMA_VERSION; tests/test_upgrade.py keeps a schema-1 repository.
MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}
