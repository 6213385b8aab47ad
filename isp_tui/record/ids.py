"""Record ids and where a record lives: the one statement of the record path shape.

A record id is a ULID (26 letters of Crockford's base 32, sortable by time, safe as a file name);
its file is YYYY/MM/DD/<id>.toml, the day the id was made.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Iterable

from isp_tui.errors import InputError

ID_PATTERN = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")  # a ULID: sortable by time, safe as a file name
RECORD_GLOB = "[0-9][0-9][0-9][0-9]/[0-9][0-9]/[0-9][0-9]/*.toml"  # every record file, for Path.glob
RECORD_PATH = re.compile(r"^\d{4}/\d{2}/\d{2}/(?P<id>[0-9A-HJKMNP-TV-Z]{26})\.toml$")  # a record file, group id
RECORD_DEPTH = 4  # YYYY/MM/DD/<id>.toml: folders and file
# a TOML file in a record folder, whatever its name (RECORD_GLOB as a regex): read as a record, or a problem
IN_RECORD_FOLDER = re.compile(r"^[0-9]{4}/[0-9]{2}/[0-9]{2}/[^/]*\.toml$")
TOMBSTONES = "retention/destroyed"  # a destroyed record's tombstone: TOMBSTONES/<id>.toml (no personal data)
TOMBSTONE_PATH = re.compile(r"^retention/destroyed/(?P<id>[0-9A-HJKMNP-TV-Z]{26})\.toml$")


def is_record_id(value: str) -> bool:
    return bool(ID_PATTERN.match(value))


_EPOCH = date(1970, 1, 1).toordinal()
_CROCKFORD = str.maketrans("0123456789ABCDEFGHJKMNPQRSTVWXYZ", "0123456789abcdefghijklmnopqrstuv")


def record_path(record_id: str, *, file: object = None) -> str:
    """Where a record lives in the records repository: YYYY/MM/DD/<id>.toml, the day its id was made."""
    made = record_day(record_id, file=file)
    return f"{made.year:04d}/{made.month:02d}/{made.day:02d}/{record_id}.toml"


def record_day(record_id: str, *, file: object = None) -> date:
    """The day a record's id was made (its folder), or InputError when it is no record id or its time part is
    out of range. The day is the ULID's first ten letters (milliseconds since 1970 in Crockford's base 32),
    read with int() and a translation table: verify and sync ask this of every record, 100,000 times at scale."""
    if not is_record_id(record_id):
        raise InputError(f"{record_id!r} is not a record id (26 characters such as 01JDB3M7Q2X8W5ZK4T9N6E1RVA)",
                         file=file, field="id")
    days = int(record_id[:10].translate(_CROCKFORD), 32) // 86_400_000
    try:
        if record_id[0] > "7":  # beyond 48 bits: not a ULID
            raise ValueError
        made = date.fromordinal(_EPOCH + days)
    except (ValueError, OverflowError):  # the letters decode to a time beyond what a ULID or a date can hold
        raise InputError(f"{record_id!r} is not a record id: its time part is out of range", file=file,
                         field="id") from None
    return made


def new_id() -> str:
    from ulid import ULID

    return str(ULID())



def in_record_folder(path: str) -> bool:
    """Whether a path is a TOML file in a YYYY/MM/DD folder (the files RECORD_GLOB finds)."""
    return bool(IN_RECORD_FOLDER.match(path))


def tombstone_path(record_id: str) -> str:
    return f"{TOMBSTONES}/{record_id}.toml"


def id_from_path(path: str) -> str | None:
    """The record id a path inside the repository names, or None if it is not a record file's path."""
    match = RECORD_PATH.match(path)
    return match["id"] if match else None


PREFIX_PATTERN = re.compile(r"^[0-9A-HJKMNP-TV-Z]{1,26}$")


def check_prefix(given: str) -> str:
    """`given` as a record id or the start of one (upper case), or an InputError of one line."""
    wanted = given.strip().upper()
    if not PREFIX_PATTERN.match(wanted):
        raise InputError(f"{given!r} is not a record id or the start of one (ids are 26 characters such as "
                         "01JDB3M7Q2X8W5ZK4T9N6E1RVA)", field="id")
    return wanted


def resolve_id(given: str, ids: Iterable[str]) -> str:
    """The one record id `given` names: a whole id, or a unique prefix of one of `ids` (as git takes a
    commit's). Case does not matter. Unknown or ambiguous: an InputError of one line."""
    wanted = check_prefix(given)
    found = [record_id for record_id in ids if record_id.startswith(wanted)]
    if is_record_id(wanted) and (not found or found == [wanted]):
        return wanted  # whole: the caller says whether it exists
    if not found:
        raise InputError(f"no record id starts with {wanted}", field="id")
    if len(found) > 1:
        shown = ", ".join(sorted(found)[:3]) + (", ..." if len(found) > 3 else "")
        raise InputError(f"{wanted} is the start of {len(found)} record ids ({shown}): give more of it", field="id")
    return found[0]
