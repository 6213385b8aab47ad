"""Every branch of the "When" flowchart (002) and every rule the other seeds add."""

from __future__ import annotations

import pytest

from isp_tui.engine import Answers, decide
from isp_tui.errors import InputError
from isp_tui.engine import read_answers

RULESETS = ["gdpr-2018", "dpa-1998"]
GENERAL = {"gdpr-2018": "ukgdpr-art6-1e", "dpa-1998": "dpa1998-sch2-5"}
CONDITION = {"gdpr-2018": "dpa2018-sch1-pt2-para18", "dpa-1998": "dpa1998-sch3-7"}


def run(guidance, ruleset="gdpr-2018", **answers):
    return decide(Answers(**answers), guidance.rulesets[ruleset], guidance)


def codes(findings):
    return [f.code for f in findings]


WITHOUT_CONSENT = dict(legitimate_purpose="yes", consent="refused", identifiable="yes")


@pytest.mark.parametrize("ruleset", RULESETS)
class TestFlowchart:
    def test_nothing_answered_is_incomplete(self, guidance, ruleset):
        d = run(guidance, ruleset)
        assert (d.outcome, d.path, d.missing) == ("incomplete", ("legitimate_purpose",), ("when.legitimate_purpose",))

    def test_no_legitimate_purpose_do_not_share(self, guidance, ruleset):
        d = run(guidance, ruleset, legitimate_purpose="no")
        assert (d.outcome, d.path) == ("do-not-share", ("legitimate_purpose",))
        assert d.reasons[0].source.startswith(f"{ruleset} when.legitimate_purpose")

    @pytest.mark.parametrize("question", ["legitimate_purpose", "consent", "identifiable"])
    def test_unsure_seeks_advice_golden_rule_3(self, guidance, ruleset, question):
        answers = dict(legitimate_purpose="yes", consent="refused", identifiable="yes")
        order = ["legitimate_purpose", "consent", "identifiable"]
        answers = {q: answers[q] for q in order[: order.index(question)]}
        answers[question] = "unsure"
        d = run(guidance, ruleset, **answers)
        assert d.outcome == "seek-advice"
        assert d.path[-1] == question
        assert "rule-3" in d.reasons[-1].source

    def test_consent_given_share(self, guidance, ruleset):
        d = run(guidance, ruleset, legitimate_purpose="yes", consent="given")
        assert (d.outcome, d.path) == ("share", ("legitimate_purpose", "consent"))

    def test_consent_missing_incomplete(self, guidance, ruleset):
        d = run(guidance, ruleset, legitimate_purpose="yes")
        assert (d.outcome, d.missing) == ("incomplete", ("when.consent",))

    @pytest.mark.parametrize("consent", ["refused", "withdrawn", "not-sought"])
    def test_no_consent_not_identifiable_share(self, guidance, ruleset, consent):
        d = run(guidance, ruleset, legitimate_purpose="yes", consent=consent, consent_not_sought_reason="increased-risk",
                identifiable="no")
        assert (d.outcome, d.path) == ("share", ("legitimate_purpose", "consent", "identifiable"))

    def test_identifiable_missing_incomplete(self, guidance, ruleset):
        d = run(guidance, ruleset, legitimate_purpose="yes", consent="refused")
        assert (d.outcome, d.missing) == ("incomplete", ("when.identifiable",))

    def test_lawful_basis_missing_incomplete(self, guidance, ruleset):
        d = run(guidance, ruleset, **WITHOUT_CONSENT, special_category=False)
        assert (d.outcome, d.missing, d.path[-1]) == ("incomplete", ("when.lawful_basis",), "lawful_basis")

    def test_no_lawful_basis_do_not_share(self, guidance, ruleset):
        d = run(guidance, ruleset, **WITHOUT_CONSENT, lawful_basis=(), special_category=False)
        assert (d.outcome, d.path) == ("do-not-share", ("legitimate_purpose", "consent", "identifiable", "lawful_basis"))

    def test_lawful_basis_share(self, guidance, ruleset):
        d = run(guidance, ruleset, **WITHOUT_CONSENT, lawful_basis=("ca1989-s47", GENERAL[ruleset]), special_category=False)
        assert d.outcome == "share"
        assert "lawful-basis-identified" in codes(d.reasons)
        assert d.warnings == () or "consent-overridden" in codes(d.warnings)


@pytest.mark.parametrize("ruleset", RULESETS)
class TestSeedRules:
    def test_special_category_needs_a_condition(self, guidance, ruleset):
        """000 Annex A 7.2; UK GDPR Art 9: a general basis AND a special-category condition."""
        d = run(guidance, ruleset, **WITHOUT_CONSENT, lawful_basis=(GENERAL[ruleset],), special_category=True)
        assert d.outcome == "do-not-share"
        assert "no-special-category-condition" in codes(d.warnings)

    def test_condition_alone_is_not_enough(self, guidance, ruleset):
        d = run(guidance, ruleset, **WITHOUT_CONSENT, lawful_basis=(CONDITION[ruleset],), special_category=True)
        assert d.outcome == "do-not-share"
        assert "no-general-basis" in codes(d.warnings)

    def test_special_category_with_both_shares(self, guidance, ruleset):
        d = run(guidance, ruleset, **WITHOUT_CONSENT, lawful_basis=(GENERAL[ruleset], CONDITION[ruleset]),
                special_category=True)
        assert d.outcome == "share"

    def test_special_category_unknown_is_asked_for(self, guidance, ruleset):
        d = run(guidance, ruleset, **WITHOUT_CONSENT, lawful_basis=(GENERAL[ruleset],))
        assert (d.outcome, d.missing) == ("incomplete", ("context.special_category",))

    def test_s115_is_no_gateway_to_a_non_statutory_recipient(self, guidance, ruleset):
        """000 Annex A 9.3.1."""
        d = run(guidance, ruleset, **WITHOUT_CONSENT, lawful_basis=("cda1998-s115",), special_category=False,
                recipient_statutory=False)
        assert d.outcome == "do-not-share"
        assert "statutory-only-basis" in codes(d.warnings)
        assert "9.3.1" in next(w for w in d.warnings if w.code == "statutory-only-basis").source

    def test_s115_between_statutory_bodies(self, guidance, ruleset):
        d = run(guidance, ruleset, **WITHOUT_CONSENT, lawful_basis=("cda1998-s115",), special_category=False,
                recipient_statutory=True)
        assert d.outcome == "share"

    def test_s115_asks_whether_the_recipient_is_statutory(self, guidance, ruleset):
        d = run(guidance, ruleset, **WITHOUT_CONSENT, lawful_basis=("cda1998-s115",), special_category=False)
        assert (d.outcome, d.missing) == ("incomplete", ("context.recipient_statutory",))

    @pytest.mark.parametrize("reason", ["increased-risk", "prejudice-crime", "unjustified-delay", "statutory-duty", "court-order"])
    def test_consent_not_sought_reasons(self, guidance, ruleset, reason):
        """001 3.3, 003 s5: each reason is recorded with its text."""
        d = run(guidance, ruleset, legitimate_purpose="yes", consent="not-sought", consent_not_sought_reason=reason,
                identifiable="yes", lawful_basis=("court-order", "other-statutory-duty", GENERAL[ruleset]),
                special_category=False)
        assert d.outcome == "share"
        assert f"consent-not-sought-{reason}" in codes(d.reasons)
        assert d.missing == ()

    def test_consent_not_sought_needs_a_reason(self, guidance, ruleset):
        d = run(guidance, ruleset, legitimate_purpose="yes", consent="not-sought", identifiable="no")
        assert d.outcome == "share"
        assert d.missing == ("when.consent_not_sought_reason",)

    def test_court_order_reason_without_court_order_basis_warns(self, guidance, ruleset):
        d = run(guidance, ruleset, legitimate_purpose="yes", consent="not-sought", consent_not_sought_reason="court-order",
                identifiable="yes", lawful_basis=("ca1989-s47", GENERAL[ruleset]), special_category=False)
        assert "court-order-not-cited" in codes(d.warnings)

    def test_statutory_duty_reason_without_a_statute_warns(self, guidance, ruleset):
        d = run(guidance, ruleset, legitimate_purpose="yes", consent="not-sought", consent_not_sought_reason="statutory-duty",
                identifiable="yes", lawful_basis=(GENERAL[ruleset],), special_category=False)
        assert "statutory-duty-not-cited" in codes(d.warnings)

    def test_early_help_gives_no_lawful_basis(self, guidance, ruleset):
        """003 s3."""
        d = run(guidance, ruleset, **WITHOUT_CONSENT, lawful_basis=(), special_category=False, early_help=True)
        assert d.outcome == "do-not-share"
        assert "early-help-without-consent" in codes(d.warnings)
        with_consent = run(guidance, ruleset, legitimate_purpose="yes", consent="given", early_help=True)
        assert "early-help-without-consent" not in codes(with_consent.warnings)

    def test_overriding_refused_consent_is_flagged(self, guidance, ruleset):
        d = run(guidance, ruleset, **WITHOUT_CONSENT, lawful_basis=("ca1989-s47", GENERAL[ruleset]), special_category=False)
        assert "consent-overridden" in codes(d.warnings)

    def test_child_without_capacity_cannot_give_consent(self, guidance, ruleset):
        """003 Appendix A."""
        d = run(guidance, ruleset, legitimate_purpose="yes", consent="given", subject_is_child=True, child_capacity="no")
        assert "child-capacity" in codes(d.warnings)

    def test_gateway_without_general_condition_warns(self, guidance, ruleset):
        d = run(guidance, ruleset, **WITHOUT_CONSENT, lawful_basis=("ca1989-s47",), special_category=False)
        assert d.outcome == "share"
        assert "no-general-condition-cited" in codes(d.warnings)


def test_a_basis_from_another_era_cannot_be_relied_on(guidance):
    d = run(guidance, "gdpr-2018", **WITHOUT_CONSENT, lawful_basis=("dpa1998-sch2-5",), special_category=False)
    assert d.outcome == "do-not-share"
    assert "basis-wrong-era" in codes(d.warnings)
    d = run(guidance, "dpa-1998", **WITHOUT_CONSENT, lawful_basis=("ukgdpr-art6-1e",), special_category=False)
    assert "basis-wrong-era" in codes(d.warnings)


def test_every_finding_names_its_source(guidance):
    d = run(guidance, **WITHOUT_CONSENT, lawful_basis=("cda1998-s115", "ukgdpr-art6-1e"), special_category=True,
            recipient_statutory=False, early_help=True)
    for finding in d.reasons + d.warnings:
        assert finding.source.strip(), finding


def test_decision_pins_the_ruleset(guidance):
    d = run(guidance, "dpa-1998", legitimate_purpose="no")
    assert d.ruleset == guidance.rulesets["dpa-1998"].pin()
    assert len(d.ruleset["sha256"]) == 64


@pytest.mark.parametrize("when,context,field", [
    ({"consent": "maybe"}, {}, "when.consent"),
    ({"colour": "blue"}, {}, "when"),
    ({"lawful_basis": ["no-such-basis"]}, {}, "when.lawful_basis"),
    ({"lawful_basis": "ca1989-s47"}, {}, "when.lawful_basis"),
    ({"consent_not_sought_reason": "convenience"}, {}, "when.consent_not_sought_reason"),
    ({}, {"special_category": "yes"}, "context.special_category"),
    ({}, {"weather": True}, "context"),
])
def test_bad_answers_name_the_field(guidance, when, context, field):
    with pytest.raises(InputError) as caught:
        read_answers(when, context, guidance, file="answers.toml")
    assert caught.value.field == field
    assert str(caught.value).startswith("answers.toml: ")
