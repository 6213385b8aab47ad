"""One record exported to a file a person chose: Markdown, HTML or a redacted copy, owner-only.

Pure file logic for the app (and, at merge, for `isp export --output`): the text comes from
isp_tui.export (with its signed-and-dated footer); the file is written through a temporary file in the
target's own directory, then renamed over the target, so a crash leaves the old file or the new one.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from isp_tui.errors import InputError

FORMATS = {"md": "Markdown", "html": "HTML", "redacted-md": "Redacted copy (Markdown)",
           "redacted-html": "Redacted copy (HTML)"}
SUFFIX = {"md": ".md", "html": ".html", "redacted-md": ".md", "redacted-html": ".html"}


def render(store: Any, guidance: Any, record_id: str, fmt: str, *, exported_by: str, exported_at: datetime,
           commit: str | None = None) -> str:
    """The export of one record, at `commit` (default: as it stands), in one of FORMATS."""
    from isp_tui.export import record_html, record_markdown

    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}; expected one of: {', '.join(FORMATS)}", field="format")
    revisions = store.history(record_id)
    if commit is None:
        record = store.get(record_id, guidance)
        commit = revisions[0].commit if revisions else None
        raw = store.path_of(record_id).read_bytes()
    else:
        from isp_tui.record import record_path  # merge: use isp_tui.record.ids.record_path

        record = store.record_at(record_id, commit, guidance)
        raw = store.git("show", f"{commit}:{record_path(record_id)}").encode("utf-8")  # the file as committed
    draw = record_html if fmt.endswith("html") else record_markdown
    return draw(record, exported_by=exported_by, exported_at=exported_at, commit=commit,
                redacted=fmt.startswith("redacted"), sha256=hashlib.sha256(raw).hexdigest())


def check_target(target: str | Path) -> Path:
    """Where an export may be written: a file (new or to replace) in a folder that exists. One-line refusals."""
    text = str(target).strip()
    if not text:
        raise InputError("give a file name to export to", field="path")
    path = Path(text).expanduser()
    path = path if path.is_absolute() else Path.cwd() / path
    if path.is_dir():
        raise InputError(f"{path} is a folder: give a file name in it", field="path")
    if not path.parent.is_dir():
        raise InputError(f"the folder {path.parent} does not exist", field="path")
    return path


def write_export(target: str | Path, text: str) -> Path:
    """Write `text` to `target` readable by its owner only (0600), via a temporary file beside it."""
    path = check_target(target)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)  # mode 0600
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(text.encode("utf-8"))
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise InputError(f"cannot write {path}: {exc.strerror or exc}", field="path") from None
    return path
