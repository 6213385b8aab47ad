"""Helpers for the law tests: one case is the answers a practitioner gives, decided as at a day."""

from __future__ import annotations

from datetime import date

from isp_tui.engine import Answers, decide

TODAY = date(2026, 12, 1)
BEFORE_2018 = date(2016, 6, 1)
NO_CONSENT = dict(legitimate_purpose="yes", consent="refused", identifiable="yes", confidential="no",
                  special_category=False)


def case(guidance, ruleset="gdpr-2018", day=TODAY, **answers):
    return decide(Answers(**{**NO_CONSENT, **answers}), guidance.rulesets[ruleset], guidance, on=day)


def codes(decision):
    return {f.code for f in decision.reasons + decision.warnings}


def finding(decision, code):
    return next(f for f in decision.reasons + decision.warnings if f.code == code)
