"""The decision engine: a pure function of (answers, ruleset) that follows the "When" flowchart
(002) and applies what the other seeds add. It reads nothing and writes nothing.

    decide(answers, ruleset, guidance) -> Decision(outcome, path, reasons, warnings, missing)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Mapping

from isp_tui.errors import InputError
from isp_tui.guidance import ANSWERS, Guidance, LegalBasis, Ruleset

INCOMPLETE = "incomplete"
OUTCOMES = ("share", "do-not-share", "seek-advice", INCOMPLETE)
CONTEXT_KEYS = ("special_category", "recipient_statutory", "subject_is_child", "early_help")
CAPACITY = ("yes", "no", "unsure")


@dataclass(frozen=True)
class Answers:
    """The practitioner's answers to the flowchart. None means not yet answered."""

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

    def when(self) -> dict[str, Any]:
        """The [when] table as it is written to TOML (unanswered keys left out)."""
        out: dict[str, Any] = {}
        for key in ("legitimate_purpose", "consent", "consent_not_sought_reason", "identifiable"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        if self.lawful_basis is not None:
            out["lawful_basis"] = list(self.lawful_basis)
        return out

    def context(self) -> dict[str, Any]:
        out: dict[str, Any] = {k: getattr(self, k) for k in CONTEXT_KEYS if getattr(self, k) is not None}
        if self.child_capacity:
            out["child_capacity"] = self.child_capacity
        return out


@dataclass(frozen=True)
class Finding:
    """A reason or a warning, naming the rule or seed passage it follows from."""

    code: str
    text: str
    source: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


@dataclass(frozen=True)
class Decision:
    outcome: str
    path: tuple[str, ...]
    reasons: tuple[Finding, ...]
    warnings: tuple[Finding, ...]
    missing: tuple[str, ...]
    ruleset: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "path": list(self.path),
            "reasons": [r.as_dict() for r in self.reasons],
            "warnings": [w.as_dict() for w in self.warnings],
            "missing": list(self.missing),
            "ruleset": dict(self.ruleset),
        }


# ---------------------------------------------------------------------------------------------
# Reading answers: the answers file and a record's [when]/[context] tables share this vocabulary


def read_answers(when: Any, context: Any, guidance: Guidance, *, file: object = None) -> Answers:
    """Validate [when] and [context] tables; unknown keys or values raise InputError naming them."""
    when = _table(when, file, "when")
    context = _table(context, file, "context")
    values: dict[str, Any] = {}
    known_when = ("legitimate_purpose", "consent", "consent_not_sought_reason", "identifiable", "lawful_basis")
    _unknown(when, known_when, file, "when")
    _unknown(context, CONTEXT_KEYS + ("child_capacity",), file, "context")
    for key in ("legitimate_purpose", "consent", "identifiable"):
        if key in when:
            values[key] = _choice(when[key], ANSWERS[key], file, f"when.{key}")
    reasons = guidance.consent_not_sought_reasons()
    if when.get("consent_not_sought_reason", "") != "":
        values["consent_not_sought_reason"] = _choice(when["consent_not_sought_reason"], reasons, file,
                                                      "when.consent_not_sought_reason")
    if "lawful_basis" in when:
        bases = when["lawful_basis"]
        if not isinstance(bases, list) or not all(isinstance(b, str) for b in bases):
            raise InputError("expected an array of legal-basis ids (see `isp bases`)", file=file, field="when.lawful_basis")
        unknown = [b for b in bases if b not in guidance.bases]
        if unknown:
            raise InputError(f"unknown legal-basis id(s): {', '.join(unknown)} (see `isp bases`)",
                             file=file, field="when.lawful_basis")
        values["lawful_basis"] = tuple(dict.fromkeys(bases))
    for key in CONTEXT_KEYS:
        if key in context:
            if not isinstance(context[key], bool):
                raise InputError("expected true or false", file=file, field=f"context.{key}")
            values[key] = context[key]
    if "child_capacity" in context:
        values["child_capacity"] = _choice(context["child_capacity"], CAPACITY, file, "context.child_capacity")
    return Answers(**values)


def _table(value: Any, file: object, name: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InputError("expected a table", file=file, field=name)
    return value


def _unknown(table: Mapping[str, Any], known: tuple[str, ...], file: object, name: str) -> None:
    extra = sorted(set(table) - set(known))
    if extra:
        raise InputError(f"unknown key(s) {', '.join(extra)}; expected: {', '.join(known)}", file=file, field=name)


def _choice(value: Any, choices: tuple[str, ...], file: object, key: str) -> str:
    if value not in choices:
        raise InputError(f"{value!r} is not one of: {', '.join(choices)}", file=file, field=key)
    return value


# ---------------------------------------------------------------------------------------------
# The engine


ANSWER_TEXT = {
    ("legitimate_purpose", "yes"): "There is a clear and legitimate purpose for sharing.",
    ("legitimate_purpose", "no"): "There is no clear and legitimate purpose for sharing: do not share.",
    ("consent", "given"): "Consent to share has been given: you can share, but consider how.",
    ("consent", "refused"): "Consent was refused: sharing needs a lawful reason without consent.",
    ("consent", "withdrawn"): "Consent was withdrawn: sharing needs a lawful reason without consent.",
    ("consent", "not-sought"): "Consent was not sought: sharing needs a lawful reason without consent.",
    ("identifiable", "no"): "The information does not identify an individual: you can share, but consider how.",
    ("identifiable", "yes"): "The information identifies an individual.",
    ("lawful_basis", "yes"): "A lawful reason to share without consent has been identified: you can share, but consider how.",
    ("lawful_basis", "no"): "No lawful reason to share without consent has been identified: do not share.",
}
UNSURE = ("If you are in any doubt about sharing, seek advice from other practitioners or your information "
          "governance lead, without disclosing the identity of the individual where possible.")


def decide(answers: Answers, ruleset: Ruleset, guidance: Guidance) -> Decision:
    """Follow the flowchart from its first question until an outcome or an unanswered question."""
    reasons: list[Finding] = []
    warnings: list[Finding] = []
    missing: list[str] = []
    path: list[str] = []
    node = ruleset.first_question
    while node in ANSWERS:
        path.append(node)
        question = ruleset.question(node)
        if node == "lawful_basis":
            answer = _lawful_basis(answers, ruleset, guidance, reasons, warnings, missing)
        else:
            answer = getattr(answers, node)
        if answer is None:
            if node != "lawful_basis":  # _lawful_basis names what it lacks itself
                missing.append(f"when.{node}")
            node = INCOMPLETE
            break
        source = f"{ruleset.id} when.{node} ({question.source.split(';')[0].strip()})"
        if answer == "unsure":
            reasons.append(Finding(f"{node}-unsure", f"Unsure: {question.question} {UNSURE}",
                                   f"{source}; {_rule_source(ruleset, 3)}"))
        else:
            reasons.append(Finding(f"{node}-{answer}", ANSWER_TEXT[(node, answer)], source))
        if node == "consent":
            _consent(answers, guidance, reasons, warnings, missing)
        node = question.next[answer]
    outcome = node
    if outcome != INCOMPLETE and answers.early_help and answers.consent != "given":
        warnings.append(Finding(
            "early-help-without-consent",
            "Early Help does not provide a lawful basis for sharing information; without consent a statutory "
            "gateway is needed. Early Help referrals are usually made with consent.",
            "003 s3 Early Help and prevention; 001 3.2"))
    if outcome == "share" and "consent" in path and answers.consent in ("refused", "withdrawn"):
        warnings.append(Finding(
            "consent-overridden",
            "Sharing against the person's wishes: record why, and where possible tell them (golden rule 4).",
            _rule_source(ruleset, 4)))
    return Decision(outcome, tuple(path), tuple(reasons), tuple(warnings), tuple(missing), ruleset.pin())


def _rule_source(ruleset: Ruleset, number: int) -> str:
    rule = next((r for r in ruleset.rules if r.number == number), None)
    return f"{ruleset.id} {rule.id} ({rule.source})" if rule else f"{ruleset.id} golden rule {number}"


def _consent(answers: Answers, guidance: Guidance, reasons: list[Finding], warnings: list[Finding],
             missing: list[str]) -> None:
    if answers.consent == "not-sought":
        reason = answers.consent_not_sought_reason
        checklist = guidance.checklists.get("consent-not-sought")
        if not reason:
            missing.append("when.consent_not_sought_reason")
        elif checklist:
            item = checklist.item(reason)
            reasons.append(Finding(f"consent-not-sought-{reason}",
                                   f"Consent was not sought because: {item.text if item else reason}",
                                   f"{checklist.id} ({checklist.source})"))
        if reason == "court-order" and "court-order" not in (answers.lawful_basis or ()):
            warnings.append(Finding("court-order-not-cited",
                                    "Consent was not sought because a court order requires sharing: cite the court order as the lawful basis.",
                                    "001 3.3; 003 s5"))
        if reason == "statutory-duty" and not any(
                guidance.bases[b].kind == "statute" for b in answers.lawful_basis or () if b in guidance.bases):
            warnings.append(Finding("statutory-duty-not-cited",
                                    "Consent was not sought because a statutory duty requires sharing: cite the statute as the lawful basis.",
                                    "001 3.3; 003 s5"))
    if answers.consent == "given" and answers.subject_is_child and answers.child_capacity in ("no", "unsure"):
        warnings.append(Finding(
            "child-capacity",
            "Consent is recorded as given, but the child may not have the capacity to consent: check who gave "
            "consent (a person with parental responsibility where the child lacks capacity).",
            "003 Appendix A (capacity to consent)"))


def _lawful_basis(answers: Answers, ruleset: Ruleset, guidance: Guidance, reasons: list[Finding],
                  warnings: list[Finding], missing: list[str]) -> str | None:
    """Turn the cited bases into the flowchart's yes / no for "a lawful reason without consent"."""
    if answers.lawful_basis is None:
        missing.append("when.lawful_basis")
        return None
    cited = [guidance.bases[b] for b in answers.lawful_basis if b in guidance.bases]
    if not cited:
        return "no"
    usable: list[LegalBasis] = []
    for basis in cited:
        if not basis.fits_era(ruleset.era):
            warnings.append(Finding(
                "basis-wrong-era",
                f"{basis.title} belongs to the {basis.era} era, not to this ruleset ({ruleset.era}): it cannot be relied on here.",
                f"{ruleset.id}; {basis.source}"))
            continue
        if basis.statutory_bodies_only:
            if answers.recipient_statutory is None:
                missing.append("context.recipient_statutory")
                return None
            if not answers.recipient_statutory:
                warnings.append(Finding(
                    "statutory-only-basis",
                    f"{basis.title} only works between statutory bodies: it is no gateway to a non-statutory "
                    "recipient such as a voluntary organisation.",
                    f"000 Annex A 9.3.1; {basis.source}"))
                continue
        usable.append(basis)
    general = [b for b in usable if not b.special_category]
    conditions = [b for b in usable if b.special_category]
    if answers.special_category is None:
        missing.append("context.special_category")
        return None
    if not general:
        warnings.append(Finding(
            "no-general-basis",
            "No usable general lawful basis is cited: a special-category condition alone does not make sharing lawful.",
            "000 Annex A 7.2; UK GDPR Art 6"))
        return "no"
    if answers.special_category and not conditions:
        warnings.append(Finding(
            "no-special-category-condition",
            "Special category data shared without consent needs a special-category condition as well as a "
            "general basis (UK GDPR Art 9(2); DPA 2018 Schedule 1 Part 2 para 18, safeguarding of children "
            "and individuals at risk; under DPA 1998, a Schedule 3 condition).",
            "000 Annex A 7.2; 002 The GDPR and Data Protection Act 2018; UK GDPR Art 9"))
        return "no"
    if not any(b.kind == "general-basis" for b in general):
        warnings.append(Finding(
            "no-general-condition-cited",
            "A gateway is cited but no general processing condition (UK GDPR Art 6, or DPA 1998 Schedule 2): cite the one relied on.",
            "000 Annex A 7.2; 002 Legislative framework"))
    relied = general + (conditions if answers.special_category else [])
    reasons.append(Finding("lawful-basis-identified",
                           "Relied on: " + "; ".join(b.title for b in relied),
                           "; ".join(dict.fromkeys(b.source for b in relied))))
    return "yes"
