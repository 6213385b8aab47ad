"""Moving through a decision step by keyboard, so no key is spent finding focus: a step opens on the first field it
still needs; Enter (in a field, or choosing an answer) goes on to the next field not yet answered; Enter in a
filter ticks or chooses the first entry shown; a paste of several parts fills the fields that follow."""

from __future__ import annotations

from typing import Any

from textual.widgets import Input, OptionList, SelectionList, TextArea

from isp_tui.tui.forms import get
from isp_tui.tui.forms.fields import chosen_bases
from isp_tui.tui.forms.law import cited
from isp_tui.tui.forms.progress import required_here
from isp_tui.tui.screens.decision_view import ANSWERING, filtered_list
from isp_tui.tui.widgets.choice import ChoiceList
from isp_tui.tui.widgets.field_input import FieldInput


def key_of(w: Any) -> str:
    """The record key a widget answers; a filter's is that of the list it narrows (the filter is where a step
    opens for it), and the list itself then counts for none."""
    name = w.name or ""
    if name.startswith("filter:"):
        which = name.partition(":")[2]
        return {"agency": "recipient.agency", "general": "when.lawful_basis",
                "condition": "when.lawful_basis"}.get(which, which)
    return "" if name == "agency" or isinstance(w, SelectionList) else name


def shown_in(w: Any, container: Any) -> bool:
    """Whether `w` and every box around it up to `container` are displayed now (Textual's focus chain is only
    brought up to date at the next layout: a field just shown by the answer chosen would not be in it yet)."""
    node = w
    while node is not None and node is not container:
        if not node.display:
            return False
        node = node.parent
    return node is container


class Keys:
    """The decision screen's keyboard (a mixin of DecisionScreen: it reads the screen's form and fields)."""

    def answering(self) -> list[Any]:
        """The step's answering widgets in the order Tab visits them (those of fields shown)."""
        form = self.query_one("#form")
        return [w for w in form.query(ANSWERING) if w.focusable and shown_in(w, form)]

    def has_answer(self, w: Any) -> bool:
        """Whether the field a widget fills has an answer (a filter's: its list's; a list after a filter: always,
        the filter is where Enter stops)."""
        name = w.name or ""
        if name == "filter:agency":
            return bool(get(self.data, "recipient.agency"))
        if name in ("filter:general", "filter:condition"):
            bases = self.guidance.bases
            return any(b in bases and bases[b].special_category == (name == "filter:condition") for b in cited(self.data))
        if name.startswith("filter:"):
            return bool(get(self.data, name.partition(":")[2]))
        if name == "agency" or isinstance(w, SelectionList):
            return True
        f = self.fields.get(name)
        return f is None or self.form.value(f.key) not in (None, "", [], {})

    def first_focus(self, step: str) -> Any:
        """Where a step opens: its first field not yet answered, else its first still needed for a final record
        (an answer the record cannot take yet), else its first."""
        widgets = self.answering()
        needed = set(required_here(self.form, step, self.missing()))
        return (next((w for w in widgets if not self.has_answer(w)), None)
                or next((w for w in widgets if key_of(w) in needed), None)
                or (widgets[0] if widgets else None))

    def advance(self, after: Any) -> None:
        """Enter: on to the next field of the step not yet answered (the step's fields shown as they are now)."""
        widgets = self.answering()
        later = widgets[widgets.index(after) + 1:] if after in widgets else []
        target = next((w for w in later if not self.has_answer(w)), None)
        if target is not None:
            target.focus(scroll_visible=False)
            self.brought = target  # the field Enter went on to (a later Enter's wins)
            self.call_after_refresh(self.bring_into_view, target)
            return
        self.message("Every question on this step is answered: ctrl+n goes to the next step")

    def bring_into_view(self, target: Any) -> None:
        """Scroll the form to a field focused by Enter, its question above it too, once the step is laid out again:
        a field the answer just chose to show (why consent was not sought) has no place on screen before that,
        and Textual's own scroll on focus would leave it below the fold at 80x24. (Each scroll waits for the
        next refresh; the field's, second, wins when the question and its answers are taller than the form.)"""
        if not target.is_attached or getattr(self, "brought", None) is not target:
            return
        box = target.parent
        if box is not None and "field" in box.classes:
            box.scroll_visible(animate=False)
        target.scroll_visible(animate=False)

    def on_descendant_focus(self, event: Any) -> None:
        self.call_after_refresh(self.clear_of_heading, event.widget)

    def clear_of_heading(self, widget: Any) -> None:
        """A field focused behind the step's pinned heading is scrolled out from under it. Textual scrolls a
        focused widget into view only when it is outside the form, and the heading docked on top of the form
        does not count: shift+Tab up to the partner register's filter left the filter under the heading."""
        if self.focused is not widget or not widget.is_attached or not widget.region.height:
            return
        form, heading = self.query("#form"), self.query("#form .step-title")
        if not form or not heading or widget.region.y >= heading.first().region.bottom:
            return
        if any(node is form.first() for node in widget.ancestors):
            form.first().scroll_to_widget(widget, animate=False)  # the docked heading's rows are kept clear

    async def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        name = event.input.name or ""
        if name.startswith("filter:") and event.value.strip():
            await self.pick_first(name.partition(":")[2], event.input)
            return
        f = self.fields.get(name)
        if f is not None:
            self.collect()
        self.advance(event.input)

    async def pick_first(self, which: str, filter_input: Input) -> None:
        """Enter in a filter: choose the highlighted agency, or tick (untick) the highlighted entry and clear the
        filter for the next."""
        listing: OptionList = filtered_list(self, which)
        if listing.highlighted is None:
            self.message("Nothing matches: change the filter", error=True)
            return
        if which == "agency":
            await self.pick_agency(listing.get_option_at_index(listing.highlighted).id or "")
            return
        value = listing.get_option_at_index(listing.highlighted).value
        key = listing.name or ""
        old = cited(self.data) if key == "when.lawful_basis" else list(get(self.data, key) or [])
        new = [v for v in old if v != value] if value in old else [*old, value]
        await self.changed(key, new, keep_empty=key == "when.lawful_basis")
        filter_input.value = ""  # the filter is cleared (its Changed message shows the whole list again)
        title = self.guidance.bases[value].title if value in self.guidance.bases else dict(
            self.fields[key].options).get(value, value) if key in self.fields else value
        self.message(f"{'Unticked' if value in old else 'Ticked'}: {title}")

    async def on_selection_list_selected_changed(self, event: SelectionList.SelectedChanged) -> None:
        event.stop()
        selection = event.selection_list
        key = selection.name or ""
        if key == "when.lawful_basis":
            visible = {selection.get_option_at_index(i).value for i in range(selection.option_count)}
            await self.changed(key, self.form.bases_after(visible, list(selection.selected)), keep_empty=True)
        elif key in self.fields:  # a filtered list: what is not shown keeps its state
            visible = {selection.get_option_at_index(i).value for i in range(selection.option_count)}
            await self.changed(key, chosen_bases(list(get(self.data, key) or []), visible, list(selection.selected)))

    async def on_choice_list_chosen(self, event: ChoiceList.Chosen) -> None:
        event.stop()
        f = self.fields.get(event.choice_list.name or "")
        if f is None:
            return
        value: Any = event.value
        if f.kind == "bool":
            value = value == "yes"
        await self.changed(f.key, value)
        if event.advance:
            self.advance(event.choice_list)

    def on_field_input_spread(self, event: FieldInput.Spread) -> None:
        """The rest of a paste: each part into the next field, as Tab then typing would; not into a choice."""
        event.stop()
        widgets, parts = self.answering(), list(event.parts)
        at = widgets.index(event.field_input) if event.field_input in widgets else len(widgets)
        for w in widgets[at + 1:]:
            if not parts or not isinstance(w, (Input, TextArea)) or (w.name or "").startswith("filter:"):
                break
            if isinstance(w, FieldInput):
                w.paste_text(parts.pop(0))
            else:
                w.insert(parts.pop(0))
            w.focus()
        if parts:
            self.message(f"{len(parts)} part(s) of the paste not placed: the next field is not a text field",
                         error=True)
