"""SVG snapshots of the auditor's screens at 80x24 and 160x48 (pytest-textual-snapshot), on the same fixed
records repository as tests/test_tui_snapshots.py. Update with `pytest --snapshot-update` after checking
the new pictures by eye."""

from __future__ import annotations

from datetime import date

import pytest

from isp_tui.identity import Identity
from isp_tui.store import Store

from test_tui_snapshots import SIZES, app_for, fixed_repo, loaded  # noqa: F401 (fixed_repo is a fixture)
from tui_driver import PRACTITIONER

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


async def walk(pilot, keys: list[str]) -> None:
    """Press the keys, each once the screen has settled; then a still picture (no cursor blinking)."""
    await loaded(pilot)
    for key in keys:
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


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("screen", list(SCREENS))
def test_auditor_screens(snap_compare, fixed_repo, screen, size):
    async def run_before(pilot) -> None:
        await walk(pilot, SCREENS[screen])

    assert snap_compare(app_for(fixed_repo), terminal_size=SIZES[size], run_before=run_before)


@pytest.mark.parametrize("size", list(SIZES))
def test_history_screen(snap_compare, fixed_repo, guidance, size):
    """A record's history (h) from the timeline's newest change, an amendment: the diff of its two revisions
    under the form's labels, and the amendment with its reason."""
    store = Store(fixed_repo)
    second = next(r.id for r in store.records() if getattr(r, "recorded", "") == "do-not-share")
    store.amend(second, {"retention": {"review_on": date(2026, 12, 1)}}, "Fictional: review sooner (test).", guidance,
                Identity.parse(PRACTITIONER), partial=True)

    async def run_before(pilot) -> None:
        await walk(pilot, ["t", "enter", "h"])

    assert snap_compare(app_for(fixed_repo), terminal_size=SIZES[size], run_before=run_before)
