"""The decision engine: a pure function of the answers, the ruleset and the guidance (see flow.py)."""

from isp_tui.engine.answers import CAPACITY, CONSENT_BY, CONSENT_HOW, CONTEXT_KEYS, SUBJECTS, Answers, read_answers
from isp_tui.engine.findings import INCOMPLETE, OUTCOMES, Decision, Finding
from isp_tui.engine.flow import consent_valid, decide

__all__ = ["CAPACITY", "CONSENT_BY", "CONSENT_HOW", "CONTEXT_KEYS", "INCOMPLETE", "OUTCOMES", "SUBJECTS", "Answers",
           "Decision", "Finding", "consent_valid", "decide", "read_answers"]
