"""What an answer fills in that the practitioner would otherwise type: the dates of today, the recipient as the
requester, those of the 16 questions already answered elsewhere in the decision (Q1 from the consent answer...).
Dates and the recipient only where nothing was typed yet. Pure: no Textual."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from isp_tui.record.schema import SHARING_DECISIONS as SHARING
from isp_tui.tui.forms.fields import get, put

if TYPE_CHECKING:
    from isp_tui.guidance import Guidance
    from isp_tui.tui.forms.form import DecisionForm

SIXTEEN = "checklists.sixteen-questions"
HAVE_CONSENT = "q01"  # "Do I already have informed consent to share this information?"
# the reasons for not seeking consent that answer q07 ("Would seeking consent place someone at risk, prejudice a
# Police investigation, or lead to unjustifiable delay?") yes
RISKS = ("increased-risk", "prejudice-crime", "unjustified-delay")
# the answers whether consent is valid turns on (engine.consent_valid): q01 is worked out again when one changes
CONSENT_VALIDITY = ("when.consent", "when.consent_informed", "when.consent_by", "context.subject",
                    "context.subject_is_child", "context.child_capacity", "context.capacity")


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
    for item, answer in sixteen(data, key, form.guidance).items():
        put(data, f"{SIXTEEN}.{item}", answer)


def sixteen(data: dict[str, Any], key: str, guidance: Guidance) -> dict[str, Any]:
    """The 16 questions an answer to `key` also answers (q01 "Do I already have informed consent…?" from the
    consent answer, q15 "Have I distinguished between fact and opinion?" from the How step's, and so on):
    only questions whose answer the practitioner already gave elsewhere in the decision."""
    consent, given = get(data, "when.consent"), get(data, "when.consent") == "given"
    out: dict[str, Any] = {}
    if key in CONSENT_VALIDITY and consent is not None:  # q01: "Do I already have informed consent…?": the engine's own rule says
        out[HAVE_CONSENT] = "yes" if valid_consent(data, guidance) else "no"
    if key in ("when.consent", "when.consent_informed"):
        informed = given and get(data, "when.consent_informed") is not False
        out["q16"] = ("yes" if informed else None) if given else "not-applicable"  # understands the consequences?
    if key in ("when.consent", "when.consent_not_sought_reason"):  # q07: would seeking consent place at risk…?
        out["q07"] = "yes" if consent == "not-sought" and get(data, "when.consent_not_sought_reason") in RISKS else None
    if key in ("when.consent", "when.consent_by") and given:  # q05: whose consent is needed?
        out["q05"] = get(data, "when.consent_by")
    if key in ("context.special_category", "sharing.data_categories") and get(data, "context.special_category"):
        out["q02"] = "yes"  # is the information sensitive and personal? special category data is
    if key == "sharing.information":  # q09: how much information is it necessary to share?
        out["q09"] = value_or_none(data, key)
    if key == "sharing.purpose":  # q13: what will they do with it?
        out["q13"] = value_or_none(data, key)
    if key == "sharing.method":  # q11: am I sharing this information in a secure way? (one of the secure methods)
        out["q11"] = "yes" if get(data, key) else None
    if key == "sharing.fact_and_opinion":  # q15
        out["q15"] = {True: "yes", False: "no"}.get(get(data, key))
    if key == "transparency.told":  # q14: is the service user aware that the information is being shared?
        told = get(data, key)
        out["q14"] = "yes" if told else None if told is None else (
            "not-applicable" if get(data, "when.consent_not_sought_reason") in RISKS else "no")
    return out


def valid_consent(data: dict[str, Any], guidance: Guidance) -> bool:
    """Whether the answers so far record valid consent (engine.consent_valid: given, informed, by someone who
    can give it); answers the engine cannot read yet are not valid consent."""
    from isp_tui.engine import consent_valid, read_answers
    from isp_tui.errors import InputError

    try:
        return consent_valid(read_answers(get(data, "when"), get(data, "context"), guidance))
    except InputError:
        return False


def value_or_none(data: dict[str, Any], key: str) -> Any:
    value = get(data, key)
    return value if value not in ("", None) else None
