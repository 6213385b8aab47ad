"""Words for what the screens show: actions, outcomes, report columns (never a TOML key), and `words`,
the one way a value becomes words on a screen (a report's cell, a record's answer, a history's change).

The CLI prints a report's ids as they are (its tables match its `--json` and `--csv`), so these words
are the app's, kept here rather than in the core."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from isp_tui.guidance import Guidance
    from isp_tui.tui.forms import Field

from isp_tui.charts import CONSENT_LABELS, NOT_SOUGHT_LABELS, outcome_label
from isp_tui.errors import printable

ACTION_LABELS = {"draft": "Draft saved", "final": "Final", "amend": "Amended", "correct": "Corrected",
                 "destroy": "Destroyed"}
SHORT_ACTIONS = {"draft": "Draft"}  # an action in one word, where a table is narrow (the others are one already)
COLUMN_LABELS = {"id": "Record", "month": "Month", "decisions": "Decisions", "share": "Share",
                 "share-part": "Share part", "do-not-share": "Do not share", "drafts": "Drafts", "outcome": "Outcome",
                 "engine": "Engine's outcome", "recorded": "Recorded decision", "agency": "Agency",
                 "shared": "Shared", "not_shared": "Not shared", "decided": "Decided", "recipient": "Recipient",
                 "consent": "Consent", "why_not_sought": "Why consent was not sought", "explanation": "Explanation",
                 "reasons": "Reasons", "received": "Received", "due": "Due", "responded": "Responded",
                 "working_days_late": "Working days late", "status": "Status", "review_on": "Review on",
                 "retain_until": "Retain until", "past": "Date passed", "by": "Decided by",
                 "override_reason": "Reason for departing", "advice_sought": "Advice sought",
                 "advice_from": "Advice from"}
# columns whose values are ids with words of their own
VALUE_LABELS = {"outcome": outcome_label, "engine": outcome_label, "recorded": outcome_label, "consent": lambda v: CONSENT_LABELS.get(v, v),
                "why_not_sought": lambda v: NOT_SOUGHT_LABELS.get(v, v)}


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, printable(action) or "(not the store's)")


def column_label(column: str) -> str:
    return COLUMN_LABELS.get(column, column.replace("_", " ").capitalize())


CHECK_WORDS = {"yes": "yes", "no": "no", "not-applicable": "not applicable"}


def words(value: Any, *, column: str | None = None, field: Field | None = None, guidance: Guidance | None = None,
          empty: str = "(none)", one_line: bool = False) -> str:
    """A value as a person reads it, printable: yes / no, dates as dates, counts with separators, lists
    joined with "; "; a report `column`'s ids in words (outcomes, consent); a form `field`'s options by
    their labels, its checklist answers, its legal bases by their titles (from the `guidance`). Nothing
    (None, "", an empty list) is `empty`; `one_line` runs of white space (newlines too) as one space."""
    if value is None or value == "" or value == [] or value == {}:
        return empty
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int):
        return f"{value:,}"
    if field is not None and field.kind == "bases" and guidance is not None and isinstance(value, list):
        return "; ".join(guidance.bases[b].title if b in guidance.bases else printable(str(b)) for b in value)
    names = dict(field.options) if field is not None and field.options else {}
    if field is not None and field.kind == "checklist" and isinstance(value, dict):
        return "; ".join(printable(f"{names.get(k, k)}: {CHECK_WORDS.get(v, v)}") for k, v in value.items())
    if isinstance(value, list):
        return "; ".join(words(v, column=column, field=field, guidance=guidance, empty="", one_line=one_line)
                         for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{printable(str(k)).replace('_', ' ')}: {words(v, empty='', one_line=one_line)}"
                         for k, v in value.items())
    text = str(names.get(value, value))
    if column in VALUE_LABELS:
        text = VALUE_LABELS[column](text)
    return printable(" ".join(text.split()) if one_line else text)


def cell(column: str, value: Any) -> str:
    """A report's value in a table cell: its words (see `words`) on one line, nothing as blank."""
    return words(value, column=column, empty="", one_line=True)
