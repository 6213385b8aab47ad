"""A report's chart in the app: the series of isp_tui.charts drawn by plotext, inside Textual.

textual-plotext rather than plotext through Rich: its widget redraws the plot at the widget's own size
on every resize and takes its colours from the app's theme (the terminal's own in "ansi" themes), where a
Rich renderable of plotext's output would be drawn once at a guessed width and keep plotext's colours.
The numbers are the chart's (isp_tui.charts.chart_for), so the app shows what `isp report` prints.
"""

from __future__ import annotations

from rich.text import Text
from textual_plotext import PlotextPlot

from isp_tui.charts import Chart

LABEL_WIDTH = 24  # a bar's label on the axis, cut with an ellipsis (the table beside shows it whole)
COLOURS = ("blue", "red", "green", "yellow")  # plotext's and Rich's names for the same terminal colours
SHOWN = 12  # bars drawn at most: the largest first, as the report orders them; the table has them all


def _cut(label: str) -> str:
    return label if len(label) <= LABEL_WIDTH else label[:LABEL_WIDTH - 1] + "…"


class ChartPlot(PlotextPlot):
    """Horizontal bars of one chart: stacked where the series are parts of a whole, side by side otherwise."""

    can_focus = False  # a picture: nothing to do on it (its table, one key away, is what is read)
    chart: Chart | None = None  # what it shows, and `drawn`: the labels and values given to plotext
    drawn: tuple[list[str], list[list[int]]] = ([], [])

    def show_chart(self, chart: Chart) -> None:
        self.chart = chart
        plt = self.plt
        plt.clear_figure()
        plt.title(chart.title)
        shown = slice(-SHOWN, None) if chart.tail else slice(0, SHOWN)  # months: the latest
        labels = [_cut(label) for label in chart.labels[shown]]
        if not labels:
            self.drawn = ([], [])
            plt.text("none", 0, 0)
            self.styles.height = 8
            self.refresh(layout=True)
            return
        values = [v[shown] for _, v in chart.series]
        self.drawn = (labels, values)
        colours = list(COLOURS[:len(values)])
        if len(values) == 1:
            plt.bar(labels, values[0], orientation="horizontal", width=0.6, color=colours[0])
        elif chart.stacked:
            plt.stacked_bar(labels, values, orientation="horizontal", width=0.6, color=colours)
        else:
            plt.multiple_bar(labels, values, orientation="horizontal", width=0.6, color=colours)
        top = max([sum(col) for col in zip(*values)] if chart.stacked else [max(v) for v in values]) or 1
        step = max(1, -(-top // 4))
        plt.xticks(list(range(0, top + step, step)))  # whole numbers: these are counts of records
        plt.xlabel(chart.unit + (f" ({'the latest' if chart.tail else 'the first'} {SHOWN} of {len(chart.labels)}: "
                                 "t shows them all)"
                                 if len(chart.labels) > SHOWN else ""))
        # as tall as the bars need (a bar a line, a blank between groups), not the whole pane: one month
        # drawn in forty lines reads as a wall
        per_label = 2 if chart.stacked or len(values) == 1 else len(values) + 1
        self.styles.height = len(labels) * per_label + 6
        self.refresh(layout=True)


def legend(chart: Chart) -> Text:
    """Which colour is which series, above the plot (plotext's own legend is drawn over the bars)."""
    text = Text()
    if len(chart.series) > 1:
        for n, (name, _) in enumerate(chart.series):
            text.append("██ ", style=COLOURS[n % len(COLOURS)])
            text.append(f"{name}   ")
    return text
