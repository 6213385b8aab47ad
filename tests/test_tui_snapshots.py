"""SVG snapshots of each main screen at 80x24 and at a large size (pytest-textual-snapshot).

Deterministic: a records repository with fixed content, ids and dates, a fixed "today", and the
records path given relative to the working directory. Update with `pytest --snapshot-update`
after checking the new pictures."""

from __future__ import annotations

from datetime import date, datetime, timezone
from itertools import count

import pytest
from ulid import ULID

import isp_tui.store.commit
import isp_tui.store.save
from isp_tui.identity import Identity
from isp_tui.store import Store
from isp_tui.tui.app import IspApp

from factory import final_record
from tui_driver import PRACTITIONER

SIZES = {"small": (80, 24), "large": (160, 48)}
MOMENT = datetime(2026, 11, 2, 9, 30, tzinfo=timezone.utc)


@pytest.fixture
def fixed_repo(tmp_path, monkeypatch, guidance):
    """Three records made at fixed moments with fixed ids, in ./records."""
    monkeypatch.chdir(tmp_path)
    serial = count(1)

    def fixed_id() -> str:
        n = next(serial)
        return str(ULID.from_timestamp(MOMENT.replace(day=n).timestamp()))[:10] + f"{n:016d}"

    monkeypatch.setattr(isp_tui.store.save, "new_id", fixed_id)
    monkeypatch.setattr(isp_tui.store.save, "now", lambda: MOMENT)
    monkeypatch.setattr(isp_tui.store.commit, "now", lambda: MOMENT)
    store = Store(tmp_path / "records")
    author = Identity.parse(PRACTITIONER)
    store.save(final_record(guidance, retention={"review_on": date(2026, 11, 30)}), guidance, author)
    store.save(final_record(guidance, decision={"recorded": "do-not-share", "reasons": "Fictional test reasons.",
                                                "override_reason": "Fictional: proportionality (test)."},
                            recipient={"agency": "Test Voluntary Group"}), guidance, author)
    draft = final_record(guidance, subject={"reference": "TEST-0003"})
    for key in ("decision", "sharing", "transparency", "consent"):
        draft.pop(key)
    draft["request"]["received"] = date(2026, 11, 16)
    store.save(draft, guidance, author, draft=True)
    return "records"


def app_for(records: str) -> IspApp:
    return IspApp(records=records, identity=PRACTITIONER, today=date(2026, 11, 21))


async def loaded(pilot) -> None:
    await pilot.app.loaded.wait()
    await pilot.pause()


SCREENS = {
    "home": [],
    "question": ["n", "ctrl+n", "ctrl+n", "ctrl+n"],
    "review": ["n", "ctrl+r"],
    "rules": ["g"],
    "browse": ["b"],
    "record": ["b", "down", "enter"],  # a final record, read as a document
    "amend": ["b", "down", "a"],  # the same record, amended as a form
}


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("screen", list(SCREENS))
def test_main_screens(snap_compare, fixed_repo, screen, size):
    async def run_before(pilot) -> None:
        await loaded(pilot)
        for key in SCREENS[screen]:
            await pilot.press(key)
            await pilot.pause()
        await pilot.app.workers.wait_for_complete()
        await pilot.wait_for_scheduled_animations()
        await pilot.pause(0.1)  # a loaded machine may still be laying out what the workers produced
        await pilot.app.workers.wait_for_complete()
        for widget in pilot.app.screen.query("Input, TextArea"):
            widget.cursor_blink = False  # a blinking cursor is drawn or not as the clock falls: never the same twice
        pilot.app.screen.refresh(layout=True)  # scrollbars sized from the settled content, not a first guess
        await pilot.pause()
        await pilot.pause()

    assert snap_compare(app_for(fixed_repo), terminal_size=SIZES[size], run_before=run_before)


async def test_no_color_is_respected(tmp_path, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = app_for(str(tmp_path / "records"))
    async with app.run_test(size=(80, 24)):
        assert app.no_color
