"""Issue 15, the practitioner's speed: typing into a filter (the legal bases, the data categories, the partner
register) or a field redraws what changed, not the whole step. A key that leaves the same entries shown lays
nothing out again; the entries shown, their ticks and the highlight are what they were. Real parts only."""

from __future__ import annotations

from datetime import date

from textual.screen import Screen
from textual.widgets import SelectionList

from isp_tui.config import Config
from isp_tui.tui.app import IspApp
from isp_tui.tui.screens.decision_view import shown_entries

from tui_driver import PRACTITIONER, start, widget
from walks import settle, walk_to

SIZE = (80, 24)
TODAY = date(2026, 12, 1)


def make_app(records) -> IspApp:
    return IspApp(records=str(records), identity=PRACTITIONER, today=TODAY,
                  config=Config(role="Test social worker", organisation="Test Borough Children's Services"))


async def at_the_general_bases(pilot) -> None:
    """The typical walk up to the lawful-basis step's filter of the general bases."""
    await walk_to(pilot, TODAY, "when:lawful_basis", 4)  # the step; confidential yes, special category yes, criminal no
    assert pilot.app.focused.name == "filter:general"


def count_layouts(monkeypatch) -> list[int]:
    laid_out = [0]
    original = Screen._refresh_layout

    def counted(self, *args, **kwargs):
        laid_out[0] += 1
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Screen, "_refresh_layout", counted)
    return laid_out


async def test_a_key_that_leaves_the_same_bases_shown_lays_nothing_out_again(records, monkeypatch):
    async with make_app(records).run_test(size=SIZE) as pilot:
        await at_the_general_bases(pilot)
        bases = pilot.app.screen.query_one("#bases-general", SelectionList)
        await pilot.press(*"publi")
        await settle(pilot)
        shown = shown_entries(bases)
        assert shown and all("public" in pilot.app.screen.guidance.bases[value].title.casefold()
                              or "public" in value for value, _ in shown)
        laid_out = count_layouts(monkeypatch)
        await pilot.press("c")  # "public": the same bases
        await settle(pilot)
        assert laid_out[0] == 0
        assert shown_entries(bases) == shown and bases.highlighted == 0
        assert widget(pilot.app, "filter:general").value == "public"


async def test_a_ticked_basis_stays_ticked_as_the_filter_changes(records):
    async with make_app(records).run_test(size=SIZE) as pilot:
        await at_the_general_bases(pilot)
        screen = pilot.app.screen
        bases = screen.query_one("#bases-general", SelectionList)
        await pilot.press(*"s47", "enter")  # ticks the Children Act 1989 s47; the filter is cleared
        await settle(pilot)
        assert "ca1989-s47" in screen.data["when"]["lawful_basis"]
        assert widget(pilot.app, "filter:general").value == ""
        assert ("ca1989-s47", True) in shown_entries(bases)
        await pilot.press(*"s4")
        await settle(pilot)
        assert ("ca1989-s47", True) in shown_entries(bases)
        assert all(not ticked for value, ticked in shown_entries(bases) if value != "ca1989-s47")


async def test_typing_a_field_lays_nothing_out_again_and_a_long_answer_scrolls_to_the_cursor(records, monkeypatch):
    async with make_app(records).run_test(size=SIZE) as pilot:
        await start(pilot)
        name = widget(pilot.app, "subject.name")
        name.focus()
        await settle(pilot)
        laid_out = count_layouts(monkeypatch)
        await pilot.press(*"Test Child")
        await settle(pilot)
        assert laid_out[0] == 0
        assert pilot.app.screen.data["subject"]["name"] == "Test Child"
        long = " Alpha Beta Gamma Delta Epsilon Zeta Eta Theta Iota Kappa Lambda Mu (test)"
        await pilot.press(*long)
        await settle(pilot)
        assert name.value == "Test Child" + long and len(name.value) > name.size.width
        assert name.scroll_x > 0 and name.cursor_position == len(name.value)
        assert "(test)" in str(name.render_line(0).text)  # the end, where the cursor is, is drawn
