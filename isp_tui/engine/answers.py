"""The answers the engine reads: the [when] and [context] tables of an answers file or a record.

Every key is optional; the engine names what it still needs. `read_answers` validates the tables and
raises InputError naming the key, so a typo never silently changes an outcome.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from typing import Any, Mapping

from isp_tui.errors import InputError
from isp_tui.guidance import ANSWERS, Guidance

CONTEXT_KEYS = ("special_category", "criminal_offence", "recipient_statutory", "subject_is_child", "early_help",
                "over_16", "sharer_public_authority", "law_enforcement", "more_detrimental")
CAPACITY = ("yes", "no", "unsure")
SUBJECTS = ("child", "adult", "adult-at-risk", "deceased")  # 003 s7, s8
CONSENT_BY = ("subject", "parent", "other")  # the person themselves (a child with capacity is "subject")
CONSENT_HOW = ("verbal", "written", "signed", "explicit")
WHEN_CHOICES = ("legitimate_purpose", "consent", "identifiable", "confidential")
WHEN_KEYS = WHEN_CHOICES + ("consent_not_sought_reason", "lawful_basis", "consent_by", "consent_how",
                            "consent_informed")
CONTEXT_ALL = CONTEXT_KEYS + ("child_capacity", "capacity", "subject", "data_categories", "decision_date")


@dataclass(frozen=True)
class Answers:
    """The practitioner's answers to the flowchart and the facts the law turns on. None: not answered."""

    legitimate_purpose: str | None = None
    consent: str | None = None
    consent_not_sought_reason: str | None = None
    identifiable: str | None = None
    lawful_basis: tuple[str, ...] | None = None
    special_category: bool | None = None
    recipient_statutory: bool | None = None
    subject_is_child: bool | None = None
    child_capacity: str | None = None  # can the child give informed consent (003 App A)?
    early_help: bool = False
    confidential: str | None = None  # is the information confidential (003 App A; 000 A3)?
    lawful_basis_unsure: bool = False  # "unsure" at the lawful-basis question: seek advice (golden rule 3)
    consent_by: str | None = None  # who consented (003 App A "whose consent should be sought")
    consent_how: str | None = None  # verbal, written, signed, explicit (003 App B: Early Help needs signed)
    consent_informed: bool | None = None  # why, who, how much, implications (004 Obtaining consent)
    subject: str | None = None  # child, adult, adult-at-risk, deceased
    capacity: str | None = None  # an adult at risk's capacity to consent (Mental Capacity Act 2005)
    over_16: bool | None = None  # a child over 16 is presumed to have capacity (003 App A; MCA 2005)
    criminal_offence: bool | None = None
    sharer_public_authority: bool | None = None  # asked only when Art 6(1)(f) or (ea) is cited
    law_enforcement: bool | None = None  # a competent authority for a law enforcement purpose (DPA 2018 Part 3)
    more_detrimental: bool | None = None  # the exception to the duty in CA 2004 s16LA
    data_categories: tuple[str, ...] = ()
    decision_date: date | None = None  # the day the law is read as at (a record: when it was decided)

    @classmethod
    def checked(cls, values: dict[str, Any]) -> Answers:
        """Answers made from what read_answers has checked (its keys are fields): the generated __init__ of a
        frozen dataclass sets each of the 24 fields with object.__setattr__, and a new machine reads 100,000
        records. The same object, equal and hashed as __init__'s."""
        answers = object.__new__(cls)
        answers.__dict__.update(_DEFAULTS)
        answers.__dict__.update(values)
        return answers

    @property
    def subject_kind(self) -> str | None:
        if self.subject:
            return self.subject
        if self.subject_is_child is None:
            return None
        return "child" if self.subject_is_child else "adult"

    def when(self) -> dict[str, Any]:
        """The [when] table as it is written to TOML (unanswered keys left out)."""
        out: dict[str, Any] = {}
        for key in ("legitimate_purpose", "consent", "consent_not_sought_reason", "identifiable", "confidential",
                    "consent_by", "consent_how"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        if self.consent_informed is not None:
            out["consent_informed"] = self.consent_informed
        if self.lawful_basis_unsure:
            out["lawful_basis"] = "unsure"
        elif self.lawful_basis is not None:
            out["lawful_basis"] = list(self.lawful_basis)
        return out

    def context(self) -> dict[str, Any]:
        out: dict[str, Any] = {k: getattr(self, k) for k in CONTEXT_KEYS if getattr(self, k) is not None}
        for key in ("child_capacity", "capacity", "subject"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        if self.data_categories:
            out["data_categories"] = list(self.data_categories)
        if self.decision_date is not None:
            out["decision_date"] = self.decision_date
        return out


_DEFAULTS = {f.name: f.default for f in fields(Answers)}  # every field has a plain default (Answers.checked)


def read_answers(when: Any, context: Any, guidance: Guidance, *, file: object = None,
                 categories: list[str] | tuple[str, ...] = ()) -> Answers:
    """Validate [when] and [context] tables; unknown keys or values raise InputError naming them.
    `categories`: the data categories a record's [sharing] table names (they decide the checks too)."""
    when = _table(when, file, "when")
    context = _table(context, file, "context")
    values: dict[str, Any] = {}
    _unknown(when, WHEN_KEYS, file, "when")
    _unknown(context, CONTEXT_ALL, file, "context")
    for key in WHEN_CHOICES:
        if key in when:
            values[key] = _choice(when[key], ANSWERS[key], file, f"when.{key}")
    if when.get("consent_not_sought_reason", "") != "":
        values["consent_not_sought_reason"] = _choice(when["consent_not_sought_reason"],
                                                      guidance.consent_not_sought_reasons(), file,
                                                      "when.consent_not_sought_reason")
    for key, choices in (("consent_by", CONSENT_BY), ("consent_how", CONSENT_HOW)):
        if when.get(key, "") != "":
            values[key] = _choice(when[key], choices, file, f"when.{key}")
    if "consent_informed" in when:
        values["consent_informed"] = _flag(when["consent_informed"], file, "when.consent_informed")
    if "lawful_basis" in when:
        bases = when["lawful_basis"]
        if bases == "unsure":
            values["lawful_basis_unsure"] = True
        else:
            if not isinstance(bases, list) or not all(isinstance(b, str) for b in bases):
                raise InputError('expected an array of legal-basis ids (see `isp bases`), or "unsure"', file=file,
                                 field="when.lawful_basis")
            unknown = [b for b in bases if b not in guidance.bases]
            if unknown:
                raise InputError(f"unknown legal-basis id(s): {', '.join(unknown)} (see `isp bases`)",
                                 file=file, field="when.lawful_basis")
            values["lawful_basis"] = tuple(dict.fromkeys(bases))
    for key in CONTEXT_KEYS:
        if key in context:
            values[key] = _flag(context[key], file, f"context.{key}")
    if "child_capacity" in context:
        values["child_capacity"] = _choice(context["child_capacity"], CAPACITY, file, "context.child_capacity")
    if "capacity" in context:
        values["capacity"] = _choice(context["capacity"], CAPACITY, file, "context.capacity")
    if "subject" in context:
        values["subject"] = _choice(context["subject"], SUBJECTS, file, "context.subject")
        if "subject_is_child" in context and context["subject_is_child"] != (values["subject"] == "child"):
            raise InputError(f"context.subject is {values['subject']!r} but context.subject_is_child is "
                             f"{str(context['subject_is_child']).lower()}: give one or make them agree",
                             file=file, field="context.subject_is_child")
    if "decision_date" in context:
        day = context["decision_date"]
        if not isinstance(day, date) or hasattr(day, "hour"):
            raise InputError("expected a date such as 2026-11-21", file=file, field="context.decision_date")
        values["decision_date"] = day
    listed = list(context.get("data_categories", []))
    if not isinstance(context.get("data_categories", []), list) or not all(isinstance(c, str) for c in listed):
        raise InputError("expected an array of data category ids", file=file, field="context.data_categories")
    unknown = [c for c in listed if c not in guidance.categories]
    if unknown:
        raise InputError(f"unknown data categor(y/ies) {', '.join(unknown)}; expected ids from "
                         "templates/data_categories.toml", file=file, field="context.data_categories")
    if listed:
        values["data_categories"] = tuple(dict.fromkeys(listed))
    extra = tuple(c for c in categories if c in guidance.categories and c not in listed)
    if extra:
        values["data_categories"] = tuple(dict.fromkeys(listed + list(extra)))
    return Answers.checked(values)


def _flag(value: Any, file: object, key: str) -> bool:
    if not isinstance(value, bool):
        raise InputError("expected true or false", file=file, field=key)
    return value


def _table(value: Any, file: object, name: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InputError("expected a table", file=file, field=name)
    return value


def _unknown(table: Mapping[str, Any], known: tuple[str, ...], file: object, name: str) -> None:
    extra = table.keys() - known
    if extra:
        raise InputError(f"unknown key(s) {', '.join(sorted(extra))}; expected: {', '.join(known)}", file=file,
                         field=name)


def _choice(value: Any, choices: tuple[str, ...], file: object, key: str) -> str:
    if value not in choices:
        raise InputError(f"{value!r} is not one of: {', '.join(choices)}", file=file, field=key)
    return value
