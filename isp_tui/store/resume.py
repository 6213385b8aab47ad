"""Where the practitioner left each draft in the app: the step's name, by record id, under .git/isp/resume/
(an id and a step's name: no personal data), so a draft resumed from Home opens where it was left.

Derived and disposable: a missing, unreadable or odd file only means the draft opens at its first step still
needing something (tui.forms.progress.resume_step). Nothing here follows a symbolic link."""

from __future__ import annotations

import os
import re

from isp_tui.errors import StoreError
from isp_tui.record.ids import is_record_id
from isp_tui.store.files import atomic_write

FOLDER = "resume"
STEP = re.compile(r"[a-z][a-z0-9_:-]{0,79}")  # a step's name: "recipient", "when:consent", "how:method", "review"


def remember_step(store, record_id: str, step: str) -> None:
    """Keep where a draft was left. Never in the way: a full disk or a linked folder only loses the place."""
    if not (is_record_id(record_id) and STEP.fullmatch(step)) or not store.plain_work():
        return
    try:
        atomic_write(store.work / FOLDER / record_id, step.encode("ascii"), store.work / "tmp", flush=False)
    except (OSError, StoreError):
        pass


def step_left(store, record_id: str) -> str | None:
    """The step a draft was left at, or None (never kept, or not a plain file of ours)."""
    folder = store.work / FOLDER
    if not is_record_id(record_id) or not store.plain_work() or folder.is_symlink():
        return None
    try:
        fd = os.open(folder / record_id, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    try:
        step = os.read(fd, 100).decode("ascii", "replace")
    finally:
        os.close(fd)
    return step if STEP.fullmatch(step) else None


def forget_step(store, record_id: str) -> None:
    """A draft made final (or destroyed) is not resumed: its place is dropped."""
    if is_record_id(record_id) and store.plain_work() and not (store.work / FOLDER).is_symlink():
        try:
            (store.work / FOLDER / record_id).unlink(missing_ok=True)
        except OSError:
            pass
