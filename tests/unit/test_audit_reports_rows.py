"""The reports' pure part: records in memory (no repository, no git) in, report rows out
(isp_tui.audit.reports_of, the same queries `isp report` runs on the derived index)."""

from __future__ import annotations

from datetime import date, datetime, timezone
from itertools import count

import pytest

from isp_tui.audit import REPORTS, reports_of
from isp_tui.errors import InputError
from isp_tui.record import Record

TODAY = date(2027, 4, 7)
AT = datetime(2026, 12, 1, 10, 0, tzinfo=timezone.utc)
_ids = count()


def record(status="final", engine="share", recorded="share", agency="Test Police Force", **tables) -> Record:
    """A record as the store leaves it, built in memory: only what the reports read."""
    data = {"schema": 1, "id": f"01JDB3M7Q2X8W5ZK4T9N6E{next(_ids):04d}", "status": status, "created": AT,
            "ruleset": {"id": "gdpr-2018"}, "outcome": {"engine": engine}, "recipient": {"agency": agency},
            "when": {"consent": "not-sought", "consent_not_sought_reason": "increased-risk",
                     "lawful_basis": ["ukgdpr-art6-1e"]},
            "consent": {"explanation": "Fictional: seeking consent would increase the risk."}}
    if status == "final":
        data["decided"] = {"by": "Test Practitioner <test.practitioner@example.invalid>", "at": AT}
        data["decision"] = {"recorded": recorded, "reasons": "Fictional reasons."}
    data.update(tables)
    return Record.from_dict(data)


def rows(records, name, today=TODAY, guidance=None):
    [report] = reports_of(records, guidance, today, [name])
    return report.rows


def test_outcomes_count_the_engine_against_the_recorded_decision():
    records = [record(), record(recorded="do-not-share"), record(recorded="share-part", engine="seek-advice"),
               record(status="draft", engine="incomplete")]
    got = {r["outcome"]: (r["engine"], r["recorded"]) for r in rows(records, "outcomes")}
    assert got == {"share": (2, 1), "share-part": (0, 1), "do-not-share": (0, 1), "seek-advice": (1, 0),
                   "total": (3, 3)}


def test_agencies_shared_with_and_refused():
    records = [record(), record(recorded="share-part"), record(recorded="do-not-share", agency="Test School")]
    assert rows(records, "agencies") == [
        {"agency": "Test Police Force", "decisions": 2, "shared": 2, "not_shared": 0},
        {"agency": "Test School", "decisions": 1, "shared": 0, "not_shared": 1}]


def test_shares_without_consent_leave_out_refusals_to_share():
    shared, refused = record(), record(recorded="do-not-share")
    assert [r["id"] for r in rows([shared, refused], "without-consent")] == [shared.id]


def test_a_review_date_of_today_is_due():
    due_today = record(retention={"review_on": date(2026, 12, 1)})
    retained = record(retention={"review_on": date(2027, 6, 1), "retain_until": date(2026, 11, 30)})
    later = record(retention={"review_on": date(2026, 12, 2)})
    found = {r["id"]: r["past"] for r in rows([due_today, retained, later], "reviews", date(2026, 12, 1))}
    assert found == {due_today.id: "review", retained.id: "retention"}
    assert rows([due_today], "reviews", date(2026, 11, 30)) == []


def test_a_response_past_its_due_date_unanswered_is_late():
    waiting = record(status="draft", engine="incomplete",
                     request={"agency": "Test School", "received": date(2027, 3, 12), "response_due": date(2027, 4, 6)})
    [late] = rows([waiting], "responses")
    assert (late["id"], late["due"], late["responded"], late["working_days_late"]) == \
        (waiting.id, date(2027, 4, 6), None, 1)
    assert rows([waiting], "responses", date(2027, 4, 6)) == []


def test_every_report_runs_on_no_records_and_an_unknown_one_is_bad_input(guidance):
    assert [r.name for r in reports_of([], guidance, TODAY)] == list(REPORTS)
    with pytest.raises(InputError, match="unknown report 'nonsense'"):
        reports_of([], guidance, TODAY, ["nonsense"])
