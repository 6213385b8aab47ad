"""The auditor's timeline: every change in the records repository, newest first, filtered and paged;
one record at one revision, read-only; a record exported to a file."""

from __future__ import annotations

import re
from datetime import date

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, DataTable, Footer, Header, Input, Label, Markdown, RadioButton, RadioSet, Select, Static

from isp_tui.charts import OUTCOME_LABELS
from isp_tui.errors import InputError, printable
from isp_tui.tui.labels import ACTION_LABELS, SHORT_ACTIONS, action_label
from isp_tui.tui.screens.lines import BY_AT_LEAST, add_header, line, table_width
from isp_tui.tui.screens.lines import layout as fitted

PAGE = 100  # rows added at a time, as Browse does
MORE_WITHIN = 20
# (title, width, which): "By" takes the width left over; on a narrow terminal the lesser columns give way
# first, in NARROWER's order (as Browse drops its own), so 80 columns keep who made each change whole: the
# record goes, then the time of day (the date stays), then the decision, then the change is named in a
# word ("Draft" for "Draft saved"). The line below the table shows the highlighted change whole (who, the
# record, the decision, the commit and its subject).
FIELDS = (("When", 16, "when"), ("Change", 11, "action"), ("Decision", 12, "decision"), ("Record", 26, "record"),
          ("By", 0, "by"))
NARROWER = (("record", None), ("when", ("Date", 10, "day")), ("decision", None),
            ("action", ("Change", 9, "short_action")))  # dropped (None), or shortened to
TOMBSTONES = "retention/destroyed"  # merge: use sync.TOMBSTONES
TOMBSTONE_LABELS = {"id": "Record", "destroyed_at": "Destroyed at", "authorised_by": "Authorised by",
                    "reason": "Reason", "history_rewritten_from": "History rewritten from commit",
                    "record_created": "Record created", "decided_at": "Decided at", "review_on": "Review on",
                    "retain_until": "Retain until"}


def decision(row: dict) -> str:
    """The decision a change recorded, in words (a destroy records none)."""
    return OUTCOME_LABELS.get(row["outcome"], printable(row["outcome"])) if row["action"] != "destroy" else ""


def layout(width: int) -> list[tuple[str, int, str]]:
    """The columns that fit in `width` ("By" the width left over), lesser ones dropped first."""
    return fitted(width, FIELDS, NARROWER, rest="by", at_least=BY_AT_LEAST)


def _date(text: str, what: str) -> date | None:
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"{text!r} is not a date: write it as YYYY-MM-DD", field=what) from None


def as_list(markdown: str) -> str:
    """An export's two-column tables as lists (`label: value`): a narrow terminal wraps a list, where a
    table's columns are cut."""
    out = []
    for line in markdown.splitlines():
        cells = re.split(r"(?<!\\)\|", line)
        if line in ("| field | value |", "|---|---|"):
            continue
        out.append(f"- **{cells[1].strip()}**: {cells[2].strip()}" if len(cells) == 4 and not cells[0] else line)
    return "\n".join(out)


class TimelineScreen(Screen):
    CSS_PATH = "auditor.tcss"
    HELP = """Every change in the records repository, newest first: who, when, what kind of change and the
decision recorded. Filter by practitioner, agency, decision, kind of change and dates (YYYY-MM-DD);
Enter in a filter applies it. Enter on a change opens the record as it was at that change (a destroyed
record shows its tombstone: who destroyed it, when and why). Escape goes back."""

    BINDINGS = [
        Binding("ctrl+f", "filters", "Filters", id="timeline.filters"),
        Binding("escape", "app.pop_screen", "Back", id="timeline.back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict] = []

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="timeline"):
            with Horizontal(classes="filters"):
                yield Input(placeholder="Practitioner", id="by", compact=True)
                yield Input(placeholder="Agency", id="agency", compact=True)
                yield Select([(label, value) for value, label in OUTCOME_LABELS.items() if value != "incomplete"],
                             prompt="Any decision", id="outcome", compact=True)
            with Horizontal(classes="filters"):
                yield Select([(label, value) for value, label in ACTION_LABELS.items()], prompt="Any change",
                             id="action", compact=True)
                yield Input(placeholder="From YYYY-MM-DD", id="since", compact=True)
                yield Input(placeholder="To YYYY-MM-DD", id="until", compact=True)
            yield DataTable(id="changes", cursor_type="row", zebra_stripes=True)
            yield Static(Text("Reading the history...", style="italic"), id="timeline-status")
        yield Footer()

    def on_mount(self) -> None:
        self.columns = layout(self.table_width())
        table = self.query_one("#changes", DataTable)
        add_header(table, self.columns)
        table.focus()
        self.load()

    def table_width(self) -> int:
        return table_width(self.size.width)

    def on_resize(self) -> None:
        """Columns for the new width: the rows shown so far drawn again, the cursor kept where it was."""
        columns = layout(self.table_width())
        if columns == getattr(self, "columns", columns):  # unchanged, or not mounted yet
            return
        self.columns = columns
        table = self.query_one("#changes", DataTable)
        shown, row = table.row_count, table.cursor_row
        table.clear(columns=True)
        add_header(table, columns)
        self._more(shown)
        if shown:
            table.move_cursor(row=row, animate=False)

    def action_filters(self) -> None:
        self.query_one("#by").focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.load()

    def on_select_changed(self, event: Select.Changed) -> None:
        self.load()

    def load(self) -> None:
        try:
            filters = {"practitioner": self.query_one("#by", Input).value.strip() or None,
                       "agency": self.query_one("#agency", Input).value.strip() or None,
                       "since": _date(self.query_one("#since", Input).value, "From"),
                       "until": _date(self.query_one("#until", Input).value, "To")}
        except InputError as exc:
            self.query_one("#timeline-status", Static).update(Text(str(exc), style="bold red"))
            return
        for name in ("outcome", "action"):
            value = self.query_one(f"#{name}", Select).value
            filters[name] = None if value is Select.NULL else value
        self.query_one("#timeline-status", Static).update(Text("Reading the history...", style="italic"))
        self.filters, self.following = filters, None  # a next page of the old filters is dropped when it comes
        self.run_worker(lambda: self._read(filters), thread=True, exclusive=True, group="timeline", name="timeline",
                        exit_on_error=False)

    def _read(self, filters: dict, resume=None) -> None:
        """One page of the timeline, newest first, read from where the last page ended (audit.timeline_page
        reads the log only as far as the page needs: the first page does not wait for the whole history)."""
        from isp_tui import audit

        rows, following = audit.timeline_page(self.app.services.store, **filters, limit=PAGE, resume=resume)
        self.app.call_from_thread(self._show, rows, following, filters, resume is not None)

    def _show(self, rows: list[dict], following, filters: dict, more: bool = False) -> None:
        if more and filters is not getattr(self, "filters", None):
            return  # a page of filters since changed
        self.rows = self.rows + rows if more else rows
        self.following, self.filters, self.reading = following, filters, False
        table = self.query_one("#changes", DataTable)
        if not more:
            table.clear()
        self._more()
        self.sub_title = f"changes: {len(self.rows):,}" + (" and more" if following else "")
        if not self.rows:
            self.query_one("#timeline-status", Static).update(Text("No change matches."))

    def _next_page(self) -> None:
        """The next page of changes from the log, when the table nears the end of those read."""
        if getattr(self, "following", None) is None or getattr(self, "reading", False):
            return
        self.reading = True
        filters, resume = self.filters, self.following
        self.run_worker(lambda: self._read(filters, resume), thread=True, group="timeline-more",
                        name="timeline-more", exit_on_error=False)

    def _more(self, count: int = PAGE) -> None:
        table = self.query_one("#changes", DataTable)
        start = table.row_count
        for n, r in enumerate(self.rows[start:start + max(count, PAGE)], start):
            action = action_label(r["action"])
            values = {"when": f"{r['date']:%Y-%m-%d %H:%M}", "day": f"{r['date']:%Y-%m-%d}", "action": action,
                      "short_action": SHORT_ACTIONS.get(r["action"], action), "decision": decision(r),
                      "record": printable(r["record"]), "by": printable(f"{r['author']} <{r['email']}>")}
            table.add_row(Text(line(self.columns, values)), key=str(n))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        table = event.data_table
        if event.row_key is not None and event.row_key.value is not None:  # the whole of it, never cut
            r = self.rows[int(event.row_key.value)]
            detail = Text()
            detail.append(printable(f"{r['author']} <{r['email']}>"), style="bold")
            if r["record"]:
                detail.append(printable(f"  {r['date']:%Y-%m-%d %H:%M}  record {r['record']}")
                              + (f"  decision: {decision(r)}" if decision(r) else ""))
            detail.append(printable(f"  commit {r['commit'][:12]}  {r['subject']}"))
            self.query_one("#timeline-status", Static).update(detail)
        if event.cursor_row >= table.row_count - MORE_WITHIN:
            if table.row_count < len(self.rows):
                self._more()
            else:
                self._next_page()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        row = self.rows[int(event.row_key.value)]
        if not row["record"]:
            self.app.notify("This change is not to a record (the store did not make it).", markup=False)
            return
        self.app.push_screen(RevisionScreen(row["record"], row["commit"], row["action"]))


class RevisionScreen(Screen):
    CSS_PATH = "auditor.tcss"
    HELP = """One record as it was at one change, read-only (the record's own screen, from Browse, shows
it as it stands and its whole history). x exports it as it was then; h opens the record's history (a
diff between any two revisions). Escape goes back."""

    BINDINGS = [
        Binding("x", "export", "Export", id="revision.export"),
        Binding("escape", "app.pop_screen", "Back", id="revision.back"),
    ]

    def __init__(self, record_id: str, commit: str, action: str = ""):
        super().__init__()
        self.record_id = record_id
        self.commit = commit
        self.action = action
        self.readable = False

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="revision-pane"):
            yield Static(id="revision-head")
            yield Markdown(id="revision")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = f"{self.record_id} at {self.commit[:12]}"
        self.query_one("#revision-pane").focus()
        self.run_worker(self._read, thread=True, name="revision", exit_on_error=False)

    def _read(self) -> None:
        import subprocess

        from isp_tui.dates import now
        from isp_tui.export import record_markdown

        services = self.app.services
        store = services.store
        head = Text()
        try:
            record = store.record_at(self.record_id, self.commit, services.guidance)
        except (InputError, subprocess.CalledProcessError):
            record = None
        if record is None:
            self.app.call_from_thread(self._show, *self._tombstone(store))
            return
        head.append(f"{action_label(self.action)}: record {self.record_id} as committed in {self.commit[:12]}\n",
                    style="bold")
        text = record_markdown(record, exported_by="", exported_at=now(), commit=self.commit)
        self.readable = True
        body = text.split("\n---\n")[0]  # the record, not an export's footer
        self.app.call_from_thread(self._show, head, as_list(body))

    def _tombstone(self, store) -> tuple[Text, str]:
        import subprocess

        from isp_tui.export import md_inline
        from isp_tui.tomlfile import parse_toml
        from isp_tui.tui.labels import words

        head = Text()
        path = f"{TOMBSTONES}/{self.record_id}.toml"
        try:
            data = parse_toml(store.git("show", f"{self.commit}:{path}").encode("utf-8"), path)
        except (subprocess.CalledProcessError, InputError):
            head.append(f"Record {self.record_id} cannot be read at commit {self.commit[:12]}.", style="bold red")
            return head, ""
        head.append(f"Record {self.record_id} was destroyed: its content is gone from the history; "
                    "the tombstone says who, when and why.\n", style="bold")
        lines = [f"- **{md_inline(TOMBSTONE_LABELS.get(k, k.replace('_', ' ').capitalize()))}**: {md_inline(words(v))}"
                 for k, v in data.items()]
        return head, "\n".join(lines)

    def _show(self, head: Text, markdown: str) -> None:
        self.query_one("#revision-head", Static).update(head)
        self.query_one("#revision", Markdown).update(markdown)
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        return self.readable if action == "export" else True

    def action_export(self) -> None:
        if self.readable:
            self.app.push_screen(ExportScreen(self.record_id, self.commit))


class ExportScreen(Screen):
    CSS_PATH = "auditor.tcss"
    HELP = """Export one record to a file: Markdown, HTML, a redacted copy (what identifies the person is
left out, to seek advice), or the ICO's data sharing decision form (Data Sharing Code, Annex B) filled in
from the record, the partner register and the config's [organisation] table, "not recorded" where none
answers (as `isp export ID --format ico-decision-form`). The file is readable by you only and ends with a
signed-and-dated footer: who decided, who exported it and when, the commit and the record file's SHA-256.
Escape cancels."""

    BINDINGS = [Binding("escape", "app.pop_screen", "Cancel", id="export.cancel")]

    def __init__(self, record_id: str, commit: str | None = None):
        super().__init__()
        self.export_id = record_id  # not `record_id`: the palette offers "Export this record" where that is set
        self.commit = commit

    def compose(self) -> ComposeResult:
        from isp_tui.export_file import FORMATS

        yield Header()
        with Vertical(id="export"):
            yield Label(f"Export record {self.export_id}" + (f" as at {self.commit[:12]}" if self.commit else ""))
            with RadioSet(id="export-format"):
                for n, (fmt, label) in enumerate(FORMATS.items()):
                    yield RadioButton(label, value=n == 0, name=fmt)
            yield Label("Save to (a file name; the folder must exist)")
            yield Input(value=f"{self.export_id}.md", id="export-path", compact=True)
            yield Button("Export", id="export-go", variant="primary", compact=True)
            yield Static(id="export-msg")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "export"
        self.query_one("#export-format").focus()

    def _format(self) -> str:
        pressed = self.query_one("#export-format", RadioSet).pressed_button
        return pressed.name if pressed and pressed.name else "md"

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        from isp_tui.export_file import SUFFIX

        path = self.query_one("#export-path", Input)
        stem, dot, suffix = path.value.rpartition(".")
        if dot and suffix in ("md", "html"):
            path.value = stem + SUFFIX[self._format()]

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.export()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.export()

    def export(self) -> None:
        from isp_tui.dates import now
        from isp_tui.export_file import render, write_export

        services = self.app.services
        msg = self.query_one("#export-msg", Static)
        by = str(services.identity) if services.identity else "(unknown: set --as)"
        try:
            text = render(services.store, services.guidance, self.export_id, self._format(), exported_by=by,
                          exported_at=now(), commit=self.commit, arrangements=self.app.config.arrangements)
            path = write_export(self.query_one("#export-path", Input).value, text)
        except InputError as exc:
            msg.update(Text(printable(str(exc)), style="bold red"))
            return
        msg.update(Text(f"Written to {printable(str(path))} (readable by you only).", style="bold green"))
        self.app.notify(f"Exported to {path}", markup=False)
