"""The decision form without Textual: its steps, which comes next, what it saves, what is missing."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import date

import pytest

from isp_tui.tui.forms import DecisionForm, Field, Invalid, get, step_of
from isp_tui.record.normalise import prune
from isp_tui.tui.forms.fields import chosen_bases, parse_typed, put

from factory import final_record


@pytest.fixture
def form(guidance) -> DecisionForm:
    return DecisionForm(guidance, ruleset_id="gdpr-2018", role="Test social worker", organisation="Test Borough")


def answer(form: DecisionForm, **when) -> None:
    for key, value in when.items():
        form.set(f"when.{key}", value, keep_empty=True)


def test_the_module_needs_no_textual():
    code = ("import sys, isp_tui.tui.forms; "
            "sys.exit(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')) != [])")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_a_new_form_starts_with_the_config_and_the_first_question(form):
    assert form.data["ruleset"] == {"id": "gdpr-2018"}
    assert form.data["decided"] == {"role": "Test social worker", "organisation": "Test Borough"}
    assert form.data["context"]["subject"] == "child"  # `subject` replaces subject_is_child (issue 12)
    assert "subject_is_child" not in form.data["context"]
    assert form.outcome == "incomplete"
    assert form.steps() == ["subject", "request", "recipient", "when:legitimate_purpose", "review"]


def test_a_resumed_draft_keeps_its_own_ruleset(guidance):
    form = DecisionForm(guidance, {"ruleset": {"id": "dpa-1998"}, "decided": {"role": "Kept"}},
                        ruleset_id="gdpr-2018", role="Not used")
    assert form.ruleset.id == "dpa-1998"
    assert form.data["decided"] == {"role": "Kept"}


def test_the_steps_follow_the_answers(form):
    answer(form, legitimate_purpose="yes")
    assert form.steps()[-2:] == ["when:consent", "review"]
    assert form.blocked("when:consent").startswith("Answer this question to go on")
    assert form.blocked("subject") == ""
    answer(form, legitimate_purpose="no")
    assert form.outcome == "do-not-share"
    assert form.steps() == ["subject", "request", "recipient", "when:legitimate_purpose", "decision", "retention",
                            "checklist", "review"]
    form.set("decision.recorded", "share")
    assert [s for s in form.steps() if s.startswith("how:")] == [
        "how:how-much", "how:fact-and-opinion", "how:right-person", "how:securely", "how:transparent"]
    answer(form, legitimate_purpose="unsure")
    assert "advice" in form.steps()


def test_next_and_back(form):
    assert form.after("subject") == "request"
    assert form.before("request") == "subject"
    assert form.before("subject") is None
    assert form.after("review") is None
    assert form.after("how:securely") == "review"  # a step no longer on the way goes to the review
    assert form.position("recipient") == "Stage 1 of 6, About: "  # named stages, not a count that jumps (issue 15 item 7)
    assert form.position("how:securely") == ""


def test_titles(form):
    assert form.title("subject") == "About the decision"
    assert form.title("when:consent") == "Consent?"
    assert form.title("how:right-person") == "How: right person"


def test_what_is_saved_leaves_out_answers_off_the_path(guidance):
    data = final_record(guidance)
    data["when"]["consent"] = "given"  # consent_not_sought_reason no longer applies
    data["decision"]["recorded"] = "do-not-share"  # nothing is shared: no [sharing] or [transparency]
    data["context"]["subject_is_child"] = False
    data["context"]["child_capacity"] = "yes"
    form = DecisionForm(guidance, data, ruleset_id="gdpr-2018")
    built = form.build("Test Practitioner <test.practitioner@example.invalid>")
    assert "consent_not_sought_reason" not in built["when"]
    assert "sharing" not in built and "transparency" not in built
    assert "child_capacity" not in built["context"]
    assert built["decided"]["by"] == "Test Practitioner <test.practitioner@example.invalid>"
    assert form.data["decision"]["recorded"] == "do-not-share" and "sharing" in form.data  # the answers stay

    answer(form, legitimate_purpose="no")
    assert set(form.build()["when"]) == {"legitimate_purpose"}


def test_a_complete_record_misses_nothing(guidance, form):
    complete = DecisionForm(guidance, final_record(guidance), ruleset_id="gdpr-2018")
    assert complete.missing("Test <t@example.invalid>") == []
    missing = form.missing("Test <t@example.invalid>")
    assert "when.legitimate_purpose" in missing and "decision.recorded" in missing
    assert [step_of(item) for item in missing] == ["subject", "when:legitimate_purpose", "decision", "decision",
                                                   "retention"]


def test_step_of_names_the_step_that_asks():
    assert step_of("subject.name") == "subject"
    assert step_of("when.consent") == "when:consent"
    assert step_of("when.consent_not_sought_reason") == "when:consent"
    assert step_of("sharing.method (one of ...)") == "how:securely"
    assert step_of("retention.review_on or retention.retain_until") == "retention"
    assert step_of("something else") == "review"


def test_the_consent_step_asks_why_not_sought_only_when_not_sought(form):
    fields = {f.key: f for f in form.spec("when:consent").fields}
    reason = fields["when.consent_not_sought_reason"]
    assert not reason.shown(form.data)
    answer(form, consent="not-sought")
    assert reason.shown(form.data)
    assert "checklists.child-capacity" in fields  # a child: the capacity checklist is asked too


def test_every_step_has_a_title_and_its_fields_name_record_keys(guidance, form):
    form = DecisionForm(guidance, final_record(guidance), ruleset_id="gdpr-2018")
    for step in form.steps():
        spec = form.spec(step)
        assert spec.title
        for f in spec.fields:
            assert f.kind == "agency" or "." in f.key


def test_typed_text():
    when = Field("request.received", "Received on (YYYY-MM-DD)", "date")
    assert parse_typed(when, "2026-11-02") == date(2026, 11, 2)
    assert parse_typed(when, "  ") is None
    half = parse_typed(when, "2")
    assert isinstance(half, Invalid) and "YYYY-MM-DD" in half.message
    text = Field("subject.name", "Name")
    assert parse_typed(text, " Test Child ") == " Test Child "
    assert parse_typed(text, "   ") is None


def test_typing_a_recipient_forgets_the_register_entry(form):
    agency, changed = form.choose_agency("llr/leicester-city-council")
    assert changed and get(form.data, "recipient.agency") == agency.name
    assert get(form.data, "recipient.agency_id") == "leicester-city-council"
    assert get(form.data, "context.recipient_statutory") is agency.statutory
    assert form.choose_agency("llr/leicester-city-council")[1] is False
    f = Field("recipient.agency", "Recipient agency")
    form.set(f.key, form.parse(f, "Test Other Agency"))
    assert get(form.data, "recipient.agency_id") is None


def test_bases_chosen_in_a_filtered_list_keep_those_not_shown():
    assert chosen_bases(["a", "b"], visible={"b", "c"}, selected=["c"]) == ["a", "c"]
    assert chosen_bases([], visible={"a"}, selected=["a"]) == ["a"]


def test_dotted_keys():
    data: dict = {}
    put(data, "request.received", date(2026, 11, 2))
    put(data, "request.agency", "")
    assert data == {"request": {"received": date(2026, 11, 2)}}
    put(data, "when.lawful_basis", [], keep_empty=True)
    assert get(data, "when.lawful_basis") == [] and get(data, "when.missing.deeper") is None
    put(data, "request.received", None)
    assert prune(data) == {"when": {"lawful_basis": []}}


# -- the engine's questions (issue 12), asked only where they apply ------------------------------------------


def shown(form: DecisionForm, step: str) -> list[str]:
    return [f.key for f in form.spec(step).fields if f.shown(form.data)]


def test_the_subject_is_one_of_four_and_capacity_follows(form):
    assert "context.subject_is_child" not in shown(form, "subject")
    assert "context.over_16" in shown(form, "subject") and "context.capacity" not in shown(form, "subject")
    form.set("context.subject", "adult-at-risk")
    assert "context.capacity" in shown(form, "subject") and "context.over_16" not in shown(form, "subject")
    form.set("context.capacity", "no")
    built = form.build()
    assert built["context"]["subject"] == "adult-at-risk" and "subject_is_child" not in built["context"]


def test_a_draft_written_before_subject_reads_as_its_subject_is_child(guidance):
    data = final_record(guidance)
    data["context"]["subject_is_child"] = False
    form = DecisionForm(guidance, data, ruleset_id="gdpr-2018")
    assert get(form.data, "context.subject") == "adult" and get(form.data, "context.subject_is_child") is None


def test_consent_given_asks_who_how_when_and_whether_informed(form, guidance):
    assert not {"when.consent_by", "when.consent_informed", "consent.on"} & set(shown(form, "when:consent"))
    answer(form, legitimate_purpose="yes", consent="given")
    keys = shown(form, "when:consent")
    assert {"when.consent_by", "when.consent_informed", "when.consent_how", "consent.on"} <= set(keys)
    assert get(form.data, "consent.on") == date.today()  # dated today unless changed
    assert "Informed consent" in form.spec("when:consent").guidance  # the checklist beside it
    assert "consent.child_view" not in keys
    form.set("when.consent_by", "parent")
    form.set("context.child_capacity", "yes")
    assert "consent.child_view" in shown(form, "when:consent")
    answer(form, consent="refused")  # no longer given: who and how are not saved
    built = form.build()
    assert "consent_by" not in built["when"] and "on" not in built.get("consent", {})


def test_the_childs_own_view_is_asked_exactly_when_the_records_law_asks_it(form, guidance):
    """One rule: the form shows consent.child_view where record.law.missing_by_law would miss it."""
    from isp_tui.record.law import missing_by_law
    from isp_tui.tui.forms.law import Answers

    answer(form, legitimate_purpose="yes", consent="given")
    for by in ("subject", "parent", "other"):
        for capacity in ("yes", "no", "unsure", None):
            form.set("when.consent_by", by)
            form.set("context.child_capacity", capacity, keep_empty=True)
            asked = "consent.child_view" in missing_by_law(Answers(form.data), guidance)
            assert ("consent.child_view" in shown(form, "when:consent")) == asked, (by, capacity)
            assert asked == (by == "parent" and capacity == "yes")


def test_why_it_is_shared_without_consent_is_asked_exactly_when_the_record_needs_it(form, guidance):
    """One rule: the form asks consent.explanation where a final record would miss it (record.law)."""
    from isp_tui.record import Record

    answer(form, legitimate_purpose="yes")
    for consent in ("given", "refused", "withdrawn", "not-sought"):
        for recorded in ("share", "share-part", "do-not-share"):
            answer(form, consent=consent)
            form.set("decision.recorded", recorded)
            data = final_record(guidance, when={**final_record(guidance)["when"], "consent": consent},
                                decision={"recorded": recorded, "reasons": "Fictional (test)."})
            data.pop("consent", None)
            needed = "consent.explanation" in Record.from_dict(data, guidance=guidance, new=True).missing_for_final(
                guidance)
            assert ("consent.explanation" in shown(form, "decision")) == needed, (consent, recorded)
            assert needed == (consent != "given" and recorded != "do-not-share")


def test_the_reasons_consent_was_not_sought_come_from_the_checklist(form, guidance):
    reason = next(f for f in form.spec("when:consent").fields if f.key == "when.consent_not_sought_reason")
    ids = [i for i, _ in reason.options]
    assert {"cannot-consent", "not-reasonable"} <= set(ids)
    assert ids == list(guidance.consent_not_sought_reasons())


def test_confidentiality_is_asked_beside_the_lawful_basis_under_2018_and_as_a_question_under_1998(guidance, form):
    assert "when.confidential" in shown(form, "when:lawful_basis")
    old = DecisionForm(guidance, ruleset_id="dpa-1998")
    assert "when.confidential" not in shown(old, "when:lawful_basis")
    old.set("when.legitimate_purpose", "yes")
    old.set("when.identifiable", "yes")
    assert "when:confidential" in old.steps() and old.title("when:confidential") == "Confidential?"
    assert step_of("when.confidential", form.steps()) == "when:lawful_basis"
    assert step_of("when.confidential", old.steps()) == "when:confidential"


def test_unsure_at_the_lawful_basis_writes_unsure(form):
    form.set("lawful_basis.unsure", "yes")
    assert get(form.data, "when.lawful_basis") == "unsure" and form.value("lawful_basis.unsure") == "yes"
    form.set("lawful_basis.unsure", "no")
    assert get(form.data, "when.lawful_basis") is None and form.value("lawful_basis.unsure") == "no"


def test_the_data_categories_shared_set_special_category_and_criminal_offence(guidance, form):
    special = next(c.id for c in guidance.categories.values() if c.special_category)
    criminal = next(c.id for c in guidance.categories.values() if c.criminal_offence)
    form.set("sharing.data_categories", [special, criminal])
    assert get(form.data, "context.special_category") is True and get(form.data, "context.criminal_offence") is True


def test_the_facts_a_basis_turns_on_are_asked_only_when_it_is_cited(form):
    asked = ("context.sharer_public_authority", "context.law_enforcement", "context.more_detrimental")
    assert not set(asked) & set(shown(form, "when:lawful_basis"))
    for basis, key in (("ukgdpr-art6-1f", asked[0]), ("dpa2018-s35", asked[1]), ("ca2004-s16la", asked[2])):
        form.set("when.lawful_basis", [basis])
        assert key in shown(form, "when:lawful_basis"), basis


def test_the_bases_offered_are_those_in_force_on_the_day_with_their_date(guidance, form):
    offered = {b.id: force for b, force in form.citable_bases("general")}
    assert offered and all(guidance.bases[b].in_force_on(date.today()) for b in offered)
    assert "ca2004-s16h" not in offered or guidance.bases["ca2004-s16h"].fits_era("gdpr")
    assert any(force.startswith("in force from") for force in offered.values())
    repealed = [b.id for b in guidance.bases.values() if b.repealed and b.repealed <= date.today()]
    assert not set(repealed) & set(offered)


def test_the_decision_asks_why_sharing_is_necessary_and_the_public_interest(form):
    answer(form, legitimate_purpose="yes", consent="not-sought", consent_not_sought_reason="increased-risk",
           identifiable="yes", confidential="yes", lawful_basis=["ca1989-s47", "ukgdpr-art6-1e"])
    assert "decision.necessity" not in shown(form, "decision")
    form.set("decision.recorded", "share")
    keys = shown(form, "decision")
    assert "decision.necessity" in keys and "decision.public_interest" in keys
    form.set("decision.public_interest", "Fictional: the risk of harm outweighs the duty of confidence.")
    assert "decision.public_interest" in shown(form, "decision")  # stays while it is answered
    assert step_of("decision.necessity") == "decision" and step_of("when.consent_by") == "when:consent"


def test_the_secure_method_shows_the_requirements_of_the_rulesets_era(guidance):
    for ruleset_id in ("gdpr-2018", "dpa-1998"):
        form = DecisionForm(guidance, ruleset_id=ruleset_id)
        method_field = next(f for f in form.how_fields("securely") if f.key == "sharing.method")
        for method_id, _ in method_field.options:
            form.set("sharing.method", method_id)
            hint = method_field.dynamic_hint(form.data)
            assert hint.count("\n- ") == len(guidance.methods[method_id].requirements_for(form.ruleset.era))


# -- the practitioner's flow (issue 15) ----------------------------------------------------------------------


def test_progress_is_six_named_stages_whatever_the_answers(form, guidance):
    from isp_tui.tui.forms.progress import STAGES

    before = {step: form.position(step) for step in form.steps()}
    assert before["subject"] == "Stage 1 of 6, About: "
    full = DecisionForm(guidance, final_record(guidance), ruleset_id="gdpr-2018")
    assert full.position("subject") == before["subject"]  # more steps, the same stages
    assert full.position("retention").startswith(f"Stage 5 of {len(STAGES)}")
    assert [full.position(s) for s in full.steps()] == sorted(full.position(s) for s in full.steps())


def test_the_missing_list_is_in_words(form):
    from isp_tui.tui.forms.progress import in_words

    words = [w for w, _ in in_words(form, form.missing("Test <t@example.invalid>"))]
    assert "Your reasons" in words and "Review on or Retain until" in words
    assert not [w for w in words if re.search(r"\b[a-z_]+\.[a-z_]+\b", w)], words


def test_a_resumed_draft_opens_where_something_is_still_needed(guidance):
    from isp_tui.tui.forms.progress import resume_step

    data = final_record(guidance)
    data["decision"].pop("reasons")
    form = DecisionForm(guidance, data, ruleset_id="gdpr-2018")
    assert resume_step(form, form.missing("Test <t@example.invalid>")) == "decision"
    complete = DecisionForm(guidance, final_record(guidance), ruleset_id="gdpr-2018")
    assert resume_step(complete, []) == "review"


def test_what_is_known_is_filled_in(form):
    form.set("request.requester", "Test Requester")
    assert get(form.data, "request.received") == date.today()
    form.set("request.agency", "Test Police Force")
    assert get(form.data, "recipient.agency") == "Test Police Force"  # the recipient is the requester
    form.set("recipient.agency", "Test Other Agency")
    form.set("request.agency", "Test Police Force (renamed)")
    assert get(form.data, "recipient.agency") == "Test Other Agency"  # once set, it stays
    answer(form, legitimate_purpose="yes", consent="given")
    assert get(form.data, "checklists.sixteen-questions")["q01"] == "yes"  # Q1 follows the consent answer
    answer(form, consent="refused")
    assert get(form.data, "checklists.sixteen-questions")["q01"] == "no"
    form.set("decision.recorded", "share")
    assert get(form.data, "sharing.shared_on") == date.today()


def test_typing_into_the_register_filter_sets_the_recipient(form):
    assert form.type_agency("Test Agency Not In The Register")
    assert get(form.data, "recipient.agency") == "Test Agency Not In The Register"
    assert get(form.data, "recipient.agency_id") is None
    form.choose_agency("llr/leicester-city-council")
    assert get(form.data, "recipient.agency_id") == "leicester-city-council"


def test_the_secure_method_offers_transfers_only(guidance, form):
    method = next(f for f in form.how_fields("securely") if f.key == "sharing.method")
    assert method.options and all(guidance.methods[m].stage == "transfer" for m, _ in method.options)
    others = [m.title for m in guidance.methods.values() if m.stage != "transfer"]
    assert others and not set(others) & {label for _, label in method.options}


def test_the_review_is_in_words(guidance):
    from isp_tui.tui.forms.review import review_lines

    data = final_record(guidance)
    form = DecisionForm(guidance, data, ruleset_id="gdpr-2018")
    lines = review_lines(form, form.build("Test <t@example.invalid>"))
    text = "\n".join(f"{label}: {value}" for label, value in lines)
    category = guidance.categories[data["sharing"]["data_categories"][0]].title
    assert category in text and guidance.methods[data["sharing"]["method"]].title in text
    assert "Shared on: 2026-11-03" in text and "(YYYY-MM-DD)" not in text
    assert not re.search(r"\[\'|datetime|\b[a-z_]{3,}\.[a-z_]{3,}\b|= ", text.replace("example.invalid", "")), text
    assert sum(guidance.bases[b].title in text for b in data["when"]["lawful_basis"]) == len(data["when"]["lawful_basis"])
    assert text.count(guidance.bases[data["when"]["lawful_basis"][0]].title) == 1  # said once


def test_the_public_interest_warning_goes_once_the_reasoning_is_recorded(guidance):
    """The engine reads answers, so it warns "Record the public-interest reasoning" whatever the record holds;
    once decision.public_interest is written the warning is met, and the side panel and the review drop it
    (engine.findings.still_to_do, the one rule). The record's stored [outcome] keeps the engine's own words."""
    from isp_tui.engine.findings import still_to_do
    from isp_tui.tui.forms.form import DecisionForm

    when = {"legitimate_purpose": "yes", "consent": "not-sought", "identifiable": "yes", "confidential": "yes",
            "consent_not_sought_reason": guidance.consent_not_sought_reasons()[0],
            "lawful_basis": ["ca1989-s47", "ukgdpr-art6-1e", "common-law-public-interest"]}
    form = DecisionForm(guidance, {"when": when, "context": {"subject": "child", "special_category": False}},
                        ruleset_id="gdpr-2018",
                        today=date(2026, 11, 21))
    codes = lambda found: [w.code for w in found]  # noqa: E731
    assert "record-public-interest" in codes(form.decision.warnings) and "record-public-interest" in codes(form.warnings)
    form.data.setdefault("decision", {})["public_interest"] = "   "  # spaces are not reasoning
    assert "record-public-interest" in codes(form.warnings)
    form.data["decision"]["public_interest"] = "Fictional test: the risk to the test child outweighs confidence."
    assert "record-public-interest" not in codes(form.warnings)
    assert "record-public-interest" in codes(form.decision.warnings)  # the engine's answer itself is unchanged
    assert still_to_do(form.decision.warnings, {}) == list(form.decision.warnings)
