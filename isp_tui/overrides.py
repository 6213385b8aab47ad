"""The overrides report: final records whose recorded decision departs from the engine's outcome, with
the override reason, who decided, when, and the advice sought. A case review's first question.

Pure over records (`overrides(records)`); `overrides_report(index)` finds them on the derived index's
REPORTED table (the rule applied to each pair of outcomes present) and reads only those records whole.
Lead: at merge this moves into isp_tui/audit/reports.py and `isp report overrides` lists it.
"""

from __future__ import annotations

from typing import Any, Iterable

from isp_tui.audit import Report  # merge: use isp_tui.audit.reports.Report

NAME = "overrides"
TITLE = "Decisions that depart from the engine's outcome"
COLUMNS = ["id", "decided", "by", "engine", "recorded", "override_reason", "advice_sought", "advice_from"]


def departs(engine: str | None, recorded: str | None) -> bool:
    """Does the practitioner's decision depart from the engine's outcome?

    merge: this is record._departs (the rule that a final record needs an override reason); make that
    public as record.model.departs and use it here: the two must never differ."""
    if not engine or not recorded:
        return False
    if engine == "share":
        return recorded == "do-not-share"
    if engine == "do-not-share":
        return recorded != "do-not-share"
    return False


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
    return Report(NAME, TITLE, "golden rule 7; 000 13.3", list(COLUMNS), rows)


def overrides_report(index: Any) -> Report:
    """The overrides report from the derived index (brought up to date by the caller)."""
    db = index.reported()
    # the departure rule applied once to each (engine, recorded) pair present, then only those records read
    pairs = [pair for pair in db.execute("SELECT DISTINCT engine, recorded FROM reported WHERE status = 'final'")
             if departs(*pair)]
    ids: list[str] = []
    for engine, recorded in pairs:
        ids += [i for (i,) in db.execute("SELECT id FROM reported WHERE status = 'final' AND engine = ? "
                                         "AND recorded = ?", (engine, recorded))]
    return overrides(index.records(sorted(ids)))
