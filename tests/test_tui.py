"""The full-screen app through Textual's Pilot: every path of the flowchart to a committed record,
drafts kept on leaving, autosave after a crash, browse, amend, rules, keymap, palette, help.

Real parts only: a real records repository in tmp_path, the real templates, the real store."""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path

import pytest
from textual.widgets import DataTable, OptionList

from isp_tui.config import Config
from isp_tui.identity import Identity
from isp_tui.store import Store
from isp_tui.store.autosave import autosaves
from isp_tui.tui.app import IspApp
from isp_tui.tui.screens.browse import AmendScreen, BrowseScreen, RecordScreen
from isp_tui.tui.screens.decision import DecisionScreen
from isp_tui.tui.screens.decision_view import SavedScreen
from isp_tui.tui.screens.guide import ChecklistsScreen, RulesScreen
from isp_tui.tui.screens.help import HelpScreen
from isp_tui.tui.screens.home import HomeScreen

import sys

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from conftest import git
from factory import final_record
from tui_driver import PATHS, PRACTITIONER, about, choose, fill, save_final, start, step, walk

SIZE = (80, 24)


def make_app(records: Path, **kw) -> IspApp:
    return IspApp(records=str(records), identity=PRACTITIONER, today=date(2026, 11, 21), **kw)


def record_files(records: Path) -> list[Path]:
    return sorted(records.glob("[0-9][0-9][0-9][0-9]/*/*/*.toml"))


# Three walks that prove different screens: sharing with consent (the How steps), sharing without consent
# through the lawful-basis picker and the special-category condition, and not sharing (no How steps). The
# engine's whole matrix of answers is tested once, in the engine's own tests.
WALKS = ("consent-given", "not-sought-lawful-basis", "refused-no-lawful-basis")


@pytest.mark.parametrize("name", WALKS)
async def test_every_path_of_the_flowchart_ends_in_a_committed_record(records, name):
    answers, engine, recorded = PATHS[name]
    app = make_app(records)
    async with app.run_test(size=SIZE) as pilot:
        await walk(pilot, answers, engine, recorded)
        saved_screen = await save_final(pilot)
        assert isinstance(saved_screen, SavedScreen)
        saved = saved_screen.saved
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
    [path] = record_files(records)
    assert path.stem == saved.id
    record = tomllib.loads(path.read_text())
    assert record["status"] == "final"
    assert record["outcome"]["engine"] == engine
    assert record["decision"]["recorded"] == recorded
    assert record["outcome"]["path"] == [node for node, _ in answers]
    assert record["subject"]["name"] == "Test Child Alpha"
    assert record["recipient"]["agency_id"]  # chosen from the partner register
    assert record["request"]["response_due"] == date(2026, 11, 23)
    log = git(records, "log", "--format=%H%x1f%an <%ae>%x1f%s%x1f%(trailers:key=Outcome,valueonly)")
    [line] = log.strip().splitlines()
    commit, author, subject, outcome = line.split("\x1f")
    assert commit == saved.commit
    assert author == PRACTITIONER
    assert subject == f"record {saved.id}: final ({recorded})"
    assert outcome == recorded
    assert "Test Child" not in git(records, "log", "--format=%B")  # no personal data in commits
    assert git(records, "status", "--porcelain") == ""
    assert autosaves(Store(records)) == []


async def test_warnings_show_as_they_arise(records):
    app = make_app(records)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot)
        screen = app.screen
        screen.data["context"]["recipient_statutory"] = False
        for node, value in (("legitimate_purpose", "yes"), ("consent", "refused"), ("identifiable", "yes")):
            await screen.show_step(f"when:{node}")
            await choose(pilot, f"when.{node}", value)
        await screen.show_step("when:lawful_basis")
        await choose(pilot, "context.special_category", "yes")
        from tui_driver import select

        await select(pilot, "when.lawful_basis", "cda1998-s115", "ukgdpr-art6-1e")
        warnings = [w.code for w in screen.decision.warnings]
        assert "statutory-only-basis" in warnings or "no-special-category-condition" in warnings
        side = str(screen.query_one("#outcome").render())
        assert "!" in side


async def test_a_half_finished_decision_survives_quitting_as_a_draft(records):
    app = make_app(records)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot)
        await about(pilot)
        await step(pilot)
        await step(pilot)
        await step(pilot)
        await choose(pilot, "when.legitimate_purpose", "yes")
        await pilot.press("ctrl+q")
    [path] = record_files(records)
    record = tomllib.loads(path.read_text())
    assert record["status"] == "draft"
    assert record["subject"]["name"] == "Test Child Alpha"
    assert record["when"] == {"legitimate_purpose": "yes"}
    assert git(records, "log", "--format=%s").strip() == f"record {path.stem}: draft (incomplete)"
    assert autosaves(Store(records)) == []

    # ...and is resumed from Home > Resume a draft
    app = make_app(records)
    async with app.run_test(size=SIZE) as pilot:
        await app.loaded.wait()
        await pilot.pause()
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, BrowseScreen)
        assert app.screen.query_one(DataTable).row_count == 1
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, RecordScreen)
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, DecisionScreen)
        assert app.screen.data["subject"]["name"] == "Test Child Alpha"
        assert app.screen.data["id"] == path.stem


async def test_nothing_typed_is_lost_on_a_crash(records):
    app = make_app(records)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot)
        await fill(pilot, "subject.name", "Test Child Beta")
        app.screen.write_autosave()
        app.exit()  # as if the terminal closed: no draft is committed
    [saved] = autosaves(Store(records))
    assert "Test Child Beta" in saved.read_text()
    assert not record_files(records)

    app = make_app(records)
    async with app.run_test(size=SIZE) as pilot:
        await app.loaded.wait()
        await pilot.pause()
        menu = app.screen.query_one("#home-menu", OptionList)
        index = next(i for i in range(menu.option_count) if (menu.get_option_at_index(i).id or "").startswith("autosave:"))
        menu.highlighted = index
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DecisionScreen)
        assert app.screen.data["subject"]["name"] == "Test Child Beta"
        await pilot.press("escape")  # leaving keeps it as a committed draft
        await pilot.pause()
    assert autosaves(Store(records)) == []
    [path] = record_files(records)
    assert tomllib.loads(path.read_text())["subject"]["name"] == "Test Child Beta"


async def test_browse_more_records_than_a_page_shows_the_count_and_reaches_the_last(records, guidance):
    """The table is filled a page at a time: the count is of every record, and the cursor reaches the oldest.
    The repository is generated (bench/generate.py: real record files and commit messages through git
    fast-import), not made by hundreds of saves."""
    from generate import generate

    from isp_tui.tui.screens.browse import PAGE

    total = 2 * PAGE + 30
    generate(records, total, gc=False)
    files = sorted(records.glob("*/*/*/*.toml"), key=lambda p: p.stem)
    assert len(files) == total
    oldest = files[0].stem
    reference = tomllib.loads(files[7].read_text())["subject"]["reference"]
    app = make_app(records)
    async with app.run_test(size=SIZE) as pilot:
        await app.loaded.wait()
        await pilot.pause()
        await pilot.press("b")
        await pilot.pause()
        table = app.screen.query_one(DataTable)
        assert app.screen.sub_title == f"records: {total}"
        assert table.row_count < total  # the first page only
        for _ in range(total // 10):
            if table.cursor_row == total - 1:
                break
            await pilot.press("ctrl+end")  # the last row loaded: the next page is added as it is reached
            await pilot.pause()
        assert table.row_count == total
        assert table.cursor_row == total - 1
        assert table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value == oldest  # newest first
        await pilot.press("ctrl+f", *reference)
        await pilot.pause()
        assert app.screen.sub_title == "records: 1"
        assert table.row_count == 1


async def test_browse_search_open_history_and_amend(records, guidance):
    store = Store(records)
    author = Identity.parse(PRACTITIONER)
    first = store.save(final_record(guidance), guidance, author)
    store.save(final_record(guidance, recipient={"agency": "Test Health Trust"},
                            subject={"reference": "TEST-0002"}), guidance, author)
    app = make_app(records)
    async with app.run_test(size=SIZE) as pilot:
        await app.loaded.wait()
        await pilot.pause()
        await pilot.press("b")
        await pilot.pause()
        table = app.screen.query_one(DataTable)
        assert table.row_count == 2
        await pilot.press("ctrl+f", *"TEST-0002")
        await pilot.pause()
        assert table.row_count == 1
        app.screen.query_one("#search").value = ""
        await pilot.pause()
        table.focus()
        table.move_cursor(row=table.get_row_index(first.id))
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, RecordScreen)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "final (share)" in str(app.screen.query_one("#history").render())
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, AmendScreen)
        area = next(w for w in app.screen.query("TextArea") if w.name == "sharing.information")  # the form's field
        area.text = area.text.replace("Fictional attendance summary.", "Fictional attendance summary, corrected.")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "reason is required" in str(app.screen.query_one("#amend-msg").render())
        app.screen.query_one("#amend-reason").value = "Test correction of the summary"
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("y")  # the changes listed, then saved (test_amend_is_a_form_that_lists_the_changes)
        await pilot.pause()
        assert isinstance(app.screen, RecordScreen)
        await app.workers.wait_for_complete()
        await pilot.pause()
        history = str(app.screen.query_one("#history").render())
        assert "Test correction of the summary" in history
        # the change under the form's label, not its TOML key (record_doc.change_words)
        assert "How much information is it necessary to share" in history and "sharing.information" not in history
    assert git(records, "log", "-1", "--format=%s").strip() == f"record {first.id}: amend (share)"


async def test_rules_checklists_help_palette_and_ruleset_switch(records):
    app = make_app(records)
    async with app.run_test(size=SIZE) as pilot:
        await app.loaded.wait()
        await pilot.pause()
        await pilot.press("g")
        await pilot.pause()
        assert isinstance(app.screen, RulesScreen)
        text = str(app.screen.query_one("#guide-text").render())
        assert "Golden rule 1" in text and "What it asks of you" in text
        await pilot.press("down")
        await pilot.pause()
        assert "Golden rule 2" in str(app.screen.query_one("#guide-text").render())
        await pilot.press("s")  # the other wording, to read: nothing changes yet (test_ruleset_choice_is_explicit)
        await pilot.pause()
        assert "Data Protection Act 1998" in app.screen.sub_title
        await pilot.press("u", "y")
        await pilot.pause()
        assert app.ruleset_id == "dpa-1998"
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape", "escape")
        await pilot.pause()
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, ChecklistsScreen)
        assert "Do I already have informed consent" in str(app.screen.query_one("#guide-text").render())
        await pilot.press("escape")
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"browse", "enter")
        await pilot.pause()
        assert isinstance(app.screen, BrowseScreen)


async def test_keymap_from_the_config_file_remaps_bindings(records):
    app = make_app(records, config=Config(keymap={"home.browse": "l", "decision.next": "f5"}))
    async with app.run_test(size=SIZE) as pilot:
        await app.loaded.wait()
        await pilot.pause()
        await pilot.press("l")
        await pilot.pause()
        assert isinstance(app.screen, BrowseScreen)
        await pilot.press("escape", "n")
        await pilot.pause()
        await pilot.press("f5")
        await pilot.pause()
        assert app.screen.step_id == "request"


async def test_themes_include_the_terminals_own_colours(records):
    for name in ("ansi", "textual-ansi", "ansi-light"):
        app = make_app(records, config=Config(theme=name))
        async with app.run_test(size=SIZE):
            assert app.current_theme.ansi


def test_nothing_heavy_is_imported_before_the_first_screen():
    """GitPython, the store, the records and the bank holidays load in a worker after the first paint."""
    import subprocess
    import sys

    code = ("import sys, isp_tui.tui.app, isp_tui.tui.screens.home; "
            "heavy = [m for m in ('git', 'holidays', 'isp_tui.store', 'isp_tui.index', 'isp_tui.record') if m in sys.modules]; "
            "print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


async def test_sync_from_the_command_palette_pushes_to_the_organisations_repository(records, tmp_path, guidance):
    from isp_tui.sync import add_remote

    remote = tmp_path / "org.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    store = Store(records)
    saved = store.save(final_record(guidance), guidance, Identity.parse(PRACTITIONER))
    app = make_app(records)
    async with app.run_test(size=SIZE) as pilot:
        await app.loaded.wait()
        await app.action_sync()  # not configured yet: says so, changes nothing
        await app.workers.wait_for_complete()
        add_remote(store, remote.as_uri())
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"sync", "enter")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
    assert git(remote, "rev-parse", "main").strip() == saved.commit
