"""Reading TOML files: every way one can fail becomes an InputError naming the file.

Its own small module so that reading the user's config file before the first screen paints does
not import the guidance (isp_tui.guidance re-exports these)."""

from __future__ import annotations

import tomllib
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

try:  # toml-rs (Rust's toml crate, compiled): several times faster again; a new machine reads 100,000 records
    from toml_rs import loads as _rs_loads
    READER = "toml-rs"
except ImportError:  # pragma: no cover - toml-rs is a dependency; without it, tomli (or tomllib) reads alone
    _rs_loads = None
    READER = "tomli" if _toml_loads is not tomllib.loads else "tomllib"

# Records are TOML 1.0 (isp writes them with tomli-w). toml-rs is asked for TOML 1.0 alone, so it refuses what
# TOML 1.1 adds (\x and \e escapes, times without seconds, inline tables over several lines or with a trailing
# comma) and whatever it refuses is read by tomli, the reader isp used before, so it reads exactly as it did
# and tomli's message is the one shown. Its date-times already carry datetime.timezone, as tomllib's do (they
# pickle to a worker process). Two texts go to tomli without asking toml-rs:
# - one starting with a byte-order mark, which toml-rs skips and tomli refuses;
# - one with more than _MAX_OPEN brackets and braces: toml-rs recurses once per nested array or inline table
#   on the C stack and overflows it (the process dies, no exception) at about 4,300 nested inline tables on an
#   8 MB stack, 500 on 1 MB. 400 cannot nest deeper than 400 (under 1 MB of stack), and tomli reads 400 levels
#   too, so the guard changes no answer; a record holds 15 to 40. tomli raises RecursionError on deeper ones.
# bench/toml_check.py compares this reader with tomllib on every record of the bench repositories.
_MAX_OPEN = 400


def parse_toml(raw: bytes, path: object) -> dict[str, Any]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"is not UTF-8 text (byte {exc.start})", file=path) from None
    if _rs_loads is not None and not text.startswith("\ufeff") and text.count("[") + text.count("{") <= _MAX_OPEN:
        try:
            return _rs_loads(text, toml_version="1.0.0")
        except Exception:  # noqa: BLE001 - whatever toml-rs refuses, tomli's reading (and its message) decides
            pass
    try:
        return _toml_loads(text)
    except (tomllib.TOMLDecodeError, _TOMLError) as exc:
        raise InputError(f"is not valid TOML: {exc}", file=path) from None
    except RecursionError:  # tomllib recurses once per nested array or inline table
        raise InputError("is not valid TOML for isp: arrays or tables nested too deeply", file=path) from None
