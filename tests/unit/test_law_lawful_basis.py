"""Both parts of the lawful basis (issue 12). Each test names the law or seed passage it applies."""

from __future__ import annotations

import pytest

from law_cases import BEFORE_2018, case, codes, finding


class TestUkGdpr:
    def test_a_power_alone_is_incomplete_and_names_article_6(self, guidance):
        """000 Annex A 6.2, 7.2; 003 s3; UK GDPR Art 6(1): a gateway is not a condition."""
        for power in ("ca1989-s47", "ca2004-s11", "ea2002-s175", "common-law-public-interest"):
            d = case(guidance, lawful_basis=(power,))
            assert d.outcome == "incomplete", power
            missing = finding(d, "missing-art6")
            assert "Article 6(1)" in missing.text and "6.2" in missing.source

    def test_article_6_with_a_power_shares_and_says_what_is_met(self, guidance):
        """UK GDPR Art 6(1)(e) with CA 1989 s47 as the power (Art 6(3)); 000 Annex A 6.2."""
        d = case(guidance, lawful_basis=("ca1989-s47", "ukgdpr-art6-1e"))
        assert d.outcome == "share"
        met = finding(d, "met-art6")
        assert "Article 6(1)(e)" in met.text and met.source

    @pytest.mark.parametrize("basis", ["ukgdpr-art6-1c", "ukgdpr-art6-1e"])
    def test_legal_obligation_or_public_task_without_a_power_warns(self, guidance, basis):
        """UK GDPR Art 6(3); DPA 2018 s8: the task or obligation must be laid down by law."""
        d = case(guidance, lawful_basis=(basis,))
        assert d.outcome == "share"
        assert "Article 6(3)" in finding(d, "power-not-cited").source or "6(3)" in finding(d, "power-not-cited").text

    @pytest.mark.parametrize("consent", ["refused", "withdrawn", "not-sought"])
    def test_consent_is_no_basis_without_consent(self, guidance, consent):
        """UK GDPR Art 6(1)(a), 9(2)(a); 004 Obtaining consent."""
        d = case(guidance, consent=consent, consent_not_sought_reason="increased-risk",
                 lawful_basis=("ukgdpr-art6-1a", "ukgdpr-art9-2a"), special_category=True)
        assert d.outcome == "do-not-share"
        assert "consent-basis-without-consent" in codes(d)

    @pytest.mark.parametrize("basis", ["ukgdpr-art6-1b", "ukgdpr-art9-2j"])
    def test_contract_and_archiving_are_not_counted(self, guidance, basis):
        """UK GDPR Art 6(1)(b), 9(2)(j): they do not fit sharing to safeguard a child."""
        d = case(guidance, lawful_basis=(basis,), special_category=basis.startswith("ukgdpr-art9"))
        assert d.outcome == "do-not-share"
        assert "basis-not-counted" in codes(d)
        why = finding(d, "basis-not-counted")  # the reason says why, in words, with its source
        assert "safeguard" in why.text and " not " in why.text, why.text
        assert why.source.strip()

    def test_legitimate_interests_need_to_know_whether_the_sharer_is_a_public_authority(self, guidance):
        """UK GDPR Art 6(1) closing words: (f) (and (ea)) not for public authorities' tasks."""
        d = case(guidance, lawful_basis=("ukgdpr-art6-1f",))
        assert d.missing == ("context.sharer_public_authority",)
        assert case(guidance, lawful_basis=("ukgdpr-art6-1f",), sharer_public_authority=True).outcome == "do-not-share"
        assert case(guidance, lawful_basis=("ukgdpr-art6-1f",), sharer_public_authority=False).outcome == "share"


class TestSpecialCategoryAndCriminalOffenceData:
    def test_article_9_condition_needed(self, guidance):
        """UK GDPR Art 9(2); 000 Annex A 7.2."""
        d = case(guidance, lawful_basis=("ukgdpr-art6-1e",), special_category=True)
        assert d.outcome == "do-not-share"
        assert "missing-art9" in codes(d)

    @pytest.mark.parametrize("point", ["b", "g", "h", "i"])
    def test_points_needing_schedule_1_are_incomplete_without_it(self, guidance, point):
        """DPA 2018 s10: Art 9(2)(b), (g), (h), (i), (j) need a Schedule 1 condition."""
        d = case(guidance, lawful_basis=("ukgdpr-art6-1e", f"ukgdpr-art9-2{point}"), special_category=True)
        assert d.outcome == "incomplete"
        assert "missing-sch1" in codes(d)

    def test_9_2_g_with_paragraph_18_shares(self, guidance):
        """DPA 2018 Sch 1 Part 2 para 18 (safeguarding of children and of individuals at risk)."""
        d = case(guidance, lawful_basis=("ukgdpr-art6-1e", "ukgdpr-art9-2g", "dpa2018-sch1-pt2-para18"),
                 special_category=True)
        assert d.outcome == "share"
        assert "met-art9" in codes(d) and "missing-sch1" not in codes(d)

    def test_9_2_g_needs_part_2_not_part_1(self, guidance):
        """DPA 2018 s10(3): 9(2)(g) is met only by a Schedule 1 Part 2 condition."""
        d = case(guidance, lawful_basis=("ukgdpr-art6-1e", "ukgdpr-art9-2g", "dpa2018-sch1-pt1-para2"),
                 special_category=True)
        assert d.outcome == "share"  # para 2 completes 9(2)(h), which it brings with it...
        assert "sch1-implies-art9" in codes(d)  # ...and says so: cite 9(2)(h) with it

    def test_criminal_offence_data_needs_a_schedule_1_condition(self, guidance):
        """UK GDPR Art 10; DPA 2018 s10(5), Sch 1 Part 3 para 36."""
        d = case(guidance, lawful_basis=("ukgdpr-art6-1e", "ca1989-s47", "ukgdpr-art10"), criminal_offence=True)
        assert d.outcome == "do-not-share"
        assert "missing-art10" in codes(d)
        d = case(guidance, lawful_basis=("ukgdpr-art6-1e", "ca1989-s47", "dpa2018-sch1-pt2-para18"),
                 criminal_offence=True)
        assert d.outcome == "share" and "met-art10" in codes(d)

    def test_the_categories_shared_decide_the_checks(self, guidance):
        """templates/data_categories.toml: previous convictions are criminal offence data (UK GDPR Art 10)."""
        d = case(guidance, lawful_basis=("ukgdpr-art6-1e", "ca1989-s47"), data_categories=("previous-convictions",))
        assert d.outcome == "do-not-share"
        assert "criminal-offence-from-categories" in codes(d)

    def test_a_court_order_for_medical_records_shares(self, guidance):
        """UK GDPR Art 6(1)(c), 9(2)(f); DPA 2018 Sch 2 Part 1 para 5; 003 Appendix A."""
        d = case(guidance, consent="not-sought", consent_not_sought_reason="court-order", confidential="yes",
                 lawful_basis=("court-order",), data_categories=("health-information",))
        assert d.outcome == "share"
        assert {"met-art6", "met-art9", "met-confidence"} <= codes(d)

    def test_exemptions_are_not_conditions(self, guidance):
        """DPA 2018 Sch 2 Part 1 paras 2 and 5 are exemptions, not lawful bases."""
        for basis in ("dpa2018-sch2-pt1-para2", "dpa2018-sch2-pt1-para5"):
            d = case(guidance, lawful_basis=(basis,))
            assert d.outcome == "do-not-share" and "basis-not-counted" in codes(d)


class TestLawEnforcement:
    def test_part_3_is_its_own_regime(self, guidance):
        """DPA 2018 s31, s35; Schedule 8 for sensitive processing; no Article 6."""
        d = case(guidance, lawful_basis=("dpa2018-s35",))
        assert d.missing == ("context.law_enforcement",)
        d = case(guidance, lawful_basis=("dpa2018-s35",), law_enforcement=True)
        assert d.outcome == "share" and "regime-part3" in codes(d) and "missing-art6" not in codes(d)
        d = case(guidance, lawful_basis=("dpa2018-s35",), law_enforcement=True, special_category=True)
        assert d.outcome == "do-not-share" and "missing-sch8" in codes(d)
        d = case(guidance, lawful_basis=("dpa2018-s35", "dpa2018-sch8-para4"), law_enforcement=True,
                 special_category=True)
        assert d.outcome == "share"

    def test_part_3_is_not_for_others(self, guidance):
        """DPA 2018 s30 (competent authorities, Sch 7) and s31: Part 3 is only for a competent authority's law
        enforcement purposes."""
        d = case(guidance, lawful_basis=("dpa2018-s35",), law_enforcement=False)
        assert d.outcome == "do-not-share" and "part3-not-competent-authority" in codes(d)


class TestDpa1998:
    def test_schedule_2_needed_and_schedule_3_for_sensitive_data(self, guidance):
        """000 Annex A 6.2, 7.2; 003 s3; DPA 1998 Schedules 2 and 3."""
        d = case(guidance, "dpa-1998", BEFORE_2018, lawful_basis=("ca1989-s47",))
        assert d.outcome == "incomplete" and "missing-sch2" in codes(d)
        d = case(guidance, "dpa-1998", BEFORE_2018, lawful_basis=("ca1989-s47", "dpa1998-sch2-5"),
                 special_category=True)
        assert d.outcome == "do-not-share" and "missing-sch3" in codes(d)
        d = case(guidance, "dpa-1998", BEFORE_2018, lawful_basis=("ca1989-s47", "dpa1998-sch2-5", "dpa1998-sch3-7"),
                 special_category=True)
        assert d.outcome == "share"

    @pytest.mark.parametrize("basis", ["dpa1998-s29", "dpa1998-s35"])
    def test_s29_and_s35_are_exemptions_not_conditions(self, guidance, basis):
        """000 Annex A 8.1, 8.2; DPA 1998 ss29, 35."""
        d = case(guidance, "dpa-1998", BEFORE_2018, lawful_basis=(basis,))
        assert d.outcome == "do-not-share"
        assert "exemption" in finding(d, "basis-not-counted").text


class TestConfidence:
    @pytest.mark.parametrize("ruleset,day,general", [("gdpr-2018", None, "ukgdpr-art6-1e"),
                                                     ("dpa-1998", BEFORE_2018, "dpa1998-sch2-5")])
    def test_confidential_information_without_consent_needs_a_justification(self, guidance, ruleset, day, general):
        """000 Annex A 3.1, 4.1, 13.3.4; 003 Appendix A: consent or a public-interest justification."""
        kwargs = {"day": day} if day else {}
        d = case(guidance, ruleset, confidential="yes", lawful_basis=("ca1989-s47", general), **kwargs)
        assert d.outcome == "incomplete" and "missing-confidence" in codes(d)
        d = case(guidance, ruleset, confidential="yes",
                 lawful_basis=("ca1989-s47", general, "common-law-public-interest"), **kwargs)
        assert d.outcome == "share" and "record-public-interest" in codes(d)

    def test_the_2018_flowchart_reminds_when_confidentiality_is_not_answered(self, guidance):
        """000 Annex A 3.1; 002 Myth-busting guide: the common-law duty of confidence applies beside the UK GDPR."""
        d = case(guidance, confidential=None, lawful_basis=("ca1989-s47", "ukgdpr-art6-1e"))
        assert d.outcome == "share" and "confidentiality-not-considered" in codes(d)
