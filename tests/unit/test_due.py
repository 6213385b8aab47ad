"""The one rule for what is due (isp_tui.index.due): a date of today is due, before it overdue, within
N days after it due soon; the SQL the index and the reports use gives the same answer day by day."""

from __future__ import annotations

import sqlite3
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from isp_tui.index import DUE_SOON_DAYS, Index, due, due_state
from isp_tui.index.due import DUE, DUE_SOON, OVERDUE, Due, due_sql, is_due, is_late, late_sql, soon_sql, sql_params
from isp_tui.store import Store

TODAY = date(2026, 11, 21)
ROOT = Path(__file__).resolve().parents[2]


def test_today_is_due_before_is_overdue_after_is_soon_then_nothing():
    assert due_state(TODAY, TODAY) == DUE == "due"
    assert due_state(TODAY - timedelta(days=1), TODAY) == OVERDUE
    assert due_state(TODAY + timedelta(days=1), TODAY) == DUE_SOON
    assert due_state(TODAY + timedelta(days=DUE_SOON_DAYS), TODAY) == DUE_SOON
    assert due_state(TODAY + timedelta(days=DUE_SOON_DAYS + 1), TODAY) is None
    assert due_state(TODAY + timedelta(days=3), TODAY, soon_days=2) is None
    assert due_state(None, TODAY) is None
    assert is_due(TODAY, TODAY) and is_due(TODAY - timedelta(days=400), TODAY)
    assert not is_due(TODAY + timedelta(days=1), TODAY) and not is_due(None, TODAY)


@pytest.mark.parametrize("soon_days", [0, 3, DUE_SOON_DAYS])
def test_the_sql_says_what_python_says_day_by_day(soon_days):
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE t (day TEXT)")
    days = [TODAY + timedelta(days=n) for n in range(-40, 40)] + [date(2027, 2, 28), date(2024, 2, 29)]
    db.executemany("INSERT INTO t VALUES (?)", [(d.isoformat(),) for d in days] + [(None,)])
    params = sql_params(TODAY, soon_days)
    due_days = {d for (d,) in db.execute(f"SELECT day FROM t WHERE {due_sql('day')}", params)}
    assert due_days == {d.isoformat() for d in days if is_due(d, TODAY)}
    assert TODAY.isoformat() in due_days
    positional = {d for (d,) in db.execute(f"SELECT day FROM t WHERE {due_sql('day', '?')}", (TODAY.isoformat(),))}
    assert positional == due_days
    soon = {d for (d,) in db.execute(f"SELECT day FROM t WHERE {soon_sql('day')}", params)}
    assert soon == {d.isoformat() for d in days if due_state(d, TODAY, soon_days) is not None}


def test_late_is_after_the_due_date_and_the_sql_says_so_too():
    """Late (a response, telling a recipient of a correction): done after the due date, or not done once it
    has passed; on the due date itself, not yet late."""
    assert not is_late(None, TODAY, TODAY) and is_late(None, TODAY, TODAY + timedelta(days=1))
    assert not is_late(TODAY, TODAY, TODAY + timedelta(days=9)) and is_late(TODAY + timedelta(days=1), TODAY, TODAY)
    assert not is_late(None, None, TODAY)
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE t (done TEXT, due TEXT)")
    days = [TODAY + timedelta(days=n) for n in range(-5, 6)]
    pairs = [(done, due) for done in days + [None] for due in days + [None]]
    db.executemany("INSERT INTO t VALUES (?, ?)", [(d and d.isoformat(), u and u.isoformat()) for d, u in pairs]
                   + [("", TODAY.isoformat()), (TODAY.isoformat(), "")])
    late = set(db.execute(f"SELECT coalesce(done, ''), coalesce(due, '') FROM t WHERE {late_sql('done', 'due')}",
                          (TODAY.isoformat(),)))
    assert late == {(d.isoformat() if d else "", u.isoformat()) for d, u in pairs if is_late(d, u, TODAY)}


class Dated:
    def __init__(self, id_, status, response_due=None, review_on=None, retain_until=None):
        self.id, self.status, self.created = id_, status, datetime(2026, 1, 1)
        self.response_due, self.review_on, self.retain_until = response_due, review_on, retain_until


def test_due_lists_responses_drafts_reviews_and_retention_soonest_first():
    rows = [Dated("A", "final", review_on=TODAY), Dated("B", "final", retain_until=TODAY - timedelta(days=2)),
            Dated("C", "draft", response_due=TODAY + timedelta(days=40)), Dated("D", "draft"),
            Dated("E", "final", review_on=TODAY + timedelta(days=60))]
    found = due(rows, TODAY)
    assert [(d.kind, d.id, d.state) for d in found] == [
        ("retention", "B", OVERDUE), ("review", "A", DUE), ("response", "C", None), ("draft", "D", None)]
    assert found[0].overdue and not found[1].overdue and found[1].because == "review"
    assert isinstance(found[0], Due) and found[1].as_dict()["state"] == "due"


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Store:
    """A small generated records repository (bench/generate.py)."""
    sys.path.insert(0, str(ROOT / "bench"))
    from generate import generate

    target = tmp_path_factory.mktemp("small") / "records"
    generate(target, 80, gc=False)
    return Store(target)


def test_the_index_due_query_agrees_with_the_rule_over_its_rows(small):
    index = Index(small)
    try:
        every, seen = index.rows(), set()
        dates = sorted({d for row in every for d in (row.review_on, row.retain_until, row.response_due) if d})
        for today in [dates[0], dates[len(dates) // 2], dates[-1], TODAY]:
            for within in (0, DUE_SOON_DAYS):
                assert index.due(today, within=within) == due(every, today, within=within)
            past = index.past_review(today)
            expected = [r for r in every if r.status == "final" and (is_due(r.retain_until, today)
                                                                      or is_due(r.review_on, today))]
            expected.sort(key=lambda r: (r.retain_until or r.review_on or date.max, r.id))
            assert [d.id for d in past] == [r.id for r in expected]
            assert all(d.state in (DUE, OVERDUE) for d in past)
            seen.update(d.state for d in index.due(today))
        assert {DUE, OVERDUE, DUE_SOON} <= seen  # the dates chosen reach every state
    finally:
        index.close()
