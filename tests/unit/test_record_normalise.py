"""record.normalise: what a saved record holds, the one rule both faces' saves go through."""

from __future__ import annotations

import copy
from datetime import date

import pytest

from factory import final_record
from isp_tui.errors import InputError
from isp_tui.record import normalise


def consent_given(guidance) -> dict:
    """Consent given: the flowchart stops at share after two questions; the rest was answered on an earlier path."""
    data = final_record(guidance)
    data["when"] = {"legitimate_purpose": "yes", "consent": "given", "consent_not_sought_reason": "increased-risk",
                    "identifiable": "yes", "lawful_basis": ["ukgdpr-art6-1e"]}
    return data


def test_answers_off_the_flowchart_path_are_left_out(guidance):
    out = normalise(consent_given(guidance), guidance)
    assert out["when"] == {"legitimate_purpose": "yes", "consent": "given"}


def test_the_reason_consent_was_not_sought_only_when_it_was_not(guidance):
    data = final_record(guidance)
    assert normalise(data, guidance)["when"]["consent_not_sought_reason"] == "increased-risk"
    assert "consent_not_sought_reason" not in normalise(consent_given(guidance), guidance)["when"]


def test_who_consented_how_and_whether_informed_only_when_consent_was_given(guidance):
    """Source: 003 Appendix A (who can consent) and 004 "Obtaining consent": these describe a consent given. The
    app's form and `isp record` save through this one rule, so neither keeps them for a consent refused."""
    given = consent_given(guidance)
    given["when"].update(consent_by="parent", consent_how="written", consent_informed=True)
    given["consent"] = {"on": date(2026, 11, 2), "child_view": "Fictional: the child agreed (test)."}
    out = normalise(given, guidance)
    assert (out["when"]["consent_by"], out["when"]["consent_informed"]) == ("parent", True)
    assert out["consent"]["on"] == date(2026, 11, 2)
    refused = copy.deepcopy(given)
    refused["when"].update(consent="refused", identifiable="yes")
    out = normalise(refused, guidance)
    assert not {"consent_by", "consent_how", "consent_informed"} & set(out["when"])
    assert "on" not in out.get("consent", {}) and "child_view" not in out.get("consent", {})


def test_child_capacity_only_for_a_child(guidance):
    data = final_record(guidance)
    data["context"] = dict(data["context"], child_capacity="yes")
    data["checklists"] = {"child-capacity": {}}
    assert normalise(data, guidance)["context"]["child_capacity"] == "yes"
    data["context"]["subject_is_child"] = False
    out = normalise(data, guidance)
    assert "child_capacity" not in out["context"] and "child-capacity" not in out.get("checklists", {})


@pytest.mark.parametrize("recorded", ["share", "share-part"])
def test_sharing_kept_when_sharing(guidance, recorded):
    data = final_record(guidance, decision={"recorded": recorded})
    out = normalise(data, guidance)
    assert out["sharing"] == data["sharing"] and out["transparency"] == data["transparency"]


def test_sharing_left_out_when_not_sharing(guidance):
    out = normalise(final_record(guidance, decision={"recorded": "do-not-share"}), guidance)
    assert "sharing" not in out and "transparency" not in out
    assert "sharing" not in normalise(final_record(guidance, decision=None), guidance)  # not decided yet: nothing shared


def test_empty_tables_are_left_out_and_the_input_is_not_changed(guidance):
    data = final_record(guidance, request={}, when={"legitimate_purpose": "no", "consent": "given"})
    data["request"] = {}
    for key in ("consent_by", "consent_informed"):  # (the factory names who consented; this record does not)
        data["when"].pop(key)
    before = copy.deepcopy(data)
    out = normalise(data, guidance)
    assert "request" not in out and out["when"] == {"legitimate_purpose": "no"}
    assert data == before


def test_normalising_twice_changes_nothing(guidance):
    once = normalise(consent_given(guidance), guidance)
    assert normalise(once, guidance) == once


def test_answers_the_engine_cannot_read_are_refused(guidance):
    data = final_record(guidance, when={"consent": "perhaps"})
    with pytest.raises(InputError, match="when.consent"):
        normalise(data, guidance)


def test_the_ruleset_named_or_given_decides_the_path(guidance):
    data = consent_given(guidance)
    data.pop("ruleset")
    assert normalise(data, guidance)["when"] == {"legitimate_purpose": "yes", "consent": "given"}
    # the 1998 wording asks whether the person is identifiable, then whether the information is confidential,
    # before consent (003 Appendix A): the identifiable answer is on its path, and consent is not reached yet
    ruleset = guidance.ruleset("dpa-1998")
    assert normalise(data, guidance, ruleset=ruleset)["when"] == {"legitimate_purpose": "yes", "identifiable": "yes"}


def test_an_amendment_keeps_what_the_record_held_off_the_path_and_drops_what_it_moves_off(guidance):
    """A record saved before every save was normalised keeps its off-path answers through an unrelated
    amendment; an answer this amendment moves off the path is left out, as on any save."""
    from isp_tui.record.normalise import normalise_amendment

    current = final_record(guidance, when={"consent": "given"})  # consent given: lawful_basis is off the path
    assert "lawful_basis" not in normalise(current, guidance)["when"]
    proposed = copy.deepcopy(current)
    proposed["retention"] = {"review_on": date(2028, 1, 31)}
    out = normalise_amendment(proposed, current, guidance)
    assert out["when"]["lawful_basis"] == current["when"]["lawful_basis"]
    assert out["retention"] == {"review_on": date(2028, 1, 31)}
    # an amendment to "no legitimate purpose" moves the other questions off the path: they go
    proposed["when"] = dict(current["when"], legitimate_purpose="no")
    out = normalise_amendment(proposed, normalise(current, guidance), guidance)
    assert not {"consent", "identifiable", "lawful_basis"} & set(out["when"])
