"""SVG snapshots of the auditor's screens at 80x24 and 160x48 (pytest-textual-snapshot), on the same fixed
records repository as tests/test_tui_snapshots.py. Update with `pytest --snapshot-update` after checking
the new pictures by eye."""

from __future__ import annotations

import pytest

from test_tui_snapshots import SIZES, app_for, fixed_repo, loaded  # noqa: F401 (fixed_repo is a fixture)

SCREENS = {
    "timeline": ["t"],
    "revision": ["t", "enter"],
    "export": ["t", "enter", "x"],
    "verification": ["v"],
    "reports-chart": ["p"],
    "reports-table": ["p", "t"],
    "reports-outcomes": ["p", "right"],
    "reports-overrides": ["p", "left", "t"],
}


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("screen", list(SCREENS))
def test_auditor_screens(snap_compare, fixed_repo, screen, size):
    async def run_before(pilot) -> None:
        await loaded(pilot)
        for key in SCREENS[screen]:
            await pilot.press(key)
            await pilot.pause()
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()
        await pilot.wait_for_scheduled_animations()
        await pilot.pause(0.1)
        await pilot.app.workers.wait_for_complete()
        for widget in pilot.app.screen.query("Input, TextArea"):
            widget.cursor_blink = False  # a blinking cursor is drawn or not as the clock falls: never the same twice
        pilot.app.screen.refresh(layout=True)
        await pilot.pause()
        await pilot.pause()

    assert snap_compare(app_for(fixed_repo), terminal_size=SIZES[size], run_before=run_before)
