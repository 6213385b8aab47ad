"""A destroyed record keeps an auditable trail: `isp log ID` shows the commits that made, amended and
destroyed it and the tombstone (who, when, why); `isp log --action destroy` lists the destroys."""

from __future__ import annotations

from datetime import date

from isp_tui import retention
from isp_tui.store import Store

from conftest import write_toml
from factory import final_record
from test_sync import ME, amend

SECRET = "Test Child Destroyed Yankee"


def test_isp_log_of_a_destroyed_record_shows_its_trail_and_tombstone(isp, tmp_path, guidance):
    data = final_record(guidance, subject={"name": SECRET}, retention={"retain_until": date(2020, 1, 1)})
    rid = isp("record", str(write_toml(tmp_path / "r.toml", data))).stdout.strip()
    store = Store(isp.records)
    amend(store, guidance, rid, "Fictional: reasons clarified before the destroy.")
    retention.destroy(store, rid, "Fictional: retention period over, reviewed by the test panel", ME)
    shown = isp("log", rid).stdout
    assert "destroyed at" in shown and "Fictional: retention period over" in shown and ME.email in shown
    assert "final" in shown and "amend" in shown and "destroy" in shown and SECRET not in shown
    found = isp.json("log", rid)
    assert [r["action"] for r in found["revisions"]] == ["destroy", "amend", "final"]
    assert found["tombstone"]["authorised_by"] == str(ME)
    listed = isp.json("log", "--action", "destroy")
    assert [row["record"] for row in listed] == [rid]
