"""What the law asks a record to say (issue 12), and records written before it still read."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from factory import final_record  # noqa: E402

from isp_tui.record import law as record_law  # noqa: E402
from isp_tui.errors import InputError  # noqa: E402
from isp_tui.record import Record  # noqa: E402


def test_health_data_shared_while_saying_no_special_category_is_refused_naming_both_fields(guidance):
    """UK GDPR Art 9(1) (health is special category data); templates/data_categories.toml decides the checks."""
    data = final_record(guidance, context={"special_category": False},
                        sharing={"data_categories": ["health-information"]})
    with pytest.raises(InputError) as caught:
        Record.from_dict(data, guidance=guidance, new=True)
    assert caught.value.field == "context.special_category"
    assert "sharing.data_categories" in str(caught.value)


def test_convictions_shared_while_saying_no_criminal_offence_data_is_refused(guidance):
    """UK GDPR Art 10; DPA 2018 s11(2): previous convictions are criminal offence data."""
    data = final_record(guidance, context={"criminal_offence": False},
                        sharing={"data_categories": ["previous-convictions"]})
    with pytest.raises(InputError) as caught:
        Record.from_dict(data, guidance=guidance, new=True)
    assert caught.value.field == "context.criminal_offence"


def test_an_override_needs_its_reason_even_after_advice(guidance):
    """Advice having been sought does not excuse departing from the engine's outcome (issue 12)."""
    data = final_record(guidance, when={"lawful_basis": []}, advice={"sought": True, "from": "Test DSL"})
    record = Record.from_dict(data, guidance=guidance, new=True)
    assert record.decide(guidance).outcome == "do-not-share"
    assert "decision.override_reason" in record.missing_for_final(guidance)


def test_public_interest_reasoning_is_required_for_confidential_information_without_consent(guidance):
    """000 13.3.4: the reasons for sharing confidential information without consent are recorded."""
    data = final_record(guidance, when={"confidential": "yes", "lawful_basis": [
        "ca1989-s47", "ukgdpr-art6-1e", "ukgdpr-art9-2g", "dpa2018-sch1-pt2-para18", "common-law-public-interest"]})
    record = Record.from_dict(data, guidance=guidance, new=True)
    assert "decision.public_interest" in record.missing_for_final(guidance)
    data["decision"]["public_interest"] = "Protecting the test child from significant harm (test)."
    assert "decision.public_interest" not in Record.from_dict(data, guidance=guidance, new=True).missing_for_final(guidance)


def test_a_competent_childs_view_beside_a_parents_consent(guidance):
    """004 Obtaining consent: "The child's view should be sought as far as possible"; 003 Appendix A."""
    data = final_record(guidance, when={"consent": "given", "consent_by": "parent", "consent_not_sought_reason": ""},
                        context={"child_capacity": "yes"})
    data["when"].pop("consent_not_sought_reason")
    record = Record.from_dict(data, guidance=guidance, new=True)
    assert "consent.child_view" in record.missing_for_final(guidance)


def test_necessity_and_consent_details_of_a_record_decided_now(guidance):
    """ICO Annex B item 10 (why sharing is necessary); 003 App A and 004 (who consented, informed)."""
    data = final_record(guidance, when={"consent": "given"}, context={"child_capacity": "yes"})
    for key in ("consent_not_sought_reason", "consent_by", "consent_informed"):
        data["when"].pop(key)
    data["decision"].pop("necessity")
    missing = Record.from_dict(data, guidance=guidance, new=True).missing_for_final(guidance)
    assert {"decision.necessity", "when.consent_by", "when.consent_informed"} <= set(missing)


def test_consent_details_are_asked_only_where_consent_is_relied_on(guidance):
    """Without consent (not sought here, 003 s5) nobody consented: who and whether informed are not asked."""
    data = final_record(guidance)
    assert data["when"]["consent"] == "not-sought"
    missing = Record.from_dict(data, guidance=guidance, new=True).missing_for_final(guidance)
    assert not {"when.consent_by", "when.consent_informed"} & set(missing)


def test_a_record_decided_under_schema_1_is_not_asked_what_its_form_never_asked(guidance):
    """Records decided before the form asked the law's fields keep the rules they were decided under."""
    data = final_record(guidance, when={"consent": "given"})
    for key in ("consent_not_sought_reason", "consent_by", "consent_informed"):
        data["when"].pop(key)
    data["decision"].pop("necessity")
    data["decided"]["schema"] = 1
    missing = Record.from_dict(data, guidance=guidance, new=True).missing_for_final(guidance)
    assert not {"decision.necessity", "when.consent_by", "when.consent_informed"} & set(missing)
    data["decided"]["schema"] = record_law.LAW_FIELDS_SCHEMA
    missing = Record.from_dict(data, guidance=guidance, new=True).missing_for_final(guidance)
    assert {"decision.necessity", "when.consent_by", "when.consent_informed"} <= set(missing)


def test_the_message_names_each_law_field_by_its_label_and_says_what_is_expected():
    words = record_law.in_words(["decision.necessity", "when.consent_by", "when.consent_informed", "decision.reasons"])
    assert words[0].startswith("\u201cWhy sharing is necessary\u201d (decision.necessity: ") and "Annex B" in words[0]
    assert words[1].startswith("\u201cWho gave consent?\u201d (when.consent_by: ") and "parent" in words[1]
    assert words[2].startswith("\u201cWas the consent informed?\u201d (when.consent_informed: true or false")
    assert words[3] == "decision.reasons"


def test_a_record_is_decided_as_at_its_day_under_the_ruleset_it_pins(guidance):
    """A 2016 record under the 1998 wording is reviewed as it was; the pinned 1.0.0 flowchart is kept."""
    old = next(r for r in guidance.archived.values() if r.id == "dpa-1998" and r.version == "1.0.0")
    data = final_record(guidance, ruleset=old.pin(), when={"lawful_basis": ["ca1989-s47", "dpa1998-sch2-5"]},
                        context={"special_category": False})
    data["decided"]["at"] = __import__("datetime").datetime(2016, 6, 1, tzinfo=__import__("datetime").timezone.utc)
    record = Record.from_dict(data, guidance=guidance, new=True)
    decision = record.decide(guidance)
    assert decision.ruleset == old.pin()
    assert decision.path == ("legitimate_purpose", "consent", "identifiable", "lawful_basis")  # 1.0.0 order
    assert decision.outcome == "share"
    assert "regime-dpa1998" in {r.code for r in decision.reasons}


def test_subject_is_child_from_older_records_still_reads(guidance):
    data = final_record(guidance)
    assert data["context"]["subject_is_child"] is True
    record = Record.from_dict(data, guidance=guidance, new=True)
    assert record.answers(guidance).subject_kind == "child"
