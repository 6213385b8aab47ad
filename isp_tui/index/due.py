"""When something is due: the ONE rule, in Python and in the index's SQL.

A date of today IS due; a date before today is overdue; a date within `soon_days` after today is due
soon; later than that, nothing yet. `due_state` says it for one date; `due_sql` and `soon_sql` are the
same boundaries for a column of ISO dates (tests/unit/test_due.py checks they agree day by day).
Retention list, the auditors' `report reviews` and Home all read their answers from here."""

from __future__ import annotations

import sqlite3
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Iterable

from isp_tui.dates import day_of

if TYPE_CHECKING:
    from isp_tui.index.db import Row

DUE_SOON_DAYS = 14
OVERDUE, DUE, DUE_SOON = "overdue", "due", "due soon"


def due_state(day: date | None, today: date, soon_days: int = DUE_SOON_DAYS) -> str | None:
    """OVERDUE, DUE or DUE_SOON for a date, or None (no date, or not due yet)."""
    if day is None:
        return None
    if day < today:
        return OVERDUE
    if day == today:
        return DUE
    if (day - today).days <= soon_days:
        return DUE_SOON
    return None


def is_due(day: date | None, today: date) -> bool:
    """Due or overdue: the date is today or has passed."""
    return due_state(day, today) in (DUE, OVERDUE)


def is_late(done: date | None, due: date | None, today: date) -> bool:
    """Whether something due on `due` (a response, telling a recipient of a correction) is late: done after
    its due date, or not done and its due date has passed (on the due date itself it is not late yet)."""
    if due is None:
        return False
    return done > due if done is not None else today > due


def late_sql(done: str, due: str, today: str = "?") -> str:
    """is_late for columns of ISO dates (`done` empty or NULL: not done), as an SQL condition."""
    return (f"(coalesce({due}, '') <> '' AND (coalesce({done}, '') = '' AND {due} < {today} "
            f"OR coalesce({done}, '') <> '' AND {done} > {due}))")


def due_sql(column: str, today: str = ":today") -> str:
    """is_due for a column of ISO dates, as an SQL condition; bind `sql_params(today)`, or give the
    placeholder a query with positional parameters uses (`today="?"`) and bind today's ISO date to it."""
    return f"({column} <> '' AND {column} <= {today})"


def soon_sql(column: str) -> str:
    """due_state(...) is not None (overdue, due or due soon) for a column of ISO dates; bind `sql_params`."""
    return f"({column} <> '' AND {column} <= :soon)"


def sql_params(today: date, soon_days: int = DUE_SOON_DAYS) -> dict[str, str]:
    return {"today": today.isoformat(), "soon": (today + timedelta(days=soon_days)).isoformat()}


@dataclass(frozen=True, slots=True)
class Due:
    """One thing that needs doing for one record, with the record's dates beside it."""

    kind: str  # "response" (000 13.2), "review" or "retention" (000 6.7.1; 002 Record), "draft"
    id: str
    on: date | None
    state: str | None  # OVERDUE, DUE, DUE_SOON; None for a draft with no date near
    created: datetime | None = None
    review_on: date | None = None
    retain_until: date | None = None

    @property
    def overdue(self) -> bool:
        return self.state == OVERDUE

    @property
    def because(self) -> str:
        return self.kind

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "because": self.kind}


@dataclass(frozen=True, slots=True)
class Dated:
    """The columns of an index Row that `due` reads."""

    id: str
    status: str
    created: datetime
    response_due: date | None
    review_on: date | None
    retain_until: date | None


def due(rows: Iterable[Row | Dated], today: date, *, within: int = DUE_SOON_DAYS) -> list[Due]:
    """What needs doing soon or is overdue, soonest first: responses, reviews, retention dates, drafts."""
    out: list[Due] = []
    for row in rows:
        dates = {"created": row.created, "review_on": row.review_on, "retain_until": row.retain_until}
        if row.status == "draft":  # a request still waiting for a decision: its response is due (000 13.2)
            kind = "response" if row.response_due else "draft"
            out.append(Due(kind, row.id, row.response_due, due_state(row.response_due, today, within), **dates))
            continue
        for kind, when in (("review", row.review_on), ("retention", row.retain_until)):
            if (state := due_state(when, today, within)) is not None:
                out.append(Due(kind, row.id, when, state, **dates))
    return soonest_first(out)


def soonest_first(items: list[Due]) -> list[Due]:
    return sorted(items, key=lambda d: (d.on is None, d.on or date.max, d.id))



def due_in(db: sqlite3.Connection, today: date, *, within: int = DUE_SOON_DAYS) -> list[Due]:
    """`due` of the index's rows, reading only the rows that can be due and the columns it needs."""
    cursor = db.execute("SELECT id, status, created, response_due, review_on, retain_until FROM rows WHERE "
                        f"status='draft' OR {soon_sql('review_on')} OR {soon_sql('retain_until')}",
                        sql_params(today, within))
    return due((Dated(id_, status, datetime.fromisoformat(created), day_of(response_due), day_of(review_on),
                      day_of(retain_until)) for id_, status, created, response_due, review_on, retain_until in cursor),
               today, within=within)


def past_review_in(db: sqlite3.Connection, today: date) -> list[Due]:
    """Final records whose retention or review date is due (today or before), one item a record: "retention"
    when the retain-until date is due, else "review". Oldest date first."""
    out = []
    for id_, created, review_on, retain_until in db.execute(
            "SELECT id, created, review_on, retain_until FROM rows WHERE status='final' "
            f"AND ({due_sql('retain_until')} OR {due_sql('review_on')})", sql_params(today)):
        review, retain = day_of(review_on), day_of(retain_until)
        kind, on = ("retention", retain) if is_due(retain, today) else ("review", review)
        out.append(Due(kind, id_, on, due_state(on, today), datetime.fromisoformat(created), review, retain))
    return sorted(out, key=lambda d: (d.retain_until or d.review_on or date.max, d.id))
