"""Who consented, how and when, and the kind of subject (003 App A, s7, s8; 004; 001 3.2)."""

from __future__ import annotations

import pytest

from law_cases import BEFORE_2018, case, codes

GIVEN = dict(consent="given", identifiable="yes")


def test_a_child_without_capacity_cannot_consent(guidance):
    """003 Appendix A: ask one person with parental responsibility."""
    d = case(guidance, **GIVEN, subject="child", child_capacity="no", consent_by="subject",
             lawful_basis=())
    assert d.outcome == "do-not-share" and "child-cannot-consent" in codes(d)
    d = case(guidance, **GIVEN, subject="child", child_capacity="no", consent_by="parent")
    assert d.outcome == "share"


def test_who_consented_is_asked_when_the_child_may_lack_capacity(guidance):
    """003 Appendix A ("whose consent should be sought"); 004 Obtaining consent: a child who may lack capacity."""
    d = case(guidance, **GIVEN, subject="child", child_capacity="unsure")
    assert d.outcome == "incomplete" and d.missing == ("when.consent_by",)


def test_over_16_capacity_is_presumed(guidance):
    """003 Appendix A; Mental Capacity Act 2005."""
    assert case(guidance, **GIVEN, subject="child", over_16=True, consent_by="subject").outcome == "share"
    assert case(guidance, **GIVEN, subject="child", consent_by="subject").missing == ("context.child_capacity",)


def test_a_competent_childs_view_is_recorded_beside_a_parents(guidance):
    """004 Obtaining consent: "The child's view should be sought as far as possible"."""
    d = case(guidance, **GIVEN, subject="child", child_capacity="yes", consent_by="parent")
    assert d.outcome == "share" and "competent-child-view" in codes(d)


def test_uninformed_consent_is_not_consent(guidance):
    """004 Obtaining consent: why, who, how much, implications."""
    d = case(guidance, **GIVEN, subject="adult", consent_informed=False, lawful_basis=())
    assert d.outcome == "do-not-share" and "consent-not-informed" in codes(d)


def test_an_adult_at_risk_without_capacity(guidance):
    """003 s7; Care Act 2014 s42; Mental Capacity Act 2005."""
    d = case(guidance, **GIVEN, subject="adult-at-risk", capacity="no", consent_by="subject",
             lawful_basis=("care-act-2014-s42", "ukgdpr-art6-1e"))
    assert d.outcome == "share" and "adult-cannot-consent" in codes(d)


@pytest.mark.parametrize("ruleset,day", [("gdpr-2018", None), ("dpa-1998", BEFORE_2018)])
def test_a_person_who_has_died(guidance, ruleset, day):
    """003 s8: data protection law no longer applies; confidentiality and advice do."""
    kwargs = {"day": day} if day else {}
    d = case(guidance, ruleset, subject="deceased", consent="not-sought", confidential="yes", lawful_basis=(),
             **kwargs)
    assert d.outcome == "seek-advice" and "deceased-data-protection" in codes(d)
    d = case(guidance, ruleset, subject="deceased", consent="not-sought", confidential="yes",
             lawful_basis=("court-order",), **kwargs)
    assert d.outcome == "share" and "missing-art6" not in codes(d)


def test_early_help_closed_without_consent_points_to_the_other_route(guidance):
    """001 3.2; 003 Appendix B: Early Help with consent, signed."""
    d = case(guidance, early_help=True, lawful_basis=("ca1989-s17", "ukgdpr-art6-1e"))
    assert d.outcome == "do-not-share"
    assert "child protection" in next(r.text for r in d.reasons if r.code == "early-help-needs-consent")
