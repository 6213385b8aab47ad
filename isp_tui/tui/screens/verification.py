"""Verification in the app: `isp verify` (or `--full`) in a worker, each check's result, what failed."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, ProgressBar, Static

from isp_tui.errors import InputError, printable

RESULT_STYLES = {"PASS": "bold green", "FAIL": "bold red", "SKIP": "yellow"}


def last_verified(store) -> datetime | None:
    """When verification last passed: verify rewrites its marker (.git/isp/verified-head) on every pass, so
    the marker's time is that run's. Nothing else is kept (no personal data)."""
    from isp_tui.audit import MARKER  # merge: use audit.verify.MARKER, and move this beside it

    try:
        return datetime.fromtimestamp((store.work / MARKER).stat().st_mtime).astimezone()
    except OSError:
        return None


def last_verified_text(store) -> str:
    when = last_verified(store)
    return f"{when:%Y-%m-%d %H:%M} (passed)" if when else "never: press v to verify"


def result_of(check) -> str:
    return "FAIL" if not check.ok else "SKIP" if check.skipped else "PASS"


class VerificationScreen(Screen):
    CSS_PATH = "auditor.tcss"
    HELP = """Verification: the records repository's integrity, check by check (as `isp verify`): git's own
objects, every record against the schema, the shape of every commit, final records changed only by
amendments, nothing deleted, history not rewritten, rulesets, no personal data in commit messages or
paths, signatures, the working tree. v runs it again, f runs the full check (git fsck --strict and
every revision of every final record: slower). Enter on a failure opens its record. Escape goes back."""

    BINDINGS = [
        Binding("v", "run(False)", "Verify again", id="verify.again"),
        Binding("f", "run(True)", "Full check", id="verify.full"),
        Binding("escape", "app.pop_screen", "Back", id="verify.back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.failures: list[tuple[str, dict]] = []
        self.running = False

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="verification"):
            yield Static(id="verify-status")
            yield ProgressBar(total=None, show_eta=False, id="verify-progress")
            yield Static(id="checks")  # read, not chosen from (wrapped, never cut): the failures below open
            yield DataTable(id="failures", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#failures", DataTable).add_columns("Check", "Problem", "Record", "Commit")
        self.sub_title = "verification"
        self.action_run(False)

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        return not self.running if action == "run" else True

    def action_run(self, full: bool) -> None:
        if self.running:
            return
        self.running = True
        self.refresh_bindings()
        self.query_one("#verify-progress").display = True
        self._say(f"Verifying{' (full)' if full else ''}: starting...")
        self.run_worker(lambda: self._verify(full), thread=True, exclusive=True, group="verify", name="verify",
                        exit_on_error=False)

    def _say(self, message: str) -> None:
        self.query_one("#verify-status", Static).update(Text(message, style="italic"))

    def _verify(self, full: bool) -> None:
        from isp_tui import audit  # merge: use audit.verify (the audit/ package re-exports it)

        services = self.app.services
        say = lambda what: self.app.call_from_thread(self._say, f"Verifying: {printable(what)}...")  # noqa: E731
        try:
            result = audit.verify(services.store, services.guidance, full=full, progress=say)
        except Exception as exc:  # a repository verify cannot read: say so on the screen, never a traceback
            self.app.call_from_thread(self._failed, printable(str(exc)) or type(exc).__name__)
            return
        self.app.call_from_thread(self._show, result)

    def _failed(self, message: str) -> None:
        self.running = False
        self.refresh_bindings()
        self.query_one("#verify-progress").display = False
        self.query_one("#verify-status", Static).update(Text(f"Verification could not run: {message}", style="bold red"))

    def _show(self, result) -> None:
        self.running = False
        self.refresh_bindings()
        self.query_one("#verify-progress").display = False
        checks = Text()
        failures = self.query_one("#failures", DataTable)
        failures.clear()
        self.failures = []
        for check in result.checks:
            mark = result_of(check)
            note = f" ({printable(check.skipped)})" if check.skipped else ""
            checks.append(f"{mark}  ", style=RESULT_STYLES[mark])
            checks.append(printable(check.title) + note)
            if check.failures:
                checks.append(f": {len(check.failures):,} problem(s)", style="bold red")
            checks.append("\n")
            for failure in check.failures:
                n = len(self.failures)
                self.failures.append((check.name, failure))
                failures.add_row(printable(check.title), printable(failure.get("message", "")),
                                 printable(failure.get("record", "")), printable(failure.get("commit", ""))[:12],
                                 key=str(n))
        self.query_one("#checks", Static).update(checks)
        failed = [c for c in result.checks if not c.ok]
        head = (result.head or "no commits yet")[:12]
        summary = Text()
        summary.append("Verified: no problems found" if not failed else f"FAILED: {len(failed)} check(s)",
                       style="bold green" if not failed else "bold red")
        summary.append(f"  at {head}: {result.commits:,} commit(s), {result.records:,} record(s)"
                       + (" (full)" if result.full else ""))
        if failed:
            summary.append("\nEnter on a problem opens its record.", style="dim")
        self.query_one("#verify-status", Static).update(summary)
        failures.display = bool(self.failures)
        if self.failures:
            failures.focus()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id != "failures":
            return
        _, failure = self.failures[int(event.row_key.value)]
        record, commit = failure.get("record"), failure.get("commit")
        store = self.app.services.store
        try:
            exists = bool(record) and store.exists(record)
        except InputError:  # not a record id (a failure quoting a stray file): nothing to open
            record, exists = None, False
        if exists:
            from isp_tui.tui.screens.browse import RecordScreen

            self.app.push_screen(RecordScreen(record))
        elif record and commit:
            from isp_tui.tui.screens.timeline import RevisionScreen

            self.app.push_screen(RevisionScreen(record, commit))
        else:
            self.app.notify("This problem names no record to open.", markup=False)
