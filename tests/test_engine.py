"""Every branch of the "When" flowchart (002; 003 Appendix A) under each ruleset, and every rule the
other seeds add. The law each rule applies is tested in tests/unit/test_law_*.py."""

from __future__ import annotations

from datetime import date

import pytest

from isp_tui.engine import Answers, decide, read_answers
from isp_tui.errors import InputError

RULESETS = ["gdpr-2018", "dpa-1998", "dpa-1998-2008"]
# a day under each data protection law: the law is read as at the decision date, not the ruleset's era
DAY = {"gdpr-2018": date(2026, 6, 1), "dpa-1998": date(2016, 6, 1), "dpa-1998-2008": date(2016, 6, 1)}
GENERAL = {"gdpr-2018": ("ukgdpr-art6-1e",), "dpa-1998": ("dpa1998-sch2-5",), "dpa-1998-2008": ("dpa1998-sch2-5",)}
CONDITION = {"gdpr-2018": ("ukgdpr-art9-2g", "dpa2018-sch1-pt2-para18"), "dpa-1998": ("dpa1998-sch3-7",),
             "dpa-1998-2008": ("dpa1998-sch3-7",)}
WITHOUT_CONSENT = dict(legitimate_purpose="yes", consent="refused", identifiable="yes", confidential="no")


def run(guidance, ruleset="gdpr-2018", **answers):
    answers.setdefault("decision_date", DAY[ruleset])
    return decide(Answers(**answers), guidance.rulesets[ruleset], guidance)


def codes(findings):
    return [f.code for f in findings]


def order(guidance, ruleset):
    return [q.id for q in guidance.rulesets[ruleset].when]


@pytest.mark.parametrize("ruleset", RULESETS)
class TestFlowchart:
    def test_nothing_answered_is_incomplete(self, guidance, ruleset):
        d = run(guidance, ruleset)
        assert (d.outcome, d.path, d.missing) == ("incomplete", ("legitimate_purpose",), ("when.legitimate_purpose",))

    def test_no_legitimate_purpose_do_not_share(self, guidance, ruleset):
        d = run(guidance, ruleset, legitimate_purpose="no")
        assert (d.outcome, d.path) == ("do-not-share", ("legitimate_purpose",))
        assert d.reasons[0].source.startswith(f"{ruleset} when.legitimate_purpose")

    @pytest.mark.parametrize("question", ["legitimate_purpose", "consent", "identifiable", "confidential"])
    def test_unsure_seeks_advice_golden_rule_3(self, guidance, ruleset, question):
        """Golden rule 3, in the ruleset's own wording (the 1998 wording under the 1998 rulesets)."""
        questions = order(guidance, ruleset)
        if question not in questions:
            pytest.skip("the 2018 flowchart asks about confidentiality at the lawful-basis question")
        answers = {q: WITHOUT_CONSENT[q] for q in questions[: questions.index(question)]}
        answers[question] = "unsure"
        d = run(guidance, ruleset, **answers)
        assert d.outcome == "seek-advice"
        assert d.path[-1] == question
        assert "rule-3" in d.reasons[-1].source
        rule3 = next(r for r in guidance.rulesets[ruleset].rules if r.number == 3)
        assert rule3.text.strip() in d.reasons[-1].text

    def test_unsure_at_the_lawful_basis_seeks_advice(self, guidance, ruleset):
        """Golden rule 3 at every question, the lawful-basis question too (issue 12)."""
        d = run(guidance, ruleset, **WITHOUT_CONSENT, lawful_basis_unsure=True, special_category=False)
        assert (d.outcome, d.path[-1]) == ("seek-advice", "lawful_basis")

    def test_consent_given_share(self, guidance, ruleset):
        d = run(guidance, ruleset, legitimate_purpose="yes", consent="given", identifiable="yes", confidential="no",
                subject="adult")
        assert d.outcome == "share"
        assert d.path[-1] == "consent"

    def test_consent_missing_incomplete(self, guidance, ruleset):
        d = run(guidance, ruleset, legitimate_purpose="yes", identifiable="yes", confidential="no")
        assert (d.outcome, d.missing) == ("incomplete", ("when.consent",))

    def test_not_identifiable_share(self, guidance, ruleset):
        d = run(guidance, ruleset, legitimate_purpose="yes", consent="refused", identifiable="no", confidential="no")
        assert d.outcome == "share"
        assert d.path[-1] == "identifiable"

    def test_identifiable_missing_incomplete(self, guidance, ruleset):
        d = run(guidance, ruleset, legitimate_purpose="yes", consent="refused", confidential="no")
        assert (d.outcome, d.missing) == ("incomplete", ("when.identifiable",))

    def test_lawful_basis_missing_incomplete(self, guidance, ruleset):
        d = run(guidance, ruleset, **WITHOUT_CONSENT, special_category=False)
        assert (d.outcome, d.missing, d.path[-1]) == ("incomplete", ("when.lawful_basis",), "lawful_basis")

    def test_no_lawful_basis_do_not_share(self, guidance, ruleset):
        d = run(guidance, ruleset, **WITHOUT_CONSENT, lawful_basis=(), special_category=False)
        assert (d.outcome, d.path[-1]) == ("do-not-share", "lawful_basis")

    def test_lawful_basis_share(self, guidance, ruleset):
        d = run(guidance, ruleset, **WITHOUT_CONSENT, lawful_basis=("ca1989-s47",) + GENERAL[ruleset],
                special_category=False)
        assert d.outcome == "share"
        assert "lawful_basis-yes" in codes(d.reasons)
        assert any(c.startswith("met-") for c in codes(d.reasons))

    def test_path_follows_the_ruleset_order(self, guidance, ruleset):
        d = run(guidance, ruleset, **WITHOUT_CONSENT, lawful_basis=("ca1989-s47",) + GENERAL[ruleset],
                special_category=False)
        assert list(d.path) == order(guidance, ruleset)


def test_the_1998_flowchart_asks_about_confidentiality_in_its_own_order(guidance):
    """003 Appendix A, "Sharing Information: Questions for staff to ask": purpose, identifiable, confidential,
    then consent."""
    assert order(guidance, "dpa-1998") == ["legitimate_purpose", "identifiable", "confidential", "consent",
                                           "lawful_basis"]
    assert order(guidance, "gdpr-2018") == ["legitimate_purpose", "consent", "identifiable", "lawful_basis"]


def test_the_2008_wording_is_a_ruleset_of_its_own(guidance):
    """000 Annex B (000 5.1.3): rule 4 allows sharing where lack of consent "can be overridden in the public
    interest"."""
    rules = {r.number: r for r in guidance.rulesets["dpa-1998-2008"].rules}
    assert "overridden in the public interest" in rules[4].text
    assert all(r.source == "000 Annex B" for r in rules.values())


@pytest.mark.parametrize("ruleset", RULESETS)
class TestSeedRules:
    def test_special_category_needs_a_condition(self, guidance, ruleset):
        """000 Annex A 7.2; UK GDPR Art 9; DPA 1998 Sch 3: a general condition AND a special-category one."""
        d = run(guidance, ruleset, **WITHOUT_CONSENT, lawful_basis=GENERAL[ruleset], special_category=True)
        assert d.outcome == "do-not-share"
        assert {"missing-art9", "missing-sch3"} & set(codes(d.reasons))

    def test_condition_alone_is_not_enough(self, guidance, ruleset):
        """000 Annex A 6.2 and 7.2: a condition for special category data does not replace the general one."""
        d = run(guidance, ruleset, **WITHOUT_CONSENT, lawful_basis=CONDITION[ruleset], special_category=True)
        assert d.outcome == "incomplete"
        assert {"missing-art6", "missing-sch2"} & set(codes(d.reasons))

    def test_special_category_with_both_shares(self, guidance, ruleset):
        d = run(guidance, ruleset, **WITHOUT_CONSENT, lawful_basis=GENERAL[ruleset] + CONDITION[ruleset],
                special_category=True)
        assert d.outcome == "share"

    def test_special_category_unknown_is_asked_for(self, guidance, ruleset):
        d = run(guidance, ruleset, **WITHOUT_CONSENT, lawful_basis=GENERAL[ruleset])
        assert (d.outcome, d.missing) == ("incomplete", ("context.special_category",))

    def test_health_data_chosen_means_special_category(self, guidance, ruleset):
        """What is shared decides the checks: templates/data_categories.toml (003 s9)."""
        d = run(guidance, ruleset, **WITHOUT_CONSENT, lawful_basis=GENERAL[ruleset], special_category=False,
                data_categories=("health-information",))
        assert d.outcome == "do-not-share"
        assert "special-category-from-categories" in codes(d.warnings)

    def test_s115_is_no_gateway_to_a_non_statutory_recipient(self, guidance, ruleset):
        """000 Annex A 9.3.1."""
        d = run(guidance, ruleset, **WITHOUT_CONSENT, lawful_basis=("cda1998-s115",), special_category=False,
                recipient_statutory=False)
        assert d.outcome == "do-not-share"
        assert "statutory-only-basis" in codes(d.warnings)
        assert "9.3.1" in next(w for w in d.warnings if w.code == "statutory-only-basis").source

    def test_s115_between_statutory_bodies(self, guidance, ruleset):
        d = run(guidance, ruleset, **WITHOUT_CONSENT, lawful_basis=("cda1998-s115",) + GENERAL[ruleset],
                special_category=False, recipient_statutory=True)
        assert d.outcome == "share"

    def test_s115_asks_whether_the_recipient_is_statutory(self, guidance, ruleset):
        d = run(guidance, ruleset, **WITHOUT_CONSENT, lawful_basis=("cda1998-s115",), special_category=False)
        assert (d.outcome, d.missing) == ("incomplete", ("context.recipient_statutory",))

    @pytest.mark.parametrize("reason", ["increased-risk", "prejudice-crime", "unjustified-delay", "statutory-duty",
                                        "court-order", "cannot-consent", "not-reasonable"])
    def test_consent_not_sought_reasons(self, guidance, ruleset, reason):
        """003 s5; 003 Appendix A; 001 3.3; 002 Myth-busting guide; DPA 2018 Sch 1 para 18(2): each reason is
        recorded with its text."""
        d = run(guidance, ruleset, legitimate_purpose="yes", consent="not-sought", consent_not_sought_reason=reason,
                identifiable="yes", confidential="no",
                lawful_basis=("court-order", "other-statutory-duty") + GENERAL[ruleset], special_category=False)
        assert d.outcome == "share"
        assert f"consent-not-sought-{reason}" in codes(d.reasons)
        assert d.missing == ()

    def test_consent_not_sought_needs_a_reason(self, guidance, ruleset):
        """003 s5, 003 Appendix A: no outcome but incomplete until the reason is recorded."""
        d = run(guidance, ruleset, legitimate_purpose="yes", consent="not-sought", identifiable="yes", confidential="no")
        assert d.outcome == "incomplete"
        assert d.missing == ("when.consent_not_sought_reason",)

    def test_court_order_reason_without_court_order_basis_warns(self, guidance, ruleset):
        d = run(guidance, ruleset, legitimate_purpose="yes", consent="not-sought", consent_not_sought_reason="court-order",
                identifiable="yes", confidential="no", lawful_basis=("ca1989-s47",) + GENERAL[ruleset],
                special_category=False)
        warning = next(w for w in d.warnings if w.code == "court-order-not-cited")
        assert "003 s5" in warning.source and "001" not in warning.source

    def test_statutory_duty_reason_without_a_statute_warns(self, guidance, ruleset):
        d = run(guidance, ruleset, legitimate_purpose="yes", consent="not-sought", consent_not_sought_reason="statutory-duty",
                identifiable="yes", confidential="no", lawful_basis=GENERAL[ruleset], special_category=False)
        assert "statutory-duty-not-cited" in codes(d.warnings)

    def test_early_help_without_consent_is_not_open(self, guidance, ruleset):
        """001 3.2 (Early Help "must always be done with consent"); 003 Appendix B; 003 s3."""
        d = run(guidance, ruleset, **WITHOUT_CONSENT, lawful_basis=("ca1989-s17",) + GENERAL[ruleset],
                special_category=False, early_help=True)
        assert d.outcome == "do-not-share"
        reason = next(r for r in d.reasons if r.code == "early-help-needs-consent")
        assert "s47" in reason.text and "001 3.2" in reason.source

    def test_early_help_needs_signed_consent(self, guidance, ruleset):
        """003 Appendix B: "signed consent is required"."""
        base = dict(legitimate_purpose="yes", consent="given", identifiable="yes", confidential="no", subject="adult",
                    early_help=True)
        assert "early-help-consent-how" in codes(run(guidance, ruleset, **base).warnings)
        assert run(guidance, ruleset, **base, consent_how="verbal").outcome == "do-not-share"
        assert run(guidance, ruleset, **base, consent_how="signed").outcome == "share"

    def test_overriding_refused_consent_is_flagged(self, guidance, ruleset):
        d = run(guidance, ruleset, **WITHOUT_CONSENT, lawful_basis=("ca1989-s47",) + GENERAL[ruleset],
                special_category=False)
        assert "consent-overridden" in codes(d.warnings)

    def test_gateway_without_general_condition_is_incomplete(self, guidance, ruleset):
        """000 Annex A 6.2 and 7.2; 003 s3: a power alone does not make sharing lawful; name the condition."""
        d = run(guidance, ruleset, **WITHOUT_CONSENT, lawful_basis=("ca1989-s47",), special_category=False)
        assert d.outcome == "incomplete"
        assert d.missing == ("when.lawful_basis",)
        assert {"missing-art6", "missing-sch2"} & set(codes(d.reasons))


@pytest.mark.parametrize("ruleset", RULESETS)
@pytest.mark.parametrize("subject", ["child", "adult-at-risk", "deceased"])
def test_three_kinds_of_subject(guidance, ruleset, subject):
    """003 App A (a child's capacity), 003 s7 (an adult at risk: Care Act 2014, MCA 2005), 003 s8 (deceased)."""
    d = run(guidance, ruleset, legitimate_purpose="yes", consent="given", consent_by="subject", identifiable="yes",
            confidential="yes", subject=subject, child_capacity="no" if subject == "child" else None,
            capacity="no" if subject == "adult-at-risk" else None, special_category=False,
            lawful_basis=GENERAL[ruleset])
    if subject == "deceased":
        assert d.outcome == "seek-advice"
        assert any("003 s8" in r.source for r in d.reasons)
    else:
        # the person cannot consent: consent is no basis, and confidential information needs a justification
        assert d.outcome == "incomplete"
        assert "missing-confidence" in codes(d.reasons)
        assert d.path[-1] == "lawful_basis"


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
    ({"confidential": "perhaps"}, {}, "when.confidential"),
    ({"consent_by": "neighbour"}, {}, "when.consent_by"),
    ({"consent_how": "telepathy"}, {}, "when.consent_how"),
    ({}, {"special_category": "yes"}, "context.special_category"),
    ({}, {"weather": True}, "context"),
    ({}, {"subject": "alien"}, "context.subject"),
    ({}, {"subject": "deceased", "subject_is_child": True}, "context.subject_is_child"),
    ({}, {"data_categories": ["shoe-size"]}, "context.data_categories"),
    ({}, {"decision_date": "yesterday"}, "context.decision_date"),
])
def test_bad_answers_name_the_field(guidance, when, context, field):
    with pytest.raises(InputError) as caught:
        read_answers(when, context, guidance, file="answers.toml")
    assert caught.value.field == field
    assert str(caught.value).startswith("answers.toml: ")


def test_unsure_lawful_basis_round_trips(guidance):
    answers = read_answers({"lawful_basis": "unsure"}, {}, guidance)
    assert answers.lawful_basis_unsure and answers.when() == {"lawful_basis": "unsure"}
