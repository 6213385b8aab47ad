"""One record exported to a file a person chose: Markdown, HTML, a redacted copy or the ICO's decision
form, owner-only.

Pure file logic for the app's export screen and for `isp export` (both call `render`): the text comes from
isp_tui.export, or isp_tui.export_ico for the ICO's form (each with its signed-and-dated footer); the file
is written through a temporary file made safely (tempfile.mkstemp) in the target's own directory, then
renamed over the target, so a crash leaves the old file or the new one.
"""

from __future__ import annotations

import hashlib
import os
import stat
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from isp_tui.errors import InputError

FORMATS = {"md": "Markdown", "html": "HTML", "redacted-md": "Redacted copy (Markdown)",
           "redacted-html": "Redacted copy (HTML)", "ico-decision-form": "ICO decision form (Markdown)",
           "ico-decision-form-html": "ICO decision form (HTML)"}
SUFFIX = {fmt: ".html" if fmt.endswith("html") else ".md" for fmt in FORMATS}


def render(store: Any, guidance: Any, record_id: str, fmt: str, *, exported_by: str, exported_at: datetime,
           commit: str | None = None, redacted: bool = False, arrangements: dict[str, str] | None = None) -> str:
    """The export of one record, at `commit` (default: as it stands), in one of FORMATS; `redacted` leaves
    out what identifies the person in any format (the `redacted-*` formats are Markdown and HTML with it).
    `arrangements`: the config's [organisation] table, the ICO form's answers the organisation holds."""
    from functools import partial

    from isp_tui.export import record_html, record_markdown
    from isp_tui.export_ico import ico_html, ico_markdown

    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}; expected one of: {', '.join(FORMATS)}", field="format")
    revisions = store.history(record_id)
    record = store.get(record_id, guidance) if commit is None else None  # "no record with id", as show says
    commit = commit or (revisions[0].commit if revisions else None)
    if commit is None:  # never committed: the file as it stands
        raw = store.path_of(record_id).read_bytes()
    else:  # the record as committed, whose commit and file hash the footer names (never a hand edit since)
        from isp_tui.gitlayer.env import run_git
        from isp_tui.record import Record
        from isp_tui.record.ids import record_path

        path = record_path(record_id)
        raw = run_git(store.root, "show", f"{commit}:{path}").stdout
        record = Record.from_toml(raw, f"{commit[:12]}:{path}", guidance=guidance)
    if fmt.startswith("ico-decision-form"):  # the ICO's Annex B form; the organisation's part from the config
        draw = partial(ico_html if fmt.endswith("html") else ico_markdown, guidance=guidance, arrangements=arrangements)
    else:
        draw = record_html if fmt.endswith("html") else record_markdown
    return draw(record, exported_by=exported_by, exported_at=exported_at, commit=commit,
                redacted=redacted or fmt.startswith("redacted"), sha256=hashlib.sha256(raw).hexdigest())


def check_target(target: str | Path, *, field: str = "path") -> Path:
    """Where an export may be written: a regular file (new or to replace) in a folder that exists. The path
    is made absolute, never resolved. One-line refusals: a folder, a symbolic link (an export is never
    written through one), a device or pipe, a folder that does not exist (parents are never created)."""
    text = str(target).strip()
    if not text:
        raise InputError("give a file name to export to", field=field)
    path = Path(os.path.abspath(Path(text).expanduser()))
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror or exc}", field=field) from None
    if mode is not None and stat.S_ISDIR(mode):
        raise InputError(f"{path} is a folder: give a file name in it", field=field)
    if mode is not None and stat.S_ISLNK(mode):
        raise InputError(f"{path} is a symbolic link; isp never writes an export through a link: name the file "
                         "itself", field=field)
    if mode is not None and not stat.S_ISREG(mode):
        raise InputError(f"{path} is not a regular file; choose a file to write", field=field)
    if not path.parent.is_dir():
        raise InputError(f"the folder {path.parent} does not exist (isp does not create it): make it first or "
                         "choose another file", field=field)
    return path


def write_export(target: str | Path, text: str | bytes, *, field: str = "path") -> Path:
    """Write `text` to `target` readable by its owner only, whole or not at all (`isp export -o` and the app).

    The temporary file is made in the target's folder by tempfile.mkstemp (O_CREAT | O_EXCL | O_NOFOLLOW,
    an unpredictable name, 0600 from its creation whatever the umask), written in full, and renamed over
    the target: a link planted at the target or at a temporary name is never written through, and nothing
    is left behind when it fails (one line: "nothing was written")."""
    from isp_tui.store.files import write_all

    path = check_target(target, field=field)
    data = text.encode("utf-8") if isinstance(text, str) else text
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name[:100]}.", suffix=".tmp", dir=path.parent)
        try:
            os.fchmod(fd, 0o600)
            write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror or exc}; nothing was written", field=field) from None
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
    return path
