"""The app's crash autosave: a decision's answers so far, kept uncommitted under the repository's
.git/isp/autosave/ until they are committed as a draft or a final record, so a crash loses nothing.

Pure file logic (no screen): the decision screen writes and discards, Home offers what is left.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from isp_tui.errors import InputError
from isp_tui.record.ids import new_id
from isp_tui.store.files import atomic_write
from isp_tui.tomlfile import read_toml

FOLDER = "autosave"


def autosave_dir(store) -> Path:
    return store.work / FOLDER


def new_autosave_path(store) -> Path:
    return autosave_dir(store) / f"{new_id()}.toml"


def autosaves(store) -> list[Path]:
    """The unsaved work left behind (oldest first by name: the names are ULIDs)."""
    folder = autosave_dir(store)
    return sorted(folder.glob("*.toml")) if folder.is_dir() else []


def read_autosave(path: Path) -> dict[str, Any]:
    """The answers kept in an autosave; nothing if it cannot be read (a half-written or foreign file)."""
    try:
        return read_toml(Path(path))
    except InputError:
        return {}


def write_autosave(store, path: Path, data: dict[str, Any]) -> bool:
    """Keep `data` at `path` atomically, readable only by its owner. False if it could not be written
    (a full disk, a value TOML cannot hold): an autosave never interrupts the person."""
    import tomli_w

    try:
        folder = autosave_dir(store)
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        atomic_write(Path(path), tomli_w.dumps(data).encode("utf-8"), folder)
    except (OSError, TypeError, ValueError):
        return False
    return True


def discard_autosave(path: Path) -> None:
    Path(path).unlink(missing_ok=True)
