"""The decision engine: a pure function of (answers, ruleset, guidance) that follows the "When"
flowchart (002; 003 Appendix A) and applies what the other seeds and the law add. It reads nothing
and writes nothing; the day the law is read as at is one of its inputs.

    decide(answers, ruleset, guidance, on=None) -> Decision(outcome, path, reasons, warnings, missing)
"""

from __future__ import annotations

from datetime import date

from isp_tui.engine import law
from isp_tui.engine.answers import Answers
from isp_tui.engine.findings import INCOMPLETE, Decision, Notes
from isp_tui.guidance import ANSWERS, Guidance, Ruleset

ANSWER_TEXT = {
    ("legitimate_purpose", "yes"): "There is a clear and legitimate purpose for sharing.",
    ("legitimate_purpose", "no"): "There is no clear and legitimate purpose for sharing: do not share.",
    ("consent", "given"): "Consent to share has been given: you can share, but consider how.",
    ("consent", "refused"): "Consent was refused: sharing needs a lawful reason without consent.",
    ("consent", "withdrawn"): "Consent was withdrawn: sharing needs a lawful reason without consent.",
    ("consent", "not-sought"): "Consent was not sought: sharing needs a lawful reason without consent.",
    ("consent", "not-valid"): "There is no valid consent: sharing needs a lawful reason without consent.",
    ("identifiable", "no"): "The information does not identify an individual: you can share, but consider how.",
    ("identifiable", "yes"): "The information identifies an individual.",
    ("confidential", "yes"): "The information is confidential: without consent, sharing needs a public-interest "
                             "justification or a legal requirement.",
    ("confidential", "no"): "The information is not confidential: the duty of confidence does not stand in the way.",
    ("lawful_basis", "yes"): "A lawful reason to share without consent has been identified: you can share, but "
                             "consider how.",
    ("lawful_basis", "no"): "No lawful reason to share without consent has been identified: do not share.",
}
CONSENT_SOURCE = "003 Appendix A (whose consent should be sought); 004 Obtaining consent; 001 3.3"


def decide(answers: Answers, ruleset: Ruleset, guidance: Guidance, on: date | None = None) -> Decision:
    """Follow the flowchart from its first question until an outcome or an unanswered question.
    `on`: the day of the decision (else the answers' decision_date, else today)."""
    day = on or answers.decision_date or date.today()
    notes = Notes()
    path: list[str] = []
    valid = consent_valid(answers)
    node = ruleset.first_question
    while node in ANSWERS:
        path.append(node)
        question = ruleset.question(node)
        if node == "lawful_basis":
            answer = law.lawful_basis(answers, guidance, day, valid, notes)
        elif node == "consent":
            answer = _consent(answers, guidance, valid, notes)
        else:
            answer = getattr(answers, node)
        if answer is None:
            if node not in ("lawful_basis", "consent"):  # those name what they lack themselves
                notes.need(f"when.{node}")
            node = INCOMPLETE
            break
        source = f"{ruleset.id} when.{node} ({question.source.split(';')[0].strip()})"
        if answer == "unsure":
            notes.reason(f"{node}-unsure", f"Unsure: {question.question} {_rule_text(ruleset, 3)}",
                         f"{source}; {_rule_source(ruleset, 3)}")
        else:
            shown = "not-valid" if node == "consent" and answers.consent == "given" and answer != "given" else answer
            notes.reason(f"{node}-{shown}", ANSWER_TEXT[(node, shown)], source)
        node = question.next[answer]
    outcome = node
    outcome = _after(outcome, path, answers, ruleset, valid, notes)
    if outcome == INCOMPLETE and not notes.missing:
        notes.need("when.lawful_basis")
    return Decision(outcome, tuple(path), tuple(notes.reasons), tuple(notes.warnings), tuple(notes.missing),
                    ruleset.pin())


def _rule(ruleset: Ruleset, number: int):
    return next((r for r in ruleset.rules if r.number == number), None)


def _rule_source(ruleset: Ruleset, number: int) -> str:
    rule = _rule(ruleset, number)
    return f"{ruleset.id} {rule.id} ({rule.source})" if rule else f"{ruleset.id} golden rule {number}"


def _rule_text(ruleset: Ruleset, number: int) -> str:
    """Golden rule 3 in this ruleset's own wording (the 1998 wording under the 1998 ruleset)."""
    rule = _rule(ruleset, number)
    return rule.text.strip() if rule else "Seek advice if you are in any doubt."


def _capacity(answers: Answers) -> str | None:
    """Can the person give valid consent themselves? yes, no, unsure, or None (not known)."""
    kind = answers.subject_kind
    if kind == "child":
        if answers.child_capacity:
            return answers.child_capacity
        return "yes" if answers.over_16 else None  # over 16: presumed (003 App A; Mental Capacity Act 2005)
    if kind == "adult-at-risk":
        return answers.capacity or "yes"  # presumed unless there is evidence otherwise (MCA 2005 s1(2))
    if kind == "deceased":
        return "no"
    return "yes"


def consent_valid(answers: Answers) -> bool:
    """Is the consent recorded as given valid: given by someone who can give it, and informed (003 App A; 004)?
    The one rule: the engine's, and the form's answer to "Do I already have informed consent?" (tui.forms)."""
    if answers.consent != "given":
        return False
    if answers.consent_informed is False:
        return False
    kind, by, capacity = answers.subject_kind, answers.consent_by, _capacity(answers)
    if kind == "deceased":
        return False
    if kind == "child":
        if by == "parent":
            return True  # one person with parental responsibility may consent for a child (003 App A)
        if by == "subject":
            return capacity == "yes"
        if by is None:
            return capacity in ("yes", None)  # not recorded: warned, not refused (records made before issue 12)
        return False
    if kind == "adult-at-risk" and by in (None, "subject"):
        return capacity == "yes"
    return by in (None, "subject") or kind is None


def _consent(answers: Answers, guidance: Guidance, valid: bool, notes: Notes) -> str | None:
    """The flowchart's consent answer, checked: who gave it, with what capacity, and why it was not sought."""
    consent, kind, by, capacity = answers.consent, answers.subject_kind, answers.consent_by, _capacity(answers)
    if consent is None:
        notes.need("when.consent")
        return None
    if consent == "not-sought" and kind != "deceased":
        reason = answers.consent_not_sought_reason
        checklist = guidance.checklists.get("consent-not-sought")
        if not reason:
            notes.need("when.consent_not_sought_reason")
            notes.reason("consent-not-sought-no-reason", "Consent was not sought and no reason is recorded: record "
                         "one of the reasons for not seeking consent before deciding.", "003 s5; 003 Appendix A "
                         "(when consent should not be sought); 002 Myth-busting guide")
            return None
        if checklist:
            item = checklist.item(reason)
            notes.reason(f"consent-not-sought-{reason}", f"Consent was not sought because: {item.text if item else reason}",
                         f"{checklist.id} ({checklist.source})")
        if reason == "court-order" and "court-order" not in (answers.lawful_basis or ()):
            notes.warn("court-order-not-cited", "Consent was not sought because a court order requires sharing: cite "
                       "the court order as the lawful basis.", "003 s5; 003 Appendix A")
        if reason == "statutory-duty" and not any(
                "power" in guidance.bases[b].satisfies for b in answers.lawful_basis or () if b in guidance.bases):
            notes.warn("statutory-duty-not-cited", "Consent was not sought because a statutory duty requires sharing: "
                       "cite the statute as the lawful basis.", "003 s5; 003 Appendix A")
        return consent
    if consent != "given":
        return consent
    # consent is recorded as given: is it valid?
    if kind == "deceased":
        notes.reason("consent-deceased", "The person has died and cannot consent; a personal representative's "
                     "agreement is not consent under data protection law (which no longer applies): the duty of "
                     "confidence decides.", "003 s8")
        return "not-sought"
    if kind in ("child", "adult-at-risk") and by is None and capacity in ("no", "unsure"):
        notes.need("when.consent_by")
        notes.reason("consent-who", "Record who consented: the person themselves or, for a child who cannot "
                     "consent, a person with parental responsibility.", CONSENT_SOURCE)
        return None
    if answers.consent_informed is False:
        notes.reason("consent-not-informed", "The consent was not informed (why the information is shared, who will "
                     "see it, how much, and the implications): it is not valid consent.", "004 Obtaining consent")
        return "not-sought"
    if answers.consent_informed is None:
        notes.warn("consent-informed-unknown", "Record whether the consent was informed: why the information is "
                   "shared, who will see it, how much, and the implications.", "004 Obtaining consent; 003 Appendix A")
    if kind == "child":
        if by in (None, "subject") and capacity in ("no", "unsure"):
            notes.reason("child-cannot-consent", "A child without the capacity to consent cannot give valid consent: "
                         "ask one person with parental responsibility, and still seek the child's views.",
                         "003 Appendix A (whose consent should be sought)")
            return "not-sought"
        if by == "subject" and capacity is None:
            notes.need("context.child_capacity")
            notes.reason("child-capacity-unknown", "Say whether the child can give informed consent (a functional "
                         "test; over 16 presumed): only a child with capacity can consent for themselves.",
                         "003 Appendix A; Mental Capacity Act 2005")
            return None
        if by is None and capacity is None:
            notes.warn("consent-who-unknown", "Record who consented (the child, with the capacity to consent, or a "
                       "person with parental responsibility) and whether the child can give informed consent.",
                       CONSENT_SOURCE)
        if by == "parent" and capacity == "yes":
            notes.warn("competent-child-view", "The child can consent for themselves: their own consent or refusal "
                       "must be considered even where a parent agrees or disagrees; record the child's view beside "
                       "the parent's (consent.child_view).", "003 Appendix A")
        if by == "other":
            notes.reason("consent-by-other", "Consent for a child comes from the child (with capacity) or a person with "
                         "parental responsibility: this consent is not valid.", "003 Appendix A")
            return "not-sought"
    if kind == "adult-at-risk" and capacity in ("no", "unsure") and by in (None, "subject"):
        notes.reason("adult-cannot-consent", "An adult at risk who lacks capacity cannot consent: decide in their best "
                     "interests under the Mental Capacity Act 2005, and share on a lawful basis without consent.",
                     "003 s7; Mental Capacity Act 2005 ss1-4; Care Act 2014 s42")
        return "not-sought"
    if kind in ("adult", "adult-at-risk") and by not in (None, "subject"):
        notes.reason("consent-by-other", "An adult consents for themselves; another person's agreement is not their "
                     "consent (unless they hold a lasting power of attorney or are a deputy: seek advice).",
                     "003 s7; Mental Capacity Act 2005")
        return "not-sought"
    if valid:
        notes.reason("consent-valid", f"Consent was given by {_who(by, kind)}" + (
            f" ({answers.consent_how})" if answers.consent_how else "") + ".", CONSENT_SOURCE)
    return "given" if valid else "not-sought"


def _who(by: str | None, kind: str | None) -> str:
    if by == "parent":
        return "a person with parental responsibility"
    return "the child, who has the capacity to consent" if kind == "child" else "the person themselves"


def _after(outcome: str, path: list[str], answers: Answers, ruleset: Ruleset, consent_valid: bool,
           notes: Notes) -> str:
    """What applies once the flowchart has an outcome: Early Help, and sharing against someone's wishes."""
    if outcome == INCOMPLETE:
        return outcome
    if answers.early_help and outcome == "share":
        if not consent_valid:
            notes.reason("early-help-needs-consent", "Early Help is offered with consent: without it the Early Help "
                         "route is not open, so do not share for Early Help. If the threshold for a child in need "
                         "(Children Act 1989 s17) or child protection (s47) is met, make that referral instead, as a "
                         "decision of its own.", "001 3.2; 003 s3 Early Help and prevention; 003 Appendix B")
            return "do-not-share"
        if answers.consent_how is None:
            notes.warn("early-help-consent-how", "Record how consent was given (when.consent_how): an Early Help "
                       "referral needs signed consent.", "003 Appendix B")
        elif answers.consent_how != "signed":
            notes.reason("early-help-needs-signed-consent", "An Early Help referral needs signed consent: obtain it "
                         "before sharing. If the threshold for a child in need (Children Act 1989 s17) or child "
                         "protection (s47) is met, make that referral instead.", "003 Appendix B")
            return "do-not-share"
    if outcome == "share" and answers.subject_kind == "deceased" and "lawful_basis" not in path:
        notes.warn("deceased-confidence", "The person has died: information about them is no longer personal data, "
                   "but the duty of confidence still applies to it (and the Access to Health Records Act 1990 to "
                   "health records); seek advice from your legal or information governance team.", "003 s8")
    if outcome == "share" and "consent" in path and answers.consent in ("refused", "withdrawn"):
        notes.warn("consent-overridden", "Sharing against the person's wishes: record why, and where possible tell "
                   "them.", _rule_source(ruleset, 4))
    if outcome == "share" and "lawful_basis" in path and answers.confidential == "yes" and not consent_valid \
            and "common-law-public-interest" in (answers.lawful_basis or ()):
        notes.warn("record-public-interest", "Record the public-interest reasoning for sharing confidential "
                   "information without consent (decision.public_interest).", "000 13.3.4; 000 Annex A 4.1")
    return outcome
