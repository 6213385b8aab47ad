"""Browse the records: a table with search, each record found again by its subject's reference, its
recipient, its dates and its state; one record opens as a document (screens/record.py)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Static

from isp_tui.errors import InputError, printable
from isp_tui.tui.screens.lines import line, table_width
from isp_tui.tui.screens.record import AmendScreen, RecordScreen, history_text  # noqa: F401  (their old home)

PAGE = 100  # rows added to the table at a time: the first page on open, the next as the cursor nears the end
MORE_WITHIN = 20  # rows from the end of the table at which the next page is added
# One table column holding each row as a line of fixed-width fields: DataTable renders each cell on its own,
# and eight cells a row made each keystroke's redraw of ~40 visible rows take 140 ms; one cell a row takes a
# third of that, whatever the number of records. The line below the table shows the highlighted record whole.
# (title, width, which): the recipient takes the width left over; on a narrow terminal the lesser columns
# are dropped first, in DROP's order, so 80 columns keep the reference, the recipient, the dates and the state.
FIELDS = (("Created", 10, "created"), ("Reference", 12, "reference"), ("Recipient", 0, "recipient"),
          ("Respond by", 10, "response_due"), ("Review", 10, "review_on"), ("State", 12, "state"),
          ("Flowchart", 12, "outcome"), ("Id", 26, "id"))
DROP = ("id", "outcome", "created")
RECIPIENT_AT_LEAST = 20
STATES = {"share": "share", "share-part": "share part", "do-not-share": "do not share"}  # a final record's
OUTCOMES = {"share": "share", "do-not-share": "do not share", "seek-advice": "seek advice", "incomplete": "incomplete"}


def state(row) -> str:
    """A row's state in words: a draft, or (final) the practitioner's decision."""
    if row.status == "draft":
        return "draft"
    return STATES.get(row.decision, row.decision or row.status)


def layout(width: int) -> list[tuple[str, int, str]]:
    """The columns that fit in `width` (the recipient's the width left over), lesser ones dropped first."""
    shown = list(FIELDS)
    for which in DROP:
        fixed = sum(w + 2 for _, w, k in shown if k != "recipient")
        if width - fixed >= RECIPIENT_AT_LEAST + {"id": 30, "outcome": 10}.get(which, 0):
            break
        shown = [f for f in shown if f[2] != which]
    fixed = sum(w + 2 for _, w, k in shown if k != "recipient")
    return [(t, max(RECIPIENT_AT_LEAST, width - fixed) if k == "recipient" else w, k) for t, w, k in shown]


def _day(value) -> str:
    return value.isoformat()[:10] if value else ""


def row_values(r, reference: str = "") -> dict[str, str]:
    return {"created": _day(r.created), "reference": printable(reference), "recipient": printable(r.recipient),
            "response_due": _day(r.response_due), "review_on": _day(r.review_on), "state": state(r),
            "outcome": OUTCOMES.get(r.outcome, printable(r.outcome)), "id": r.id}


class RecordTable(DataTable):
    """The records table: Enter opens the highlighted record, and the footer says so."""

    BINDINGS = [Binding("enter", "select_cursor", "Open", id="browse.open")]


class BrowseScreen(Screen):
    CSS_PATH = "browse.tcss"  # read when first shown, not before the first frame
    HELP = """Every record in the records repository, newest first: its subject's reference, the
recipient, the dates and its state (a draft, or final with your decision); the line below the
table shows the highlighted record whole. ctrl+f goes to the search box: words match the id,
agencies, subject reference and name, outcome, status and who decided; Enter goes back to the
table. Enter opens the highlighted record; a amends it (a final record); e resumes it (a draft).
ctrl+d shows drafts only, or all records again."""

    BINDINGS = [
        Binding("a", "amend", "Amend", id="browse.amend"),
        Binding("e", "resume", "Resume", id="browse.resume"),
        Binding("ctrl+f", "search", "Search", id="browse.search"),
        Binding("ctrl+d", "drafts", "Drafts/all", id="browse.drafts", show=False),  # in F1's list: room for F1
        Binding("escape", "app.pop_screen", "Back", id="browse.back"),
    ]

    def __init__(self, status: str | None = None):
        super().__init__()
        self.status = status
        self.total = 0  # records matching the search and the filter (the table holds the first pages of them)
        self.rows: dict[str, object] = {}  # the index's row of each record in the table, by id
        self.references: dict[str, str] = {}  # each one's subject reference (from its file: not in the index)
        self.columns = layout(80)

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="browse"):
            yield Input(placeholder="Search records (id, agency, reference, outcome...)", id="search", compact=True)
            yield RecordTable(id="table", cursor_type="row", zebra_stripes=True)
            yield Static(id="detail")
            yield Static(id="problems")
        yield Footer()

    def on_mount(self) -> None:
        self.fill()
        self.query_one("#table").focus()
        # the search columns into memory once the table is on screen (a thread beside the first draw would
        # hold the interpreter while it is drawn), so the first keystroke is fast
        self.call_after_refresh(self.run_worker, self.app.services.index.prepare, thread=True, name="prepare",
                                exit_on_error=False)

    def on_screen_resume(self) -> None:
        self.fill()

    def on_resize(self) -> None:
        if layout(self.table_width()) != self.columns:
            self.fill()

    def table_width(self) -> int:
        return table_width(self.size.width)

    def fill(self) -> None:
        """The count and the first page of matching records; more pages as the cursor nears the end."""
        services = self.app.services
        query = self.query_one("#search", Input).value
        self.total = services.index.count(query, status=self.status)
        table = self.query_one("#table", DataTable)
        was = self.highlighted()  # kept highlighted when it is still listed (back from a record, a resize)
        self.columns = layout(self.table_width())
        table.clear(columns=True)
        table.add_column(Text(line(self.columns, {k: t for t, _, k in self.columns}), style="bold"))
        self.rows = {}
        self._more(query)
        if was is not None and was.id in self.rows:
            table.move_cursor(row=table.get_row_index(was.id), animate=False)
        self.sub_title = f"{'drafts' if self.status == 'draft' else 'records'}: {self.total}"
        problems = services.index.problems
        text = Text()
        if not self.total:
            text.append("No records match." if query or self.status else
                        f"No records yet: start a new decision from Home{self.home_key('home.new')}.")
        for p in problems:
            text.append(f"\n{p.message}", style="red")
        self.query_one("#problems", Static).update(text)
        self.show_detail()

    def home_key(self, binding_id: str) -> str:
        """ " (n)": the key that runs `binding_id` on Home now, after the config's [keymap] ("" if none does)."""
        from isp_tui.tui.keys import key_for

        home = next((s for s in self.app.screen_stack if s.__class__.__name__ == "HomeScreen"), None)
        key = key_for(home, binding_id) if home is not None else None
        return f" ({key})" if key else ""

    def _more(self, query: str | None = None) -> None:
        """Add the next page of matching records (newest first) to the table."""
        table = self.query_one("#table", DataTable)
        if query is None:
            query = self.query_one("#search", Input).value
        index = self.app.services.index
        rows = index.page(query, offset=table.row_count, limit=PAGE, status=self.status)
        self.references.update(index.references(r.id for r in rows))
        for r in rows:
            self.rows[r.id] = r
            table.add_row(Text(line(self.columns, row_values(r, self.references.get(r.id, "")))), key=r.id)

    def highlighted(self):
        """The index row of the highlighted record, or None."""
        table = self.query_one("#table", DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.rows.get(key)

    def show_detail(self) -> None:
        """The highlighted record whole: what the columns cut or leave out at this width."""
        r = self.highlighted()
        text = Text()
        if r is not None:
            values = row_values(r, self.references.get(r.id, ""))
            text.append(f"{values['reference'] or 'no reference'}", style="bold")
            text.append(f"  {values['recipient'] or 'no recipient yet'}  {values['state']}"
                        f"{'' if r.status == 'draft' else ' (final)'}  created {values['created']}")
            if r.response_due:
                text.append(f"  response due {values['response_due']}")
            if r.review_on:
                text.append(f"  review {values['review_on']}")
            text.append(f"  flowchart: {values['outcome']}  id {r.id}", style="dim")
        self.query_one("#detail", Static).update(text)
        self.refresh_bindings()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        table = event.data_table
        if table.row_count < self.total and event.cursor_row >= table.row_count - MORE_WITHIN:
            self._more()
        self.show_detail()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.fill()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one("#table").focus()

    def action_search(self) -> None:
        self.query_one("#search").focus()

    def action_drafts(self) -> None:
        self.status = None if self.status == "draft" else "draft"
        self.fill()

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        """a and e show in the footer always, dimmed when the highlighted record is not one they act on."""
        r = self.highlighted() if self.is_mounted else None
        if action == "amend":
            return True if r is not None and r.status == "final" else None
        if action == "resume":
            return True if r is not None and r.status == "draft" else None
        return True

    def action_amend(self) -> None:
        """Amend the highlighted final record: its form, as from the record itself."""
        r = self.highlighted()
        if r is None or r.status != "final":
            return
        services = self.app.services
        try:
            record = services.store.get(r.id, services.guidance)
        except InputError as exc:  # a file changed under the table: say so, keep browsing
            self.app.notify(printable(str(exc)), severity="error", markup=False)
            return
        self.app.push_screen(AmendScreen(record))

    async def action_resume(self) -> None:
        r = self.highlighted()
        if r is None or r.status != "draft":
            return
        services = self.app.services
        record = services.store.get(r.id, services.guidance)
        await self.app.action_new_decision(dict(record.data))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.app.push_screen(RecordScreen(event.row_key.value))
