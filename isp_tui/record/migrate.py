"""Schema versions: a record of any earlier schema brought to the current one, one step at a time."""

from __future__ import annotations

from typing import Any, Callable

from isp_tui.errors import InputError

# 1: the first. 2: a final record says the record schema it was decided under (decided.schema), because from 2 a
# final record of sharing must say why sharing is necessary and, where consent is relied on, who gave it and
# whether it was informed (record/law.py); a record decided under 1 was never asked them and is never refused for them.
SCHEMA_VERSION = 2


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


def v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    """Schema 1 to 2: a final record was decided under schema 1, and says so (decided.schema = 1), so the fields
    schema 2 asks of a decision are not asked of it, now or when it is amended. A draft is decided when it is
    finalised, under the schema of that day: nothing is added to it. Nothing is renamed or moved."""
    if data.get("status") == "final" and isinstance(data.get("decided", {}), dict):
        data["decided"] = {**data.get("decided", {}), "schema": 1}
    return data


# MIGRATIONS[n] turns the tables of a schema-n record into schema n+1 (a pure function of the data, never
# touching the file: the record is rewritten only by its next save, in its own commit). Each step is kept for
# ever; tests/test_upgrade.py keeps a schema-1 repository (tests/fixtures/records-v1.bundle).
MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {1: v1_to_v2}
