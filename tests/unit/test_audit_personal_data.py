"""The personal-data check's pure parts, without a repository: a subject's details found in free text by
digest (never held or quoted back), dates of birth told from a commit's own time stamps, and the store's
commit message shape."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from isp_tui.audit.checks import store_shape_problem
from isp_tui.gitlayer.messages import parse_message, parse_subject
from isp_tui.audit.personal import Identifying, long_ago, personal_data_in
from isp_tui.record import Record

RID = "01JDB3M7Q2X8W5ZK4T9N6E1RVA"
COMMITTED = date(2026, 11, 21)
CREATED = datetime(2026, 11, 21, 9, 30, tzinfo=timezone.utc)


@pytest.fixture
def known() -> Identifying:
    record = Record.from_dict({"schema": 1, "id": RID, "status": "draft", "created": CREATED,
                               "subject": {"name": "Test Child Alpha", "reference": "TEST-0001",
                                           "date_of_birth": date(2016, 2, 3)}})
    found = Identifying()
    found.add_record(record)
    return found


@pytest.mark.parametrize("text", ["Notes about test child alpha", "Test Child Alpha.txt", "ref TEST-0001 done",
                                  "born 2016-02-03", "born 03/02/2016", "born 3 February 2016"])
def test_a_subjects_details_are_found_and_not_quoted(known, text):
    what, record_id = personal_data_in(text, known, COMMITTED)
    assert record_id == RID and what == f"a subject's identifying details (record {RID})"
    assert "alpha" not in what.lower() and "0001" not in what


def test_only_at_a_words_start(known):
    assert known.find("xtest child alpha") is None
    assert known.find("(test child alpha)") == RID


def test_a_date_long_before_the_commit_is_flagged_but_not_a_recent_one(known):
    assert personal_data_in("born 04/05/2011", known, COMMITTED) == (
        "a date a year or more before the commit (a date of birth?)", None)
    assert personal_data_in("synced 2026-11-20", known, COMMITTED) == ("", None)
    assert personal_data_in("add notes", known, COMMITTED) == ("", None)
    assert long_ago("2025-11-21", COMMITTED) and not long_ago("2025-11-22", COMMITTED)
    assert not long_ago("31/02/2016", COMMITTED)  # not a date


STORE_MESSAGE = (f"record {RID}: final (share)\n\nRecord-Id: {RID}\nAction: final\nOutcome: share\n"
                 "Engine-Outcome: share\nRuleset: gdpr-2018@1\n")


def test_the_stores_message_shape():
    assert store_shape_problem(STORE_MESSAGE) == ""
    assert store_shape_problem(STORE_MESSAGE.replace("Outcome: share\nEngine", "Outcome: share-part\nEngine")
                               ) == "its trailers do not match its subject"
    part = STORE_MESSAGE.replace("(share)", "(share-part)").replace("Outcome: share\nEngine", "Outcome: share-part\nEngine")
    assert store_shape_problem(part) == ""  # the practitioner's decision may be share-part
    # the engine never gives share-part: the Engine-Outcome trailer takes the engine's outcomes only
    assert store_shape_problem(part.replace("Engine-Outcome: share", "Engine-Outcome: share-part")) == \
        "its outcome is not one the store writes"
    assert store_shape_problem(STORE_MESSAGE + "Subject: TEST-0001\n") == \
        "its message holds text besides the subject and the trailers"
    assert store_shape_problem("add notes") == "its subject is not `record <id>: <action> (<outcome>)`"
    assert store_shape_problem(f"record {RID}: final (share)") == "it has no trailers"
    assert store_shape_problem(STORE_MESSAGE.replace("Ruleset: gdpr-2018@1\n", "")) == "trailer(s) Ruleset missing"
    destroy = f"record {RID}: destroy (destroyed)\n\nRecord-Id: {RID}\nAction: destroy\n"
    assert store_shape_problem(destroy) == ""
    assert store_shape_problem(destroy + "Reason: x\n") == "its destroy message is not in the store's shape"


def test_parse_message_reads_the_subject_and_the_trailer_block():
    assert parse_subject(STORE_MESSAGE.split("\n")[0]) == (RID, "final", "share")
    trailers = parse_message(STORE_MESSAGE)
    assert (trailers.record_id, trailers.action, trailers.decision) == (RID, "final", "share")
    assert trailers["Engine-Outcome"] == "share" and trailers["Ruleset"] == "gdpr-2018@1"
    assert parse_message("notes\n\nnot: a trailer\nbut a sentence").fields == {}
    assert parse_message("notes").fields == {} and parse_subject("notes") is None
