"""Issue 15, first paint: Home's first frame (the one Textual's Ready follows, where bench/paint.py stops)
shows what Home shows (the title, the menu with each item's key, the footer's keys), and its keys work at
once, before the records repository has loaded."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import isp_tui.tui.app
from isp_tui.config import Config
from isp_tui.tui.app import IspApp
from isp_tui.tui.screens.browse import BrowseScreen
from isp_tui.tui.screens.home import HomeScreen
from isp_tui.tui.widgets.keybar import KeyBar
from isp_tui.tui.widgets.title import TitleBar

from tui_driver import PRACTITIONER

SMALL = (80, 24)


class FirstFrame(IspApp):
    """The app, noting what Home draws when Ready comes (before the load worker starts: Textual calls this class's
    handler first)."""

    CSS_PATH = str(Path(isp_tui.tui.app.__file__).with_name("app.tcss"))  # the app's own, not one beside this file

    def on_ready(self) -> None:
        screen = self.screen
        menu = screen.query_one("#home-menu")
        self.first_frame = {
            "services": self.services,
            "title": str(screen.query_one(TitleBar).render()),
            "keys": str(screen.query_one(KeyBar).render()),
            "menu": [str(menu.get_option_at_index(i).prompt) for i in range(menu.option_count)],
            "focused": self.focused,
        }  # Textual then calls IspApp.on_ready too (each class's handler along the MRO): it starts the load


def first_frame_app(records, **kw) -> FirstFrame:
    return FirstFrame(records=str(records), identity=PRACTITIONER, today=date(2026, 11, 21), **kw)


async def test_the_first_frame_shows_the_title_the_menu_with_its_keys_and_the_footers_keys(records):
    app = first_frame_app(records)
    async with app.run_test(size=SMALL):
        frame = app.first_frame
        assert frame["services"] is None  # nothing of the records repository is loaded yet
        assert frame["title"].strip().startswith("⭘") and "isp — information sharing decisions" in frame["title"]
        assert len(frame["title"]) == 80
        assert frame["menu"][:3] == ["New decision (n)", "Resume a draft (r)", "Browse records (b)"]
        assert frame["keys"].startswith(" n New decision  b Browse ") and " f1 Help " in frame["keys"]
        assert frame["keys"].rstrip().endswith("▏^p palette")
        assert frame["focused"] is app.screen.query_one("#home-menu")


async def test_a_remapped_key_shows_in_the_first_frame(records):
    app = first_frame_app(records, config=Config(keymap={"home.new": "ctrl+n"}))
    async with app.run_test(size=SMALL):
        assert app.first_frame["menu"][0] == "New decision (^n)"
        keys = app.first_frame["keys"]
        assert " ^n New decision " in keys and " n New decision " not in keys  # in the active bindings' order, as Footer


async def test_a_key_pressed_on_the_first_frame_works_once_the_records_have_loaded(records):
    app = first_frame_app(records)
    async with app.run_test(size=SMALL) as pilot:
        assert app.services is None
        await pilot.press("b")  # at once: the action waits for the records repository
        await app.loaded.wait()
        for _ in range(50):
            await pilot.pause(0.05)
            if isinstance(app.screen, BrowseScreen):
                break
        assert isinstance(app.screen, BrowseScreen), (app.screen_stack, app._notifications, app.load_error)


async def test_clicking_a_key_in_homes_footer_presses_it(records):
    app = first_frame_app(records)
    async with app.run_test(size=SMALL) as pilot:
        await app.loaded.wait()
        await pilot.pause()
        footer = app.screen.query_one(KeyBar)
        at = str(footer.render()).index(" b Browse") + 1
        await pilot.click(KeyBar, offset=(at, 0))
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, BrowseScreen)


async def test_the_footer_follows_the_keys_of_what_has_focus(records):
    app = first_frame_app(records)
    async with app.run_test(size=SMALL) as pilot:
        await app.loaded.wait()
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        before = str(app.screen.query_one(KeyBar).render())
        app.screen.query_one("#home-side").focus()
        await pilot.pause()
        after = app.screen.query_one(KeyBar)
        assert after.drawn == after.shown() and " f1 Help " in str(after.render()) and before
