"""Reports in the app: the figures an inspector asks for, each a chart with its table one key away."""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import ContentSwitcher, DataTable, Footer, Header, Input, Label, ProgressBar, Static, TabbedContent, TabPane

from isp_tui.charts import CHARTED, chart_for
from isp_tui.errors import printable
from isp_tui.tui.labels import cell, column_label
from isp_tui.tui.widgets.chart import ChartPlot, legend

PAGE = 100  # rows put in a table at a time, more as the cursor nears the end (as Browse does)
MORE_WITHIN = 20
TABS = {"months": "Months", "outcomes": "Outcomes", "without-consent": "No consent", "agencies": "Agencies",
        "responses": "Responses", "reviews": "Reviews", "overrides": "Overrides"}
assert tuple(TABS) == CHARTED + ("overrides",)


class ReportsProgress(Message, bubble=False):
    """How far the worker has got: `what` ("index": record files read into the index; "reports": made)."""

    def __init__(self, what: str, done: int, total: int) -> None:
        super().__init__()
        self.what, self.done, self.total = what, done, total


class ReportsMade(Message, bubble=False):
    """The reports and their charts, as of a day; or `error`, the one line saying why they could not be made."""

    def __init__(self, as_of: date, reports: list, charts: dict, error: str = "") -> None:
        super().__init__()
        self.as_of, self.reports, self.charts, self.error = as_of, reports, charts, error


class ReportsScreen(Screen):
    CSS_PATH = "auditor.tcss"
    HELP = """Reports, from the derived index (as `isp report`): decisions by month; the engine's outcomes
against the decisions recorded; shares made without consent, by reason; agencies shared with and
refused; responses overdue; reviews and retention dates passed; decisions that depart from the
engine's outcome, with the reason, who, when and the advice sought. Left and right choose a report; t shows
its table instead of its chart (and back). "As of" works out what was overdue on another day: type
a date (YYYY-MM-DD) and press Enter. Escape goes back."""

    BINDINGS = [
        Binding("t", "toggle", "Table/chart", id="reports.toggle"),
        Binding("ctrl+o", "as_of", "As of", id="reports.as_of"),
        Binding("escape", "app.pop_screen", "Back", id="reports.back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.showing = "chart"
        self.reports: dict = {}
        self.charts: dict = {}  # each report's chart (isp_tui.charts.chart_for), worked out beside the report
        self.pending: set[str] = set()  # reports not drawn yet: a tab's chart and table are drawn when it is shown

    def compose(self) -> ComposeResult:
        # the reports are worked out while the screen is composed and first drawn: the worker tells the
        # screen by messages, which wait in its queue until it is mounted and never hold the worker
        self._start(self.app.today())
        yield Header()
        with Vertical(id="reports"):
            with Horizontal(id="as-of-bar"):
                yield Label("As of")
                yield Input(value=self.app.today().isoformat(), id="as-of", compact=True,
                            placeholder="YYYY-MM-DD")
                yield Static(id="reports-status")
            yield ProgressBar(total=len(TABS), show_eta=False, id="reports-progress")
            with TabbedContent(id="report-tabs"):
                for name, title in TABS.items():
                    with TabPane(title, id=f"tab-{name}"):
                        with ContentSwitcher(initial=f"chart-{name}", id=f"switch-{name}"):
                            with Vertical(id=f"chart-{name}"):
                                yield Static(id=f"legend-{name}", classes="chart-legend")
                                yield ChartPlot(id=f"plot-{name}", classes="report-chart")
                            yield DataTable(id=f"table-{name}", classes="report-table", cursor_type="row",
                                            zebra_stripes=True)
            yield Static(id="row-detail")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#row-detail").display = False
        self.query_one("#report-tabs Tabs").focus()
        self._status("Working out the reports from the index...")

    def action_as_of(self) -> None:
        self.query_one("#as-of").focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.load()
        self.query_one("#report-tabs Tabs").focus()

    def action_toggle(self) -> None:
        self.showing = "table" if self.showing == "chart" else "chart"
        for name in TABS:
            self.query_one(f"#switch-{name}", ContentSwitcher).current = f"{self.showing}-{name}"
        self.query_one("#row-detail").display = self.showing == "table"
        if self.showing == "table":
            active = self.query_one("#report-tabs", TabbedContent).active.removeprefix("tab-")
            self.query_one(f"#table-{active}").focus()
        else:
            self.query_one("#report-tabs Tabs").focus()

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        self._draw(event.pane.id.removeprefix("tab-"))
        self._detail()
        if self.showing == "table" and not isinstance(self.focused, Input):
            self.query_one(f"#table-{event.pane.id.removeprefix('tab-')}").focus()

    def _more(self, name: str) -> None:
        """The next page of a report's rows into its table: thousands of rows would hold the screen."""
        report, table = self.reports[name], self.query_one(f"#table-{name}", DataTable)
        start = table.row_count
        for row in report.rows[start:start + PAGE]:
            table.add_row(*(cell(c, row.get(c)) for c in report.columns))

    def _active(self) -> str:
        return (self.query_one("#report-tabs", TabbedContent).active or "").removeprefix("tab-")

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        name = (event.data_table.id or "").removeprefix("table-")
        if name in self.reports and event.cursor_row >= event.data_table.row_count - MORE_WITHIN:
            self._more(name)
        if (event.data_table.id or "") == f"table-{self._active()}":
            self._detail()

    def _detail(self) -> None:
        """The highlighted row whole, below the table: a wide report's last columns are never out of sight."""
        name = self._active()
        report = self.reports.get(name)
        detail = Text()
        row_n = self.query_one(f"#table-{name}", DataTable).cursor_row if report is not None else -1
        if report is not None and 0 <= row_n < len(report.rows):
            row = report.rows[row_n]
            for n, column in enumerate(report.columns):
                detail.append(("; " if n else "") + f"{column_label(column)}: ", style="bold")
                detail.append(cell(column, row.get(column)) or "-")
        self.query_one("#row-detail", Static).update(detail)

    def _draw(self, name: str) -> None:
        """A report's chart and the first page of its table, once it is shown (seven at once held the screen)."""
        if name not in self.pending:
            return
        self.pending.discard(name)
        report, chart = self.reports[name], self.charts[name]
        if chart is not None:
            self.query_one(f"#plot-{name}", ChartPlot).show_chart(chart)
            self.query_one(f"#legend-{name}", Static).update(legend(chart))
        table = self.query_one(f"#table-{name}", DataTable)
        table.clear(columns=True)
        table.add_columns(*(column_label(c) for c in report.columns))
        self._more(name)

    def _status(self, text: str, style: str = "italic") -> None:
        self.query_one("#reports-status", Static).update(Text(text, style=style))

    def load(self) -> None:
        value = self.query_one("#as-of", Input).value.strip()
        try:
            as_of = date.fromisoformat(value) if value else self.app.today()
        except ValueError:
            self._status(f"{printable(value)!s} is not a date: write it as YYYY-MM-DD", "bold red")
            return
        self.query_one("#reports-progress", ProgressBar).update(total=len(TABS), progress=0)
        self.query_one("#reports-progress").display = True
        self._status("Working out the reports from the index...")
        self._start(as_of)

    def _start(self, as_of: date) -> None:
        self.asked = as_of  # a worker still running for a date asked before is not shown when it ends
        self.run_worker(lambda: self._work(as_of), thread=True, exclusive=True, group="reports", name="reports",
                        exit_on_error=False)

    def on_reports_progress(self, message: ReportsProgress) -> None:
        self.query_one("#reports-progress", ProgressBar).update(total=message.total, progress=message.done)
        if message.what == "index":
            self._status(f"Reading the record files into the index ({message.done:,} of {message.total:,})...")
        else:
            self._status(f"Working out the reports from the index ({message.done} of {message.total})...")

    def _work(self, as_of: date) -> None:
        from isp_tui import audit  # merge: use audit.reports (the audit/ package re-exports it)

        services = self.app.services
        index = services.index
        def told(what: str):
            return lambda done, total: self.post_message(ReportsProgress(what, done, total))

        try:
            index.refresh(progress=told("index"))
            reports = audit.reports(services.store, services.guidance, as_of, tuple(TABS), index=index,
                                    progress=told("reports"))
            charts = {r.name: chart_for(r) for r in reports}  # here, not on the screen's thread: it keeps drawing
        except Exception as exc:  # an unreadable index or repository: on the screen, never a traceback
            self.post_message(ReportsMade(as_of, [], {}, f"The reports could not be made: {printable(str(exc))}"))
            return
        self.post_message(ReportsMade(as_of, reports, charts))

    def on_reports_made(self, message: ReportsMade) -> None:
        if message.as_of != self.asked:
            return
        if message.error:
            self._status(message.error, "bold red")
            self.query_one("#reports-progress").display = False
            return
        self._show(message.as_of, message.reports, message.charts)

    def _show(self, as_of: date, reports: list, charts: dict) -> None:
        self.reports, self.charts = {r.name: r for r in reports}, charts
        self.pending = set(self.reports)
        self._draw(self._active())
        self.query_one("#reports-progress").display = False
        self._detail()
        self.sub_title = f"as of {as_of.isoformat()}"
        self._status("t: the table or the chart; ctrl+o: another date", "dim")
