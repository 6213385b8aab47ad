"""Issue 15, the practitioner's speed, through Pilot: the typical case in at most 80 keys with none spent finding
focus (items 1, 5, 6), a returning practitioner's role and organisation remembered (item 5), keys typed back to
back and a bracketed paste landing where they were typed (item 9), the footer at 80x24 and the compact Save
button. Real parts only: a records repository in tmp_path, the real templates, the real store."""

from __future__ import annotations

import tomllib
from contextlib import asynccontextmanager
from datetime import date

from textual import events
from textual.widgets import Button, Footer

from isp_tui.config import Config
from isp_tui.record.ids import id_from_path
from isp_tui.tui.app import IspApp

from conftest import git
from tui_driver import PRACTITIONER, start, widget
from walks import count, play, settle, twelve_months, typical

SIZE = (80, 24)
TODAY = date(2026, 12, 1)
ROLE, ORGANISATION = "Test social worker", "Test Borough Children's Services"


def make_app(records, config: Config | None = None) -> IspApp:
    return IspApp(records=str(records), identity=PRACTITIONER, config=config or Config(), today=TODAY)


def saved_records(records) -> list[dict]:
    paths = [p for p in git(records, "ls-files").split() if id_from_path(p)]
    return [tomllib.loads(git(records, "show", f"HEAD:{p}")) for p in paths]


@asynccontextmanager
async def on_the_name_field(records):
    """A new decision open at 80x24, the subject's name field focused: (app, pilot)."""
    async with make_app(records).run_test(size=SIZE) as pilot:
        await start(pilot)
        widget(pilot.app, "subject.name").focus()
        await pilot.pause()
        yield pilot.app, pilot


async def test_the_typical_case_takes_at_most_80_keys_and_no_key_finds_focus(records, guidance):
    walk = typical(TODAY)
    assert count(walk) <= 80, count(walk)
    async with make_app(records, Config(role=ROLE, organisation=ORGANISATION)).run_test(size=SIZE) as pilot:
        await pilot.app.loaded.wait()
        await play(pilot, walk, paste=True)  # each step checked on the way: a key lost or misplaced fails it
    [record] = saved_records(records)
    assert record["status"] == "final" and record["decision"]["recorded"] == "share"
    assert record["decided"] == {**record["decided"], "role": ROLE, "organisation": ORGANISATION}
    assert record["when"]["consent"] == "not-sought"
    assert record["when"]["consent_not_sought_reason"] == "increased-risk"
    assert {"ca1989-s47", "ukgdpr-art6-1e", "ukgdpr-art9-2g", "dpa2018-sch1-pt2-para18"} <= set(
        record["when"]["lawful_basis"])
    assert record["sharing"]["data_categories"] == ["health-information", "school-attendance"]
    assert record["sharing"]["method"] == "secure-email"
    assert record["retention"]["review_on"] == twelve_months(TODAY)
    answers = record["checklists"]["sixteen-questions"]
    items = guidance.checklists["sixteen-questions"].items
    assert sorted(answers) == [i.id for i in items]  # the 16 questions answered
    for item in items:  # each with the kind of answer it asks for
        assert item.accepts(answers[item.id]), (item.id, answers[item.id])
    assert answers["q05"] == "parent" and answers["q06"] == "The child's, and the family's (test)."
    assert answers["q09"] == "Attendance record and health concerns (test)."  # filled in from what is shared


async def test_the_16_questions_ask_for_the_answer_each_question_wants(records):
    async with make_app(records).run_test(size=SIZE) as pilot:
        await start(pilot)
        screen = pilot.app.screen
        await screen.show_step("checklist")
        await pilot.pause()
        assert pilot.app.focused.name == "checklists.sixteen-questions.q01"  # no key spent finding focus
        whose = widget(pilot.app, "checklists.sixteen-questions.q06")  # "Whose information is this?"
        assert whose.__class__.__name__ == "FieldInput"
        consent = widget(pilot.app, "checklists.sixteen-questions.q05")  # "Whose consent is needed?"
        assert "parent" in [ident for ident, _ in consent.choices]
        await pilot.press("down", "space")  # space chooses and stays
        await settle(pilot)
        assert screen.data["checklists"]["sixteen-questions"]["q01"] == "no"
        assert pilot.app.focused.name == "checklists.sixteen-questions.q01"
        await pilot.press("enter")  # Enter chooses and goes on to the next question not answered
        await settle(pilot)
        assert pilot.app.focused.name == "checklists.sixteen-questions.q02"


async def test_a_returning_practitioner_types_role_and_organisation_once(records):
    async with make_app(records).run_test(size=SIZE) as pilot:  # no config: nothing known of them
        await pilot.app.loaded.wait()
        await play(pilot, typical(TODAY, role=ROLE, organisation=ORGANISATION), paste=True)
    async with make_app(records).run_test(size=SIZE) as pilot:  # the next day's app, the same practitioner
        await start(pilot)
        assert pilot.app.screen.data["decided"] == {"role": ROLE, "organisation": ORGANISATION}
        assert pilot.app.focused.name == "subject.name"  # the step opens past what is remembered
        await pilot.press(*"Test Child Beta", "ctrl+s")  # kept as a draft
        await settle(pilot)
    assert sorted((r["status"], r["decided"]["role"], r["decided"]["organisation"]) for r in saved_records(records)) \
        == [("draft", ROLE, ORGANISATION), ("final", ROLE, ORGANISATION)]


async def test_keys_typed_back_to_back_land_in_order_in_the_field_focused_for_them(records):
    async with on_the_name_field(records) as (app, pilot):
        burst = [*"Test Child", "tab", *"CASE-0002", "tab", *"2026-01-02"]
        for key in burst:  # straight to the app's queue, none waiting for the one before (a fast typist)
            char = key if len(key) == 1 else None
            app._driver.send_message(events.Key({" ": "space", "-": "minus"}.get(key, key), char))
        await settle(pilot)
        data = app.screen.data
        assert data["subject"]["name"] == "Test Child"
        assert data["subject"]["reference"] == "CASE-0002"
        assert data["subject"]["date_of_birth"] == date(2026, 1, 2)


async def test_a_bracketed_paste_goes_into_the_field_and_spreads_over_the_next(records):
    async with on_the_name_field(records) as (app, pilot):
        app._driver.send_message(events.Paste("Test Child Beta"))
        await settle(pilot)
        assert app.screen.data["subject"]["name"] == "Test Child Beta"
        widget(app, "subject.name").value = ""
        app._driver.send_message(events.Paste("Test Child Gamma\tTEST-0003\n"))  # two cells copied from a table
        await settle(pilot)
        assert app.screen.data["subject"] == {"name": "Test Child Gamma", "reference": "TEST-0003"}
        assert app.focused.name == "subject.reference"


async def test_the_footer_keeps_leave_at_80x24_and_the_focused_save_button_is_one_row(records, guidance):
    from factory import final_record
    from isp_tui.tui.screens.decision import DecisionScreen

    async with make_app(records).run_test(size=SIZE) as pilot:
        await pilot.app.loaded.wait()
        await pilot.app.push_screen(DecisionScreen(final_record(guidance)))
        await settle(pilot)
        screen = pilot.app.screen
        footer = screen.query_one(Footer)
        assert footer.compact and not footer.show_command_palette
        shown = {key.action for key in footer.query("FooterKey")}
        assert "leave" in shown
        last = max(key.region.right for key in footer.query("FooterKey"))
        assert last <= SIZE[0]  # nothing cut: Leave is the last key but one, Help the last
        button = screen.query_one("#save-final", Button)
        assert button.has_focus and button.region.height == 1
