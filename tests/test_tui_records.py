"""Issue 15, items 12 to 15 and 17 in the app, through Textual's Pilot: choosing a ruleset is explicit,
records are found again, a record reads as a document and is amended as a form, keys tell the truth,
and Home says which records repository it uses. Real parts only: a real records repository in tmp_path,
the real templates, the real store."""

from __future__ import annotations

import tomllib
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path

from textual.widgets import DataTable

from isp_tui.config import Config
from isp_tui.identity import Identity
from isp_tui.store import Store
from isp_tui.store.autosave import new_autosave_path, write_autosave
from isp_tui.tui.app import IspApp
from isp_tui.tui.screens.browse import AmendScreen, BrowseScreen, RecordScreen
from isp_tui.tui.screens.guide import RulesScreen
from isp_tui.tui.screens.home import HomeScreen
from isp_tui.tui.screens.record import ConfirmAmendScreen
from isp_tui.tui.screens.ruleset import ConfirmRulesetScreen
from isp_tui.tui.widgets.keybar import KeyBar

from conftest import git
from factory import final_record
from tui_driver import PRACTITIONER

SMALL, LARGE = (80, 24), (200, 50)
LONG_AGENCY = "Test Leicestershire Partnership NHS Trust Safeguarding and Early Help Team"


def make_app(records: Path | None, **kw) -> IspApp:
    return IspApp(records=str(records) if records else None, identity=PRACTITIONER, today=date(2026, 11, 21), **kw)


async def ready(app, pilot) -> None:
    await app.loaded.wait()
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


def rendered(widget) -> str:
    return str(widget.render())


def footer_keys(app) -> list[tuple[str, str, bool]]:
    """What the footer offers now: (key as shown, description, enabled), in its order."""
    out = []
    for active in app.screen.active_bindings.values():
        if active.binding.show:
            out.append((app.get_key_display(active.binding), active.binding.description, active.enabled))
    return out


def four_test_children(records: Path, guidance) -> list:
    store = Store(records)
    me = Identity.parse(PRACTITIONER)
    saved = []
    for n, agency in enumerate(("Test Police Force", LONG_AGENCY, "Test Police Force", "Test School")):
        saved.append(store.save(final_record(guidance, subject={"reference": f"TEST-000{n + 1}"},
                                             recipient={"agency": agency}), guidance, me))
    saved.append(store.save(final_record(guidance, subject={"reference": "TEST-0009"}), guidance, me, draft=True))
    return saved


@asynccontextmanager
async def first_record_open(records: Path, guidance):
    """The first of four_test_children's records open on its screen at 80x24: (app, pilot, that record)."""
    [first, *_] = four_test_children(records, guidance)
    app = make_app(records)
    async with app.run_test(size=SMALL) as pilot:
        await ready(app, pilot)
        app.push_screen(RecordScreen(first.id))
        await pilot.pause()
        yield app, pilot, first


# -- 12: switching ruleset is explicit ---------------------------------------------------------------------


async def test_ruleset_choice_is_explicit_and_the_1998_wording_is_historical(records):
    app = make_app(records)
    async with app.run_test(size=SMALL) as pilot:
        await ready(app, pilot)
        await pilot.press("g")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, RulesScreen) and app.ruleset_id == "gdpr-2018"
        await pilot.press("s")  # view the other wording: nothing changes for new decisions
        await pilot.pause()
        assert app.ruleset_id == "gdpr-2018"
        assert "reading only" in screen.sub_title and "1998" in screen.sub_title
        text = rendered(screen.query_one("#guide-text"))
        assert "Historical wording" in text and "is repealed" in text and "Schedule 19" in text
        assert "(historical)" in str(screen.query_one("#guide-list").get_option_at_index(0).prompt)
        await pilot.press("u")  # choose it: asked first, saying what changes
        await pilot.pause()
        assert isinstance(app.screen, ConfirmRulesetScreen)
        asked = rendered(app.screen.query_one("#ruleset-text"))
        assert "What changes" in asked and "What does not" in asked and "Historical" in asked
        await pilot.press("n")
        await pilot.pause()
        assert app.ruleset_id == "gdpr-2018" and app.screen is screen
        await pilot.press("u", "y")
        await pilot.pause()
        assert app.ruleset_id == "dpa-1998"
        assert "in use" in screen.sub_title
        await pilot.press("escape")
        await pilot.pause()
        assert "historical" in rendered(app.screen.query_one("#where"))
        await pilot.press("s")  # Home's "Choose ruleset" asks too
        await pilot.pause()
        assert isinstance(app.screen, ConfirmRulesetScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert app.ruleset_id == "dpa-1998"
        await pilot.press("s")  # Enter without looking takes the safe choice: the ruleset in use is kept
        await pilot.pause()
        assert isinstance(app.screen, ConfirmRulesetScreen) and app.screen.focused.id == "ruleset-no"
        await pilot.press("enter")
        await pilot.pause()
        assert app.ruleset_id == "dpa-1998" and not isinstance(app.screen, ConfirmRulesetScreen)


def test_a_ruleset_without_the_historical_key_still_loads(guidance):
    """`historical` is optional (templates/README.md): the 2018 wording has none."""
    assert guidance.rulesets["gdpr-2018"].historical == ""
    assert "repealed" in guidance.rulesets["dpa-1998"].historical


# -- 13: records you can find again ------------------------------------------------------------------------


async def test_browse_shows_reference_recipient_dates_and_state_at_80_and_200_columns(records, guidance):
    saved = four_test_children(records, guidance)
    for size in (SMALL, LARGE):
        app = make_app(records)
        async with app.run_test(size=size) as pilot:
            await ready(app, pilot)
            await pilot.press("b")
            await pilot.pause()
            table = app.screen.query_one(DataTable)
            header = str(table.ordered_columns[0].label)
            for title in ("Reference", "Recipient", "Respond by", "Review", "State"):
                assert title in header, (size, header)
            lines = [str(table.get_row_at(n)[0]) for n in range(table.row_count)]
            assert all(len(line) <= size[0] - 4 for line in lines + [header])
            assert sorted(line.split()[0 if size == SMALL else 1] for line in lines) == \
                ["TEST-0001", "TEST-0002", "TEST-0003", "TEST-0004", "TEST-0009"]  # four Test Childs told apart
            assert any("draft" in line for line in lines) and any("share" in line for line in lines)
            assert any("2026-11-23" in line and "2027-11-03" in line for line in lines)
            if size == LARGE:
                assert any(LONG_AGENCY in line for line in lines)  # the recipient in full
                assert "Id" in header and any(s.id in " ".join(lines) for s in saved)
            else:
                assert "Id" not in header  # the lesser columns go first
            table.move_cursor(row=next(n for n, line in enumerate(lines) if "TEST-0002" in line))
            await pilot.pause()
            detail = rendered(app.screen.query_one("#detail"))
            assert LONG_AGENCY in detail.replace("\n", " ") and "TEST-0002" in detail  # whole, below the table


async def test_home_lists_drafts_by_date_and_reference_and_recovered_work_in_words(records, guidance):
    store = Store(records)
    store.save({"subject": {"reference": "TEST-0001", "name": "Test Child"}, "ruleset": {"id": "gdpr-2018"}},
               guidance, Identity.parse(PRACTITIONER), draft=True)
    path = new_autosave_path(store)
    assert write_autosave(store, path, {"subject": {"reference": "TEST-0042"}})
    app = make_app(records)
    async with app.run_test(size=SMALL) as pilot:
        await ready(app, pilot)
        due = rendered(app.screen.query_one("#due"))
        assert "draft TEST-0001" in due and "(no date)" not in due
        assert any(line.startswith(f"{date.today().isoformat()} draft TEST-0001") or " draft TEST-0001" in line
                   for line in due.splitlines())
        menu = app.screen.query_one("#home-menu")
        prompts = [str(menu.get_option_at_index(n).prompt) for n in range(menu.option_count)]
        recovered = [p for p in prompts if "unsaved work" in p.lower()]
        assert recovered and "TEST-0042" in recovered[0] and path.stem[-6:] not in recovered[0]


# -- 14: a record is read as a document, and amended as a form ---------------------------------------------


async def test_a_record_reads_as_a_document_with_the_toml_one_key_away(records, guidance):
    async with first_record_open(records, guidance) as (app, pilot, _first):
        text = rendered(app.screen.query_one("#record"))
        for words in ("Final record: TEST-0001", "About the decision", "Case reference: TEST-0001",
                      "Review and retention", "Review on: 2027-11-03", "The flowchart's outcome: SHARE",
                      "UK GDPR, Article 6(1)(e)"):
            assert words in text, words
        for machine in ("sha256", "[[outcome.reasons]]", "lawful_basis", "ukgdpr-art6-1e", "True", "['"):
            assert machine not in text, machine
        await pilot.press("t")
        await pilot.pause()
        toml = rendered(app.screen.query_one("#record"))
        assert "[[outcome.reasons]]" in toml and "sha256" in toml
        await pilot.press("t")
        await pilot.pause()
        assert "About the decision" in rendered(app.screen.query_one("#record"))


async def test_amend_is_a_form_that_lists_the_changes_in_words_before_saving(records, guidance):
    async with first_record_open(records, guidance) as (app, pilot, first):
        await pilot.press("a")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, AmendScreen)
        assert not screen.query("#amend-text")  # no TOML editor
        review = next(w for w in screen.query("Input") if w.name == "retention.review_on")  # the decision's field
        review.focus()
        review.value = "2027-12-01"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "reason is required" in rendered(screen.query_one("#amend-msg"))
        reason = screen.query_one("#amend-reason")
        reason.value = "Test: review sooner"
        review.value = "2027-13-45"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "expected a date" in rendered(screen.query_one("#amend-msg"))
        review.value = "2027-12-01"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmAmendScreen) and app.screen.focused.id == "changes-yes"
        listed = rendered(app.screen.query_one("#changes-text"))
        assert "Review on: 2027-11-03 -> 2027-12-01" in listed and "retention.review_on" not in listed
        await pilot.press("n")  # back to the form: nothing saved
        await pilot.pause()
        assert app.screen is screen
        assert git(records, "log", "-1", "--format=%s").strip().endswith("(share)")
        assert "amend" not in git(records, "log", "-1", "--format=%s")
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, RecordScreen)
        await app.workers.wait_for_complete()
        await pilot.pause()
        pane = rendered(app.screen.query_one("#history"))  # the record's history: the same words
        assert "changed: Review on" in pane and "Review on: 2027-11-03 -> 2027-12-01" in pane
        assert "retention.review_on" not in pane
    assert git(records, "log", "-1", "--format=%s").strip() == f"record {first.id}: amend (share)"
    record = tomllib.loads((records / first.path).read_text())
    assert record["retention"]["review_on"] == date(2027, 12, 1)
    assert record["amendments"][-1]["reason"] == "Test: review sooner"
    assert [c["field"] for c in record["amendments"][-1]["changes"]] == ["retention.review_on"]


# -- 15: keys tell the truth -------------------------------------------------------------------------------


async def test_menu_labels_are_drawn_from_the_bindings_after_a_keymap(records):
    app = make_app(records, config=Config(keymap={"home.new": "ctrl+n"}))
    async with app.run_test(size=SMALL) as pilot:
        await ready(app, pilot)
        menu = app.screen.query_one("#home-menu")
        first = str(menu.get_option_at_index(0).prompt)
        assert first == "New decision (^n)" and "(n)" not in first  # Textual's key display of ctrl+n
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert app.screen.__class__.__name__ == "DecisionScreen"


async def test_an_unknown_theme_or_keymap_id_is_reported_on_home(records):
    app = make_app(records, config=Config(theme="no-such-theme", keymap={"home.nwe": "x", "home.new": "ctrl+n"}))
    async with app.run_test(size=SMALL) as pilot:
        await ready(app, pilot)
        where = " ".join(rendered(app.screen.query_one("#where")).split())
        assert "theme 'no-such-theme' is not one of the app's themes" in where
        assert "keymap 'home.nwe' names no key of the app" in where
        assert "home.new" not in where


async def test_browse_footer_shows_enter_a_and_e_and_a_amends_the_row(records, guidance):
    saved = four_test_children(records, guidance)
    app = make_app(records)
    async with app.run_test(size=SMALL) as pilot:
        await ready(app, pilot)
        await pilot.press("b")
        await pilot.pause()
        assert isinstance(app.screen, BrowseScreen)
        keys = {description: (key, enabled) for key, description, enabled in footer_keys(app)}
        assert {"Open", "Amend", "Resume", "Help"} <= set(keys)
        table = app.screen.query_one(DataTable)
        draft_row = table.get_row_index(saved[-1].id)
        table.move_cursor(row=draft_row)
        await pilot.pause()
        assert app.screen.check_action("amend", ()) is None and app.screen.check_action("resume", ()) is True
        table.move_cursor(row=table.get_row_index(saved[1].id))
        await pilot.pause()
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, AmendScreen) and app.screen.record.id == saved[1].id
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, RecordScreen) and app.screen.record_id == saved[1].id


async def test_the_home_footer_has_f1_at_80x24(records):
    app = make_app(records)
    async with app.run_test(size=SMALL) as pilot:
        await ready(app, pilot)
        assert isinstance(app.screen, HomeScreen)
        footer = app.screen.query_one(KeyBar)  # Home's footer: Footer's line drawn by one widget
        shown = [key for key, _, _ in footer_keys(app)]
        assert "f1" in shown
        # drawn within the 80 columns: the footer's keys take no more than the screen's width
        width = sum(len(key) + len(description) + 3 for key, description, _ in footer_keys(app))
        assert width + len(" ^p palette ") <= 80, width
        assert footer.region.width == 80
        drawn = rendered(footer)
        assert " f1 Help " in drawn and drawn.rstrip().endswith("^p palette") and len(drawn) == 80


# -- 17: one records repository per user ---------------------------------------------------------------------


async def test_home_shows_the_default_records_repository_and_the_app_creates_it(isolated_env):
    default = isolated_env / ".local" / "share" / "isp-tui" / "records"
    app = make_app(None)
    async with app.run_test(size=SMALL) as pilot:
        await ready(app, pilot)
        where = " ".join(rendered(app.screen.query_one("#where")).split())
        assert str(default) in where.replace(" ", "") or str(default) in where
        assert "your default" in where
    assert (default / ".git").is_dir()
