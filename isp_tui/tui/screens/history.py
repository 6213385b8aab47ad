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

from isp_tui.errors import InputError, printable
from isp_tui.tui.labels import action_label


def _p(value: object) -> str:
    return printable(str(value))


def diff_text(found: dict, numbers: dict[str, int]) -> Text:
    """audit.revision_diff's changes as text: before and after for each field, personal values named only."""
    text = Text()
    a, b = numbers.get(found["from"], "?"), numbers.get(found["to"], "?")
    text.append(f"Revision {a} -> revision {b}  ({found['from'][:12]} -> {found['to'][:12]})\n", style="bold")
    if not found["changes"]:
        text.append("  no field changed\n", style="italic")
    for change in found["changes"]:
        text.append(f"  {_p(change['field'])}\n", style="bold")
        if change.get("personal"):
            text.append("    changed (personal data: shown in the record itself, not in its history)\n")
            continue
        text.append(f"    before: {_p(change.get('before', '(none)'))}\n")
        text.append(f"    after:  {_p(change.get('after', '(none)'))}\n")
    return text


def amendments_text(amendments: list[dict]) -> Text:
    text = Text()
    text.append("Amendments (oldest first)\n", style="bold underline")
    if not amendments:
        text.append("  none\n", style="italic")
    for a in amendments:
        text.append(f"{a['at']:%Y-%m-%d %H:%M}  {_p(a['by'])}\n", style="bold")
        text.append(f"  reason: {_p(a['reason'])}\n")
        for c in a["changes"]:
            if c.get("personal"):
                text.append(f"  {_p(c['field'])}: changed (personal data)\n")
            else:
                text.append(f"  {_p(c['field'])}: {_p(c.get('before', '(none)'))} -> {_p(c.get('after', '(none)'))}\n")
    return text


class HistoryScreen(Screen):
    CSS_PATH = "auditor.tcss"
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
        with VerticalScroll(id="history-pane"):
            yield Static(Text("Reading the history...", style="italic"), id="diff")
            yield Static(id="amendments")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = f"history of {self.record_id}"
        table = self.query_one("#revisions", DataTable)
        table.add_columns("#", "When", "Change", "Decision", "By", "Reason")
        table.focus()
        self.run_worker(self._read, thread=True, name="history", exit_on_error=False)

    def _read(self) -> None:
        from isp_tui.audit import history

        try:
            found = history(self.app.services.store, self.record_id)
        except InputError as exc:
            self.app.call_from_thread(self.query_one("#diff", Static).update, Text(_p(exc), style="bold red"))
            return
        self.app.call_from_thread(self._show, found)

    def _show(self, found) -> None:
        self.revisions = found.revisions
        table = self.query_one("#revisions", DataTable)
        for r in found.revisions:
            table.add_row(str(r["n"]), f"{r['date']:%Y-%m-%d %H:%M}", action_label(r["action"]), _p(r["outcome"]),
                          _p(f"{r['author']} <{r['email']}>"), _p(r["reason"]), key=r["commit"])
        self.query_one("#amendments", Static).update(amendments_text(found.amendments))
        if found.revisions:
            self._compare(found.revisions[0]["commit"])

    @property
    def numbers(self) -> dict[str, int]:
        return {r["commit"]: r["n"] for r in self.revisions}

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key is not None and event.row_key.value:
            self._compare(event.row_key.value)

    def _compare(self, commit: str) -> None:
        """The diff from the pinned revision (else the one before) to this one."""
        self.current = commit
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

        try:
            text = diff_text(revision_diff(self.app.services.store, self.record_id, a, b), self.numbers)
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
