"""The decision form's fields and words: what each field is, how it is labelled, and where in the
record it lives (a dotted key such as "request.received"). Pure: no Textual, testable on its own."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Callable

SHORT = {"legitimate_purpose": "Legitimate purpose?", "consent": "Consent?", "identifiable": "Identifiable?",
         "lawful_basis": "Lawful reason?", "confidential": "Confidential?"}
ANSWER_LABELS = {"yes": "Yes", "no": "No", "unsure": "Unsure: seek advice (golden rule 3)",
                 "given": "Consent given", "refused": "Consent refused", "not-sought": "Consent not sought",
                 "withdrawn": "Consent withdrawn"}


def answer_words(answer: object) -> str:
    """A flowchart answer as the side panel and the review name it: "not sought", never its id "not-sought"."""
    return str(answer).replace("-", " ").replace("_", " ")


def matches(query: str, *entry: str) -> bool:
    """The one rule of every filter (the partner register, the legal bases, the data categories): each word typed
    begins a word of the entry (its title, its id, its group), in any case. "para 18" finds paragraph 18, not
    every paragraph of the Act of 2018; "s47" finds ca1989-s47."""
    text = " ".join(entry).casefold()
    return all(re.search(rf"(?<!\w){re.escape(word)}", text) for word in query.casefold().split())


HOW_SHORT = {"how-much": "how much", "fact-and-opinion": "fact and opinion", "right-person": "right person",
             "securely": "securely", "transparent": "transparency"}
OUTCOME_LABELS = {"share": "SHARE", "do-not-share": "DO NOT SHARE", "seek-advice": "SEEK ADVICE",
                  "incomplete": "not decided yet"}
YES_NO = (("yes", "Yes"), ("no", "No"))
STEP_TITLES = {"subject": "About the decision", "request": "The request", "recipient": "The recipient",
               "advice": "Seek advice", "decision": "Your decision", "retention": "Review and retention",
               "checklist": "The 16 questions", "review": "Review and save"}

# Where each field of the record is asked for, so the review can go straight to what is missing.
FIELD_STEPS = {"decided": "subject", "subject": "subject", "request": "request", "recipient.agency": "recipient",
               "context.recipient_statutory": "recipient", "context.special_category": "when:lawful_basis",
               "when.consent_not_sought_reason": "when:consent", "decision": "decision", "consent": "decision",
               "advice": "advice", "sharing.information": "how:how-much", "sharing.data_categories": "how:how-much",
               "sharing.purpose": "how:how-much", "sharing.fact_and_opinion": "how:fact-and-opinion",
               "sharing.onward_sharing": "how:right-person", "sharing.method": "how:securely",
               "sharing.shared_on": "how:securely", "transparency": "how:transparent", "retention": "retention",
               "context.subject": "subject", "context.subject_is_child": "subject", "context.capacity": "subject",
               "context.over_16": "subject", "context.early_help": "subject", "context.child_capacity": "when:consent",
               "when.consent_by": "when:consent", "when.consent_informed": "when:consent",
               "when.consent_how": "when:consent", "consent.on": "when:consent", "consent.child_view": "when:consent",
               "context.criminal_offence": "when:lawful_basis", "context.sharer_public_authority": "when:lawful_basis",
               "context.law_enforcement": "when:lawful_basis", "context.more_detrimental": "when:lawful_basis"}
# Where a field is asked when the first step named for it is not on the way (under the 2018 wording
# "Is the information confidential?" is asked beside the lawful basis, not as a flowchart question).
FIELD_STEPS_ELSE = {"when.confidential": "when:lawful_basis"}
SUBJECTS = (("child", "A child"), ("adult", "An adult"), ("adult-at-risk", "An adult at risk (Care Act 2014 s42)"),
            ("deceased", "A person who has died"))
YES_NO_UNSURE = (("yes", "Yes"), ("no", "No"), ("unsure", "Unsure"))
CONSENT_BY = (("subject", "The person themselves (a child with the capacity to consent)"),
              ("parent", "A person with parental responsibility"), ("other", "Someone else"))
CONSENT_HOW = (("verbal", "Verbally"), ("written", "In writing"), ("signed", "Signed (Early Help needs signed consent)"),
               ("explicit", "Explicitly (for special category data)"))


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    kind: str = "text"  # text | long | date | choice | bool | multi | agency | bases | note
    options: tuple[tuple[str, str], ...] = ()
    hint: str = ""
    only: str = ""  # bases: "general" or "condition"
    show: Callable[[dict[str, Any]], bool] | None = None  # shown only when the answers so far call for it
    dynamic_hint: Callable[[dict[str, Any]], str] | None = None

    @property
    def answers(self) -> bool:
        """Whether the field holds an answer of the record (not a note, not the register's filter)."""
        return self.kind not in ("note", "agency")

    def shown(self, data: dict[str, Any]) -> bool:
        return self.show(data) if self.show else True


# -- the record dict, by dotted key -----------------------------------------------------------------


def get(data: dict[str, Any], key: str) -> Any:
    cur: Any = data
    for part in key.split("."):
        if not isinstance(cur, dict) or part not in cur:
            return None
        cur = cur[part]
    return cur


def put(data: dict[str, Any], key: str, value: Any, *, keep_empty: bool = False) -> None:
    parts = key.split(".")
    cur = data
    for part in parts[:-1]:
        cur = cur.setdefault(part, {})
    if value is None or (not keep_empty and value in ("", [])):
        cur.pop(parts[-1], None)
    else:
        cur[parts[-1]] = value


def step_of(missing: str, steps: list[str] | tuple[str, ...] = ()) -> str:
    """The step that asks for a field the record still misses (an item of `Record.missing_for_final`);
    given the steps on the way, one of them when the field is asked elsewhere under this wording."""
    key = missing.split()[0]
    if key.startswith("when.") and key not in FIELD_STEPS:
        step = f"when:{key.partition('.')[2]}"
    else:
        step = FIELD_STEPS.get(key) or FIELD_STEPS.get(key.partition(".")[0], "review")
    if steps and step not in steps and key in FIELD_STEPS_ELSE:
        return FIELD_STEPS_ELSE[key]
    return step


class Invalid:
    """What typed text is when it cannot be taken (a date not yet a date): the record keeps its value."""

    def __init__(self, message: str):
        self.message = message


def parse_typed(f: Field, raw: str) -> Any:
    """What typed text means for the record: a date, text, or None (blank); `Invalid` if it is not one."""
    value = raw.strip()
    if f.kind == "date":
        if not value:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            return Invalid(f"{f.label}: expected a date as YYYY-MM-DD")
    return raw if value else None


def response_due_hint(data: dict[str, Any]) -> str:
    received = get(data, "request.received")
    if not isinstance(received, date):
        return "The response is due 15 working days after the request is received (000 13.2)."
    from isp_tui.dates import response_due

    return f"The response is due by {response_due(received).isoformat()} (15 working days, 000 13.2)."


def chosen_bases(old: list[str], visible: set[str], selected: list[str]) -> list[str]:
    """The lawful bases cited after a change in a filtered list: those not shown keep their state, those
    shown are as ticked now (in the order first cited)."""
    new = [b for b in old if b not in visible] + [b for b in selected if b not in old or b in visible]
    return list(dict.fromkeys(b for b in new if b not in visible or b in selected))
