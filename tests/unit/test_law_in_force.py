"""The law in force on the day of the decision, not the ruleset's era (issue 12)."""

from __future__ import annotations

from datetime import date

import pytest

from law_cases import BEFORE_2018, TODAY, case, codes


def test_every_basis_says_when_it_was_law_and_where_that_comes_from(guidance):
    """Issue 12 "The law in force on the day": every dated basis names its legislation.gov.uk source."""
    for basis in guidance.bases.values():
        if basis.in_force or basis.in_force_source:
            assert basis.in_force_source, basis.id
        assert basis.source, basis.id


@pytest.mark.parametrize("basis", ["sen-regulations-2001", "poca1999", "lga2000-pt1", "ca2004-s14b"])
def test_repealed_law_cannot_be_cited_today(guidance, basis):
    """SEN Regulations 2001 (legislation.gov.uk/uksi/2001/3455, revoked in England from 1 September 2014); POCA 1999
    (legislation.gov.uk/ukpga/1999/14, superseded from 12 October 2009); LGA 2000 Pt 1 in England (Localism Act 2011
    Sch 1, from 4 April 2012); CA 2004 s14B (LSCBs ended 29 September 2019): templates/legal_bases.toml."""
    d = case(guidance, lawful_basis=(basis, "ukgdpr-art6-1e"))
    assert "basis-not-in-force" in codes(d)
    assert not any(basis in str(f.text) for f in d.reasons if f.code.startswith("met-"))


def test_s16h_was_not_law_under_dpa_1998(guidance):
    """CA 2004 s16H (inserted by the Children and Social Work Act 2017) came into force on 29 June 2018."""
    d = case(guidance, "dpa-1998", BEFORE_2018, lawful_basis=("ca2004-s16h", "dpa1998-sch2-5"))
    assert "basis-not-in-force" in codes(d)


def test_a_2016_record_under_the_1998_wording_is_reviewed_as_it_was(guidance):
    """DPA 1998 Sch 2 was law from 1 March 2000 to 25 May 2018 (legislation.gov.uk/ukpga/1998/29; DPA 2018 s211,
    Sch 19 para 44); CA 1989 s47 from 14 October 1991: a 2016 decision is reviewed under the law of 2016."""
    d = case(guidance, "dpa-1998", BEFORE_2018, lawful_basis=("ca1989-s47", "dpa1998-sch2-5"))
    assert d.outcome == "share" and "regime-dpa1998" in codes(d)


@pytest.mark.parametrize("ruleset", ["dpa-1998", "dpa-1998-2008"])
def test_a_new_decision_cannot_cite_the_repealed_act_whatever_wording_it_is_shown(guidance, ruleset):
    """DPA 1998 repealed 25 May 2018 (DPA 2018 s211, Sch 19 para 44): today an Art 6(1) condition is needed
    (UK GDPR Art 6(1); 000 Annex A 6.2), whichever ruleset's words are shown."""
    d = case(guidance, ruleset, TODAY, lawful_basis=("ca1989-s47", "dpa1998-sch2-5"))
    assert d.outcome == "incomplete"
    assert "basis-not-in-force" in codes(d) and "missing-art6" in codes(d)


def test_recognised_legitimate_interest_from_5_february_2026_not_for_public_authorities(guidance):
    """Data (Use and Access) Act 2025 s70 (SI 2026/82 reg 2(c)); UK GDPR Art 6(1)(ea), Annex 1 para 6."""
    basis = guidance.bases["ukgdpr-art6-1ea"]
    assert basis.in_force == date(2026, 2, 5) and "2025/18/section/70" in basis.in_force_source
    before = case(guidance, day=date(2026, 1, 1), lawful_basis=("ukgdpr-art6-1ea",), sharer_public_authority=False)
    assert before.outcome == "do-not-share" and "basis-not-in-force" in codes(before)
    assert case(guidance, lawful_basis=("ukgdpr-art6-1ea",), sharer_public_authority=False).outcome == "share"
    assert case(guidance, lawful_basis=("ukgdpr-art6-1ea",), sharer_public_authority=True).outcome == "do-not-share"


def test_the_duty_to_share_in_s16la_is_not_yet_in_force(guidance):
    """Children's Wellbeing and Schools Act 2026 s4, s78(5): commenced by regulations, none found."""
    basis = guidance.bases["ca2004-s16la"]
    assert basis.in_force is None and "not yet in force" in basis.in_force_source
    assert "more detrimental" in basis.exception
    d = case(guidance, lawful_basis=("ca2004-s16la", "ukgdpr-art6-1c"))
    assert "basis-not-in-force" in codes(d) and "not yet in force" in next(
        w.text for w in d.warnings if w.code == "basis-not-in-force")


def test_the_catalogue_has_what_the_issue_lists(guidance):
    """DPA 2018 Sch 2 Pt 1 paras 2 and 5, s35 (Part 3), UK GDPR Art 10 with Sch 1 Pt 3, EA 2002 s155 (000 Annex A
    10.1), Care Act 2014 ss42 and 45 (003 s7), UK GDPR Art 6(1)(ea), CA 2004 s16LA."""
    for basis in ("dpa2018-sch2-pt1-para2", "dpa2018-sch2-pt1-para5", "dpa2018-s35", "ukgdpr-art10", "ea2002-s155",
                  "care-act-2014-s42", "care-act-2014-s45", "ukgdpr-art6-1ea", "ca2004-s16la"):
        assert basis in guidance.bases


def test_1998_era_text_does_not_reach_2018_users(guidance):
    """q11's guidance quotes the DPA 1998; GCSx, GSi, N3 and GPMS are networks and schemes of that era."""
    q11 = guidance.checklists["sixteen-questions"].item("q11")
    assert guidance.checklists["sixteen-questions"].guidance_for(q11, "gdpr") == ""
    assert "1998" in guidance.checklists["sixteen-questions"].guidance_for(q11, "dpa1998")
    for method in guidance.methods.values():
        for text in method.requirements_for("gdpr"):
            assert not any(word in text for word in ("GCSx", "GCSX", "GSi", "GSI", "N3", "GPMS")), method.id
    assert any("GCSx" in t for m in guidance.methods.values() for t in m.requirements_for("dpa1998"))


def test_unsure_text_quotes_the_rulesets_own_rule_3(guidance):
    """Golden rule 3 in each ruleset's own words: 002 (2018, "information governance lead") and 001 s4 (2015)."""
    d = case(guidance, "dpa-1998", BEFORE_2018, legitimate_purpose="unsure")
    assert "information governance lead" not in d.reasons[-1].text  # 2018 wording only
    d = case(guidance, "gdpr-2018", legitimate_purpose="unsure")
    assert "information governance lead" in d.reasons[-1].text


@pytest.mark.parametrize("basis,in_force,repealed,page", [
    # SI 2002/2439 art 3: s155 (so far as it relates to the Sch 14 paragraphs listed) from 1 October 2002, not Wales
    ("ea2002-s155", date(2002, 10, 1), None, "legislation.gov.uk/uksi/2002/2439/article/3"),
    # SI 1999/3190 (Commencement No. 1) art 2 and Schedule: s20 from 1 January 2000
    ("iaa1999-s20", date(2000, 1, 1), None, "legislation.gov.uk/uksi/1999/3190"),
    # SI 2000/2836 art 2(a) (England); Localism Act 2011 s1(7) and Sch 1 in force 4 April 2012 (SI 2012/1008 art 2)
    ("lga2000-pt1", date(2000, 10, 18), date(2012, 4, 4), "legislation.gov.uk/uksi/2012/1008/article/2"),
])
def test_commencement_and_repeal_dates_checked_on_legislation_gov_uk(guidance, basis, in_force, repealed, page):
    b = guidance.bases[basis]
    assert (b.in_force, b.repealed) == (in_force, repealed)
    assert page in b.in_force_source


def test_the_wellbeing_power_was_law_in_early_2012_and_not_after_its_repeal(guidance):
    """LGA 2000 Pt 1 stopped applying in England when Localism Act 2011 Sch 1 came into force (4 April 2012)."""
    basis = guidance.bases["lga2000-pt1"]
    assert basis.in_force_on(date(2012, 4, 3)) and not basis.in_force_on(date(2012, 4, 4))
