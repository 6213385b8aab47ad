"""Browse the records: a table with search; one record read-only with its history; amend it."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, DataTable, Footer, Header, Input, Label, Static, TextArea

from isp_tui.errors import InputError, printable

PAGE = 100  # rows added to the table at a time: the first page on open, the next as the cursor nears the end
MORE_WITHIN = 20  # rows from the end of the table at which the next page is added
# One table column holding each row as a line of fixed-width fields (a long recipient is cut: the record
# shows it whole, and search finds it):
# DataTable renders each cell on its own, and eight cells a row made each keystroke's redraw of ~40
# visible rows take 140 ms; one cell a row takes a third of that, whatever the number of records.
FIELDS = (("Date", 10), ("Id", 26), ("Status", 6), ("Outcome", 12), ("Decision", 12), ("Recipient", 24),
          ("Response due", 12), ("Review", 10))


def _line(values: tuple[str, ...]) -> str:
    return "  ".join(f"{v[:width]:<{width}}" for v, (_, width) in zip(values, FIELDS)).rstrip()


def _day(value) -> str:
    return value.isoformat()[:10] if value else ""


def history_text(found) -> Text:
    """audit.history's revisions and amendments as text; every string from git or a record made printable."""
    p = lambda value: printable(str(value))  # noqa: E731
    text = Text()
    text.append("History (newest first)\n", style="bold underline")
    for rev in found.revisions:
        text.append(f"{rev['date']:%Y-%m-%d %H:%M}  {p(rev['author'])} <{p(rev['email'])}>  {p(rev['subject'])}\n",
                    style="bold")
        text.append(f"  revision {rev['n']}, commit {p(rev['commit'])}\n", style="dim")
        if rev["reason"]:
            text.append(f"  reason: {p(rev['reason'])}\n")
        fields = [p(c["field"]) for c in rev["changes"] if not c["field"].startswith("outcome.")]
        if fields:
            text.append(f"  changed: {', '.join(fields)}\n")
    if found.amendments:
        text.append("\nAmendments\n", style="bold underline")
        for a in found.amendments:
            text.append(f"{a['at']:%Y-%m-%d %H:%M}  {p(a['by'])}\n", style="bold")
            text.append(f"  reason: {p(a['reason'])}\n")
            for c in a["changes"]:
                if c.get("personal"):
                    text.append(f"  {p(c['field'])}: changed (personal data: shown in the record above)\n")
                else:
                    text.append(f"  {p(c['field'])}: {p(c.get('before', '(none)'))} -> {p(c.get('after', '(none)'))}\n")
    return text


class BrowseScreen(Screen):
    CSS_PATH = "browse.tcss"  # read when first shown, not before the first frame
    HELP = """Every record in the records repository, newest first. ctrl+f goes to the search box: words
match the id, agencies, subject reference and name, outcome, status and who decided; Enter goes
back to the table, where Enter opens a record. ctrl+d shows drafts only, or all records again."""

    BINDINGS = [
        Binding("ctrl+f", "search", "Search", id="browse.search"),
        Binding("ctrl+d", "drafts", "Drafts/all", id="browse.drafts"),
        Binding("escape", "app.pop_screen", "Back", id="browse.back"),
    ]

    def __init__(self, status: str | None = None):
        super().__init__()
        self.status = status
        self.total = 0  # records matching the search and the filter (the table holds the first pages of them)

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="browse"):
            yield Input(placeholder="Search records (id, agency, reference, outcome...)", id="search", compact=True)
            yield DataTable(id="table", cursor_type="row", zebra_stripes=True)
            yield Static(id="problems")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#table", DataTable)
        table.add_column(Text(_line(tuple(title for title, _ in FIELDS))))
        self.fill()
        table.focus()
        # the search columns into memory once the table is on screen (a thread beside the first draw would
        # hold the interpreter while it is drawn), so the first keystroke is fast
        self.call_after_refresh(self.run_worker, self.app.services.index.prepare, thread=True, name="prepare",
                                exit_on_error=False)

    def on_screen_resume(self) -> None:
        self.fill()

    def fill(self) -> None:
        """The count and the first page of matching records; more pages as the cursor nears the end."""
        services = self.app.services
        query = self.query_one("#search", Input).value
        self.total = services.index.count(query, status=self.status)
        table = self.query_one("#table", DataTable)
        table.clear()
        self._more(query)
        self.sub_title = f"{'drafts' if self.status == 'draft' else 'records'}: {self.total}"
        problems = services.index.problems
        text = Text()
        if not self.total:
            text.append("No records match." if query or self.status else
                        "No records yet: start a new decision from Home (n).")
        for p in problems:
            text.append(f"\n{p.message}", style="red")
        self.query_one("#problems", Static).update(text)

    def _more(self, query: str | None = None) -> None:
        """Add the next page of matching records (newest first) to the table."""
        table = self.query_one("#table", DataTable)
        if query is None:
            query = self.query_one("#search", Input).value
        rows = self.app.services.index.page(query, offset=table.row_count, limit=PAGE, status=self.status)
        for r in rows:
            table.add_row(Text(_line((_day(r.created), r.id, r.status, r.outcome, r.decision, r.recipient,
                                      _day(r.response_due), _day(r.review_on)))), key=r.id)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        table = event.data_table
        if table.row_count < self.total and event.cursor_row >= table.row_count - MORE_WITHIN:
            self._more()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.fill()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one("#table").focus()

    def action_search(self) -> None:
        self.query_one("#search").focus()

    def action_drafts(self) -> None:
        self.status = None if self.status == "draft" else "draft"
        self.fill()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.app.push_screen(RecordScreen(event.row_key.value))


class RecordScreen(Screen):
    CSS_PATH = "browse.tcss"  # read when first shown, not before the first frame
    HELP = """One record, read-only, exactly as stored, with its history: every commit (who, when, what
changed between revisions) and every amendment with its reason. a amends a final record (a
reason is required); e resumes a draft decision. Escape goes back."""

    BINDINGS = [
        Binding("a", "amend", "Amend", id="record.amend"),
        Binding("e", "resume", "Resume draft", id="record.resume"),
        Binding("escape", "app.pop_screen", "Back", id="record.back"),
    ]

    def __init__(self, record_id: str):
        super().__init__()
        self.record_id = record_id
        self.record = None

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
        text = Text()
        text.append(f"{self.record.status.upper()} record {self.record.id}\n\n", style="bold")
        text.append(self.record.to_toml())
        self.query_one("#record", Static).update(text)
        self.refresh_bindings()
        self.run_worker(self._history, thread=True, exclusive=True, name="history", exit_on_error=False)

    def _history(self) -> None:
        """The record's history as the audit layer gives it (as `isp log ID` shows it): personal values hidden."""
        from isp_tui.audit import history

        try:
            text = history_text(history(self.app.services.store, self.record_id))
        except InputError as exc:
            text = Text(printable(str(exc)), style="red")
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
    CSS_PATH = "browse.tcss"  # read when first shown, not before the first frame
    HELP = """Amend a final record: edit its tables below (TOML, as in the record file; the record's
identity, its outcome and its earlier amendments are kept by isp), give the reason, and save with
ctrl+s. The amendment records who, when, why and exactly which fields changed, in the record and in
its own commit. Escape cancels."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save amendment", id="amend.save", priority=True),
        Binding("escape", "app.pop_screen", "Cancel", id="amend.cancel"),
    ]

    def __init__(self, record):
        super().__init__()
        self.record = record

    def compose(self) -> ComposeResult:
        import tomli_w

        from isp_tui.record.model import IDENTITY_TABLES, KEPT_BY_STORE

        # what an amendment may change: not the record's identity, nor what the store works out or keeps
        editable = {k: v for k, v in self.record.data.items() if k not in IDENTITY_TABLES + KEPT_BY_STORE}
        yield Header()
        with Vertical(id="amend"):
            yield TextArea(tomli_w.dumps(editable, multiline_strings=True), language=None, id="amend-text")
            yield Label("Reason for the amendment (required)")
            yield Input(id="amend-reason", placeholder="Why the record is changed", compact=True)
            yield Static(id="amend-msg")
            yield Button("Save amendment", id="amend-save", variant="primary", compact=True)
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = f"amend {self.record.id}"
        self.query_one("#amend-text").focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.action_save()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_save()

    def action_save(self) -> None:
        from isp_tui.tomlfile import parse_toml

        services = self.app.services
        msg = self.query_one("#amend-msg", Static)
        reason = self.query_one("#amend-reason", Input).value
        if not reason.strip():
            msg.update(Text("A reason is required.", style="bold red"))
            return
        if services.identity is None:
            msg.update(Text(services.identity_error, style="bold red"))
            return
        try:
            data = parse_toml(self.query_one("#amend-text", TextArea).text.encode("utf-8"), "the amendment")
            saved = services.store.amend(self.record.id, data, reason, services.guidance, services.identity)
        except InputError as exc:
            msg.update(Text(str(exc), style="bold red"))
            return
        services.refresh()
        self.app.notify(f"Amended {saved.id}: commit {saved.commit[:12]}", markup=False)
        self.app.pop_screen()
