"""A decision being filled in: its answers (the record dict), the engine's view of them, and the
steps they call for. The screen draws it and feeds it what is typed; every rule of the form lives
here, testable without Textual. The engine, the record and the store make the decisions themselves.
"""

from __future__ import annotations

import copy
from datetime import date
from typing import TYPE_CHECKING, Any

from isp_tui.errors import InputError
from isp_tui.record.normalise import normalise
from isp_tui.record.schema import SHARING_DECISIONS
from isp_tui.tui.forms.fields import (HOW_SHORT, SHORT, STEP_TITLES, Field, Invalid, answer_words, chosen_bases,
                                      get, matches, parse_typed, put)
from isp_tui.tui.forms.law import cited, sensitivity
from isp_tui.tui.forms.prefill import follow
from isp_tui.tui.forms.progress import in_words, plain, position
from isp_tui.tui.forms.review import value_words
from isp_tui.tui.forms.steps import Spec, how_fields, spec

UNSURE_BASIS = "lawful_basis.unsure"  # not a record key: "unsure" at the lawful-basis question
ENGINE_READS = ("when", "context", "sharing")  # what evaluate() gives read_answers (sharing: the data categories)

if TYPE_CHECKING:
    from isp_tui.guidance import Guidance, LegalBasis


class DecisionForm:
    def __init__(self, guidance: Guidance, data: dict[str, Any] | None = None, *, ruleset_id: str,
                 role: str = "", organisation: str = "", today: date | None = None):
        """`ruleset_id`: the one new decisions use (a resumed draft keeps its own); `role` and `organisation`:
        the practitioner's, from the config, for a decision that names none."""
        self.guidance = guidance
        self.today = today or date.today()
        self.data: dict[str, Any] = copy.deepcopy(data) if data else {}
        if not self.data.get("ruleset", {}).get("id"):
            self.data["ruleset"] = {"id": ruleset_id}
        if not self.data.get("decided"):
            self.data["decided"] = {k: v for k, v in (("role", role), ("organisation", organisation)) if v}
        context = self.data.setdefault("context", {})
        if "subject" not in context:  # a draft written before `subject`: its subject_is_child says which
            context["subject"] = "adult" if context.get("subject_is_child") is False else "child"
        context.pop("subject_is_child", None)
        self.ruleset = guidance.rulesets.get(self.data["ruleset"]["id"]) or guidance.rulesets[ruleset_id]
        self.recipient_follows = not get(self.data, "recipient.agency")  # the recipient is the requester until set
        self.decision = None
        self.error = ""
        self.sources = False  # the engine's reasons shown with their sources (F2), not in every line
        self.evaluate()

    # -- the engine --------------------------------------------------------------------------------------

    def evaluate(self) -> None:
        from isp_tui.engine import decide, read_answers

        try:
            answers = read_answers(self.data.get("when"), self.data.get("context"), self.guidance,
                                   categories=get(self.data, "sharing.data_categories") or [])
            self.decision = decide(answers, self.ruleset, self.guidance)
            self.error = ""
        except InputError as exc:
            self.decision, self.error = None, str(exc)

    @property
    def day(self) -> date:
        """The day the decision is made: the law in force on it is the law it may cite (the engine's too)."""
        return self.today

    @property
    def outcome(self) -> str:
        return self.decision.outcome if self.decision else "incomplete"

    @property
    def warnings(self) -> list:
        """The engine's warnings the decision has not yet met (engine.findings.still_to_do): "Record the
        public-interest reasoning" goes once it is recorded."""
        from isp_tui.engine.findings import still_to_do

        return still_to_do(self.decision.warnings, self.data) if self.decision else []

    @property
    def path(self) -> tuple[str, ...]:
        return self.decision.path if self.decision else ()

    def any_unsure(self) -> bool:
        return any(v == "unsure" for v in (self.data.get("when") or {}).values())

    # -- answering -----------------------------------------------------------------------------------------

    def value(self, key: str) -> Any:
        """A field's answer as the form shows it ("lawful_basis.unsure": whether the basis is "unsure")."""
        if key == UNSURE_BASIS:
            return "yes" if get(self.data, "when.lawful_basis") == "unsure" else "no"
        return get(self.data, key)

    def set(self, key: str, value: Any, *, keep_empty: bool = False, force: bool = False) -> bool:
        """Take an answer; whether it changed anything (the engine then looks again). What follows from it is
        filled in: consent given is dated today, the data categories shared set the data's kind."""
        if key == UNSURE_BASIS:
            if value == self.value(key):
                return False
            key, value, keep_empty = "when.lawful_basis", ("unsure" if value == "yes" else None), False
        if get(self.data, key) == value and not force:
            return False
        put(self.data, key, value, keep_empty=keep_empty)
        if key == "when.consent" and value == "given" and get(self.data, "consent.on") is None:
            put(self.data, "consent.on", self.today)
        if key == "sharing.data_categories":
            for flag, raised in sensitivity(self.guidance, list(value or [])).items():
                put(self.data, flag, raised)
        if key == "context.subject":
            put(self.data, "context.subject_is_child", None)
        follow(self, key, value)
        if key.partition(".")[0] in ENGINE_READS:  # a name or a reference typed: the engine has nothing new to read
            self.evaluate()
        return True

    def parse(self, f: Field, raw: str) -> Any:
        """What typed text means for the record (`Invalid` if it cannot be taken yet). Typing a recipient
        by hand forgets the register entry chosen before."""
        value = parse_typed(f, raw)
        if f.key == "recipient.agency" and not isinstance(value, Invalid) and value != get(self.data, f.key):
            put(self.data, "recipient.agency_id", None)
        return value

    def choose_agency(self, option_id: str):
        """The recipient chosen from a partner register ("register/agency"): its name, its register id and
        whether it is a statutory body are the answers. Returns the agency, and whether any answer changed."""
        register_id, _, agency_id = option_id.partition("/")
        agency = next(a for a in self.guidance.registers[register_id].agencies if a.id == agency_id)
        answers = {"recipient.agency": agency.name, "recipient.agency_id": agency.id,
                   "context.recipient_statutory": agency.statutory}
        changed = any(get(self.data, key) != value for key, value in answers.items())
        for key, value in answers.items():
            put(self.data, key, value)
        self.recipient_follows = False
        self.evaluate()
        return agency, changed

    def type_agency(self, text: str) -> bool:
        """Text typed into the partner register's filter is the recipient until an entry is chosen: an agency
        not in the register is kept as typed. Whether the recipient changed."""
        if not text.strip() or text == get(self.data, "recipient.agency"):
            return False
        put(self.data, "recipient.agency_id", None)
        self.recipient_follows = False
        return self.set("recipient.agency", text)

    def citable_bases(self, only: str, query: str = "") -> list[tuple[LegalBasis, str]]:
        """The bases a practitioner may cite ("general" or "condition") matching `query`: those in force on the
        decision's day in this wording's era, each with when it came into force ("" for one not tied to a date);
        one already cited is kept so it can be unticked."""
        chosen = set(cited(self.data))
        out = []
        for basis in self.guidance.bases.values():
            if basis.special_category != (only == "condition"):
                continue
            if basis.id not in chosen and not (basis.fits_era(self.ruleset.era) and basis.in_force_on(self.day)):
                continue
            if matches(query, basis.id, basis.title, basis.kind):
                dated = basis.in_force is not None or basis.in_force_source
                out.append((basis, basis.force_text().split(" (")[0] if dated else ""))
        return out

    def bases_after(self, visible: set[str], selected: list[str]) -> list[str]:
        return chosen_bases(cited(self.data), visible, selected)

    # -- the steps -------------------------------------------------------------------------------------------

    def steps(self) -> list[str]:
        """The steps the answers so far call for, in order: the flowchart's path, advice when in doubt, the
        decision, the How steps when sharing, then retention, the 16 questions and the review."""
        steps = ["subject", "request", "recipient"]
        steps += [f"when:{node}" for node in (self.decision.path if self.decision else (self.ruleset.first_question,))]
        if self.outcome == "seek-advice" or self.any_unsure() or self.data.get("advice"):
            steps.append("advice")
        if self.outcome != "incomplete":
            steps.append("decision")
            if get(self.data, "decision.recorded") in SHARING_DECISIONS:
                steps += [f"how:{step.id}" for step in self.ruleset.how]
            steps += ["retention", "checklist"]
        steps.append("review")
        return steps

    def spec(self, step: str) -> Spec:
        return spec(self, step)

    def how_fields(self, how_id: str) -> list[Field]:
        return how_fields(self.guidance, how_id, self.ruleset.era)

    def title(self, step: str) -> str:
        """A step's short title, for the list of steps and the missing list."""
        key = step.partition(":")[2]
        if step in STEP_TITLES:
            return STEP_TITLES[step]
        if key in SHORT:
            return SHORT[key]
        if key in HOW_SHORT:
            return f"How: {HOW_SHORT[key]}"
        how = {s.id: s for s in self.ruleset.how}.get(key)
        return f"How: {how.step}" if how else step

    def position(self, step: str) -> str:
        """The step's stage ("" for a step no longer on the way)."""
        return position(step) if step in self.steps() else ""

    def blocked(self, step: str) -> str:
        """Why the person cannot move on from `step` (the flowchart is waiting for its answer), or ""."""
        steps = self.steps()
        if step.startswith("when:") and step == steps[-2] and self.outcome == "incomplete":
            missing = "; ".join(w for w, _ in in_words(self, list(self.decision.missing))) if self.decision else self.error
            return f"Answer this question to go on ({missing}); ctrl+r shows the review."
        return ""

    def after(self, step: str) -> str | None:
        """The step after `step` (the review when `step` is no longer on the way), None at the end."""
        steps = self.steps()
        if step not in steps:
            return steps[-1]
        i = steps.index(step)
        return steps[i + 1] if i + 1 < len(steps) else None

    def before(self, step: str) -> str | None:
        steps = self.steps()
        i = steps.index(step) if step in steps else len(steps)
        return steps[i - 1] if i > 0 else None

    # -- the record ------------------------------------------------------------------------------------------

    def build(self, decided_by: str | None = None) -> dict[str, Any]:
        """The record dict as it will be saved (record.normalise, as the store saves it), `decided_by` filled in
        if it names none. InputError when the engine cannot read the answers, as saving them would."""
        data = copy.deepcopy(self.data)
        if decided_by is not None:
            data.setdefault("decided", {}).setdefault("by", decided_by)
        return normalise(data, self.guidance)  # its prune drops a checklist with no answer, and empty tables

    def missing(self, decided_by: str | None = None) -> list[str]:
        """What the record still needs before it can be final, in the record's words."""
        from isp_tui.record import Record

        try:
            record = Record.from_dict(self.build(decided_by), guidance=self.guidance, new=True)
            return record.missing_for_final(self.guidance)
        except InputError as exc:
            return [str(exc)]

    def describe(self, target: str) -> str:
        """How this decision answers a question or a How step a golden rule bears on."""
        data = self.data
        if target in SHORT:
            answer = get(data, f"when.{target}")
            if target == "lawful_basis" and answer == "unsure":
                answer = "unsure: seek advice"
            elif target == "lawful_basis" and answer is not None:
                answer = f"{len(answer)} cited (named under The record)" if answer else "none identified"
            on_path = self.decision and target in self.decision.path
            shown = answer_words(answer) if answer is not None else ('not answered' if on_path else 'not reached')
            return f"{SHORT[target]} {shown}"
        how = {s.id: s for s in self.ruleset.how}.get(target)
        if how is None:
            return target
        values = []
        for f in self.how_fields(target):
            value = get(data, f.key)
            if value not in (None, "", []):
                words = value_words(self, f.key, value, {f.key: dict(f.options)})
                values.append(f"{plain(f.label)}: {words if len(words) <= 60 else words[:59] + '…'}")
        return f"{how.step}: {'; '.join(values) if values else 'not recorded'}"

