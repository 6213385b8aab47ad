"""What an answer fills in that the practitioner would otherwise type: the dates of today, the recipient as the
requester, Q1 of the 16 questions from the consent answer. Only where nothing was typed yet. Pure: no Textual."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from isp_tui.record.schema import SHARING_DECISIONS as SHARING
from isp_tui.tui.forms.fields import get, put

if TYPE_CHECKING:
    from isp_tui.tui.forms.form import DecisionForm

SIXTEEN = "checklists.sixteen-questions"
HAVE_CONSENT = "q01"  # "Do I already have informed consent to share this information?"


def follow(form: DecisionForm, key: str, value: Any) -> None:
    """After `key` took `value`: fill in what follows from it (called by DecisionForm.set)."""
    data = form.data
    if key.startswith("request.") and value not in (None, "") and get(data, "request.received") is None:
        put(data, "request.received", form.today)
    if key == "request.agency" and form.recipient_follows:
        put(data, "recipient.agency", value)
        put(data, "recipient.agency_id", None)
    if key in ("recipient.agency", "recipient.agency_id") and value != get(data, "request.agency"):
        form.recipient_follows = False
    if key == "decision.recorded" and value in SHARING and get(data, "sharing.shared_on") is None:
        put(data, "sharing.shared_on", form.today)
    if key in ("when.consent", "when.consent_informed"):
        have = get(data, "when.consent") == "given" and get(data, "when.consent_informed") is not False
        answers = dict(get(data, SIXTEEN) or {})
        answers[HAVE_CONSENT] = "yes" if have else "no"
        put(data, SIXTEEN, answers)
