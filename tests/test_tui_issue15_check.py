"""Issue 15 checked end to end as a new practitioner would (80x24, the typical case): what fell short, each pinned.

- item 1: Enter on "Consent not sought" focused the reason below the fold and left it there (the next Enter
  chose a reason nobody could see), and shift+Tab up to the partner register's filter left it under the pinned
  step heading;
- item 3: the fields that choosing "Share" brings up (why you share without consent...) were not marked required;
- item 4: the decision step gave every reason with its source ("(gdpr-2018 when.legitimate_purpose (002
  When))") and the side panel and the review said "not-sought"; the public-interest warning named its field
  in the very words it had just said;
- item 2: a filter's "18" matched every entry of the Act of 2018 (four rows cut to "Schedule 1, P"), and a data
  category's row was cut ("Health information (GP/Health Workers i") with nothing saying the rest;
- item 14: the record read as a document listed every basis twice, under both lists, and in the amend form
  ctrl+End did nothing, the review date and the reason some forty fields down;
- item 15: browse with no records named Home's new-decision key as "n" after a [keymap].
Real parts only: a records repository in tmp_path, the real templates, the real store, Textual's Pilot."""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual.widgets import Label, Static

from isp_tui.config import Config
from isp_tui.tui.app import IspApp
from isp_tui.tui.forms import DecisionForm
from isp_tui.tui.forms.fields import matches
from isp_tui.tui.screens.browse import BrowseScreen, RecordScreen

from factory import final_record
from tui_driver import PRACTITIONER
from walks import settle, walk_to

SIZE = (80, 24)
TODAY = date(2026, 12, 1)


def make_app(records, config: Config | None = None) -> IspApp:
    return IspApp(records=str(records), identity=PRACTITIONER, today=TODAY, config=config or Config(
        role="Test social worker", organisation="Test Borough Children's Services"))


def text_of(widget) -> str:
    rendered = widget.render()
    return rendered.plain if isinstance(rendered, Text) else str(rendered)


async def test_enter_brings_the_question_it_goes_on_to_into_view_and_answers_read_in_words(records):
    async with make_app(records).run_test(size=SIZE) as pilot:
        await walk_to(pilot, TODAY, "when:consent", 0)
        await pilot.press("down", "down", "enter")  # consent not sought: the reason appears, far below at 80x24
        await settle(pilot)
        screen, focused = pilot.app.screen, pilot.app.focused
        form = screen.query_one("#form")
        assert focused.name == "when.consent_not_sought_reason"
        heading = screen.query_one("#form .step-title", Static)
        question = focused.parent.query_one(".field-label", Label)
        # the question and the answers' first (highlighted) rows below the pinned heading, on screen
        assert heading.region.bottom <= question.region.y and question.region.bottom <= focused.region.y
        assert focused.region.y + 2 <= form.region.bottom, (focused.region, form.region)
        side = text_of(screen.query_one("#map", Static))
        assert "not sought -> identifiable?" in side and "not-sought" not in side


async def test_the_decision_step_marks_what_share_brings_up_and_gives_reasons_in_words(records):
    async with make_app(records).run_test(size=SIZE) as pilot:
        await walk_to(pilot, TODAY, "decision", 0)
        screen = pilot.app.screen
        guidance = text_of(screen.query_one("#guidance", Static))
        assert "There is a clear and legitimate purpose for sharing." in guidance
        assert "gdpr-2018 when." not in guidance and "(002 When)" not in guidance  # sources: one key away
        assert "F2 shows the sources" in guidance
        await pilot.press("enter")  # share: why without consent, why necessary and the public interest appear
        await settle(pilot)
        marked = {box.field.key: text_of(box.query_one(".field-label", Label))
                  for box in screen.query("#form .field") if box.display and hasattr(box, "field")}
        for key in ("consent.explanation", "decision.necessity", "decision.public_interest"):
            assert marked[key].endswith("* required"), (key, marked[key])
        await pilot.press("f2")
        await settle(pilot)
        assert "(gdpr-2018 when.legitimate_purpose (002 When))" in " ".join(
            text_of(screen.query_one("#guidance", Static)).split())
        assert pilot.app.focused.name == "decision.reasons"  # F2 keeps the field being answered


def test_a_filter_word_begins_a_word_of_the_entry(guidance):
    assert matches("para 18", "Data Protection Act 2018, Schedule 1, Part 2, paragraph 18")
    assert not matches("18", "Data Protection Act 2018, Schedule 1, Part 1, paragraph 1")
    assert matches("s47", "ca1989-s47", "Children Act 1989, section 47")
    assert matches("6(1)(e)", "UK GDPR, Article 6(1)(e) (public task)")
    assert matches("", "anything") and matches("POLICE", "Leicestershire Police")
    form = DecisionForm(guidance, ruleset_id="gdpr-2018", today=TODAY)
    assert [b.id for b, _ in form.citable_bases("condition", "18")] == ["dpa2018-sch1-pt2-para18"]


async def test_a_record_lists_its_general_bases_and_its_conditions_apart(records, guidance):
    from isp_tui.identity import Identity
    from isp_tui.store import Store

    data = final_record(guidance)  # CA 1989 s47, Art 6(1)(e), 9(2)(g) and DPA 2018 Sch 1 para 18
    saved = Store(records).save(data, guidance, Identity.parse(PRACTITIONER))
    async with make_app(records).run_test(size=SIZE) as pilot:
        await pilot.app.loaded.wait()
        pilot.app.push_screen(RecordScreen(saved.id))
        await settle(pilot)
        lines = text_of(pilot.app.screen.query_one("#record")).splitlines()
        general = next(line for line in lines if line.startswith("Lawful bases"))
        condition = next(line for line in lines if line.startswith("Special-category condition"))
        assert "Article 6(1)(e)" in general and "section 47" in general
        assert "9(2)(g)" not in general and "paragraph 18" not in general
        assert "Article 9(2)(g)" in condition and "paragraph 18" in condition
        assert "6(1)(e)" not in condition and "section 47" not in condition


async def test_browse_with_no_records_names_homes_key_after_a_keymap(records):
    app = make_app(records, Config(keymap={"home.new": "ctrl+n"}))
    async with app.run_test(size=SIZE) as pilot:
        await app.loaded.wait()
        app.push_screen(BrowseScreen())
        await settle(pilot)
        shown = text_of(app.screen.query_one("#problems", Static))
        assert "from Home (^n)" in shown and "(n)" not in shown


async def test_a_data_category_cut_short_at_80x24_shows_whole_below_the_list(records, guidance):
    async with make_app(records).run_test(size=SIZE) as pilot:
        await walk_to(pilot, TODAY, "how:how-much", 3)  # what is shared, Tab, "health" typed into the filter
        screen = pilot.app.screen
        assert pilot.app.focused.name == "filter:sharing.data_categories"
        detail = screen.query_one(".option-detail", Static)
        title = guidance.categories["health-information"].title
        assert detail.display and title in text_of(detail)  # "Health information (GP/Health Workers i" on its row
        assert detail.region.height and screen.query_one("#form").region.contains_region(detail.region)
        await pilot.press("enter", *"attendance")  # health ticked; the next one highlighted is shown whole
        await settle(pilot)
        assert guidance.categories["school-attendance"].title in text_of(detail)
        await pilot.press(*["backspace"] * len("attendance"), *"name")  # "Name(s) and Alias" fits its row
        await settle(pilot)
        assert not detail.display


async def test_a_field_focused_up_the_step_is_not_left_under_the_pinned_heading(records):
    async with make_app(records).run_test(size=SIZE) as pilot:
        await walk_to(pilot, TODAY, "recipient", 0)  # opens on "a statutory body?", the register far above
        await pilot.press("shift+tab", "shift+tab", "shift+tab")  # the register's list, then its filter
        await settle(pilot)
        screen, focused = pilot.app.screen, pilot.app.focused
        heading = screen.query_one("#form .step-title", Static)
        assert focused.name == "filter:agency"
        assert focused.region.y >= heading.region.bottom, (focused.region, heading.region)
        assert screen.query_one("#form").region.contains_region(focused.region)
        await pilot.press(*"Test Other Agency")  # an agency not in the register, typed: the recipient
        await settle(pilot)
        assert screen.data["recipient"]["agency"] == "Test Other Agency"
        assert pilot.app.focused.region.y >= heading.region.bottom


async def test_amend_reaches_the_reason_and_the_review_date_in_three_keys(records, guidance):
    from isp_tui.tui.screens.browse import AmendScreen
    from test_tui_records import first_record_open

    async with first_record_open(records, guidance) as (app, pilot, _first):
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, AmendScreen)
        await pilot.press("ctrl+end")  # ctrl+End did nothing; the reason is at the foot of a long form
        await settle(pilot)
        assert app.focused.id == "amend-reason"
        assert app.screen.query_one("#form").region.contains_region(app.focused.region)
        await pilot.press("shift+tab", "shift+tab")  # retain until, then review on: just above the reason
        await settle(pilot)
        assert app.focused.name == "retention.review_on"
        await pilot.press("ctrl+home")
        await settle(pilot)
        assert app.focused.name == "decided.role"
        assert "^end Reason" in " ".join(f"{app.get_key_display(b.binding)} {b.binding.description}"
                                         for b in app.screen.active_bindings.values() if b.binding.show)


def test_a_warning_naming_its_field_in_the_fields_own_words_says_it_once(guidance):
    from isp_tui.tui.forms.progress import readable

    form = DecisionForm(guidance, ruleset_id="gdpr-2018", today=TODAY)
    warning = ("Record the public-interest reasoning for sharing confidential information without consent "
               "(decision.public_interest).")
    assert readable(form, warning) == ("Record the public-interest reasoning for sharing confidential information "
                                       "without consent.")
    other = readable(form, "Record how consent was given (when.consent_how): an Early Help referral needs it.")
    assert "when.consent_how" not in other and "\u201c" in other  # a key its sentence does not say: its label
