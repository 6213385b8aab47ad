"""Upgrades: records written today are read by every later version.

tests/fixtures/records-v1.bundle is a records repository made by today's store (schema 1); records-v1.toml
says what must be read back from it. Never rebuild the fixture to make this pass: add a migration.
"""

from __future__ import annotations

import hashlib
import importlib
import tomllib
from pathlib import Path

import pytest

from conftest import git
from isp_tui.errors import InputError
from isp_tui.record import SCHEMA_VERSION, Record, migrate
from isp_tui.store import Problem, Store

# the module (the package's name `migrate` is the function): its SCHEMA_VERSION and MIGRATIONS are patched below
record_module = importlib.import_module("isp_tui.record.migrate")

FIXTURES = Path(__file__).resolve().parent / "fixtures"
EXPECTED = tomllib.loads((FIXTURES / "records-v1.toml").read_text())


def test_the_fixture_is_a_real_repository_of_schema_1(v1):
    assert EXPECTED["schema"] == 1
    assert git(v1, "rev-parse", "HEAD").strip() == EXPECTED["head"]
    git(v1, "fsck", "--strict")


def test_every_record_of_today_reads_back(v1, guidance):
    store = Store(v1, create=False)
    found = {item.id: item for item in store.records(guidance) if not isinstance(item, Problem)}
    assert not [item for item in store.records(guidance) if isinstance(item, Problem)]
    assert sorted(found) == sorted(r["id"] for r in EXPECTED["records"].values())
    for name, want in EXPECTED["records"].items():
        record = store.get(want["id"], guidance)
        assert record.path == want["path"], name
        assert record.status == want["status"], name
        assert (record.engine_outcome or "") == want["engine"], name
        assert (record.recorded or "") == want["recorded"], name
        assert record.get("subject.reference") == want["reference"], name
        assert record.get("ruleset.id") == want["ruleset"] and record.get("ruleset.sha256") == want["sha256"], name
        assert len(record.data.get("amendments", [])) == want["amendments"], name
        if SCHEMA_VERSION == 1:  # the same version writes the same bytes; a later one migrates instead
            assert record.to_toml() == want["toml"], name
        # the ruleset it was decided under is pinned in the repository, byte for byte
        pinned = v1 / "rulesets" / f"{want['sha256']}.toml"
        assert hashlib.sha256(pinned.read_bytes()).hexdigest() == want["sha256"]
        # a final record still satisfies what a final record must hold
        if record.is_final:
            assert record.missing_for_final(guidance) == [], name


def test_history_of_today_reads_back(v1, guidance):
    store = Store(v1, create=False)
    for name, want in EXPECTED["records"].items():
        history = store.history(want["id"])
        assert [r.action for r in history] == want["history"], name
        for revision in history:  # every revision of every record parses as a record
            assert store.record_at(want["id"], revision.commit, guidance).id == want["id"]
            assert revision.trailers["Record-Id"] == want["id"]
            assert revision.email.endswith("@example.invalid")
        amendments = store.get(want["id"], guidance).data.get("amendments", [])
        assert [a["by"].split(" <")[0] for a in amendments] == [r.author for r in history if r.action == "amend"][::-1]


def test_the_cli_reads_and_extends_the_repository_of_today(v1, isp, tmp_path, guidance):
    isp.records = v1
    rows = isp.json("list")
    assert len(rows) == len(EXPECTED["records"])
    amended = EXPECTED["records"]["amended"]["id"]
    assert isp.json("show", amended)["subject"]["reference"] == "TEST-0001A"
    log = isp.json("log", amended)
    assert [r["action"] for r in log["revisions"]] == ["amend", "amend", "final"]
    change = tmp_path / "c.toml"
    change.write_text('[sharing]\ntime_limits = "Fictional: 6 months"\n')
    isp("amend", amended, str(change), "--reason", "Fictional: written by a later version")
    assert [r["action"] for r in isp.json("log", amended)["revisions"]][0] == "amend"
    git(v1, "fsck", "--strict")
    assert git(v1, "status", "--porcelain") == ""


# -- schema versions -------------------------------------------------------------------------------------------

def test_migrate_brings_every_version_to_the_current_one(guidance):
    text = EXPECTED["records"]["override"]["toml"]
    data = tomllib.loads(text)
    for version in range(1, SCHEMA_VERSION + 1):
        assert migrate(dict(data, schema=version))["schema"] == SCHEMA_VERSION
    assert set(record_module.MIGRATIONS) == set(range(1, SCHEMA_VERSION)), "every step from 1 has a migration"
    assert Record.from_toml(text.encode(), guidance=guidance).data["schema"] == SCHEMA_VERSION


def test_the_migration_path_runs_step_by_step(v1, guidance, monkeypatch):
    """What schema 2 will look like: a step from 1 to 2 is applied on reading, the file is left alone."""
    def v1_to_v2(data):
        data["retention"] = dict(data.get("retention", {}), retain_until=data.get("retention", {}).get("review_on"))
        return data

    monkeypatch.setattr(record_module, "SCHEMA_VERSION", 2)
    monkeypatch.setitem(record_module.MIGRATIONS, 1, v1_to_v2)
    want = EXPECTED["records"]["amended"]
    raw = (v1 / want["path"]).read_bytes()
    record = Record.from_toml(raw, want["path"], guidance=guidance)
    assert record.data["schema"] == 2
    assert record.get("retention.retain_until") == record.get("retention.review_on")
    assert (v1 / want["path"]).read_bytes() == raw
    monkeypatch.delitem(record_module.MIGRATIONS, 1)
    with pytest.raises(InputError, match="schema 1 has no migration to 2"):
        Record.from_toml(raw, want["path"], guidance=guidance)


@pytest.mark.parametrize("schema,message", [(SCHEMA_VERSION + 1, "is newer than this version of isp understands"),
                                            (0, "is not a schema version"), ("1", "expected a whole number"),
                                            (True, "expected a whole number"), (1.0, "expected a whole number")])
def test_a_schema_this_version_cannot_read_is_named(schema, message):
    data = tomllib.loads(EXPECTED["records"]["override"]["toml"])
    data["schema"] = schema
    with pytest.raises(InputError) as caught:
        Record.from_dict(data, "record.toml")
    assert str(caught.value).startswith("record.toml: schema: ") and message in str(caught.value)


def test_a_record_of_a_future_schema_in_the_repository_is_a_named_problem_not_a_loss(v1, isp, guidance):
    """A newer isp wrote a record this one cannot read: it is reported by name, the others still list."""
    want = EXPECTED["records"]["draft"]
    path = v1 / want["path"]
    path.write_text(path.read_text().replace("schema = 1", f"schema = {SCHEMA_VERSION + 1}", 1))
    isp.records = v1
    result = isp("list", "--json")
    assert f"isp: {want['path']}: schema: schema {SCHEMA_VERSION + 1} is newer" in result.stderr
    import json

    assert len(json.loads(result.stdout)) == len(EXPECTED["records"]) - 1
