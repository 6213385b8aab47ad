"""Issue 15, item 6: the child-capacity questions (003 Appendix A, on the consent step for a child) are answered as
the 16 questions are: arrows move, space chooses and stays, Enter chooses and goes on to the next question not yet
answered. Enter no longer cycles an answer through yes / no / not applicable. Real parts only."""

from __future__ import annotations

from datetime import date

from isp_tui.config import Config
from isp_tui.tui.app import IspApp

from tui_driver import PRACTITIONER
from walks import settle, walk_to

SIZE = (80, 24)
TODAY = date(2026, 12, 1)
Q = "checklists.child-capacity."


def make_app(records) -> IspApp:
    return IspApp(records=str(records), identity=PRACTITIONER, today=TODAY,
                  config=Config(role="Test social worker", organisation="Test Borough Children's Services"))


async def at_the_capacity_questions(pilot) -> None:
    """The typical walk (a child) up to the consent step, consent not sought and why: the capacity questions next."""
    await walk_to(pilot, TODAY, "when:consent", 4)  # the step; not sought (down, down, Enter); the first reason


async def test_the_capacity_questions_take_space_and_enter_as_the_16_questions_do(records):
    async with make_app(records).run_test(size=SIZE) as pilot:
        await at_the_capacity_questions(pilot)
        app, screen = pilot.app, pilot.app.screen
        assert app.focused.name == Q + "alternatives"  # Enter on the reason went on to the first question
        assert app.focused.__class__.__name__ == "ChoiceList"
        await pilot.press("space")  # chooses the highlighted answer (yes) and stays
        await settle(pilot)
        assert screen.data["checklists"]["child-capacity"] == {"alternatives": "yes"}
        assert app.focused.name == Q + "alternatives"
        await pilot.press("enter")  # chooses it again (no cycling on to "no") and goes on
        await settle(pilot)
        assert screen.data["checklists"]["child-capacity"] == {"alternatives": "yes"}
        assert app.focused.name == Q + "weigh-up"
        await pilot.press("down", "enter")  # no
        await settle(pilot)
        assert app.focused.name == Q + "own-view"
        await pilot.press("down", "down", "enter")  # not applicable
        await settle(pilot)
        assert screen.data["checklists"]["child-capacity"] == {"alternatives": "yes", "weigh-up": "no",
                                                               "own-view": "not-applicable"}
        assert app.focused.name == Q + "consistent"
        await pilot.press("enter")
        await settle(pilot)
        assert app.focused.name == "context.child_capacity"  # then the question they lead to


async def test_the_capacity_questions_are_kept_in_the_saved_record(records):
    async with make_app(records).run_test(size=SIZE) as pilot:
        await at_the_capacity_questions(pilot)
        await pilot.press("enter", "down", "enter")
        await settle(pilot)
        await pilot.press("ctrl+s")  # a draft
        await settle(pilot)
    import tomllib

    from conftest import git
    from isp_tui.record.ids import id_from_path

    [path] = [p for p in git(records, "ls-files").split() if id_from_path(p)]
    record = tomllib.loads(git(records, "show", f"HEAD:{path}"))
    assert record["checklists"]["child-capacity"] == {"alternatives": "yes", "weigh-up": "no"}
