"""The guidance content, typed: rulesets, checklists, legal bases, secure methods, data categories
and partner registers (read from templates/ by isp_tui.guidance.load)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from datetime import date, datetime
from pathlib import Path
from typing import Iterator

from isp_tui.errors import InputError

OUTCOMES = ("share", "do-not-share", "seek-advice")
QUESTION_IDS = ("legitimate_purpose", "consent", "identifiable", "lawful_basis")
# a flowchart may also ask this in its own place (003 Appendix A asks it before consent); where it does
# not, the engine asks it when it needs it (the common-law duty of confidence applies in both eras)
OPTIONAL_QUESTIONS = ("confidential",)
ANSWERS = {
    "legitimate_purpose": ("yes", "no", "unsure"),
    "consent": ("given", "refused", "not-sought", "withdrawn", "unsure"),
    "identifiable": ("yes", "no", "unsure"),
    "confidential": ("yes", "no", "unsure"),
    "lawful_basis": ("yes", "no", "unsure"),
}
# the parts of the lawful-basis test a legal basis can satisfy (see templates/legal_bases.toml)
PARTS = ("power", "art6", "art9", "sch1", "art10", "part3", "sch8", "sch2", "sch3", "confidence", "exemption")
BASIS_KINDS = ("statute", "general-basis", "special-category-condition", "common-law")
ERAS = ("any", "dpa1998", "gdpr")
METHOD_STAGES = ("transfer", "storage", "destruction")
CONSENT_NOT_SOUGHT = "consent-not-sought"


# ---------------------------------------------------------------------------------------------
# The content, typed


@dataclass(frozen=True)
class Rule:
    id: str
    number: int
    title: str
    text: str
    asks: str
    bears_on: tuple[str, ...]
    source: str


@dataclass(frozen=True)
class Principle:
    id: str
    title: str
    text: str
    source: str


@dataclass(frozen=True)
class Question:
    """One node of the "When" flowchart: each answer leads to another question or an outcome."""

    id: str
    question: str
    guidance: str
    source: str
    next: dict[str, str]


@dataclass(frozen=True)
class Step:
    """One of the "How" steps taken once the decision is to share."""

    id: str
    step: str
    guidance: str
    source: str


@dataclass(frozen=True)
class Myth:
    id: str
    myth: str
    answer: str
    source: str


@dataclass(frozen=True)
class Ruleset:
    id: str
    version: str
    title: str
    era: str
    source: str
    summary: str
    sha256: str
    path: Path
    rules: tuple[Rule, ...]
    principles: tuple[Principle, ...]
    when: tuple[Question, ...]
    how: tuple[Step, ...]
    myths: tuple[Myth, ...] = ()
    notes: str = ""
    historical: str = ""  # optional: why this wording is kept for the record only (the law it cites is repealed)

    def question(self, question_id: str) -> Question:
        return next(q for q in self.when if q.id == question_id)

    @property
    def first_question(self) -> str:
        return self.when[0].id

    def pin(self) -> dict[str, str]:
        """What a record pins so an auditor can see exactly which guidance was shown."""
        return {"id": self.id, "version": self.version, "sha256": self.sha256}


# A checklist item's answer when it asks a yes / no question (the record's words; the labels are the app's).
CHECKLIST_ANSWERS = ("yes", "no", "not-applicable")
CHECKLIST_CHOICES = (("yes", "Yes"), ("no", "No"), ("not-applicable", "Not applicable"))
CHECKLIST_KINDS = ("choice", "text", "date")


@dataclass(frozen=True)
class ChecklistItem:
    id: str
    text: str
    guidance: str = ""
    era: str = "any"  # the era its guidance belongs to (a 1998-era quote is not shown to 2018 users)
    kind: str = "choice"  # the kind of answer the question asks for: "choice", "text" or "date"
    options: tuple[tuple[str, str], ...] = CHECKLIST_CHOICES  # a choice's (id, label), in order

    def accepts(self, answer: object) -> bool:
        """Whether `answer` answers this item: one of its choices, a text, a date. A yes / no / not applicable
        written before the item had its own kind of answer still reads."""
        if self.kind == "text":
            return isinstance(answer, str) and bool(answer.strip())
        if self.kind == "date":
            return isinstance(answer, date) and not isinstance(answer, datetime) or answer in CHECKLIST_ANSWERS
        return answer in {ident for ident, _ in self.options} or answer in CHECKLIST_ANSWERS


@dataclass(frozen=True)
class Checklist:
    id: str
    title: str
    source: str
    intro: str
    items: tuple[ChecklistItem, ...]

    def item(self, item_id: str) -> ChecklistItem | None:
        return next((i for i in self.items if i.id == item_id), None)

    def guidance_for(self, item: ChecklistItem, era: str) -> str:
        """The item's guidance as a ruleset of `era` shows it: none if it quotes another era's law."""
        return item.guidance if item.era in ("any", era) else ""


@dataclass(frozen=True)
class LegalBasis:
    id: str
    title: str
    kind: str
    special_category: bool
    statutory_bodies_only: bool
    era: str
    summary: str
    source: str
    satisfies: tuple[str, ...] = ()
    in_force: date | None = None
    repealed: date | None = None
    in_force_source: str = ""
    needs_consent: bool = False
    needs_power: bool = False
    needs_sch1: bool = False
    not_for_public_authority_tasks: bool = False
    completes: tuple[str, ...] = ()
    not_counted: str = ""
    exception: str = ""
    note: str = ""

    def fits_era(self, era: str) -> bool:
        return self.era in ("any", era)

    def in_force_on(self, day: date) -> bool:
        """Was this basis law on `day`? One with no commencement date is not in force."""
        if self.in_force is None:
            return not self.in_force_source  # a general basis (court order, common law) has no date
        return self.in_force <= day and (self.repealed is None or day < self.repealed)

    def force_state(self, day: date) -> str:
        """In words, whether this basis was law on `day`: "in force", "not yet in force", "repealed" or, for a
        general basis with no commencement date (a court order, the common law), "not tied to a date"."""
        if self.in_force is None:
            return "not yet in force" if self.in_force_source else "not tied to a date"
        if day < self.in_force:
            return "not yet in force"
        if self.repealed is not None and day >= self.repealed:
            return "repealed"
        return "in force"

    def force_text(self) -> str:
        """Plain words for when it was law, naming the source."""
        if self.in_force is None:
            return f"not yet in force ({self.in_force_source})" if self.in_force_source else "not tied to a date"
        text = f"in force from {self.in_force.isoformat()}"
        if self.repealed:
            text += f", no longer in force from {self.repealed.isoformat()}"
        return f"{text} ({self.in_force_source})" if self.in_force_source else text


@dataclass(frozen=True)
class Method:
    id: str
    stage: str
    title: str
    requirements: tuple[str, ...]
    source: str
    era_requirements: tuple[tuple[str, str], ...] = ()  # (era, requirement): shown only under that era

    def requirements_for(self, era: str) -> tuple[str, ...]:
        """The requirements a ruleset of `era` shows: 1998-era networks (GCSx, GSi, N3) and GPMS only there."""
        return self.requirements + tuple(text for e, text in self.era_requirements if e in ("any", era))


@dataclass(frozen=True)
class DataCategory:
    id: str
    title: str
    special_category: bool
    source: str
    description: str = ""
    criminal_offence: bool = False


@dataclass(frozen=True)
class Agency:
    id: str
    name: str
    group: str
    statutory: bool
    address: str = ""


@dataclass(frozen=True)
class PartnerRegister:
    id: str
    title: str
    source: str
    agencies: tuple[Agency, ...]
    # what the agreement itself says for every signatory, for the ICO's decision form (config.ARRANGEMENTS' keys)
    arrangements: dict[str, str] = field(default_factory=dict, hash=False, compare=False)


@dataclass(frozen=True)
class Guidance:
    """Everything in one templates directory, validated."""

    root: Path
    rulesets: dict[str, Ruleset]
    checklists: dict[str, Checklist]
    bases: dict[str, LegalBasis]
    methods: dict[str, Method]
    categories: dict[str, DataCategory]
    registers: dict[str, PartnerRegister] = field(default_factory=dict)
    archived: dict[str, Ruleset] = field(default_factory=dict)  # earlier versions, by sha256 (rulesets/archive/)

    def pinned(self, pin: dict[str, str] | None) -> Ruleset | None:
        """The ruleset a record was decided under: the very version it pins when it is kept, else today's."""
        pin = pin or {}
        sha = pin.get("sha256")
        for ruleset in list(self.rulesets.values()) + list(self.archived.values()):
            if sha and ruleset.sha256 == sha:
                return ruleset
        return self.rulesets.get(pin.get("id", ""))

    def ruleset(self, ruleset_id: str, *, file: object | None = None, key: str = "ruleset") -> Ruleset:
        try:
            return self.rulesets[ruleset_id]
        except KeyError:
            known = ", ".join(sorted(self.rulesets))
            raise InputError(f"unknown ruleset {ruleset_id!r}; expected one of: {known}", file=file, field=key) from None

    def agencies(self) -> Iterator[tuple[PartnerRegister, Agency]]:
        for register in self.registers.values():
            for agency in register.agencies:
                yield register, agency

    def consent_not_sought_reasons(self) -> tuple[str, ...]:
        return self._consent_not_sought_reasons

    @cached_property
    def _consent_not_sought_reasons(self) -> tuple[str, ...]:  # asked of each record read: worked out once
        checklist = self.checklists.get(CONSENT_NOT_SOUGHT)
        return tuple(i.id for i in checklist.items) if checklist else ()


