"""record.ids: the one statement of the record path shape."""

from __future__ import annotations

from pathlib import PurePosixPath

import pytest

from isp_tui.errors import InputError
from isp_tui.record import RECORD_GLOB, RECORD_PATH, id_from_path, is_record_id, new_id, record_path
from isp_tui.record.ids import RECORD_DEPTH


def test_a_record_lives_under_the_day_its_id_was_made():
    rid = "01JDB3M7Q2X8W5ZK4T9N6E1RVA"
    path = record_path(rid)
    assert path.endswith(f"/{rid}.toml") and len(PurePosixPath(path).parts) == RECORD_DEPTH
    assert RECORD_PATH.match(path)["id"] == rid == id_from_path(path)
    assert PurePosixPath(path).match(RECORD_GLOB)


def test_new_ids_are_record_ids_with_a_path():
    rid = new_id()
    assert is_record_id(rid) and id_from_path(record_path(rid)) == rid


@pytest.mark.parametrize("path", ["rulesets/abc.toml", "2026/11/01/not-an-id.toml", "2026/11/01/x/01JDB3M7Q2X8W5ZK4T9N6E1RVA.toml",
                                  "README.md"])
def test_other_paths_are_not_records(path):
    assert id_from_path(path) is None


@pytest.mark.parametrize("bad", ["", "01JDB3M7Q2X8W5ZK4T9N6E1RV", "01JDB3M7Q2X8W5ZK4T9N6E1RVI", "ZZZZZZZZZZZZZZZZZZZZZZZZZZ"])
def test_what_is_not_an_id_has_no_path(bad):
    with pytest.raises(InputError):
        record_path(bad)
