"""A derived view of the records for listing, search and what is due: never the source of truth.

`Index(store).rows()` gives one `Row` a record; `due(rows, today)` what needs doing. The rows can
always be rebuilt from the records repository; a broken record file is a Problem, not an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Iterable

from isp_tui.record import Record
from isp_tui.store import Problem, Store

DUE_SOON_DAYS = 14


@dataclass(frozen=True)
class Row:
    id: str
    created: datetime
    status: str
    outcome: str  # the engine's
    decision: str  # the practitioner's recorded decision ("" while a draft has none)
    recipient: str
    requester_agency: str
    ruleset: str
    decided_by: str
    response_due: date | None
    responded: date | None
    review_on: date | None
    retain_until: date | None
    amendments: int
    search_text: str  # what a search matches: id, agencies, subject reference and name, outcome

    @classmethod
    def of(cls, record: Record) -> Row:
        text = " ".join(str(v) for v in (
            record.id, record.get("recipient.agency"), record.get("request.agency"), record.get("subject.reference"),
            record.get("subject.name"), record.engine_outcome, record.recorded, record.status,
            record.get("decided.by")) if v)
        return cls(
            id=record.id, created=record.get("created"), status=record.status, outcome=record.engine_outcome or "",
            decision=record.recorded or "", recipient=record.get("recipient.agency") or "",
            requester_agency=record.get("request.agency") or "", ruleset=record.get("ruleset.id") or "",
            decided_by=record.get("decided.by") or "", response_due=record.get("request.response_due"),
            responded=record.get("request.responded"), review_on=record.get("retention.review_on"),
            retain_until=record.get("retention.retain_until"), amendments=len(record.data.get("amendments", [])),
            search_text=text.casefold(),
        )

    def matches(self, query: str) -> bool:
        return all(word in self.search_text for word in query.casefold().split())


@dataclass(frozen=True)
class Due:
    kind: str  # "response" (000 13.2), "review" or "retention" (000 6.7.1; 002 Record), "draft"
    id: str
    on: date | None
    overdue: bool


class Index:
    """Rows for every record in the repository."""

    def __init__(self, store: Store):
        self.store = store
        self._rows: list[Row] | None = None
        self.problems: list[Problem] = []

    def refresh(self) -> None:
        rows, problems = [], []
        for item in self.store.records():
            if isinstance(item, Problem):
                problems.append(item)
            else:
                rows.append(Row.of(item))
        self._rows, self.problems = rows, problems

    def rows(self, query: str = "", *, status: str | None = None, outcome: str | None = None) -> list[Row]:
        if self._rows is None:
            self.refresh()
        assert self._rows is not None
        return [r for r in self._rows if (not query or r.matches(query)) and (status is None or r.status == status)
                and (outcome is None or r.outcome == outcome or r.decision == outcome)]


def due(rows: Iterable[Row], today: date, *, within: int = DUE_SOON_DAYS) -> list[Due]:
    """What needs doing soon or is overdue, soonest first: responses, reviews, retention dates, drafts."""
    out: list[Due] = []
    for row in rows:
        if row.status == "draft":  # a request still waiting for a decision: its response is due (000 13.2)
            kind = "response" if row.response_due else "draft"
            out.append(Due(kind, row.id, row.response_due, bool(row.response_due and row.response_due < today)))
            continue
        for kind, when in (("review", row.review_on), ("retention", row.retain_until)):
            if when and (when - today).days <= within:
                out.append(Due(kind, row.id, when, when < today))
    return sorted(out, key=lambda d: (d.on is None, d.on or date.max, d.id))
