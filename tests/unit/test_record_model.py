"""record.model and record.changes: the Record type, FIXED, the one summary, diffs and replays."""

from __future__ import annotations

import pytest

from factory import final_record
from isp_tui.errors import InputError
from isp_tui.record import FIXED, SHARING_DECISIONS, Record, apply_changes, diff, merge_tables, new_id, summary
from isp_tui.record.model import FIXED_TABLES, outcome_table


def made(guidance, **overrides) -> Record:
    data = final_record(guidance, **overrides)
    data.update(schema=1, id=new_id(), status="final")
    record = Record.from_dict(data, guidance=guidance, new=True)
    record.data["outcome"] = outcome_table(record, guidance)
    return record


def test_fixed_fields_are_the_record_s_identity_and_live_in_the_fixed_tables():
    assert {"id", "created", "decided.by", "decided.at", "ruleset.sha256"} <= FIXED
    assert {f.partition(".")[0] for f in FIXED} == set(FIXED_TABLES)
    assert SHARING_DECISIONS == ("share", "share-part")


def test_the_summary_names_what_a_list_shows(guidance):
    record = made(guidance)
    out = summary(record)
    assert out["id"] == record.id and out["outcome"] == "share" and out["decision"] == "share"
    assert out["amendments"] == 0 and "subject" not in " ".join(out)  # no personal data in a summary


def test_a_diff_replays_onto_the_old_record(guidance):
    before = made(guidance)
    after_data = merge_tables(before.data, {"decision": {"reasons": "Test: new reasons."}, "retention": {}})
    after = Record.from_dict(after_data, guidance=guidance, new=True)
    changes = diff(before, after)
    assert [c["field"] for c in changes] == ["decision.reasons"]
    assert apply_changes(before.data, changes) == after.data


def test_an_unknown_table_is_named(guidance):
    with pytest.raises(InputError, match="unknown table"):
        Record.from_dict({**final_record(guidance), "nonsense": {}}, new=True)
