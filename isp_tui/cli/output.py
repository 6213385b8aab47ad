"""What the `isp` commands print, and the small readers of their arguments and files.

Everything a person reads goes through here: JSON, table cells, progress on a terminal. Text
that came from outside (git authors, file names, a store's messages) is made printable first.
"""

from __future__ import annotations

import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any, Callable

from isp_tui.errors import InputError, printable

EXIT_OK, EXIT_FAIL, EXIT_INPUT = 0, 1, 2


def console():
    from rich.console import Console

    return Console(markup=False, highlight=False, emoji=False)


def say(message: str) -> None:
    """One line for a person on stderr, made printable (it may quote a file name or a file's content)."""
    print(f"isp: {printable(str(message))}", file=sys.stderr)


def print_json(value: Any) -> None:
    import json  # here, not at the top: the app's start imports this module and prints no JSON

    print(json.dumps(value, indent=2, default=json_default, ensure_ascii=False))


def json_default(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def cell(value: Any) -> str:
    """A value as a table cell: dates as ISO dates, booleans as yes / no, nothing as blank."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def progress(message: str) -> None:
    print(f"isp: {message}", file=sys.stderr)


def index_progress() -> Callable[[int, int], None] | None:
    """On a terminal, how far a first build of the derived index has got (every record file is read once)."""
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        end = "\n" if done >= total else ""
        print(f"\risp: indexing the records: {done:,} of {total:,}", end=end, file=sys.stderr, flush=True)

    return show


def date_arg(value: str | None, field: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{value!r} is not a date; expected YYYY-MM-DD", field=field) from None


def read_file(path: str, *, empty_ok: bool = True) -> dict[str, Any]:
    from isp_tui.tomlfile import read_toml
    from isp_tui.record import MAX_FILE

    data = read_toml(Path(path), limit=MAX_FILE)
    if not data and not empty_ok:
        raise InputError("is empty; expected the tables of a record (see the README's record file)", file=path)
    return data


def saved(args, result) -> int:
    """What a command that saved prints: the record's id, or with --json what was committed."""
    if getattr(args, "json", False):
        print_json({"id": result.id, "commit": result.commit, "path": result.path, "action": result.action,
                    "status": result.record.status})
    else:
        print(result.id)
    return EXIT_OK


def print_table(out, title: str, columns: list[str], rows: list[list[str]], *, whole: tuple[str, ...] = ()) -> None:
    """A table of text cells that is never cropped: as a table if every column fits the terminal with its
    longest word (and the `whole` columns, such as ids, unbroken), else one block a row, each field on its own
    line. Column names are shown as words ("why not sought", not why_not_sought)."""
    from rich.table import Table

    heads = [c.replace("_", " ") for c in columns]

    def need(n: int) -> int:
        words = [len(w) for cell_ in (r[n] for r in rows) for w in (cell_.split() or [""])]
        if columns[n] in whole:
            words = [len(r[n]) for r in rows]
        return max([len(max(heads[n].split(), key=len))] + words) + 3

    if sum(need(n) for n in range(len(columns))) + 1 <= out.width:
        table = Table(title=title)
        for column, head in zip(columns, heads):
            table.add_column(head, overflow="fold", no_wrap=column in whole)
        for row in rows:
            table.add_row(*row)
        out.print(table)
        return
    from rich.padding import Padding

    out.print(title, style="bold")
    for row in rows:
        out.print(f"{heads[0]} {row[0]}", style="bold", soft_wrap=True)
        grid = Table.grid(padding=(0, 1))
        grid.add_column(no_wrap=True)
        grid.add_column(overflow="fold")
        for column, head, value in zip(columns[1:], heads[1:], row[1:]):
            grid.add_row(head + ":", value)
        out.print(Padding(grid, (0, 0, 0, 2)))
