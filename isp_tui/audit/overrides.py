"""The overrides report: final records whose recorded decision departs from the engine's outcome, with
the override reason, who decided, when, and the advice sought. A case review's first question.

The departure rule is the record's own (`record.model.departs`: the rule that makes a final record give
an override reason), applied here, never restated.

- `overrides(records)`: pure, over records in memory;
- `overrides_of(q)`: the report's builder in audit.reports (`isp report overrides`): the rule applied once
  to each (engine, recorded) pair present in the REPORTED table, and only those records read whole;
- `overrides_report(index)`: the same from a derived index brought up to date by the caller.
"""

from __future__ import annotations

from typing import Any, Iterable

from isp_tui.audit.reports import REPORTS, Report, Reported
from isp_tui.record.model import departs

NAME = "overrides"
TITLE = REPORTS[NAME]
SOURCE = "golden rule 7; 000 13.3"
COLUMNS = ["id", "decided", "by", "engine", "recorded", "override_reason", "advice_sought", "advice_from"]

__all__ = ["COLUMNS", "NAME", "TITLE", "departs", "overrides", "overrides_of", "overrides_report"]


def overrides(records: Iterable[Any]) -> Report:
    """Final records whose recorded decision departs from the engine's outcome, oldest decision first."""
    rows: list[dict[str, Any]] = []
    for r in records:
        if not r.is_final or not departs(r.engine_outcome, r.recorded):
            continue
        decided = r.get("decided.at")
        rows.append({"id": r.id, "decided": decided.date() if hasattr(decided, "date") else decided,
                     "by": r.get("decided.by") or "", "engine": r.engine_outcome, "recorded": r.recorded,
                     "override_reason": r.get("decision.override_reason") or "",
                     "advice_sought": bool(r.get("advice.sought")), "advice_from": r.get("advice.from") or ""})
    rows.sort(key=lambda row: (str(row["decided"] or ""), row["id"]))
    return Report(NAME, TITLE, SOURCE, list(COLUMNS), rows)


def overrides_of(q: Reported) -> Report:
    """The overrides report from a REPORTED table (the index's, or one built in memory)."""
    pairs = [pair for pair in dict.fromkeys((t.engine, t.recorded) for t in q.tally if t.final) if departs(*pair)]
    ids: list[str] = []
    for engine, recorded in pairs:
        ids += [i for (i,) in q("SELECT id FROM reported WHERE status = 'final' AND engine = ? AND recorded = ?",
                                engine, recorded)]
    return overrides(q.load(sorted(ids)))


def overrides_report(index: Any) -> Report:
    """The overrides report from the derived index (brought up to date by the caller)."""
    return overrides_of(Reported(index.reported(), index.records, None, None))  # type: ignore[arg-type]
