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


def parse_toml(raw: bytes, path: object) -> dict[str, Any]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"is not UTF-8 text (byte {exc.start})", file=path) from None
    try:
        return _toml_loads(text)
    except (tomllib.TOMLDecodeError, _TOMLError) as exc:
        raise InputError(f"is not valid TOML: {exc}", file=path) from None
    except RecursionError:  # tomllib recurses once per nested array or inline table
        raise InputError("is not valid TOML for isp: arrays or tables nested too deeply", file=path) from None
