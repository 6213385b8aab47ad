"""The decision: the "When" questions then the "How" steps, one step at a time, with the guidance
beside each question, the flowchart map and the engine's outcome and warnings kept up to date.

The screen draws a `DecisionForm` (isp_tui.tui.forms: the steps, fields and labels) and feeds it
what is typed; the engine (`decide`), the record (`Record.missing_for_final`) and the store
(`Store.save`) make every decision about the answers.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Header, Input, Label, OptionList, SelectionList, Static, TextArea

from isp_tui.identity import remembered_practice
from isp_tui.store.autosave import new_autosave_path
from isp_tui.store.resume import step_left
from isp_tui.tui.forms import DecisionForm, Field, Invalid, get
from isp_tui.tui.forms.progress import in_words, required_here, resume_step
from isp_tui.tui.screens.decision_view import (ANSWERING, field_box, flowchart_map,
                                               outcome_text, refilter, required_label, review_widgets, show_highlighted,
                                               steps_text, widget_named)
from isp_tui.tui.screens.decision_keys import Keys
from isp_tui.tui.screens.decision_save import Saving
from isp_tui.tui.widgets.choice import ChoiceList
from isp_tui.tui.widgets.footer import SteadyFooter


class DecisionScreen(Keys, Saving, Screen):
    CSS_PATH = "decision.tcss"  # read when first shown, not before the first frame
    HELP = """The decision, one step at a time. A step opens on its first question not yet answered. Arrows move
between the answers; Enter chooses one and goes on to the next question not yet answered (in a text field,
Enter goes on); space chooses and stays. In a filter (the partner register, the legal bases, the data
categories) type, then Enter ticks the first entry shown. Tab moves between all the fields of a step.
ctrl+n goes to the next step and ctrl+b back; ctrl+r shows the review
of the whole record with what is still missing; ctrl+s saves a draft (committed to the records
repository), ctrl+f saves the final record. The left panel is the flowchart: the current question is marked with >, answered
ones with a tick, and the outcome and the engine's warnings are kept up to date as you answer.
The guidance for each question, quoted from the protocols, is beside or below the question.
Escape leaves the decision and keeps it as a draft; nothing you type is lost (it is also kept
as unsaved work in the repository's .git/isp folder until it is committed)."""

    BINDINGS = [
        Binding("ctrl+n", "next", "Next", id="decision.next", priority=True),
        Binding("ctrl+b", "back", "Back", id="decision.back", priority=True),
        Binding("ctrl+r", "review", "Review", id="decision.review", priority=True),
        Binding("ctrl+s", "save_draft", "Draft", id="decision.save_draft", priority=True),
        Binding("ctrl+f", "save_final", "Final", id="decision.save_final", priority=True, tooltip="Save final"),
        Binding("f2", "sources", "Sources", id="decision.sources"),
        Binding("escape", "leave", "Leave", id="decision.leave"),
    ]

    def __init__(self, data: dict[str, Any] | None = None, autosave: str | None = None):
        super().__init__()
        services = self.app.services
        self.services = services
        self.guidance = services.guidance
        practice = remembered_practice(self.app.config, None if data else self.last_decision())
        self.form = DecisionForm(services.guidance, data, ruleset_id=self.app.ruleset_id, role=practice.role,
                                 organisation=practice.organisation, today=self.app.today())
        self.autosave_path = Path(autosave) if autosave else new_autosave_path(services.store)
        self.step_id = "subject"
        self.resumed = bool(data)
        self.dirty = bool(data) and autosave is not None  # a resumed draft is committed already; unsaved work is not
        self.saved = None
        self.fields: dict[str, Field] = {}
        self._autosave_timer = None

    def last_decision(self):
        """The practitioner's last saved record (their role and organisation are remembered from it), or None."""
        identity = self.services.identity
        if identity is None:
            return None
        try:
            return self.services.index.last_decided_by(str(identity))
        except (sqlite3.DatabaseError, OSError):  # the derived index unreadable: the config's then
            return None

    # what the form holds, as the screen shows it
    @property
    def data(self) -> dict[str, Any]:
        return self.form.data

    @property
    def decision(self):
        return self.form.decision

    @property
    def outcome(self) -> str:
        return self.form.outcome

    @property
    def show_sources(self) -> bool:
        """The reasons' sources (the decision step's and the review's): one key (F2) away, not in every line."""
        return self.form.sources

    @show_sources.setter
    def show_sources(self, shown: bool) -> None:
        self.form.sources = shown

    @property
    def decided_by(self) -> str | None:
        identity = self.services.identity
        return str(identity) if identity is not None else None

    def missing(self) -> list[str]:
        return self.form.missing(self.decided_by)

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="decision"):
            with VerticalScroll(id="side", can_focus=False):
                yield Static(id="map")
                yield Static(id="outcome")
                yield Static(id="steps")
            with Vertical(id="main"):
                with VerticalScroll(id="form", can_focus=False):
                    pass
                with VerticalScroll(id="guidance-pane"):
                    yield Static(id="guidance")
                yield Static(id="msg")
        yield SteadyFooter()

    async def on_mount(self) -> None:
        self.on_resize()
        if self.resumed:  # a resumed draft opens where it was left, else where something is still needed
            left = step_left(self.services.store, self.data["id"]) if self.data.get("id") else None
            on_way = left is not None and (left == "review" or left in self.form.steps())
            self.step_id = left if on_way else resume_step(self.form, self.missing())
        await self.show_step(self.step_id)

    def on_resize(self, event: object = None) -> None:
        narrow = self.app.size.width < 120
        self.set_class(narrow, "-narrow")
        footer = self.query_one(SteadyFooter)  # at 80 columns every key fits, Leave too (the palette is still ctrl+p)
        footer.compact = self.app.size.width < 100
        footer.show_command_palette = not footer.compact

    # -- drawing a step ----------------------------------------------------------------------------------

    async def show_step(self, step: str, focus_key: str | None = None) -> None:
        if self.is_mounted and self.fields:
            self.collect()
        self.step_id = step
        title, question, guidance, fields = self.form.spec(step)
        position = self.form.position(step)
        form = self.query_one("#form", VerticalScroll)
        await form.remove_children()
        self.fields = {f.key: f for f in fields if f.answers}
        required = set(required_here(self.form, step, self.missing()))
        # the title and question are written last, once the step has focus: what shows is ready for keys
        heading, asking = Static(classes="step-title"), Static(classes="question")
        asking.display = bool(question)
        widgets: list[Any] = [heading, asking]
        widgets += [field_box(self.form, f, f.key in required) for f in fields]
        if step == "review":
            widgets += review_widgets(self.form, self.decided_by, self.show_sources)
        await form.mount_all(widgets)
        self.refresh_fields()
        self.query_one("#guidance", Static).update(Text(guidance))
        self.query_one("#guidance-pane").display = bool(guidance)
        self.query_one("#guidance-pane").scroll_home(animate=False)
        self.update_side()
        target = None
        if focus_key:
            target = next((w for w in form.query(ANSWERING) if w.name == focus_key), None)
        if target is None:  # the first field still needed, else the first not answered (no key spent finding it)
            target = self.first_focus(step) if step != "review" else None
        if target is None:
            target = next(iter(form.query(f"{ANSWERING}, Button")), None)
        if target is not None:
            target.focus(scroll_visible=False)
        else:
            form.focus()
        form.scroll_home(animate=False)
        if target is not None and target is not next(iter(form.query(ANSWERING)), None):
            self.call_after_refresh(target.scroll_visible, animate=False)  # the field typed into is on screen
        heading.update(Text(f"{position}{title}", style="bold"))
        asking.update(Text(question))

    def update_side(self) -> None:
        self.show("#map", flowchart_map(self.form, self.step_id))
        self.show("#outcome", outcome_text(self.form))
        self.show("#steps", steps_text(self.form, self.step_id))

    def show(self, selector: str, text: Text) -> None:
        """Update a Static only when what it shows changes: each update lays the screen out again, and a key
        typed into a name changes nothing here (the next key waits for the layout)."""
        shown = self.__dict__.setdefault("_shown", {})
        if shown.get(selector) != text.markup:
            shown[selector] = text.markup
            self.query_one(selector, Static).update(text)

    def message(self, text: str, error: bool = False) -> None:
        self.show("#msg", Text(text, style="bold red" if error else "bold"))

    def show_filled(self) -> None:
        """Show what the form filled in (today's date, the recipient as the requester) in the fields not being typed in."""
        for w in self.query_one("#form").query(Input):
            f = self.fields.get(w.name or "")
            if f is None or w.has_focus or f.kind not in ("text", "date"):
                continue
            value = get(self.data, f.key)
            shown = value.isoformat() if hasattr(value, "isoformat") else str(value or "")
            if shown and w.value != shown:
                w.value = shown

    def refresh_fields(self) -> None:
        """Show the fields the answers call for, and hints that follow the answers; a field an answer brings up
        (why you share without consent, once you choose to share) is marked required as the step's first were."""
        appeared = False
        for box in self.query_one("#form").query(".field"):
            f = getattr(box, "field", None)
            if f is None:
                continue
            shown = f.shown(self.data)
            if box.display != shown:
                box.display = shown
                appeared = appeared or shown
            hints = box.query(".hint")  # none yet while the step is being drawn (a key typed just before)
            if f.dynamic_hint and hints:
                hint, text = hints.first(Static), f.dynamic_hint(self.data)
                if getattr(hint, "shown_text", None) != text:
                    hint.shown_text = text
                    hint.update(Text(text))
        if appeared:
            self.mark_required()

    def mark_required(self) -> None:
        """Mark each field shown that the record still needs ("* required"), as field_box marks them."""
        required = set(required_here(self.form, self.step_id, self.missing()))
        for box in self.query_one("#form").query(".field"):
            f = getattr(box, "field", None)
            labels = box.query(".field-label")
            if f is None or not box.display or not labels:
                continue
            label = labels.first(Label)
            marked = f.key in required
            if getattr(label, "marked", None) != marked:
                label.marked = marked
                label.update(required_label(f, marked))

    # -- answering -----------------------------------------------------------------------------------------

    async def changed(self, key: str, value: Any, *, keep_empty: bool = False, force: bool = False) -> None:
        if self.form.set(key, value, keep_empty=keep_empty, force=force):
            self.answered()

    def answered(self) -> None:
        """The answers changed: show what follows from them, and keep them (uncommitted) in a moment."""
        self.dirty = True
        self.update_side()
        self.refresh_fields()
        self.show_filled()
        self.schedule_autosave()

    async def on_input_changed(self, event: Input.Changed) -> None:
        name = event.input.name or ""
        event.stop()
        if name.startswith("filter:"):
            refilter(self, name.partition(":")[2], event.value)
            if name == "filter:agency" and self.form.type_agency(event.value):  # a typed agency is kept
                typed = widget_named(self, "recipient.agency")
                if typed is not None:
                    typed.value = event.value
                self.answered()
            return
        f = self.fields.get(name)
        if f is not None:
            await self.typed(f, event.value)

    async def on_text_area_changed(self, event: TextArea.Changed) -> None:
        f = self.fields.get(event.text_area.name or "")
        if f is not None:
            await self.typed(f, event.text_area.text)

    async def typed(self, f: Field, raw: str) -> None:
        value = self.parse_typed(f, raw)
        if not isinstance(value, Invalid):
            await self.changed(f.key, value)

    def parse_typed(self, f: Field, raw: str) -> Any:
        value = self.form.parse(f, raw)
        if f.kind == "date" and not isinstance(value, Invalid) and value is not None:
            self.message("")
        return value

    def on_input_blurred(self, event: Input.Blurred) -> None:
        """A date is checked when the field is left, not while it is typed."""
        f = self.fields.get(event.input.name or "")
        if f is not None and f.kind == "date":
            value = self.form.parse(f, event.value)
            if isinstance(value, Invalid):
                self.message(value.message, error=True)

    def collect(self) -> None:
        """Take what is in the step's text fields now, so keys typed just before leaving it are never lost
        (their Changed messages may not have arrived yet)."""
        changed = False
        for w in self.query_one("#form").query("Input, TextArea"):
            f = self.fields.get(w.name or "")
            if f is None:
                continue
            value = self.parse_typed(f, w.value if isinstance(w, Input) else w.text)
            if not isinstance(value, Invalid) and get(self.data, f.key) != value:
                self.form.set(f.key, value)
                changed = True
        if changed:
            self.dirty = True

    def on_selection_list_selection_highlighted(self, event: SelectionList.SelectionHighlighted) -> None:
        show_highlighted(self, event.selection_list, str(event.selection.value))

    async def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if isinstance(event.option_list, ChoiceList):
            return
        if event.option_list.id == "missing":
            event.stop()
            if event.option.id:  # "goto:n:step|key": the step, focused on the field that is missing
                step, _, key = event.option.id.split(":", 2)[2].partition("|")
                await self.show_step(step, focus_key=key)
            return
        if event.option_list.name == "agency":
            event.stop()
            await self.pick_agency(event.option.id or "")

    async def pick_agency(self, option_id: str) -> None:
        """An agency chosen from the partner register: the recipient, and whether it is a statutory body."""
        agency, changed = self.form.choose_agency(option_id)
        typed, statutory = widget_named(self, "recipient.agency"), widget_named(self, "context.recipient_statutory")
        if typed is not None:
            typed.value = agency.name
        if statutory is not None:
            statutory.set_value("yes" if agency.statutory else "no")
        if changed:
            self.answered()
        person = widget_named(self, "recipient.person")
        if person is not None:
            person.focus()
        self.message(f"Recipient: {agency.name} ({'statutory' if agency.statutory else 'not statutory'})")

    # -- moving between steps --------------------------------------------------------------------------------

    async def action_next(self) -> None:
        self.collect()
        if self.step_id == "when:lawful_basis" and get(self.data, "when.lawful_basis") is None:
            await self.changed("when.lawful_basis", [], keep_empty=True)  # none ticked: no lawful reason found
        blocked = self.form.blocked(self.step_id)
        if blocked:
            self.message(blocked, error=True)
            return
        left = self.words(required_here(self.form, self.step_id, self.missing()))
        after = self.form.after(self.step_id)
        if after is not None:
            if self.step_id in self.form.steps():
                self.message(f"Still needed on the step you left: {left}" if left else "", error=bool(left))
            await self.show_step(after)

    def words(self, missing: list[str]) -> str:
        return "; ".join(words for words, _ in in_words(self.form, missing))

    async def action_back(self) -> None:
        self.collect()
        before = self.form.before(self.step_id)
        if before is not None:
            self.message("")
            await self.show_step(before)

    async def action_review(self) -> None:
        await self.show_step("review")

    async def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save-final":
            self.save(draft=False)
        elif event.button.id == "save-draft":
            self.save(draft=True)
