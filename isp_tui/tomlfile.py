"""Reading TOML files: every way one can fail becomes an InputError naming the file.

Its own small module so that reading the user's config file before the first screen paints does
not import the guidance (isp_tui.guidance re-exports these)."""

from __future__ import annotations

import re
import tomllib
from datetime import datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any

from isp_tui.errors import InputError


def read_toml(path: Path, *, limit: int | None = None) -> dict[str, Any]:
    """Parse a TOML file; every way it can fail becomes an InputError naming the file."""
    return parse_toml(read_bytes(path, limit=limit), path)


def read_bytes(path: Path, *, limit: int | None = None) -> bytes:
    """A file's bytes; with `limit`, at most that many are read (an endless /dev/zero is refused, not read)."""
    try:
        if limit is not None:
            with path.open("rb") as fh:
                data = fh.read(limit + 1)
            if len(data) > limit:
                raise InputError(f"is larger than {limit:,} bytes, the most isp reads from one file", file=path)
            return data
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError("file not found", file=path) from None
    except IsADirectoryError:
        raise InputError("is a directory, expected a TOML file", file=path) from None
    except OSError as exc:
        raise InputError(f"cannot be read ({exc.strerror})", file=path) from None


try:  # tomli is tomllib's own code compiled with mypyc: the same results, about three times faster
    from tomli import TOMLDecodeError as _TOMLError
    from tomli import loads as _toml_loads
except ImportError:  # pragma: no cover - tomli is a dependency
    _TOMLError = tomllib.TOMLDecodeError
    _toml_loads = tomllib.loads

try:  # rtoml (Rust's toml crate, compiled): several times faster again; a new machine reads 100,000 records
    from rtoml import loads as _fast_loads
    READER = "rtoml"
except ImportError:  # pragma: no cover - rtoml is a dependency; without it, tomli (or tomllib) reads alone
    _fast_loads = None
    READER = "tomli" if _toml_loads is not tomllib.loads else "tomllib"

# Records are TOML 1.0 (isp writes them with tomli-w). tomli 2.5 and rtoml both also read what TOML 1.1 adds
# (\x and \e escapes, times without seconds, inline tables over several lines or with a trailing comma), and
# rtoml also skips a byte-order mark that tomli refuses. A text that may hold any of these is read by tomli
# alone, the reader isp used before rtoml, so it reads exactly as it did; a false alarm (such as "10:30" in
# free text) costs only tomli's speed. bench/toml_check.py compares rtoml with tomllib on every record of the
# bench repositories. The one gap: a brace inside a quoted string on the line can hide a multi-line inline
# table from the line count below (and then rtoml and tomli read it alike).
_SHORT_TIME = re.compile(r":(?<=[^:+\-\d]\d\d:)\d\d(?![:\d])")  # HH:MM, not in HH:MM:SS or an offset +HH:MM
_TRAILING_COMMA = re.compile(r",\s*\}")
_ZONES: dict[timedelta, tzinfo] = {}


def _newer_toml(text: str) -> bool:
    """Whether the text may use what TOML 1.1 adds (see above); plain string searches first, they are fast."""
    if text.startswith("\ufeff") or ("\\" in text and ("\\x" in text or "\\e" in text)) or _SHORT_TIME.search(text):
        return True
    if "{" not in text:
        return False
    if _TRAILING_COMMA.search(text):
        return True
    return any(line.count("{") != line.count("}") for line in text.splitlines() if "{" in line or "}" in line)


def _plain(table: dict[str, Any]) -> dict[str, Any]:
    """rtoml's values as tomllib gives them: its date-times carry rtoml's own tzinfo class (which cannot be
    pickled to a worker process, and is not the datetime.timezone tomllib gives). In place."""
    _plain_items(table, table.items())
    return table


def _plain_items(container: dict[str, Any] | list[Any], items) -> None:
    """Each value of a table (its items) or an array (enumerated), nested ones too, made plain in place."""
    for key, item in items:
        kind = type(item)
        if kind is dict:
            _plain_items(item, item.items())
        elif kind is list:
            _plain_items(item, enumerate(item))
        elif kind is datetime and item.tzinfo is not None:
            container[key] = _zoned(item)  # type: ignore[index]


def _zoned(value: datetime) -> datetime:
    offset = value.utcoffset()
    plain = _ZONES.get(offset)  # type: ignore[arg-type]
    if plain is None:
        plain = _ZONES[offset] = timezone.utc if offset == timedelta(0) else timezone(offset)  # type: ignore[arg-type,index]
    return value.replace(tzinfo=plain)


def parse_toml(raw: bytes, path: object, *, plain_only: tuple[str, ...] | None = None) -> dict[str, Any]:
    """`plain_only`: the caller converts every date-time it reads but in these tables (a record's, whose other
    date-times Record.from_dict converts to UTC as it validates them), so only they are walked for rtoml's."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"is not UTF-8 text (byte {exc.start})", file=path) from None
    if _fast_loads is not None and not _newer_toml(text):
        try:
            tables = _fast_loads(text)
        except Exception:  # noqa: BLE001 - whatever rtoml refuses, tomllib's reading (and its message) decides
            pass
        else:
            if plain_only is None:
                return _plain(tables)
            _plain_items(tables, [(name, tables[name]) for name in plain_only if name in tables])
            return tables
    try:
        return _toml_loads(text)
    except (tomllib.TOMLDecodeError, _TOMLError) as exc:
        raise InputError(f"is not valid TOML: {exc}", file=path) from None
    except RecursionError:  # tomllib recurses once per nested array or inline table
        raise InputError("is not valid TOML for isp: arrays or tables nested too deeply", file=path) from None
