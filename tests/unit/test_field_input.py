"""The long-answer field draws a blank frame only for Textual's unresolved-styles KeyError (issues 6208, 6528)."""

from __future__ import annotations

from isp_tui.tui.widgets.field_input import unresolved_styles


def test_only_textuals_unresolved_styles_error_is_drawn_blank():
    assert unresolved_styles(KeyError("No 'text-area--gutter' key in COMPONENT_CLASSES"))
    assert not unresolved_styles(KeyError("subject.name"))
    assert not unresolved_styles(KeyError("No 'other--thing' key in COMPONENT_CLASSES"))
