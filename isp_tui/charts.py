"""A report's rows as chart series, and a chart drawn as text (a terminal) or as inline SVG (`--html`).

Pure: no Textual, no Rich. The app's chart widget (isp_tui/tui/widgets/chart.py) draws the same series
with plotext, so a chart in the app, on a terminal and in an HTML report shows the same numbers, and
those are the report's own rows (tests/test_tui_auditor.py checks them against `isp report --json`).

- `chart_for(report)`: the chart of one report (isp_tui.audit.Report or its `as_dict()`), or None when the
  report has no chart (a list of records to look up is a table, not a picture).
- `chart_text(chart, width)`: horizontal bars in characters, a legend, the numbers at the bar ends.
- `chart_svg(chart)`: an <svg> element with no script, no style sheet and no external reference, that
  prints as shown.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from html import escape
from typing import Any, Callable, Iterable

# Words for the values a report holds (the records' ids for outcomes and consent; never shown raw)
OUTCOME_LABELS = {"share": "Share", "share-part": "Share part", "do-not-share": "Do not share",
                  "seek-advice": "Seek advice", "incomplete": "Not decided yet"}
CONSENT_LABELS = {"refused": "Consent refused", "withdrawn": "Consent withdrawn", "unsure": "Unsure about consent",
                  "not-sought": "Consent not sought"}
# why consent was not sought: short forms of the consent-not-sought checklist's items (templates/checklists.toml)
NOT_SOUGHT_LABELS = {"increased-risk": "would increase the risk", "prejudice-crime": "would prejudice a crime inquiry",
                     "unjustified-delay": "would cause undue delay", "statutory-duty": "a statutory duty to share",
                     "court-order": "a court order"}
CHARTED = ("months", "outcomes", "without-consent", "agencies", "responses", "reviews")
BAR_CHARS = ("█", "▒", "░", "▓")  # one per series: told apart without colour
SVG_COLOURS = ("#1f4e79", "#c55a11", "#548235", "#7f6000")  # dark enough to print and to read on white


@dataclass(frozen=True)
class Chart:
    report: str
    title: str
    labels: list[str]  # one per bar (or group of bars)
    series: list[tuple[str, list[int]]]  # (name, one value per label)
    stacked: bool  # the series are parts of one whole (stacked) or alternatives side by side (grouped)
    unit: str = "records"
    tail: bool = False  # cut to the last labels, not the first (months: the latest matter most)

    def total(self, name: str | None = None) -> int:
        return sum(sum(values) for series, values in self.series if name is None or series == name)


def outcome_label(value: str) -> str:
    return OUTCOME_LABELS.get(value, value.replace("-", " ").capitalize())


def consent_reason(consent: str, why_not_sought: str | None) -> str:
    """The reason a share was made without consent, in words: the consent state, and for 'not sought', why."""
    label = CONSENT_LABELS.get(consent, consent.replace("-", " ").capitalize())
    if consent == "not-sought":
        return f"{label}: {NOT_SOUGHT_LABELS.get(why_not_sought or '', (why_not_sought or 'no reason given').replace('-', ' '))}"
    return label


def _counted(rows: Iterable[dict[str, Any]], key: Callable[[dict[str, Any]], str],
             series: list[tuple[str, Callable[[dict[str, Any]], bool]]]) -> tuple[list[str], list[tuple[str, list[int]]]]:
    counts: dict[str, Counter] = defaultdict(Counter)
    for row in rows:
        for name, belongs in series:
            if belongs(row):
                counts[key(row)][name] += 1
    labels = sorted(counts, key=lambda k: (-sum(counts[k].values()), k))
    return labels, [(name, [counts[k][name] for k in labels]) for name, _ in series]


def _months(rows: list[dict[str, Any]]) -> tuple[list[str], list[tuple[str, list[int]]]]:
    labels = [r["month"] for r in rows]
    parts = [("share", "Share"), ("share-part", "Share part"), ("do-not-share", "Do not share"), ("drafts", "Draft")]
    return labels, [(name, [int(r.get(key) or 0) for r in rows]) for key, name in parts]


def _outcomes(rows: list[dict[str, Any]]) -> tuple[list[str], list[tuple[str, list[int]]]]:
    rows = [r for r in rows if r["outcome"] != "total"]
    return ([outcome_label(r["outcome"]) for r in rows],
            [("Engine's outcome", [int(r["engine"]) for r in rows]),
             ("Recorded decision", [int(r["recorded"]) for r in rows])])


def _agencies(rows: list[dict[str, Any]]) -> tuple[list[str], list[tuple[str, list[int]]]]:
    return ([r["agency"] for r in rows],
            [("Shared", [int(r["shared"]) for r in rows]), ("Not shared", [int(r["not_shared"]) for r in rows])])


def _month_of(value: Any) -> str:
    return str(value)[:7] if value else "no date"


def _reviews(rows: list[dict[str, Any]]) -> tuple[list[str], list[tuple[str, list[int]]]]:
    """Records past a date, by the month of that date: review and retention counted apart."""
    counts: dict[str, Counter] = defaultdict(Counter)
    for r in rows:
        past = [p.strip() for p in str(r.get("past") or "").split(",")]
        if "review" in past:
            counts[_month_of(r.get("review_on"))]["Review past"] += 1
        if "retention" in past:
            counts[_month_of(r.get("retain_until"))]["Retention past"] += 1
    labels = sorted(counts)
    return labels, [(name, [counts[m][name] for m in labels]) for name in ("Review past", "Retention past")]


BUILDERS: dict[str, tuple[str, bool, Callable[[list[dict[str, Any]]], tuple[list[str], list[tuple[str, list[int]]]]]]] = {
    "months": ("Decisions by month", True, _months),
    "outcomes": ("Outcomes: the engine's against the recorded decision", False, _outcomes),
    "without-consent": ("Shares without consent, by reason", False, lambda rows: _counted(
        rows, lambda r: consent_reason(r.get("consent") or "", r.get("why_not_sought")), [("Shares", lambda r: True)])),
    "agencies": ("Agencies shared with and refused", True, _agencies),
    "responses": ("Responses overdue, by requesting agency", True, lambda rows: _counted(
        rows, lambda r: r.get("agency") or "(agency not recorded)",
        [("Answered late", lambda r: bool(r.get("responded"))), ("Not answered", lambda r: not r.get("responded"))])),
    "reviews": ("Reviews and retention dates passed, by month due", True, _reviews),
    "overrides": ("Departures from the engine's outcome", False, lambda rows: _counted(
        rows, lambda r: f"{outcome_label(r['engine'])} -> {outcome_label(r['recorded'])}",
        [("Decisions", lambda r: True)])),
}


def chart_for(report: Any) -> Chart | None:
    """The chart of a report (an audit.Report or its as_dict()), or None if it has none."""
    data = report if isinstance(report, dict) else report.as_dict()
    built = BUILDERS.get(data["name"])
    if built is None:
        return None
    title, stacked, build = built
    labels, series = build(data["rows"])
    return Chart(data["name"], title, labels, series, stacked, tail=data["name"] == "months")


# ---------------------------------------------------------------------------------------------
# Text


def _shown(chart: Chart, limit: int) -> tuple[list[int], int]:
    """Which labels are drawn (the first `limit` in the report's order, or the last for a `tail` chart) and how
    many are left out."""
    every = list(range(len(chart.labels)))
    keep = every if not limit or len(every) <= limit else every[-limit:] if chart.tail else every[:limit]
    return keep, len(chart.labels) - len(keep)


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[:max(width - 1, 0)] + "…"


def chart_text(chart: Chart, width: int = 80, limit: int = 12) -> str:
    """The chart as lines of text at most `width` wide: label, bar, number."""
    keep, left = _shown(chart, limit)
    lines = [chart.title]
    if not keep:
        return "\n".join(lines + ["  none"]) + "\n"
    multi = len(chart.series) > 1
    if multi:
        lines.append("  " + "   ".join(f"{BAR_CHARS[n % len(BAR_CHARS)]} {name}" for n, (name, _) in enumerate(chart.series)))
    label_width = min(max(len(chart.labels[i]) for i in keep), max(width * 11 // 20, 8))
    if chart.stacked:
        totals = [sum(values[i] for _, values in chart.series) for i in keep]
    else:
        totals = [values[i] for _, values in chart.series for i in keep]
    top = max(totals + [1])
    number_width = len(f"{top:,}")
    room = max(width - label_width - number_width - 4, 4)

    def bar(parts: list[tuple[int, int]]) -> str:
        out = ""
        for n, value in parts:
            out += BAR_CHARS[n % len(BAR_CHARS)] * round(value / top * room)
        return out

    for i in keep:
        label = _cut(chart.labels[i], label_width).ljust(label_width)
        if chart.stacked:
            parts = [(n, values[i]) for n, (_, values) in enumerate(chart.series)]
            lines.append(f"{label}  {bar(parts)} {sum(v for _, v in parts):,}")
        else:
            for n, (_, values) in enumerate(chart.series):
                lines.append(f"{label if n == 0 else ' ' * label_width}  {bar([(n, values[i])])} {values[i]:,}")
    if left:
        lines.append(f"  ... and {left:,} {'earlier' if chart.tail else 'more'} in the table")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------
# Inline SVG (for `isp report --html`)


def chart_svg(chart: Chart, width: int = 640, limit: int = 20) -> str:
    """Horizontal bars as one <svg> element: no script, no style sheet, no link; <title>s say each number."""
    keep, left = _shown(chart, limit)
    bar_h, gap, label_w, number_w = 14, 6, 200, 60
    groups = 1 if chart.stacked else len(chart.series)
    legend_h = 20 if len(chart.series) > 1 else 0
    group_h = groups * bar_h + gap
    height = 28 + legend_h + max(len(keep), 1) * group_h + (18 if left else 0)
    room = width - label_w - number_w - 10
    if chart.stacked:
        top = max([sum(values[i] for _, values in chart.series) for i in keep] + [1])
    else:
        top = max([values[i] for _, values in chart.series for i in keep] + [1])
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(chart.title)}" '
           'font-family="sans-serif" font-size="12">',
           f"<title>{escape(chart.title)}</title>",
           f'<text x="0" y="16" font-weight="bold">{escape(chart.title)}</text>']
    y = 28
    if legend_h:
        x = 0
        for n, (name, _) in enumerate(chart.series):
            out.append(f'<rect x="{x}" y="{y}" width="12" height="12" fill="{SVG_COLOURS[n % len(SVG_COLOURS)]}"/>')
            out.append(f'<text x="{x + 16}" y="{y + 11}">{escape(name)}</text>')
            x += 24 + 7 * len(name)
        y += legend_h
    if not keep:
        out.append(f'<text x="0" y="{y + 12}">none</text>')
    for i in keep:
        out.append(f'<text x="{label_w - 6}" y="{y + bar_h - 3}" text-anchor="end">'
                   f"{escape(_cut(chart.labels[i], 30))}</text>")
        x = label_w
        for n, (name, values) in enumerate(chart.series):
            w = round(values[i] / top * room, 1)
            colour = SVG_COLOURS[n % len(SVG_COLOURS)]
            out.append(f'<rect x="{x}" y="{y}" width="{w}" height="{bar_h}" fill="{colour}">'
                       f"<title>{escape(chart.labels[i])}: {escape(name)} {values[i]:,}</title></rect>")
            if chart.stacked:
                x += w
            else:
                out.append(f'<text x="{x + w + 4}" y="{y + bar_h - 3}">{values[i]:,}</text>')
                y += bar_h
        if chart.stacked:
            out.append(f'<text x="{x + 4}" y="{y + bar_h - 3}">{sum(v[i] for _, v in chart.series):,}</text>')
            y += bar_h
        y += gap
    if left:
        out.append(f'<text x="0" y="{y + 12}">... and {left:,} {"earlier" if chart.tail else "more"} in the table</text>')
    out.append("</svg>")
    return "\n".join(out)
