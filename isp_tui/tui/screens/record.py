"""One record: read as a document (sections and words; the TOML one key away) with its history, and
amended as a form with the decision's own fields and widgets, a reason, and the changes listed first."""

from __future__ import annotations

import copy
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, Input, Label, SelectionList, Static, TextArea

from isp_tui.errors import InputError, printable
from isp_tui.tui.forms import Field, Invalid, put
from isp_tui.tui.screens.confirm import ConfirmScreen

from isp_tui.record.model import IDENTITY_TABLES, KEPT_BY_STORE

# what an amendment leaves as it is (the record's identity; what the store works out or keeps): the one list
KEPT = IDENTITY_TABLES + KEPT_BY_STORE
NOT_AMENDED = ("checklist", "agency", "note")  # field kinds the amend form leaves out (the 16 questions...)


def history_text(found, record=None, guidance=None) -> Text:
    """audit.history's revisions and amendments as text, each field under the label the record's form asks it
    with (record_doc.change_words; without `record`, its key in words), values in words; every string from git
    or a record made printable."""
    from isp_tui.tui.screens.record_doc import change_words

    p = lambda value: printable(str(value))  # noqa: E731
    text = Text()
    text.append("History (newest first)\n", style="bold underline")
    for rev in found.revisions:
        text.append(f"{rev['date']:%Y-%m-%d %H:%M}  {p(rev['author'])} <{p(rev['email'])}>  {p(rev['subject'])}\n",
                    style="bold")
        text.append(f"  revision {rev['n']}, commit {p(rev['commit'])}\n", style="dim")
        if rev["reason"]:
            text.append(f"  reason: {p(rev['reason'])}\n")
        changed = [c for c in rev["changes"] if not str(c["field"]).startswith("outcome.")]
        if changed:
            text.append(f"  changed: {', '.join(label for label, _, _ in change_words(changed, record, guidance))}\n")
    if found.amendments:
        text.append("\nAmendments\n", style="bold underline")
        for a in found.amendments:
            text.append(f"{a['at']:%Y-%m-%d %H:%M}  {p(a['by'])}\n", style="bold")
            text.append(f"  reason: {p(a['reason'])}\n")
            for label, before, after in change_words(a["changes"], record, guidance):
                text.append(f"  {label}: changed (personal data: shown in the record above)\n" if before is None else
                            f"  {label}: {before} -> {after}\n")
    return text


class RecordScreen(Screen):
    CSS_PATH = "browse.tcss"  # read when first shown, not before the first frame
    HELP = """One record, read-only, as a document: the decision's steps with your answers in words, then
its history (every commit: who, when, what changed) and every amendment with its reason. t shows
the record exactly as stored (TOML) and back. a amends a final record with the decision's own
fields (a reason is required); e resumes a draft decision. Escape goes back."""

    BINDINGS = [
        Binding("t", "toml", "TOML/document", id="record.toml"),
        Binding("a", "amend", "Amend", id="record.amend"),
        Binding("e", "resume", "Resume draft", id="record.resume"),
        Binding("escape", "app.pop_screen", "Back", id="record.back"),
    ]

    def __init__(self, record_id: str):
        super().__init__()
        self.record_id = record_id
        self.record = None
        self.as_toml = False

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="record-pane"):
            yield Static(id="record")
            yield Static(Text("History: loading...", style="italic"), id="history")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = self.record_id
        self.load()
        self.query_one("#record-pane").focus()

    def on_screen_resume(self) -> None:
        self.load()

    def load(self) -> None:
        services = self.app.services
        try:
            self.record = services.store.get(self.record_id, services.guidance)
        except InputError as exc:
            self.query_one("#record", Static).update(Text(str(exc), style="red"))
            return
        self.show()
        self.refresh_bindings()
        self.run_worker(self._history, thread=True, exclusive=True, name="history", exit_on_error=False)

    def show(self) -> None:
        from isp_tui.tui.keys import key_for
        from isp_tui.tui.screens.record_doc import document

        if self.as_toml:
            text = Text()
            text.append(f"{self.record.status.upper()} record {self.record.id}, as stored\n\n", style="bold")
            text.append("\n".join(printable(line) for line in self.record.to_toml().split("\n")))
        else:
            text = document(self.record, self.app.services.guidance, toml_key=key_for(self, "record.toml") or "t")
        self.query_one("#record", Static).update(text)

    def action_toml(self) -> None:
        if self.record is not None:
            self.as_toml = not self.as_toml
            self.show()

    def _history(self) -> None:
        """The record's history as the audit layer gives it (as `isp log ID` shows it): personal values hidden."""
        from isp_tui.audit import history

        try:
            services = self.app.services
            text = history_text(history(services.store, self.record_id), self.record, services.guidance)
        except InputError as exc:
            text = Text(printable(str(exc)), style="red")
        except Exception as exc:  # noqa: BLE001 - whatever git gave, the pane says so instead of "loading..."
            text = Text(printable(f"the history could not be read: {exc}"), style="red")
        self.app.call_from_thread(self.query_one("#history", Static).update, text)

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "amend":
            return bool(self.record and self.record.is_final)
        if action == "resume":
            return bool(self.record and not self.record.is_final)
        return True

    def action_amend(self) -> None:
        if self.record and self.record.is_final:
            self.app.push_screen(AmendScreen(self.record))

    async def action_resume(self) -> None:
        if self.record and not self.record.is_final:
            self.app.pop_screen()
            await self.app.action_new_decision(dict(self.record.data))


class AmendScreen(Screen):
    CSS_PATH = ["browse.tcss", "decision.tcss"]  # the decision's own field styles
    HELP = """Amend a final record with the decision's own fields: change what was wrong or has moved on,
give the reason, and save with ctrl+s: the fields that changed are listed in words first, and
saved only when you confirm. The record's identity, the flowchart's outcome and its earlier
amendments are kept by isp; the amendment records who, when, why and exactly which fields
changed, in the record and in its own commit. Escape cancels."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save amendment", id="amend.save", priority=True),
        Binding("escape", "app.pop_screen", "Cancel", id="amend.cancel"),
        Binding("ctrl+end", "to_reason", "Reason", id="amend.reason"),  # the review date is just above it
        Binding("ctrl+home", "to_first", "First field", id="amend.first", show=False),
    ]

    def __init__(self, record):
        super().__init__()
        self.record = record
        self.form = None  # the decision form over the record's answers (composed with the app's guidance)
        self.fields: dict[str, Field] = {}

    def compose(self) -> ComposeResult:
        from isp_tui.tui.screens.decision_view import field_box
        from isp_tui.tui.screens.record_doc import form_for, sections

        self.form = form_for(self.record, self.app.services.guidance)
        yield Header()
        with VerticalScroll(id="form", classes="amend"):  # "form": the decision's own field styles
            for title, fields in sections(self.form):
                fields = [f for f in fields if f.kind not in NOT_AMENDED and not f.key.startswith("checklists.")]
                if not fields:
                    continue
                yield Static(Text(title, style="bold underline"), classes="amend-section")
                for f in fields:
                    if f.key in self.fields and f.kind != "bases":
                        continue
                    self.fields[f.key] = f
                    yield field_box(self.form, f)
            yield Label("Reason for the amendment (required)", classes="field-label")
            yield Input(id="amend-reason", placeholder="Why the record is changed", compact=True)
            yield Static(id="amend-msg")
            yield Button("Save amendment", id="amend-save", variant="primary", compact=True)
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = f"amend {self.record.get('subject.reference') or self.record.id}"
        first = next(iter(self.query("Input, TextArea, SelectionList, OptionList")), None)
        if first is not None:
            first.focus()

    def action_to_reason(self) -> None:
        """ctrl+End: to the reason, at the foot of the form (the review and retention dates are just above it)."""
        self.query_one("#amend-reason", Input).focus()

    def action_to_first(self) -> None:
        first = next(iter(self.query("Input, TextArea, SelectionList, OptionList")), None)
        if first is not None:
            first.focus()

    # -- the answers, as the decision screen takes them ------------------------------------------------------

    def on_input_changed(self, event: Input.Changed) -> None:
        name = event.input.name or ""
        if name.startswith("filter:"):
            from isp_tui.tui.screens.decision_view import refilter

            refilter(self, name.partition(":")[2], event.value)
        elif name in self.fields:
            value = self.form.parse(self.fields[name], event.value)
            if not isinstance(value, Invalid):  # a date half typed: said when saving
                self.form.set(name, value)

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        name = event.text_area.name or ""
        if name in self.fields:
            self.form.set(name, event.text_area.text if event.text_area.text.strip() else None)

    def on_choice_list_chosen(self, event) -> None:
        name = event.choice_list.name or ""
        f = self.fields.get(name)
        if f is not None:
            value: Any = {"yes": True, "no": False}.get(event.value) if f.kind == "bool" else event.value
            self.form.set(name, value)

    def on_selection_list_selected_changed(self, event: SelectionList.SelectedChanged) -> None:
        name = event.selection_list.name or ""
        f = self.fields.get(name)
        if f is None:
            return
        if f.kind == "bases":
            visible = {event.selection_list.get_option_at_index(i).value
                       for i in range(event.selection_list.option_count)}
            self.form.set(name, self.form.bases_after(visible, list(event.selection_list.selected)))
        else:
            self.form.set(name, list(event.selection_list.selected))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "amend-save":
            self.action_save()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "amend-reason":
            self.action_save()

    # -- saving ----------------------------------------------------------------------------------------------

    def proposed(self) -> dict[str, Any]:
        data = copy.deepcopy(self.form.data)
        # the form asks who the record is about as `subject` (child, adult...); a record written before that
        # holds `subject_is_child`: unless the answer was changed, it keeps the words it was saved in
        old = self.record.data.get("context", {})
        new = data.get("context", {})
        if "subject" not in old and "subject_is_child" in old and isinstance(new, dict):
            if new.get("subject") == ("child" if old["subject_is_child"] else "adult"):
                new.pop("subject", None)
                new["subject_is_child"] = old["subject_is_child"]
        return {k: v for k, v in data.items() if k not in KEPT}

    def problems(self) -> list[str]:
        """Typed values that are not yet values (a date not a date), in words."""
        out = []
        for widget in self.query(Input):
            f = self.fields.get(widget.name or "")
            if f is not None and isinstance(self.form.parse(f, widget.value), Invalid):
                out.append(self.form.parse(f, widget.value).message)
        return out

    def action_save(self) -> None:
        from isp_tui.record import Record, diff, normalise
        from isp_tui.tui.screens.record_doc import change_lines

        services = self.app.services
        msg = self.query_one("#amend-msg", Static)
        reason = self.query_one("#amend-reason", Input).value
        problems = self.problems()
        if problems:
            msg.update(Text("; ".join(problems), style="bold red"))
            return
        if not reason.strip():
            msg.update(Text("A reason is required: say why the record is changed.", style="bold red"))
            self.query_one("#amend-reason").focus()
            return
        if services.identity is None:
            msg.update(Text(services.identity_error, style="bold red"))
            return
        proposed = self.proposed()
        try:
            whole = {**{k: self.record.data[k] for k in KEPT if k in self.record.data}, **proposed}
            candidate = Record.from_dict(normalise(whole, services.guidance), guidance=services.guidance)
        except InputError as exc:
            msg.update(Text(str(exc), style="bold red"))
            return
        lines = change_lines(diff(self.record, candidate), self.record, services.guidance)
        if not lines:
            msg.update(Text("Nothing has changed yet: change a field, then save.", style="bold red"))
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.commit(proposed, reason)

        self.app.push_screen(ConfirmAmendScreen(lines, reason), answered)

    def commit(self, proposed: dict[str, Any], reason: str) -> None:
        services = self.app.services
        try:
            saved = services.store.amend(self.record.id, proposed, reason, services.guidance, services.identity,
                                         based_on=self.record)
        except InputError as exc:
            self.query_one("#amend-msg", Static).update(Text(str(exc), style="bold red"))
            return
        services.refresh()
        self.app.notify(f"Amended {saved.id}: commit {saved.commit[:12]}", markup=False)
        self.app.pop_screen()


class ConfirmAmendScreen(ConfirmScreen):
    HELP = """The fields this amendment changes, before it is saved. y saves it; n or Escape goes back to
the form."""
    BINDINGS = [
        Binding("y", "answer(True)", "Save it", id="amend.confirm"),
        Binding("n,escape", "answer(False)", "Back to the form", id="amend.back"),
    ]
    NAME, YES, NO, MAX_WIDTH = "changes", "Save it (y)", "Back to the form (n)", 110

    def __init__(self, lines: list[str], reason: str):
        super().__init__()
        self.lines = lines
        self.reason = reason

    def body(self) -> Text:
        text = Text()
        text.append(f"Save this amendment? It changes {len(self.lines)} field(s):\n\n", style="bold")
        for line in self.lines:
            text.append(f"- {line}\n")
        text.append("\nReason: ", style="bold")
        text.append(printable(self.reason))
        return text
