"""Both faces save the same file: `isp record` and Store.save (which the app's decision screen calls) go
through one normalisation in the store, so answers off the flowchart's path are dropped by either."""

from __future__ import annotations

import copy
import re
from datetime import datetime, timezone

from conftest import PRACTITIONER, write_toml
from factory import final_record
from isp_tui.record import new_id, normalise, record_path
from isp_tui.identity import Identity
from isp_tui.store import Store


def off_path(guidance) -> dict:
    data = final_record(guidance)
    data["when"] = {"legitimate_purpose": "yes", "consent": "given", "consent_not_sought_reason": "increased-risk",
                    "identifiable": "yes", "lawful_basis": ["ukgdpr-art6-1e"],  # consent given: share after two questions
                    "consent_by": "subject", "consent_informed": True}  # who consented, informed: kept
    data["context"] = dict(data["context"], subject_is_child=False, child_capacity="no")
    data["consent"] = {"explanation": "Test: consent was given in writing."}
    return data


def without_moment(text: str) -> str:
    return re.sub(r"(?m)^at = .*$", "at = <decided at>", text)  # the one field that is the moment of saving


def test_isp_record_and_store_save_write_the_same_file(isp, records, tmp_path, guidance):
    record_id, created = new_id(), datetime(2026, 11, 20, 9, 30, tzinfo=timezone.utc)
    data = dict(off_path(guidance), id=record_id, created=created)
    isp("record", str(write_toml(tmp_path / "answers.toml", data)))
    by_cli = (records / record_path(record_id)).read_text()

    other = Store(tmp_path / "other")
    other.save(copy.deepcopy(data), guidance, Identity.parse(PRACTITIONER))
    by_store = (other.root / record_path(record_id)).read_text()
    assert without_moment(by_cli) == without_moment(by_store)

    # what the app's decision screen hands the store (already without the off-path answers) saves the same
    third = Store(tmp_path / "third")
    third.save(normalise(data, guidance), guidance, Identity.parse(PRACTITIONER))
    assert without_moment((third.root / record_path(record_id)).read_text()) == without_moment(by_store)

    saved = other.get(record_id, guidance).data
    assert saved["when"] == {"legitimate_purpose": "yes", "consent": "given", "consent_by": "subject",
                             "consent_informed": True}
    assert "child_capacity" not in saved["context"]
    assert saved["outcome"]["path"] == ["legitimate_purpose", "consent"]


def test_an_amendment_that_stops_sharing_drops_the_sharing_tables(tmp_path, guidance):
    store = Store(tmp_path / "records")
    author = Identity.parse(PRACTITIONER)
    saved = store.save(final_record(guidance), guidance, author)
    decision = {"recorded": "do-not-share", "override_reason": "Test: the request was withdrawn."}
    changed = store.amend(saved.id, {"decision": decision}, "Test: the request was withdrawn",
                          guidance, author, partial=True)
    assert "sharing" not in changed.record.data and "transparency" not in changed.record.data
    fields = {c["field"] for c in changed.record.data["amendments"][-1]["changes"]}
    assert {"decision.recorded", "sharing.information", "transparency.told"} <= fields
