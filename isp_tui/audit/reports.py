"""The figures an inspector asks for (see REPORTS), each a query on the derived index's REPORTED table.

- `reports(store, guidance, today, names)`: the reports asked for (all by default), from the derived
  index brought up to date first: a report at 100,000 records parses no record file;
- `reports_of(records, guidance, today, names)`: the same reports on records in memory (pure: no
  repository), e.g. records not (all) committed, and the unit tests.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import Any, Callable, Iterable

from isp_tui.dates import correction_due, day_of, response_due, working_days_between
from isp_tui.engine import OUTCOMES as ENGINE_OUTCOMES
from isp_tui.errors import InputError
from isp_tui.guidance import Guidance
from isp_tui.index.due import due_sql, is_late, late_sql
from isp_tui.record.model import Record
from isp_tui.record.schema import RECORDED, SHARING_DECISIONS
from isp_tui.store.repo import Store


@dataclass
class Report:
    name: str
    title: str
    source: str  # the passage the report answers to
    columns: list[str]
    rows: list[dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "title": self.title, "source": self.source, "columns": self.columns,
                "rows": self.rows}


REPORTS = {
    "outcomes": "Decisions by outcome",
    "months": "Decisions by month",
    "agencies": "Decisions by recipient agency",
    "bases": "Decisions by lawful basis",
    "without-consent": "Shares made without consent, and the reasons given",
    "incomplete": "Records still draft or missing reasons",
    "responses": "Requests past their 15-working-day response date",
    "corrections": "Corrections not passed on to recipients within 14 days",
    "reviews": "Records due or past their review or retention date",
    "overrides": "Decisions that depart from the engine's outcome",
}
NOT_WITH_CONSENT = ("refused", "withdrawn", "not-sought", "unsure")
# The rows of the outcomes report: the practitioner's recorded decisions (record.RECORDED) and the engine's
# outcomes (engine.OUTCOMES), each once, in that order.
OUTCOME_ROWS = tuple(dict.fromkeys(RECORDED + ENGINE_OUTCOMES))


def reports(store: Store, guidance: Guidance, today: date, names: Iterable[str] | None = None,
            records: list[Record] | None = None, index: Any = None,
            progress: Callable[[int, int], None] | None = None) -> list[Report]:
    """The reports asked for (all by default), as of `today`.

    Each is a query on the REPORTED table (isp_tui.index): the derived index's copy, brought up to date
    first, so a report at 100,000 records parses no record file (only the few records the `incomplete`
    report lists are read whole); or, given `records`, the same table built in memory from them.
    `progress(done, total)` is told as each report is made."""
    if records is not None:
        return reports_of(records, guidance, today, names)
    wanted = _wanted(names)
    if index is None:
        from isp_tui.index import Index

        index = Index(store)
    index.refresh()
    return _build(Reported(index.reported(), index.records, guidance, today), wanted, progress)


def reports_of(records: Iterable[Record], guidance: Guidance, today: date,
               names: Iterable[str] | None = None) -> list[Report]:
    """The same reports on these records, from a REPORTED table built in memory."""
    from isp_tui.index import reported_db

    wanted = _wanted(names)
    by_id = {r.id: r for r in records}
    return _build(Reported(reported_db(by_id.values()), lambda ids: [by_id[i] for i in ids], guidance, today), wanted)


def _wanted(names: Iterable[str] | None) -> list[str]:
    wanted = list(names or REPORTS)
    unknown = [n for n in wanted if n not in REPORTS]
    if unknown:
        raise InputError(f"unknown report {unknown[0]!r}; expected one of: {', '.join(REPORTS)}", field="report")
    return wanted


def _build(q: Reported, wanted: list[str], progress: Callable[[int, int], None] | None = None) -> list[Report]:
    from isp_tui.audit.overrides import overrides_of

    builders = {"outcomes": _by_outcome, "months": _by_month, "agencies": _by_agency, "bases": _by_basis,
                "without-consent": _without_consent, "incomplete": _incomplete, "responses": _late_responses,
                "corrections": _late_corrections, "reviews": _due_review,
                "overrides": overrides_of}
    out = []
    for name in wanted:
        out.append(builders[name](q))
        if progress is not None:
            progress(len(out), len(wanted))
    return out


@dataclass
class Reported:
    """What a report reads: the REPORTED table, whole records when it must, the guidance and the day."""

    db: Any  # sqlite3.Connection
    load: Callable[[Iterable[str]], list[Record]]
    guidance: Guidance
    today: date

    def __call__(self, sql: str, *params: Any) -> list[tuple]:
        return self.db.execute(sql, params).fetchall()

    @cached_property
    def tally(self) -> list[Tally]:
        """Every record counted once, in one pass over the table, by what the counting reports group by:
        the outcomes, the months and the agencies (and the overrides' pairs) are sums of these few rows."""
        return [Tally(*row) for row in self(
            f"SELECT substr(CASE WHEN {FINAL} THEN coalesce(decided, created) ELSE created END, 1, 7), {FINAL}, "
            f"engine, recorded, agency, count(*), sum({SHARED_SQL}) FROM reported GROUP BY 1, 2, 3, 4, 5")]


@dataclass(frozen=True)
class Tally:
    """How many records share one month (decided, else made; a draft's: made), final or not, engine outcome,
    recorded decision and recipient agency; and how many of them were shared."""

    month: str
    final: int
    engine: str
    recorded: str
    agency: str
    n: int
    shared: int


FINAL = "status = 'final'"
SHARED_SQL = f"recorded IN ({', '.join(repr(o) for o in SHARING_DECISIONS)})"


def _by_outcome(q: Reported) -> Report:
    engine: Counter = Counter()
    recorded: Counter = Counter()
    for t in q.tally:
        if t.final:
            engine[t.engine or "incomplete"] += t.n
            if t.recorded:
                recorded[t.recorded] += t.n
    rows = [{"outcome": o, "engine": engine.get(o, 0), "recorded": recorded.get(o, 0)} for o in OUTCOME_ROWS
            if engine.get(o) or recorded.get(o) or o in ("share", "do-not-share")]
    rows.append({"outcome": "total", "engine": sum(engine.values()), "recorded": sum(recorded.values())})
    return Report("outcomes", REPORTS["outcomes"], "002 Record; 000 13.3",
                  ["outcome", "engine", "recorded"], rows)


def _by_month(q: Reported) -> Report:
    """Finals by the month decided (else made), with their recorded decisions; drafts by the month made."""
    months: dict[str, Counter] = defaultdict(Counter)
    for t in q.tally:
        if t.final:
            months[t.month][t.recorded or "none"] += t.n
            months[t.month]["decisions"] += t.n
        else:
            months[t.month]["drafts"] += t.n
    rows = [{"month": m, "decisions": c["decisions"], "share": c["share"], "share-part": c["share-part"],
             "do-not-share": c["do-not-share"], "drafts": c["drafts"]} for m, c in sorted(months.items())]
    return Report("months", REPORTS["months"], "000 13.3",
                  ["month", "decisions", "share", "share-part", "do-not-share", "drafts"], rows)


def _by_agency(q: Reported) -> Report:
    counts: Counter = Counter()
    shared: Counter = Counter()
    for t in q.tally:
        if t.final and t.agency:
            counts[t.agency] += t.n
            shared[t.agency] += t.shared
    rows = [{"agency": a, "decisions": n, "shared": shared[a], "not_shared": n - shared[a]}
            for a, n in sorted(counts.items(), key=lambda r: (-r[1], r[0]))]
    return Report("agencies", REPORTS["agencies"], "000 3.1; 003 s1", ["agency", "decisions", "shared", "not_shared"], rows)


def _by_basis(q: Reported) -> Report:
    counts: Counter = Counter()
    shared: Counter = Counter()
    for bases, was_shared, n in q(f"SELECT bases, {SHARED_SQL}, count(*) FROM reported WHERE {FINAL} AND bases != '' "
                                  "GROUP BY 1, 2"):
        for basis in bases.split("\n"):
            counts[basis] += n
            shared[basis] += n * was_shared
    rows = [{"basis": b, "title": q.guidance.bases[b].title if b in q.guidance.bases else "(not in the catalogue)",
             "decisions": n, "shared": shared[b]} for b, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    return Report("bases", REPORTS["bases"], "000 9; UK GDPR Art 6, 9", ["basis", "title", "decisions", "shared"], rows)


def _without_consent(q: Reported) -> Report:
    found = q(f"SELECT id, decided, agency, consent, why_not_sought, explanation, reasons FROM reported WHERE {FINAL} "
              f"AND {SHARED_SQL} AND consent IN ({', '.join('?' * len(NOT_WITH_CONSENT))}) ORDER BY id",
              *NOT_WITH_CONSENT)
    rows = [{"id": id_, "decided": day_of(decided), "recipient": agency, "consent": consent, "why_not_sought": why,
             "explanation": explanation, "reasons": reasons}
            for id_, decided, agency, consent, why, explanation, reasons in found]
    return Report("without-consent", REPORTS["without-consent"], "001 3.3; 003 s5; 000 13.3",
                  ["id", "decided", "recipient", "consent", "why_not_sought", "explanation", "reasons"], rows)


def _incomplete(q: Reported) -> Report:
    """Drafts, and finals with no reasons: what each still lacks is worked out from the whole record."""
    rows = []
    ids = [i for (i,) in q(f"SELECT id FROM reported WHERE NOT {FINAL} OR has_reasons = 0 ORDER BY id")]
    for r in q.load(ids):
        try:
            missing = r.missing_for_final(q.guidance)
        except InputError:
            missing = ["(the record's ruleset is not known)"]
        rows.append({"id": r.id, "status": r.status, "created": r.get("created").date(),
                     "missing_reasons": not (r.get("decision.reasons") or "").strip(), "missing": ", ".join(missing)})
    return Report("incomplete", REPORTS["incomplete"], "golden rule 7; 000 13.3",
                  ["id", "status", "created", "missing_reasons", "missing"], rows)


def _late_responses(q: Reported) -> Report:
    rows = []
    # SQL leaves out what cannot be late (index.due's rule, its SQL form). A request without a due date has it
    # worked out here (15 working days), so it is always read.
    for id_, agency, received, due, responded, status in q(
            "SELECT id, request_agency, received, response_due, responded, status FROM reported "
            "WHERE received IS NOT NULL AND (coalesce(response_due, '') = '' OR "
            f"{late_sql('responded', 'response_due')}) ORDER BY id", q.today.isoformat()):
        received, responded = day_of(received), day_of(responded)
        due = day_of(due) or response_due(received)
        if is_late(responded, due, q.today):
            rows.append({"id": id_, "agency": agency, "received": received, "due": due, "responded": responded,
                         "working_days_late": working_days_between(due, responded or q.today), "status": status})
    return Report("responses", REPORTS["responses"], "000 13.2",
                  ["id", "agency", "received", "due", "responded", "working_days_late", "status"], rows)


def _late_corrections(q: Reported) -> Report:
    rows = []
    for id_, corrections in q("SELECT id, corrections FROM reported WHERE corrections IS NOT NULL ORDER BY id"):
        for c in json.loads(corrections):
            found_on = day_of(c.get("found_on"))
            due = correction_due(found_on) if found_on else None
            for recipient in c.get("recipients", []):
                told = day_of(recipient.get("told_on"))
                if is_late(told, due, q.today):
                    rows.append({"id": id_, "correction": c.get("id", ""), "found_on": found_on, "due": due,
                                 "agency": recipient.get("agency", ""), "told_on": told,
                                 "days_late": ((told or q.today) - due).days})
    return Report("corrections", REPORTS["corrections"], "000 12.2-12.3",
                  ["id", "correction", "found_on", "due", "agency", "told_on", "days_late"], rows)


def _due_review(q: Reported) -> Report:
    """Final records whose review or retention date is today or past: a date of today IS due, as in
    `isp retention list` and Home (index.due's rule, in its SQL form)."""
    rows = []
    today = q.today.isoformat()
    review_due, retain_due = due_sql("review_on", "?"), due_sql("retain_until", "?")
    for id_, review, retain, review_past, retain_past in q(
            f"SELECT id, review_on, retain_until, {review_due}, {retain_due} FROM reported WHERE {FINAL} AND "
            f"({review_due} OR {retain_due}) ORDER BY id", today, today, today, today):
        past = [kind for kind, due in (("review", review_past), ("retention", retain_past)) if due]
        rows.append({"id": id_, "review_on": day_of(review), "retain_until": day_of(retain), "past": ", ".join(past)})
    return Report("reviews", REPORTS["reviews"], "000 6.7.1; 002 Record",
                  ["id", "review_on", "retain_until", "past"], rows)
