"""The practitioner's flow through the decision screen (issue 15 items 1-11, issue 12's questions): focus that
shows and acts, nothing cut off, required fields in words, no machine words, less typing, stable progress.

Real parts only: a real records repository in tmp_path, the real templates, the real store, Textual's Pilot."""

from __future__ import annotations

import re
import tomllib
from datetime import date

from textual.widgets import Static

from isp_tui.tui.app import IspApp
from isp_tui.tui.screens.decision import DecisionScreen
from isp_tui.tui.screens.decision_view import SavedScreen

from factory import final_record
from tui_driver import PRACTITIONER, fill, start, step, widget

SIZE = (80, 24)
MACHINE = re.compile(r"\b[a-z_]{3,}\.[a-z_]{3,}\b|\['|datetime\.|\bTrue\b|\bFalse\b")


def make_app(records) -> IspApp:
    return IspApp(records=str(records), identity=PRACTITIONER, today=date(2026, 11, 21))


async def open_decision(pilot, data) -> DecisionScreen:
    await pilot.app.loaded.wait()
    await pilot.app.push_screen(DecisionScreen(data))
    await pilot.pause()
    return pilot.app.screen


def shown_text(screen) -> str:
    return "\n".join(str(w.render()) for w in screen.query("#form Static, #form Label") if w.display)


async def test_a_complete_draft_resumes_at_the_review_and_saves_final_with_one_key(records, guidance):
    async with make_app(records).run_test(size=SIZE) as pilot:
        screen = await open_decision(pilot, final_record(guidance))
        assert screen.step_id == "review"  # resuming opens where you left it: nothing is missing
        review = str(screen.query_one("#review", Static).render())
        assert not MACHINE.search(review.replace(PRACTITIONER, "")), review
        assert "F2 shows the sources" in review and "(002" not in review
        await pilot.press("ctrl+f")
        await pilot.pause(0.5)
        for _ in range(40):
            if isinstance(pilot.app.screen, SavedScreen):
                break
            await pilot.pause(0.1)
        assert isinstance(pilot.app.screen, SavedScreen)
    [path] = sorted(records.glob("[0-9][0-9][0-9][0-9]/*/*/*.toml"))
    assert tomllib.loads(path.read_text())["status"] == "final"


async def test_a_draft_missing_a_field_opens_on_it_marked_and_moving_on_says_which(records, guidance):
    data = final_record(guidance)
    data["decision"].pop("reasons")
    async with make_app(records).run_test(size=SIZE) as pilot:
        screen = await open_decision(pilot, data)
        assert screen.step_id == "decision"
        assert "* required" in shown_text(screen)
        await pilot.press("ctrl+n")
        await pilot.pause()
        msg = str(screen.query_one("#msg", Static).render())
        assert "Still needed on the step you left: Your reasons" in msg, msg
        await pilot.press("ctrl+r")
        await pilot.pause()
        missing = screen.query_one("#missing")
        missing.focus()
        missing.highlighted = 0
        await pilot.press("enter")
        await pilot.pause()
        assert screen.step_id == "decision"
        assert pilot.app.focused.name == "decision.reasons"  # "Enter goes to the step" lands on the field


async def test_focus_shows_and_only_where_it_acts(records, guidance):
    async with make_app(records).run_test(size=SIZE) as pilot:
        await start(pilot)
        screen = pilot.app.screen
        assert not screen.query_one("#side").focusable and not screen.query_one("#form").focusable
        seen = set()
        for _ in range(12):
            await pilot.press("tab")
            focused = pilot.app.focused
            seen.add(focused.id or focused.name)
            assert focused.name or focused.id in ("guidance-pane",), focused  # each stop answers or scrolls
        pane = screen.query_one("#guidance-pane")
        pane.focus()
        await pilot.pause()
        assert pane.has_focus and pane.has_pseudo_class("focus")  # styled by #guidance-pane:focus


async def test_stages_do_not_jump_and_the_dates_are_filled_in(records):
    async with make_app(records).run_test(size=SIZE) as pilot:
        await start(pilot)
        screen = pilot.app.screen
        assert "Stage 1 of 6, About" in shown_text(screen)
        await step(pilot)
        await fill(pilot, "request.requester", "Test Requester")
        await fill(pilot, "request.agency", "Test Police Force")
        await pilot.pause()
        assert screen.data["request"]["received"] == date(2026, 11, 21)  # today
        assert await step(pilot) == "recipient"
        assert "Stage 1 of 6, About" in shown_text(screen)
        assert widget(pilot.app, "recipient.agency").value == "Test Police Force"  # the requester


async def test_typing_into_the_register_filter_keeps_an_agency_not_in_it(records):
    async with make_app(records).run_test(size=SIZE) as pilot:
        await start(pilot)
        await step(pilot)
        assert await step(pilot) == "recipient"
        box = widget(pilot.app, "filter:agency")
        box.focus()
        await pilot.press(*"Test Youth Club")
        await pilot.press("tab")
        await pilot.pause()
        screen = pilot.app.screen
        assert screen.data["recipient"]["agency"] == "Test Youth Club"
        assert widget(pilot.app, "recipient.agency").value == "Test Youth Club"


async def test_a_date_is_checked_when_the_field_is_left(records):
    async with make_app(records).run_test(size=SIZE) as pilot:
        await start(pilot)
        await step(pilot)
        screen = pilot.app.screen
        box = widget(pilot.app, "request.received")
        box.focus()
        box.value = ""
        await pilot.press("2")
        await pilot.pause()
        assert "expected a date" not in str(screen.query_one("#msg", Static).render())
        await pilot.press("tab")
        await pilot.pause()
        assert "expected a date as YYYY-MM-DD" in str(screen.query_one("#msg", Static).render())


async def test_the_lawful_basis_step_shows_the_highlighted_basis_in_full(records, guidance):
    data = final_record(guidance)
    async with make_app(records).run_test(size=SIZE) as pilot:
        screen = await open_decision(pilot, data)
        await screen.show_step("when:lawful_basis")
        await pilot.pause()
        assert widget(pilot.app, "when.confidential")  # asked beside the basis under the 2018 wording
        listing = screen.query_one("#bases-condition")
        listing.focus()
        listing.highlighted = 0
        await pilot.pause()
        basis = guidance.bases[str(listing.get_option_at_index(0).value)]
        detail = str(screen.query_one("#detail-condition", Static).render())
        assert basis.title in detail and "in force" in detail


async def test_the_step_heading_stays_on_screen_when_the_focused_field_is_far_down(records):
    """At 80x24 the checklist opens on its first question not yet answered, far below the heading: the form
    scrolls to it, and "Stage 5 of 6, Keeping the record" stays in view (pinned above what scrolls)."""
    from walks import settle, walk_to

    async with make_app(records).run_test(size=SIZE) as pilot:
        await walk_to(pilot, date(2026, 11, 21), "checklist", 0)
        await settle(pilot)
        screen = pilot.app.screen
        form, heading = screen.query_one("#form"), screen.query_one("#form .step-title", Static)
        assert screen.step_id == "checklist"
        assert form.scroll_y > 0  # the field being answered is below the first screenful
        assert pilot.app.focused.region.y >= heading.region.bottom  # and it shows below the heading
        assert str(heading.render()).startswith("Stage 5 of 6, Keeping the record")
        assert heading.region.height > 0 and form.region.contains_region(heading.region)


async def test_a_draft_resumed_from_home_opens_where_it_was_left(records, guidance):
    """Issue 15 item 7: left on an earlier step than the first one still needing something, a draft opens there
    again (store.resume keeps the step's name by record id under .git/isp/, no personal data); a draft with no
    place kept opens where something is still needed."""
    data = final_record(guidance)
    data["decision"].pop("reasons")  # the first step still needing something is "Your decision"
    async with make_app(records).run_test(size=SIZE) as pilot:
        screen = await open_decision(pilot, data)
        assert screen.step_id == "decision"
        await pilot.press("ctrl+b")
        await pilot.pause()
        left_at = screen.step_id
        assert left_at != "decision"
        await pilot.press("ctrl+s")  # a draft, committed
        for _ in range(50):
            await pilot.pause(0.1)
            if screen.data.get("id") and not screen.dirty:
                break
        record_id = screen.data["id"]
        await pilot.press("escape")  # leave: back to Home
        await pilot.pause()
        [path] = sorted(records.glob(f"[0-9][0-9][0-9][0-9]/*/*/{record_id}.toml"))
        assert (records / ".git" / "isp" / "resume" / record_id).read_text() == left_at
        again = await open_decision(pilot, tomllib.loads(path.read_text()))
        assert again.step_id == left_at
        await pilot.press("escape")  # left again, on the same step
        await pilot.pause()
        (records / ".git" / "isp" / "resume" / record_id).unlink()
        third = await open_decision(pilot, tomllib.loads(path.read_text()))
        assert third.step_id == "decision"  # nothing kept: where something is still needed
