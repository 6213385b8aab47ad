"""Issue 15 item 6: each of the 16 questions takes the kind of answer it asks for (templates/checklists.toml), the
record holds that kind and no other, and those answered elsewhere in the decision are filled in; item 5: the
role and organisation a new decision starts with (one rule, identity.remembered_practice)."""

from __future__ import annotations

from datetime import date

import pytest

from isp_tui.config import Config
from isp_tui.errors import InputError
from isp_tui.identity import Practice, remembered_practice
from isp_tui.record import Record
from isp_tui.record.schema import check_checklists
from isp_tui.tui.forms import DecisionForm, get
from isp_tui.tui.forms.steps import checklist_fields

from factory import final_record

SIXTEEN = "sixteen-questions"


def test_open_questions_take_text_and_the_rest_their_choices(guidance):
    items = {i.id: i for i in guidance.checklists[SIXTEEN].items}
    assert {i for i, item in items.items() if item.kind == "text"} == {"q06", "q09", "q13"}  # whose? how much? what?
    assert [ident for ident, _ in items["q05"].options] == ["subject", "parent", "other", "not-applicable"]
    assert [ident for ident, _ in items["q01"].options] == ["yes", "no", "not-applicable"]
    kinds = {f.key.rsplit(".", 1)[1]: f.kind for f in checklist_fields(guidance.checklists[SIXTEEN])}
    assert kinds["q06"] == "text" and kinds["q05"] == "choice" and len(kinds) == 16


def test_the_record_takes_each_kind_of_answer_and_refuses_another(guidance):
    assert check_checklists({SIXTEEN: {"q05": "parent", "q06": "The child's (test).", "q01": "yes"}}, guidance, None)
    assert check_checklists({SIXTEEN: {"q06": "yes", "q05": "yes"}}, guidance, None)  # written before the kinds
    with pytest.raises(InputError, match="is not one of: subject, parent, other, not-applicable"):
        check_checklists({SIXTEEN: {"q05": "maybe"}}, guidance, None)
    with pytest.raises(InputError, match="is not a text"):
        check_checklists({SIXTEEN: {"q06": date(2026, 12, 1)}}, guidance, None)
    with pytest.raises(InputError, match="is not one of: yes, no, not-applicable"):
        check_checklists({SIXTEEN: {"q01": "The child's"}}, guidance, None)
    with pytest.raises(InputError, match="maybe") as refused:  # an id is named; free text is not echoed
        check_checklists({SIXTEEN: {"q01": "maybe"}}, guidance, None)
    with pytest.raises(InputError) as refused:
        check_checklists({SIXTEEN: {"q05": "Test Child Alpha's mother"}}, guidance, None)
    assert "Test Child Alpha" not in str(refused.value) and "a text is not one of: subject, parent" in str(refused.value)
    with pytest.raises(InputError, match="a date is not a text"):
        check_checklists({SIXTEEN: {"q06": date(2026, 12, 1)}}, guidance, None)


def test_answers_given_elsewhere_fill_in_the_16_questions(guidance):
    form = DecisionForm(guidance, ruleset_id="gdpr-2018")
    form.set("when.consent", "not-sought")
    form.set("when.consent_not_sought_reason", "increased-risk")
    form.set("sharing.data_categories", ["health-information"])
    form.set("sharing.information", "Attendance record (test).")
    form.set("sharing.purpose", "Section 47 enquiry (test)")
    form.set("sharing.method", "secure-email")
    form.set("sharing.fact_and_opinion", True)
    form.set("transparency.told", False)
    answers = get(form.data, f"checklists.{SIXTEEN}")
    assert answers == {"q01": "no", "q16": "not-applicable", "q07": "yes", "q02": "yes",
                       "q09": "Attendance record (test).", "q13": "Section 47 enquiry (test)", "q11": "yes",
                       "q15": "yes", "q14": "not-applicable"}  # not told: it would place the child at risk
    form.set("when.consent", "given")
    form.set("when.consent_by", "parent")
    answers = get(form.data, f"checklists.{SIXTEEN}")
    assert answers["q05"] == "parent" and answers["q01"] == "yes" and "q07" not in answers
    assert "checklists" in form.build("Test Practitioner <t@example.invalid>")


def test_q01_says_consent_is_had_only_when_the_engine_says_it_is_valid(guidance):
    """"Do I already have informed consent?" is the engine's own rule (engine.consent_valid): a child without the
    capacity to consent giving it themselves is not valid consent (003 App A), whatever the form was told."""
    from isp_tui.engine import consent_valid, read_answers

    form = DecisionForm(guidance, ruleset_id="gdpr-2018")
    form.set("context.child_capacity", "no")
    assert "q01" not in (get(form.data, f"checklists.{SIXTEEN}") or {})  # not asked about consent yet
    form.set("when.consent", "given")
    form.set("when.consent_by", "subject")
    form.set("when.consent_informed", True)
    assert not consent_valid(read_answers(form.data["when"], form.data["context"], guidance))
    assert get(form.data, f"checklists.{SIXTEEN}.q01") == "no"
    form.set("context.child_capacity", "yes")  # the child can consent: now it is valid
    assert get(form.data, f"checklists.{SIXTEEN}.q01") == "yes"
    form.set("when.consent_by", "other")
    assert get(form.data, f"checklists.{SIXTEEN}.q01") == "no"


def test_no_answer_leaves_no_empty_table(guidance):
    form = DecisionForm(guidance, ruleset_id="gdpr-2018")
    form.set(f"checklists.{SIXTEEN}.q03", "yes")
    form.set(f"checklists.{SIXTEEN}.q03", None)
    assert "checklists" not in form.build("Test Practitioner <t@example.invalid>")


def test_role_and_organisation_come_from_the_last_decision_else_the_config(guidance):
    config = Config(role="Test role from config", organisation="Test Borough")
    assert remembered_practice(config, None) == Practice("Test role from config", "Test Borough")
    last = Record.from_dict(final_record(guidance, decided={"role": "Test team manager", "organisation":
                                                             "Test Trust"}), guidance=guidance, new=True)
    assert remembered_practice(config, last) == Practice("Test team manager", "Test Trust")
    bare = final_record(guidance)
    bare["decided"].pop("role", None)
    bare["decided"].pop("organisation", None)
    assert remembered_practice(config, Record.from_dict(bare, guidance=guidance, new=True)) == Practice(
        "Test role from config", "Test Borough")
    assert remembered_practice(None, None) == Practice()
