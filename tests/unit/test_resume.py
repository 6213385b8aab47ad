"""Where a draft was left (store.resume): kept by record id, read back, never through a symbolic link, and never
in the way of the practitioner (an odd file only means the draft opens where something is still needed)."""

from __future__ import annotations

import os

from isp_tui.record import new_id
from isp_tui.store import Store
from isp_tui.store.resume import FOLDER, forget_step, remember_step, step_left


def test_a_place_is_kept_read_back_and_forgotten(tmp_path):
    store, record_id = Store(tmp_path / "records"), new_id()
    assert step_left(store, record_id) is None
    remember_step(store, record_id, "when:consent")
    assert step_left(store, record_id) == "when:consent"
    assert oct((store.work / FOLDER / record_id).stat().st_mode & 0o777) == "0o600"
    forget_step(store, record_id)
    assert step_left(store, record_id) is None


def test_links_and_odd_files_are_never_followed_nor_believed(tmp_path):
    store, record_id = Store(tmp_path / "records"), new_id()
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / record_id).write_text("recipient")
    store.work.mkdir(parents=True, exist_ok=True)
    os.symlink(outside, store.work / FOLDER)  # a planted link where the folder belongs
    remember_step(store, record_id, "review")
    assert step_left(store, record_id) is None and (outside / record_id).read_text() == "recipient"
    forget_step(store, record_id)
    assert (outside / record_id).exists()
    (store.work / FOLDER).unlink()
    (store.work / FOLDER).mkdir()
    os.symlink(outside / record_id, store.work / FOLDER / record_id)  # a planted link as the file itself
    assert step_left(store, record_id) is None
    (store.work / FOLDER / record_id).unlink()
    (store.work / FOLDER / record_id).write_text("\x1b[31m; rm -rf")  # not a step's name
    assert step_left(store, record_id) is None
    remember_step(store, "../../escape", "review")  # not a record id: nothing written anywhere
    assert not (store.work / "escape").exists() and not (tmp_path / "escape").exists()
