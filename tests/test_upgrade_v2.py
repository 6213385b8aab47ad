"""Schema 1 to 2 (issue 12): records written before a final record had to say why sharing is necessary and who
gave consent read, verify and show under the ruleset they pin, migrate, and are never refused for what their form
did not ask; records decided now must say it.

tests/fixtures/record-v1-consent-given.toml is a record file exactly as the schema-1 store wrote it (taken byte for
byte from records-v1.bundle): consent given, with no one named as consenting and no word on necessity.
"""

from __future__ import annotations

import hashlib
import tomllib
from datetime import date
from pathlib import Path

import pytest

from conftest import git
from isp_tui.errors import InputError
from isp_tui.identity import Identity
from isp_tui.record import SCHEMA_VERSION, Record, migrate
from isp_tui.store import Store

FIXTURES = Path(__file__).resolve().parent / "fixtures"
OLD_FILE = FIXTURES / "record-v1-consent-given.toml"
EXPECTED = tomllib.loads((FIXTURES / "records-v1.toml").read_text())
OLD = EXPECTED["records"]["dpa-1998"]
LAW_FIELDS = {"decision.necessity", "when.consent_by", "when.consent_informed"}
MANAGER = Identity("Test Team Manager", "test.manager@example.invalid")


def test_the_old_file_is_the_one_the_schema_1_store_wrote(v1):
    assert OLD_FILE.read_bytes() == (v1 / OLD["path"]).read_bytes()
    assert OLD_FILE.read_text().startswith("schema = 1\n")


def test_the_migration_to_2_says_the_schema_it_was_decided_under_and_changes_nothing_else(guidance):
    old = tomllib.loads(OLD_FILE.read_text())
    new = migrate(old)
    assert SCHEMA_VERSION == 2 and new["schema"] == 2
    assert new["decided"] == {**old["decided"], "schema": 1}
    assert {k: v for k, v in new.items() if k not in ("schema", "decided")} == \
        {k: v for k, v in old.items() if k not in ("schema", "decided")}
    draft = dict(old, status="draft")  # a draft is decided when it is finalised: nothing is added to it
    assert migrate(draft)["decided"] == old["decided"]


def test_an_old_record_reads_under_its_pinned_ruleset_and_is_not_asked_what_its_form_never_asked(guidance):
    record = Record.from_toml(OLD_FILE.read_bytes(), OLD_FILE.name, guidance=guidance)
    assert record.get("decided.schema") == 1
    assert record.get("ruleset.sha256") == OLD["sha256"] and record.get("ruleset.version") == "1.0.0"
    assert record.decide(guidance).ruleset == record.data["ruleset"]  # decided under the very version it pins
    assert record.engine_outcome == OLD["engine"] == "share"
    assert not LAW_FIELDS & set(record.missing_for_final(guidance))
    assert record.missing_for_final(guidance) == []
    # the same answers decided now must say them
    now = Record.from_dict(dict(record.data, decided={k: v for k, v in record.data["decided"].items() if k != "schema"}),
                           guidance=guidance)
    assert LAW_FIELDS <= set(now.missing_for_final(guidance))


def test_isp_verify_show_and_list_read_the_old_repository(v1, isp, guidance):
    isp.records = v1
    result = isp("verify")
    assert "verified: no problems found" in result.stdout
    shown = isp.json("show", OLD["id"])
    assert shown["schema"] == SCHEMA_VERSION and shown["decided"]["schema"] == 1
    assert shown["ruleset"] == {"id": "dpa-1998", "version": "1.0.0", "sha256": OLD["sha256"]}
    assert isp("show", OLD["id"]).stdout.startswith(f"schema = {SCHEMA_VERSION}\n")
    pinned = v1 / "rulesets" / f"{OLD['sha256']}.toml"
    assert hashlib.sha256(pinned.read_bytes()).hexdigest() == OLD["sha256"]
    assert len(isp.json("list")) == len(EXPECTED["records"])


def test_an_amendment_of_an_old_record_keeps_the_rules_it_was_decided_under(v1, isp, tmp_path, guidance):
    """Chosen: an amendment keeps decided.schema (it is fixed, like decided.at); the file is written in schema 2
    but the record is not asked, after the fact, what its form never asked. verify still passes."""
    isp.records = v1
    change = tmp_path / "c.toml"
    change.write_text('[retention]\nreview_on = 2028-01-31\n')
    isp("amend", OLD["id"], str(change), "--reason", "Fictional: review date moved")
    text = (v1 / OLD["path"]).read_text()
    assert text.startswith(f"schema = {SCHEMA_VERSION}\n") and "\nschema = 1\n" in text  # decided.schema = 1
    record = Store(v1, create=False).get(OLD["id"], guidance)
    assert record.get("retention.review_on") == date(2028, 1, 31)
    assert [c["field"] for c in record.data["amendments"][-1]["changes"]] == ["retention.review_on"]
    assert record.missing_for_final(guidance) == []
    assert "verified: no problems found" in isp("verify").stdout
    git(v1, "fsck", "--strict")
    # the schema it was decided under cannot itself be amended
    change.write_text('[decided]\nschema = 2\n')
    result = isp("amend", OLD["id"], str(change), "--reason", "Fictional: try to change it", check=None)
    assert result.returncode != 0 and "decided.schema" in result.stderr


def test_a_draft_written_under_schema_1_is_decided_now_and_asked(v1, guidance):
    """A schema-1 draft finalised today is decided today: it must say why sharing is necessary."""
    store = Store(v1, create=False)
    draft = store.get(EXPECTED["records"]["draft"]["id"], guidance)
    assert draft.get("decided.schema") is None
    data = dict(draft.data, decision={"recorded": "share", "reasons": "Fictional: finalised after the upgrade."})
    with pytest.raises(InputError) as caught:
        store.save(data, guidance, MANAGER)
    assert "\u201cWhy sharing is necessary\u201d (decision.necessity: " in str(caught.value)
    data["decision"]["necessity"] = "Fictional: the test police cannot assess the risk without it."
    saved = store.save(data, guidance, MANAGER)
    assert saved.record.get("decided.schema") == SCHEMA_VERSION


def test_isp_record_of_a_new_decision_names_the_missing_law_fields_in_words(isp, tmp_path, guidance):
    from conftest import write_toml
    from factory import final_record

    data = final_record(guidance, when={"consent": "given"}, context={"special_category": False})
    for key in ("consent_not_sought_reason", "consent_by", "consent_informed"):
        data["when"].pop(key)
    data["decision"].pop("necessity")
    data["decided"]["schema"] = 1  # a new record cannot claim the old rules: the store decides it now
    result = isp("record", str(write_toml(tmp_path / "new.toml", data)), check=None)
    assert result.returncode != 0
    for words in ("\u201cWhy sharing is necessary\u201d", "\u201cWho gave consent?\u201d (when.consent_by: subject",
                  "\u201cWas the consent informed?\u201d (when.consent_informed: true or false"):
        assert words in result.stderr, words


async def test_the_apps_record_screen_shows_an_old_record(v1):
    from isp_tui.tui.app import IspApp
    from isp_tui.tui.screens.browse import RecordScreen
    from tui_driver import PRACTITIONER

    app = IspApp(records=str(v1), identity=PRACTITIONER, today=date(2026, 11, 21))
    async with app.run_test(size=(120, 40)) as pilot:
        await app.loaded.wait()
        await pilot.pause()
        await app.workers.wait_for_complete()
        app.push_screen(RecordScreen(OLD["id"]))
        await pilot.pause()
        text = str(app.screen.query_one("#record").render())
        for words in ("Final record: TEST-0003", "The flowchart's outcome: SHARE", "version 1.0.0"):
            assert words in text, words
        assert "schema" not in text.lower()  # the schema it was decided under is the store's, not the reader's
