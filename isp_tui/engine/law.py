"""The lawful-basis test in all its parts, read as the law stood on the day of the decision.

    UK GDPR (from 25 May 2018): an Art 6(1) condition always (000 Annex A 6.2, 7.2; 003 s3); (c) and (e)
      rest on a power in law (Art 6(3)); special category data also an Art 9(2) condition, and for
      (b), (g), (h), (i), (j) a DPA 2018 Schedule 1 condition (s10); criminal offence data a Schedule 1
      condition (Art 10; s10(5)).
    DPA 2018 Part 3 (a competent authority, law enforcement purposes): s35, and Schedule 8 for sensitive
      processing; no Art 6.
    DPA 1998 (before 25 May 2018): a Schedule 2 condition, and Schedule 3 for sensitive personal data;
      s29 and s35 are exemptions, not conditions.
    Both eras: confidential information shared without consent needs a public-interest justification
      or a legal requirement (000 Annex A 3, 13.3.4; 003 Appendix A).
"""

from __future__ import annotations

from datetime import date

from isp_tui.engine.answers import Answers
from isp_tui.engine.findings import Notes
from isp_tui.guidance import Guidance, LegalBasis

GDPR_FROM = date(2018, 5, 25)  # DPA 2018 and the GDPR applied; DPA 1998 repealed (DPA 2018 Sch 19 para 44)
GDPR_SOURCE = "UK GDPR Art 6(1); DPA 2018 (legislation.gov.uk/ukpga/2018/12), in force 25 May 2018"
DPA1998_SOURCE = "DPA 1998 Schedules 2 and 3 (legislation.gov.uk/ukpga/1998/29), in force 1 March 2000 to 24 May 2018"

# what each part of the test is called in plain words, and where the need for it comes from
PART_NAMES = {
    "art6": ("an Article 6(1) condition (UK GDPR)", "000 Annex A 6.2 and 7.2; 003 s3; UK GDPR Art 6(1)"),
    "art9": ("an Article 9(2) condition for special category data (UK GDPR)",
             "000 Annex A 7.2; 002 The GDPR and Data Protection Act 2018; UK GDPR Art 9(2)"),
    "sch1": ("a DPA 2018 Schedule 1 condition to go with that Article 9(2) condition",
             "DPA 2018 s10(1)-(3); UK GDPR Art 9(2)(b), (g), (h), (i), (j)"),
    "art10": ("a DPA 2018 Schedule 1 condition for criminal offence data", "UK GDPR Art 10; DPA 2018 s10(5), "
              "Schedule 1 Part 3 paragraph 36"),
    "part3": ("the law enforcement condition in DPA 2018 section 35 (Part 3)", "DPA 2018 s31, s35"),
    "sch8": ("a DPA 2018 Schedule 8 condition for sensitive processing", "DPA 2018 s35(5), Schedule 8"),
    "sch2": ("a DPA 1998 Schedule 2 condition", "000 Annex A 6.2; 003 s3; DPA 1998 s4(3), Schedule 2"),
    "sch3": ("a DPA 1998 Schedule 3 condition for sensitive personal data",
             "000 Annex A 7.2; 003 s3; DPA 1998 Schedule 3"),
    "confidence": ("a public-interest justification, or a legal requirement, for sharing confidential "
                   "information without consent (common law)",
                   "000 Annex A 3.1, 4.1 and 13.3.4; 003 Appendix A; 004 Confidential information"),
}
SUGGEST = {
    "art6": "usually Article 6(1)(e) public task for a power such as this, or 6(1)(c) legal obligation where the "
            "law requires you to share",
    "art9": "usually Article 9(2)(g) with DPA 2018 Schedule 1 Part 2 paragraph 18 (safeguarding of children and "
            "of individuals at risk)",
    "sch1": "for Article 9(2)(g), a Schedule 1 Part 2 condition such as paragraph 18 (safeguarding of children and "
            "of individuals at risk)",
    "art10": "for example Schedule 1 Part 2 paragraph 18 or paragraph 10, which Part 3 paragraph 36 extends to "
             "criminal offence data",
    "part3": "cite DPA 2018 section 35",
    "sch8": "usually Schedule 8 paragraph 4 (safeguarding of children and of individuals at risk)",
    "sch2": "usually Schedule 2 paragraph 5 (public functions) or paragraph 3 (legal obligation)",
    "sch3": "usually Schedule 3 paragraph 7 (statutory functions)",
    "confidence": "cite the common-law public interest (and record the reasoning in decision.public_interest), "
                  "a statutory duty to share or a court order",
}


def regime(answers: Answers, day: date) -> str:
    """Which data protection law governs the sharing on `day`."""
    if day < GDPR_FROM:
        return "dpa1998"
    return "part3" if answers.law_enforcement else "gdpr"


def lawful_basis(answers: Answers, guidance: Guidance, day: date, consent_valid: bool, notes: Notes) -> str | None:
    """The flowchart's answer to "have you identified a lawful reason to share without consent?": yes,
    no, unsure, or None (incomplete: notes.missing says what is still needed)."""
    if answers.lawful_basis_unsure or answers.confidential == "unsure":
        return "unsure"  # in any doubt, seek advice (golden rule 3) before anything else is asked
    if answers.lawful_basis is None:
        notes.need("when.lawful_basis")
        return None
    cited = [guidance.bases[b] for b in answers.lawful_basis if b in guidance.bases]
    if any("part3" in b.satisfies or "sch8" in b.satisfies for b in cited) and answers.law_enforcement is None \
            and day >= GDPR_FROM:
        notes.need("context.law_enforcement")
    law = regime(answers, day)
    usable = [b for b in cited if _counts(b, answers, day, law, consent_valid, notes)]
    deceased = answers.subject_kind == "deceased"
    special, criminal = _sensitivity(answers, guidance, notes)
    if special is None and not deceased:
        notes.need("context.special_category")
    confidential = answers.confidential
    if confidential is None and not consent_valid and not deceased:
        # a flowchart that asks it in its own place (003 App A) has had the answer by now; the 2018 flowchart
        # does not ask it, so the engine reminds rather than blocks
        notes.warn("confidentiality-not-considered", "Say whether the information is confidential (when.confidential): "
                   "confidential information shared without consent needs a public-interest justification or a legal "
                   "requirement, and the reasons recorded.", PART_NAMES["confidence"][1])

    if notes.missing:
        return None
    has = {part for b in usable for part in b.satisfies}
    needed: list[str] = []
    if deceased:
        notes.reason("deceased-data-protection", "The person has died: data protection law no longer applies to "
                     "information about them, but the common-law duty of confidence, the Human Rights Act 1998 and, "
                     "for health records, the Access to Health Records Act 1990 do; seek advice from your legal or "
                     "information governance team.", "003 s8")
    elif law == "dpa1998":
        needed = ["sch2"] + (["sch3"] if special or criminal else [])
        notes.reason("regime-dpa1998", f"On {day.isoformat()} the Data Protection Act 1998 applied: a Schedule 2 "
                     "condition is needed" + (", and a Schedule 3 condition for sensitive personal data" if
                                              special or criminal else "") + ".", DPA1998_SOURCE)
    elif law == "part3":
        needed = ["part3"] + (["sch8"] if special else [])
        notes.reason("regime-part3", "Processing by a competent authority for a law enforcement purpose is governed "
                     "by DPA 2018 Part 3: section 35 applies" + (" with a Schedule 8 condition for sensitive processing"
                                                                if special else "") + ", and no Article 6 condition.",
                     "DPA 2018 s31, s35; ICO Annex B item 12")
    else:
        needed = ["art6"] + (["art9"] if special else []) + (["art10"] if criminal else [])
        notes.reason("regime-gdpr", f"On {day.isoformat()} the UK GDPR and the Data Protection Act 2018 applied: an "
                     "Article 6(1) condition is needed" + (", an Article 9(2) condition for special category data" if
                                                          special else "") +
                     (", a Schedule 1 condition for criminal offence data" if criminal else "") + ".", GDPR_SOURCE)
    if confidential == "yes" and not consent_valid:
        needed.append("confidence")
    met = {part: _met_by(part, usable) for part in needed}
    if "art9" in met and met["art9"]:
        incomplete_pair = _art9_without_sch1(usable, notes)
        if incomplete_pair:
            met["sch1"] = []
            needed.insert(needed.index("art9") + 1, "sch1")
    for part in needed:
        name, source = PART_NAMES[part]
        if met.get(part):
            notes.reason(f"met-{part}", f"Met: {name}, by " + "; ".join(b.title for b in met[part]) + ".",
                         "; ".join(dict.fromkeys([source] + [b.source for b in met[part]])))
        else:
            notes.reason(f"missing-{part}", f"Missing: {name}. {SUGGEST[part][0].upper()}{SUGGEST[part][1:]}.", source)
    _powers(usable, law, has, notes)
    if deceased:  # the duty of confidence decides; without a legal requirement or justification, advice (003 s8)
        if confidential == "no" or any("confidence" in b.satisfies for b in usable):
            return "yes"
        return "unsure"
    missing = [p for p in needed if not met.get(p)]
    if not missing:
        return "yes"
    if not usable:
        return "no"
    if any(p in ("art9", "sch3", "sch8", "art10") for p in missing):
        return "no"  # no condition at all for the special category or criminal offence data shared
    # a lawful reason is partly identified (a power without its Article 6 condition, Article 9(2)(g) without
    # its Schedule 1 condition, confidential information without a justification): name the part to cite
    notes.need("when.lawful_basis")
    return None


def _sensitivity(answers: Answers, guidance: Guidance, notes: Notes) -> tuple[bool | None, bool]:
    """Special category and criminal offence data: what the data categories shared say, and the boxes ticked."""
    cats = [guidance.categories[c] for c in answers.data_categories if c in guidance.categories]
    special_cats = [c for c in cats if c.special_category]
    criminal_cats = [c for c in cats if c.criminal_offence]
    special = answers.special_category
    if special_cats and not special:
        notes.warn("special-category-from-categories", "The information shared includes special category data ("
                   + ", ".join(c.title for c in special_cats) + "): the special-category checks apply.",
                   "templates/data_categories.toml; " + "; ".join(dict.fromkeys(c.source for c in special_cats)))
        special = True
    criminal = bool(answers.criminal_offence) or bool(criminal_cats)
    if criminal_cats and not answers.criminal_offence:
        notes.warn("criminal-offence-from-categories", "The information shared includes criminal offence data ("
                   + ", ".join(c.title for c in criminal_cats) + "): the criminal-offence checks apply.",
                   "templates/data_categories.toml; UK GDPR Art 10; DPA 2018 s10(5)")
    return special, criminal


def _counts(basis: LegalBasis, answers: Answers, day: date, law: str, consent_valid: bool, notes: Notes) -> bool:
    """Can this cited basis be relied on, on this day, in this case? Says why not when it cannot."""
    if not basis.in_force_on(day):
        notes.warn("basis-not-in-force", f"{basis.title} was not in force on {day.isoformat()} ({basis.force_text()}): "
                   "it cannot be relied on.", basis.in_force_source or basis.source)
        return False
    if basis.not_counted:
        notes.warn("basis-not-counted", basis.not_counted, basis.source)
        return False
    if basis.needs_consent and not consent_valid:
        notes.warn("consent-basis-without-consent", f"{basis.title} rests on consent, and there is no valid consent "
                   f"(consent {answers.consent or 'not answered'}): it cannot be the basis.",
                   "UK GDPR Art 6(1)(a), 7, 9(2)(a); DPA 1998 Sch 2 para 1, Sch 3 para 1; 004 Obtaining consent")
        return False
    if basis.statutory_bodies_only:
        if answers.recipient_statutory is None:
            notes.need("context.recipient_statutory")
            return False
        if not answers.recipient_statutory:
            notes.warn("statutory-only-basis", f"{basis.title} only works between statutory bodies: it is no gateway "
                       "to a non-statutory recipient such as a voluntary organisation.",
                       f"000 Annex A 9.3.1; {basis.source}")
            return False
    if basis.not_for_public_authority_tasks:
        if answers.sharer_public_authority is None:
            notes.need("context.sharer_public_authority")
            return False
        if answers.sharer_public_authority:
            notes.warn("public-authority-basis", f"{basis.title} does not apply to processing by a public authority in "
                       "the performance of its tasks: a public authority relies on Article 6(1)(e) or (c).",
                       "UK GDPR Art 6(1), closing words (\"Points (ea) and (f)\"); legislation.gov.uk/ukpga/2025/18/section/70")
            return False
    if basis.exception and answers.more_detrimental:
        notes.warn("duty-exception", f"{basis.title}: {basis.exception}", basis.source)
        return False
    parts = set(basis.satisfies)
    if law == "part3" and parts and parts <= {"art6", "art9", "sch1", "art10"}:
        notes.warn("part3-no-article-6", f"{basis.title} is a UK GDPR condition; law enforcement processing by a "
                   "competent authority rests on DPA 2018 section 35 (Part 3) instead.", "DPA 2018 s31, s35")
        return False
    if law == "gdpr" and parts and parts <= {"part3", "sch8"}:
        notes.warn("part3-not-competent-authority", f"{basis.title} applies only to a competent authority processing "
                   "for a law enforcement purpose (DPA 2018 Part 3).", "DPA 2018 s30, s31, s35")
        return False
    return True


def _met_by(part: str, usable: list[LegalBasis]) -> list[LegalBasis]:
    out = [b for b in usable if part in b.satisfies]
    if part == "art9":  # a Schedule 1 condition brings the Article 9(2) point it completes
        out += [b for b in usable if b.completes and "sch1" in b.satisfies and b not in out]
    return out


def _art9_without_sch1(usable: list[LegalBasis], notes: Notes) -> bool:
    """Art 9(2)(b), (g), (h), (i), (j) need a DPA 2018 Schedule 1 condition (s10). True if one is missing
    and no other Article 9(2) condition stands on its own."""
    completed = {target for b in usable for target in b.completes}
    alone = [b for b in usable if "art9" in b.satisfies and not b.needs_sch1]
    lacking = [b for b in usable if b.needs_sch1 and b.id not in completed]
    implied = [b for b in usable if b.completes and "sch1" in b.satisfies]
    for b in implied:
        if not any(t in {u.id for u in usable} for t in b.completes):
            notes.warn("sch1-implies-art9", f"{b.title} is a condition for UK GDPR "
                       f"{', '.join(b.completes).replace('ukgdpr-art9-2', 'Article 9(2)(')})" +
                       ": cite that point of Article 9(2) with it.", "DPA 2018 s10; " + b.source)
    return bool(lacking) and not alone and not implied


def _powers(usable: list[LegalBasis], law: str, has: set[str], notes: Notes) -> None:
    """Art 6(1)(c) and (e) must rest on a power in law (Art 6(3)): name it."""
    if law != "gdpr":
        return
    powers = [b for b in usable if "power" in b.satisfies]
    if any(b.needs_power for b in usable) and powers:
        notes.reason("met-power", "Met: the power in law that the legal obligation or public task rests on (Article "
                     "6(3)), by " + "; ".join(b.title for b in powers) + ".",
                     "UK GDPR Art 6(3); " + "; ".join(dict.fromkeys(b.source for b in powers)))
    if any(b.needs_power for b in usable) and "power" not in has:
        names = "; ".join(b.title for b in usable if b.needs_power)
        notes.warn("power-not-cited", f"{names}: Article 6(3) requires the legal obligation or public task to be laid "
                   "down by law; cite the power or duty relied on (for example Children Act 1989 s17 or s47).",
                   "UK GDPR Art 6(3); DPA 2018 s8; 002 Legislative framework")
