"""Words for the ids the auditor's screens show: actions, outcomes, report columns (never a TOML key)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from isp_tui.charts import CONSENT_LABELS, NOT_SOUGHT_LABELS, outcome_label
from isp_tui.errors import printable

ACTION_LABELS = {"draft": "Draft saved", "final": "Final", "amend": "Amended", "correct": "Corrected",
                 "destroy": "Destroyed"}
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


def cell(column: str, value: Any) -> str:
    """A report's value as a person reads it: dates as dates, yes/no, ids of outcomes in words, printable."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int):
        return f"{value:,}"
    text = str(value)
    if column in VALUE_LABELS:
        text = VALUE_LABELS[column](text)
    return printable(" ".join(text.split()))
