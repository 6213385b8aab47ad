"""One record's history in the app, built on the audit layer's history function (as `isp log ID`):
every revision, a field-by-field diff between any two of them (as `isp log ID --diff A B`), and the
amendments with their reasons. Personal values are hidden as the CLI hides them: the field is named."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from isp_tui.charts import OUTCOME_LABELS
from isp_tui.errors import InputError, printable
from isp_tui.tui.labels import SHORT_ACTIONS, action_label
from isp_tui.tui.screens.lines import BY_AT_LEAST, add_header, layout, line, table_width


def _p(value: object) -> str:
    return printable(str(value))


# (title, width, which): the reason takes the width left over. On a narrow terminal the lesser columns give way
# first, in NARROWER's order, so 80 columns keep who made each revision whole (as the timeline does): the
# reason goes (the amendments below give each one's), then the time of day (the date stays), then the
# decision, then the change is named in a word, then the revision's number (the diff below names it). The
# line below the table shows the highlighted revision whole.
FIELDS = (("#", 3, "n"), ("When", 16, "when"), ("Change", 11, "action"), ("Decision", 12, "decision"),
          ("By", BY_AT_LEAST, "by"), ("Reason", 0, "reason"))
NARROWER = (("reason", None), ("when", ("Date", 10, "day")), ("decision", None),
            ("action", ("Change", 9, "short_action")), ("n", None))
REASON_AT_LEAST = 10  # a word or two; the line below shows it whole


def columns_for(width: int) -> list[tuple[str, int, str]]:
    """The history table's columns that fit in `width`."""
    return layout(width, FIELDS, NARROWER, rest="reason", at_least=REASON_AT_LEAST)


def row_values(r: dict) -> dict[str, str]:
    """One revision's fields in words, each printable and on one line."""
    action = action_label(r["action"])
    return {"n": str(r["n"]), "when": f"{r['date']:%Y-%m-%d %H:%M}", "day": f"{r['date']:%Y-%m-%d}", "action": action,
            "short_action": SHORT_ACTIONS.get(r["action"], action),
            "decision": OUTCOME_LABELS.get(r["outcome"], _p(r["outcome"])),
            "by": _p(f"{r['author']} <{r['email']}>"), "reason": _p(" ".join(str(r["reason"] or "").split()))}


def revision_line(r: dict) -> Text:
    """The highlighted revision whole: what the columns cut or leave out at this width."""
    values = row_values(r)
    text = Text()
    text.append(values["by"], style="bold")
    text.append(f"  revision {values['n']}  {values['when']}  {values['action']}")
    if values["decision"]:
        text.append(f"  decision: {values['decision']}")
    if values["reason"]:
        text.append(f"  reason: {values['reason']}")
    text.append(f"  commit {_p(r['commit'])[:12]}")
    return text


PERSONAL = "changed (personal data: shown in the record itself, not in its history)"
Described = list[tuple[str, "str | None", "str | None"]]  # record_doc.change_words: (label, before, after)


def diff_text(found: dict, numbers: dict[str, int], described: Described) -> Text:
    """audit.revision_diff's changes as text, each field under its label with before and after in words
    (`described`: record_doc.change_words of its changes); personal values named only."""
    text = Text()
    a, b = numbers.get(found["from"], "?"), numbers.get(found["to"], "?")
    text.append(f"Revision {a} -> revision {b}  ({found['from'][:12]} -> {found['to'][:12]})\n", style="bold")
    if not described:
        text.append("  no field changed\n", style="italic")
    for label, before, after in described:
        text.append(f"  {label}\n", style="bold")
        if before is None:
            text.append(f"    {PERSONAL}\n")
            continue
        text.append(f"    before: {before}\n")
        text.append(f"    after:  {after}\n")
    return text


def amendments_text(amendments: list[dict], described: list[Described]) -> Text:
    """The amendments with their reasons, and each one's changes in words (`described`, one per amendment)."""
    text = Text()
    text.append("Amendments (oldest first)\n", style="bold underline")
    if not amendments:
        text.append("  none\n", style="italic")
    for a, changes in zip(amendments, described):
        text.append(f"{a['at']:%Y-%m-%d %H:%M}  {_p(a['by'])}\n", style="bold")
        text.append(f"  reason: {_p(a['reason'])}\n")
        for label, before, after in changes:
            text.append(f"  {label}: changed (personal data)\n" if before is None else
                        f"  {label}: {before} -> {after}\n")
    return text


def describe(store, guidance, record_id: str, commit: str | None, changes: list[dict]) -> Described:
    """Changes in words under the labels of the record's form, as at `commit` (None: as it stands)."""
    import subprocess

    from isp_tui.tui.screens.record_doc import change_words

    try:
        record = store.get(record_id, guidance) if commit is None else store.record_at(record_id, commit, guidance)
    except (InputError, subprocess.CalledProcessError, OSError):
        record = None  # destroyed or unreadable: the fields are named in words, without the form's labels
    return change_words(changes, record, guidance)


class HistoryScreen(Screen):
    CSS_PATH = "auditor.tcss"
    is_history = True  # the app offers no History key on the history itself
    HELP = """One record's history, newest first, as `isp log ID` gives it. The diff below the table compares
two revisions field by field: the one the cursor is on against the one before it, or, once you press
space on a revision, against that one (any two revisions; space again on it lets it go). Personal data
(the subject's details) is named, never shown. The record's amendments, with their reasons, follow.
Escape goes back."""

    BINDINGS = [
        Binding("space", "pin", "Compare with this", id="history.pin"),
        Binding("escape", "app.pop_screen", "Back", id="history.back"),
    ]

    def __init__(self, record_id: str):
        super().__init__()
        self.record_id = record_id
        self.revisions: list[dict] = []
        self.pinned: str | None = None
        self.current: str | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield DataTable(id="revisions", cursor_type="row", zebra_stripes=True)
        yield Static(id="history-status")
        with VerticalScroll(id="history-pane"):
            yield Static(Text("Reading the history...", style="italic"), id="diff")
            yield Static(id="amendments")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = f"history of {self.record_id}"
        self.columns = columns_for(table_width(self.size.width))
        table = self.query_one("#revisions", DataTable)
        add_header(table, self.columns)
        table.focus()
        self.run_worker(self._read, thread=True, name="history", exit_on_error=False)

    def _read(self) -> None:
        from isp_tui.audit import history

        services = self.app.services
        try:
            found = history(services.store, self.record_id)
        except InputError as exc:
            self.app.call_from_thread(self.query_one("#diff", Static).update, Text(_p(exc), style="bold red"))
            return
        described = [describe(services.store, services.guidance, self.record_id, None, a["changes"])
                     for a in found.amendments]
        self.app.call_from_thread(self._show, found, described)

    def _show(self, found, described: list[Described]) -> None:
        self.revisions = found.revisions
        self._rows(self.query_one("#revisions", DataTable))
        self.query_one("#amendments", Static).update(amendments_text(found.amendments, described))
        if found.revisions:
            self._compare(found.revisions[0]["commit"])

    def _rows(self, table: DataTable) -> None:
        for r in self.revisions:
            table.add_row(Text(line(self.columns, row_values(r))), key=r["commit"])

    def on_resize(self) -> None:
        """Columns for the new width: the revisions drawn again, the cursor kept where it was."""
        columns = columns_for(table_width(self.size.width))
        if columns == getattr(self, "columns", columns):  # unchanged, or not mounted yet
            return
        self.columns = columns
        table = self.query_one("#revisions", DataTable)
        row = table.cursor_row
        table.clear(columns=True)
        add_header(table, columns)
        self._rows(table)
        if self.revisions:
            table.move_cursor(row=row, animate=False)

    @property
    def numbers(self) -> dict[str, int]:
        return {r["commit"]: r["n"] for r in self.revisions}

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key is not None and event.row_key.value:
            self._compare(event.row_key.value)

    def _compare(self, commit: str) -> None:
        """The diff from the pinned revision (else the one before) to this one."""
        self.current = commit
        shown = next((r for r in self.revisions if r["commit"] == commit), None)
        if shown is not None:
            self.query_one("#history-status", Static).update(revision_line(shown))
        n = self.numbers[commit]
        other = self.pinned if self.pinned and self.pinned != commit else None
        if other is None:
            if n == 1:
                self.query_one("#diff", Static).update(Text(f"Revision 1 is the first: nothing before it to compare."
                                                            " Press space on a revision to compare with it.",
                                                            style="italic"))
                return
            other = next(r["commit"] for r in self.revisions if r["n"] == n - 1)
        a, b = sorted((other, commit), key=lambda c: self.numbers[c])
        self.run_worker(lambda: self._diff(a, b), thread=True, exclusive=True, group="diff", name="diff",
                        exit_on_error=False)

    def _diff(self, a: str, b: str) -> None:
        from isp_tui.audit import revision_diff

        services = self.app.services
        try:
            found = revision_diff(services.store, self.record_id, a, b)
            text = diff_text(found, self.numbers, describe(services.store, services.guidance, self.record_id, b,
                                                           found["changes"]))
        except InputError as exc:
            text = Text(_p(exc), style="bold red")
        if self.pinned:
            text.append(f"\n(comparing with revision {self.numbers.get(self.pinned)}: space on it lets it go)\n",
                        style="dim")
        self.app.call_from_thread(self.query_one("#diff", Static).update, text)

    def action_pin(self) -> None:
        if self.current is None:
            return
        self.pinned = None if self.pinned == self.current else self.current
        self._compare(self.current)
