"""Corrections to information already shared (000 12.2-12.3): a new correction with who must be told,
and the date each recipient was told. The store's `correct` keeps earlier corrections as they were."""

from __future__ import annotations

from datetime import date
from typing import Any

from isp_tui.errors import InputError
from isp_tui.guidance import Guidance
from isp_tui.record import new_id
from isp_tui.store import Store


def record_correction(store: Store, record_id: str, guidance: Guidance, author: Any, *, description: str,
                      found_on: date, recipients: list[tuple[str, date | None]]) -> Any:
    """A new correction to information already shared, with who must be told and when each was."""
    if not description or not description.strip():
        raise InputError("a correction needs a description of what was wrong", field="--description")
    if not recipients:
        raise InputError("name at least one recipient to notify (--recipient AGENCY[=DATE])", field="--recipient")
    current = store.get(record_id, guidance)
    entry: dict[str, Any] = {"id": new_id(), "found_on": found_on, "by": str(author), "description": description.strip(),
                             "recipients": [_recipient(agency, told) for agency, told in recipients]}
    corrections = [dict(c) for c in current.data.get("corrections", [])] + [entry]
    return store.correct(record_id, corrections, guidance, author)


def mark_told(store: Store, record_id: str, correction_id: str, guidance: Guidance, author: Any,
              told: list[tuple[str, date | None]]) -> Any:
    """Record the date recipients of an earlier correction were told (adding recipients if new)."""
    current = store.get(record_id, guidance)
    corrections = [dict(c, recipients=[dict(r) for r in c.get("recipients", [])])
                   for c in current.data.get("corrections", [])]
    target = next((c for c in corrections if c.get("id") == correction_id), None)
    if target is None:
        known = ", ".join(c.get("id", "") for c in corrections) or "none yet"
        raise InputError(f"record {record_id} has no correction {correction_id} (it has: {known})", field="--correction")
    for agency, when in told:
        existing = next((r for r in target["recipients"] if r.get("agency") == agency), None)
        if existing is None:
            target["recipients"].append(_recipient(agency, when))
        elif existing.get("told_on") and when and existing["told_on"] != when:
            raise InputError(f"{agency} was already recorded as told on {existing['told_on']}", field="--recipient")
        elif when:
            existing["told_on"] = when
    return store.correct(record_id, corrections, guidance, author)


def _recipient(agency: str, told: date | None) -> dict[str, Any]:
    """One recipient of a correction: the agency, and the day it was told if it has been."""
    if not agency or not agency.strip():
        raise InputError("a recipient needs an agency name", field="--recipient")
    return {"agency": agency.strip(), **({"told_on": told} if told else {})}
