"""A report's chart in the app: the series of isp_tui.charts drawn by plotext, inside Textual.

textual-plotext rather than plotext through Rich: its widget redraws the plot at the widget's own size
on every resize and takes its colours from the app's theme (the terminal's own in "ansi" themes), where a
Rich renderable of plotext's output would be drawn once at a guessed width and keep plotext's colours.
The numbers are the chart's (isp_tui.charts.chart_for), so the app shows what `isp report` prints.
"""

from __future__ import annotations

from textual_plotext import PlotextPlot

from isp_tui.charts import Chart

LABEL_WIDTH = 24  # a bar's label on the axis, cut with an ellipsis (the table beside shows it whole)
SHOWN = 12  # bars drawn at most: the largest first, as the report orders them; the table has them all


def _cut(label: str) -> str:
    return label if len(label) <= LABEL_WIDTH else label[:LABEL_WIDTH - 1] + "…"


class ChartPlot(PlotextPlot):
    """Horizontal bars of one chart: stacked where the series are parts of a whole, side by side otherwise."""

    can_focus = False  # a picture: nothing to do on it (its table, one key away, is what is read)

    def show_chart(self, chart: Chart) -> None:
        plt = self.plt
        plt.clear_figure()
        plt.title(chart.title)
        labels = [_cut(label) for label in chart.labels[:SHOWN]]
        if not labels:
            plt.text("none", 0, 0)
            self.refresh()
            return
        values = [v[:SHOWN] for _, v in chart.series]
        names = [name for name, _ in chart.series]
        if len(values) == 1:
            plt.bar(labels, values[0], orientation="horizontal", width=0.6)
        elif chart.stacked:
            plt.stacked_bar(labels, values, labels=names, orientation="horizontal", width=0.6)
        else:
            plt.multiple_bar(labels, values, labels=names, orientation="horizontal", width=0.6)
        plt.xlabel(chart.unit)
        self.refresh()
