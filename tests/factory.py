"""Obviously fictional records for tests and benchmarks."""

from __future__ import annotations

import copy
from datetime import date

ANSWERS_SHARE_WITHOUT_CONSENT = {
    "legitimate_purpose": "yes",
    "consent": "not-sought",
    "consent_not_sought_reason": "increased-risk",
    "identifiable": "yes",
    "lawful_basis": ["ca1989-s47", "ukgdpr-art6-1e", "ukgdpr-art9-2g", "dpa2018-sch1-pt2-para18"],
}

FINAL = {
    "ruleset": {"id": "gdpr-2018"},
    "decided": {"role": "Test social worker", "organisation": "Test Borough Children's Services"},
    "subject": {"name": "Test Child Alpha", "reference": "TEST-0001", "date_of_birth": date(2015, 1, 1)},
    "request": {"requester": "Test Requester", "agency": "Test Police Force", "asked_for": "Attendance and welfare concerns",
                "received": date(2026, 11, 2), "in_writing": True},
    "when": ANSWERS_SHARE_WITHOUT_CONSENT,
    "context": {"special_category": True, "recipient_statutory": True, "subject_is_child": True},
    "decision": {"recorded": "share", "reasons": "Fictional test: risk of significant harm; sharing is necessary and proportionate.",
                 "necessity": "Fictional test: the police cannot assess the risk to the test child without it."},
    "recipient": {"agency": "Test Police Force", "person": "Test Detective Constable"},
    "sharing": {"information": "Fictional attendance summary.", "data_categories": [], "purpose": "Section 47 enquiry (test)",
                "shared_on": date(2026, 11, 3), "method": "", "onward_sharing": "Not to be shared further without consent of the originator.",
                "fact_and_opinion": True},
    "consent": {"explanation": "Seeking consent would place the test child at increased risk."},
    "transparency": {"told": False, "not_told_reason": "Telling the family would increase the risk (test)."},
    "retention": {"review_on": date(2027, 11, 3)},
}


# who gave consent and whether it was informed: what a final record relying on consent must say (record/law.py)
CONSENT_GIVEN = {"consent": "given", "consent_by": "parent", "consent_informed": True}


def final_record(guidance, **overrides) -> dict:
    """A complete final record using the first method and category the templates offer. Where `when` says
    consent was given and names no one, the test parent gave it, informed (CONSENT_GIVEN)."""
    data = copy.deepcopy(FINAL)
    data["sharing"]["method"] = next(m.id for m in guidance.methods.values() if m.stage == "transfer")
    data["sharing"]["data_categories"] = [next(iter(guidance.categories))]
    for key, value in overrides.items():
        if value is None:
            data.pop(key, None)
        elif isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    when = data.get("when")
    if isinstance(when, dict) and when.get("consent") == "given" and "consent_by" not in when:
        when.setdefault("consent_by", CONSENT_GIVEN["consent_by"])
        when.setdefault("consent_informed", CONSENT_GIVEN["consent_informed"])
    return data
