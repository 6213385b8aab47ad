"""The record of one information sharing decision.

    ids.py        record ids and the record path shape (record_path, RECORD_GLOB, RECORD_PATH, id_from_path)
    identify.py   what identifies a record's subject, as digests (the index and audit read them)
    schema.py     what each table may hold and the checks every value passes
    model.py      the Record type, what a final record must hold, FIXED, summary()
    changes.py    amendments: diff, apply_changes, merge_tables, iter_changes
    normalise.py  what a saved record holds (the store applies it on every save)
    migrate.py    schema versions

The names below are re-exported so `from isp_tui.record import ...` keeps working.
"""

from isp_tui.record.changes import apply_changes, diff, iter_changes, merge_tables
from isp_tui.record.ids import RECORD_GLOB, RECORD_PATH, id_from_path, is_record_id, new_id, record_path
from isp_tui.record.migrate import SCHEMA_VERSION, migrate
from isp_tui.record.model import FIXED, SHARING_DECISIONS, Record, summary
from isp_tui.record.normalise import normalise
from isp_tui.record.schema import (AMENDMENT, CHECKLIST_ANSWERS, MAX_FILE, MAX_TEXT, RECORDED, SECTIONS, check_text,
                                   is_personal)

__all__ = ["AMENDMENT", "CHECKLIST_ANSWERS", "FIXED", "MAX_FILE", "MAX_TEXT", "RECORDED", "RECORD_GLOB",
           "RECORD_PATH", "Record", "SCHEMA_VERSION", "SECTIONS", "SHARING_DECISIONS", "apply_changes", "check_text",
           "diff", "id_from_path", "is_personal", "is_record_id", "iter_changes", "merge_tables", "migrate", "new_id",
           "normalise", "record_path", "summary"]
