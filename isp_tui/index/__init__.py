"""A derived view of the records for listing, search and what is due: never the source of truth.

db (the SQLite file, its tables, Row), build (brought up to date from git), parse (one record file
to its row), workers (the process pool), search, due (the one rule for what is due),
view (Index, what the faces read). The names below are the ones other modules import."""

from isp_tui.index.db import Row, reported_db, reported_values
from isp_tui.index.due import DUE_SOON_DAYS, Due, due, due_state
from isp_tui.index.view import Index
from isp_tui.index.workers import in_parallel

__all__ = ["DUE_SOON_DAYS", "Due", "Index", "Row", "due", "due_state", "in_parallel", "reported_db", "reported_values"]
