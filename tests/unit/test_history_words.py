"""A record's history in the app names every change in words: the engine's [outcome] table too (its outcome
by label, its path by the questions' wording, its reasons by their text and source), never ids or codes."""

from __future__ import annotations

from isp_tui.record import Record, new_id
from isp_tui.tui.screens.record_doc import change_words

from factory import final_record


def test_a_change_of_the_flowcharts_outcome_reads_in_words(guidance):
    data = final_record(guidance)
    data.update(id=new_id(), status="draft")
    record = Record.from_dict(data, guidance=guidance, new=True)
    changes = [{"field": "outcome.engine", "before": "share", "after": "seek-advice"},
               {"field": "outcome.path", "before": ["legitimate_purpose", "consent"], "after": ["legitimate_purpose"]},
               {"field": "outcome.reasons", "before": [{"code": "fictional-code", "text": "Fictional reason (test).",
                                                         "source": "000 A6"}], "after": []}]
    described = change_words(changes, record, guidance)
    engine, path, reasons = described
    assert engine == ("The flowchart's outcome", "Share", "Seek advice")
    assert path == ("The flowchart's questions answered", "Legitimate purpose?; Consent?", "Legitimate purpose?")
    assert reasons == ("Why the flowchart says so", "Fictional reason (test). (000 A6)", "(none)")
    for label, before, after in described:
        assert "code" not in before and "fictional-code" not in before and "_" not in before + after
