"""A table drawn as lines of fixed-width fields in one DataTable column (Browse, the timeline, a record's
history): DataTable renders each cell on its own, and one cell a row redraws in a third of the time of
eight; and one column as wide as a whole line never waits for the table to measure its rows (a picture
taken before that showed a column cut to two letters).

A layout is a list of (title, width, which). One column, `rest`, takes the width left over and must keep at
least `at_least`; on a narrow terminal the lesser columns give way first, in the order a screen gives
(dropped, or shortened to another field), until it does."""

from __future__ import annotations

from typing import Any

Columns = list[tuple[str, int, str]]
# (which, what it becomes): None drops it, a (title, width, which) shortens it
Narrower = tuple[tuple[str, "tuple[str, int, str] | None"], ...]
GAP = 2  # spaces between two fields
BY_AT_LEAST = 53  # who made a change, a name and an address: "Test Practitioner <test.practitioner@example.invalid>"


def cut(value: str, width: int) -> str:
    """`value` in `width` columns; a longer one ends in "…" (the line below the table shows it whole)."""
    return value if len(value) <= width else value[:width - 1] + "…"


def line(columns: Columns, values: dict[str, str]) -> str:
    """One row's fields, each cut to its width, as one line."""
    return "  ".join(f"{cut(values[k], w):<{w}}" for _, w, k in columns).rstrip()


def layout(width: int, fields: Columns, narrower: Narrower, *, rest: str, at_least: int) -> Columns:
    """The columns that fit in `width`: `rest` the width left over (at least `at_least`), lesser ones given
    way first, in `narrower`'s order. Once `rest` itself has given way, the others need only fit."""
    shown = list(fields)

    def fits() -> bool:
        room = width - sum(w + GAP for _, w, k in shown if k != rest)
        return room >= at_least if any(k == rest for _, _, k in shown) else room >= -GAP

    for which, shorter in narrower:
        if fits():
            break
        shown = [shorter if f[2] == which else f for f in shown if f[2] != which or shorter]
    fixed = sum(w + GAP for _, w, k in shown if k != rest)
    return [(t, max(at_least, width - fixed) if k == rest else w, k) for t, w, k in shown]


def table_width(screen_width: int) -> int:
    """The width a full-screen table's line has: the screen's less the cursor's padding and the scrollbar."""
    return max(40, (screen_width or 80) - 4)


def add_header(table: Any, columns: Columns) -> None:
    """The one column the lines are drawn in, its header the titles, as wide as a whole line."""
    from rich.text import Text

    table.add_column(Text(line(columns, {k: t for t, _, k in columns})),
                     width=sum(w for _, w, _ in columns) + GAP * (len(columns) - 1))
