"""The decision form without Textual: its steps, which comes next, what it saves, what is missing."""

from __future__ import annotations

import subprocess
import sys
from datetime import date

import pytest

from isp_tui.tui.forms import DecisionForm, Field, Invalid, get, step_of
from isp_tui.record.normalise import prune
from isp_tui.tui.forms.fields import chosen_bases, next_in_cycle, parse_typed, put

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
    assert form.data["context"]["subject_is_child"] is True
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
    assert form.position("recipient") == "Step 3 of 5. "
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


def test_checklist_answers_cycle(form):
    assert [next_in_cycle(a) for a in (None, "yes", "no", "not-applicable")] == ["yes", "no", "not-applicable", None]
    key = "checklists.sixteen-questions"
    form.set(key, form.cycled(key, "q1"))
    assert get(form.data, key) == {"q1": "yes"}
    for _ in range(3):
        form.set(key, form.cycled(key, "q1"), force=True)
    assert get(form.data, key) is None  # back to unanswered: nothing kept


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
