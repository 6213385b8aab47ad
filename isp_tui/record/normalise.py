"""What a saved record holds: the one rule, applied by the store to every save whatever face made it.

A practitioner may answer a question and then change an earlier answer so that the flowchart no longer
reaches it; a form may hold the details of sharing and then the decision becomes not to share. What is
saved is what the decision rests on:

- flowchart answers ([when]) off the path the engine follows for these answers are left out;
- `when.consent_not_sought_reason` only when consent was not sought; who consented, how and whether it
  was informed (`when.consent_by`, `consent_how`, `consent_informed`, `consent.on`, `consent.child_view`)
  only when consent was given;
- `context.child_capacity` and the child-capacity checklist only when the subject is a child, and
  `context.capacity` only when the subject is an adult at risk;
- [sharing] and [transparency] only when the decision is to share (all or part);
- tables left empty are left out (no half-filled `[request]`).
"""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import datetime
from typing import Any

from isp_tui.config import default_ruleset
from isp_tui.engine import decide, read_answers
from isp_tui.guidance import QUESTION_IDS, Guidance, Ruleset
from isp_tui.record.schema import SHARING_DECISIONS

CHILD_CAPACITY_CHECKLIST = "child-capacity"
SHARING_TABLES = ("sharing", "transparency")
CONSENT_GIVEN_ONLY = (("when", "consent_by"), ("when", "consent_how"), ("when", "consent_informed"),
                      ("consent", "on"), ("consent", "child_view"))


def normalise(data: dict[str, Any], guidance: Guidance, *, ruleset: Ruleset | None = None) -> dict[str, Any]:
    """The record's tables as they are saved (a new dict; `data` is left alone).

    The flowchart's path is the engine's, for the ruleset version the record pins (an amended record keeps
    the flowchart it was decided under, whose questions may come in another order than today's), else the
    ruleset it names (or `ruleset`, or the guidance's own default when it names none), read as at the day it
    was decided. Answers the engine cannot read raise InputError, as saving them would."""
    out = copy.deepcopy(data)
    when = out.get("when")
    answers = read_answers(when if isinstance(when, dict) else None, out.get("context"), guidance)
    decided = out.get("decided") if isinstance(out.get("decided"), dict) else {}
    day = decided.get("at") or out.get("created")
    if answers.decision_date is None and isinstance(day, datetime):
        answers = replace(answers, decision_date=day.date())
    if isinstance(when, dict):
        pin = out.get("ruleset") if isinstance(out.get("ruleset"), dict) else {}
        if ruleset is None and pin.get("sha256"):
            ruleset = guidance.pinned(pin)
        if ruleset is None:
            named = pin.get("id")
            ruleset = guidance.ruleset(named or default_ruleset(None, guidance), key="ruleset.id")
        path = decide(answers, ruleset, guidance).path
        for key in QUESTION_IDS:
            if key not in path:
                when.pop(key, None)
        if when.get("consent") != "not-sought":
            when.pop("consent_not_sought_reason", None)
        if when.get("consent") != "given":
            for table, key in CONSENT_GIVEN_ONLY:
                if isinstance(out.get(table), dict):
                    out[table].pop(key, None)
    context = out.get("context")
    if isinstance(context, dict) and answers.subject_kind != "adult-at-risk":
        context.pop("capacity", None)
    if answers.subject_kind != "child":
        if isinstance(context, dict):
            context.pop("child_capacity", None)
        checklists = out.get("checklists")
        if isinstance(checklists, dict):
            checklists.pop(CHILD_CAPACITY_CHECKLIST, None)
    decision = out.get("decision")
    if not (isinstance(decision, dict) and decision.get("recorded") in SHARING_DECISIONS):
        for key in SHARING_TABLES:
            out.pop(key, None)
    return prune(out)


def normalise_amendment(proposed: dict[str, Any], current: dict[str, Any], guidance: Guidance) -> dict[str, Any]:
    """What an amended record holds: `proposed` normalised, except that an answer the record already held off the
    flowchart's path, unchanged by this amendment, stays as it was decided (a record saved before the store
    normalised every save keeps what the practitioner recorded; an amendment changes only what it says). What
    falls off the path because of this amendment is left out, as on any save."""
    out = normalise(proposed, guidance)
    before = normalise(current, guidance)
    for table, values in proposed.items():
        held, kept = current.get(table), before.get(table, {})
        if not (isinstance(values, dict) and isinstance(held, dict) and isinstance(kept, dict)):
            continue
        for key, value in values.items():
            if key not in out.get(table, {}) and key not in kept and held.get(key) == value:
                out.setdefault(table, {})[key] = copy.deepcopy(value)
    return out


def prune(value: Any) -> Any:
    """Drop empty tables, so an unused [request] is not a half-filled one."""
    if isinstance(value, dict):
        out = {k: prune(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if not (isinstance(v, dict) and not v)}
    return value


