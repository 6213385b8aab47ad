"""The tables drawn as lines (tui.screens.lines): who made a change stays whole at 80 columns, the lesser
columns giving way first, in the timeline and in a record's history alike."""

from __future__ import annotations

from datetime import datetime

from isp_tui.tui.screens.history import columns_for, revision_line, row_values
from isp_tui.tui.screens.lines import BY_AT_LEAST, GAP, line, table_width
from isp_tui.tui.screens.timeline import layout as timeline_layout

BY = "Test Practitioner <test.practitioner@example.invalid>"
REVISION = {"n": 2, "date": datetime(2026, 11, 2, 9, 30), "action": "amend", "outcome": "do-not-share",
            "author": "Test Practitioner", "email": "test.practitioner@example.invalid",
            "reason": "Fictional: review\nsooner (test).", "commit": "0c127cdba352" + "0" * 28}


def width_of(columns) -> int:
    return sum(w for _, w, _ in columns) + GAP * (len(columns) - 1)


def test_at_80_columns_the_history_keeps_by_whole_and_the_lesser_columns_give_way():
    width = table_width(80)
    columns = columns_for(width)
    assert [k for _, _, k in columns] == ["day", "short_action", "by"]  # reason, time, decision, number gone
    assert dict((k, w) for _, w, k in columns)["by"] >= len(BY) == BY_AT_LEAST and width_of(columns) <= width
    drawn = line(columns, row_values(REVISION))
    assert BY in drawn and "…" not in drawn and len(drawn) <= width
    for wide in (120, 160):
        columns = columns_for(table_width(wide))
        assert [k for _, _, k in columns] == ["n", "when", "action", "decision", "by", "reason"]
        assert width_of(columns) <= table_width(wide) and BY in line(columns, row_values(REVISION))


def test_the_line_below_the_history_names_the_revision_whole_on_one_line():
    shown = str(revision_line(REVISION))
    assert BY in shown and "revision 2" in shown and "2026-11-02 09:30" in shown and "Amended" in shown
    assert "decision: Do not share" in shown and "reason: Fictional: review sooner (test)." in shown
    assert "\n" not in shown and "do-not-share" not in shown
    hostile = dict(REVISION, commit="\x1b]0;x\x07" + "0" * 40, author="Test \x1b[31mRed", reason="a\u202eb")
    assert not any(c in str(revision_line(hostile)) + line(columns_for(156), row_values(hostile))
                   for c in "\x1b\x07\u202e")  # every string from git printable


def test_the_timeline_and_the_history_give_way_by_one_rule():
    for width in (40, 60, 76, 100, 156):
        for columns, keep in ((timeline_layout(width), "by"), (columns_for(width), "by")):
            assert dict((k, w) for _, w, k in columns)[keep] >= BY_AT_LEAST
            if width >= table_width(80):  # 80 columns and up: all of it fits
                assert width_of(columns) <= width
