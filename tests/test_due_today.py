"""One rule for what is due, seen by every face: a record whose review date is today is "due" (not yet
overdue) in `retention list`, in `report reviews`, in the index's due query and on Home."""

from __future__ import annotations

from datetime import timedelta

from textual.widgets import Static

from factory import final_record
from isp_tui import retention
from isp_tui.dates import now
from isp_tui.index import DUE_SOON_DAYS, Index, due_state
from isp_tui.identity import Identity
from isp_tui.store import Store
from isp_tui.index.due import DUE, OVERDUE
from isp_tui.tui.app import IspApp
from isp_tui.record import is_record_id
from isp_tui.tui.screens.home import DUE_LABELS

from conftest import PRACTITIONER


async def test_a_review_date_of_today_is_due_in_retention_list_report_reviews_the_index_and_home(tmp_path, guidance, isp):
    today = now().date()
    store = Store(isp.records)
    author = Identity.parse(PRACTITIONER)
    due = store.save(final_record(guidance, retention={"review_on": today}), guidance, author).id
    late = store.save(final_record(guidance, retention={"review_on": today - timedelta(days=1)}), guidance, author).id
    soon = store.save(final_record(guidance, retention={"review_on": today + timedelta(days=3)}), guidance, author).id
    assert (due_state(today, today), due_state(today - timedelta(days=1), today),
            due_state(today + timedelta(days=3), today)) == ("due", "overdue", "due soon")

    listed = {row["id"]: row for row in isp.json("retention", "list")}  # the CLI, in its own process
    assert set(listed) == {due, late} and listed[due]["because"] == "review" and listed[due]["state"] == "due"
    assert listed[late]["state"] == "overdue"
    assert {d.id: d.state for d in retention.retention_due(store, today)} == {due: "due", late: "overdue"}

    reviews = isp.json("report", "reviews", "--as-of", today.isoformat())["reports"]["reviews"]["rows"]
    assert {row["id"]: row["past"] for row in reviews} == {due: "review", late: "review"}  # today's is in, as due

    index = Index(store)
    found = {d.id: d.state for d in index.due(today) if d.kind == "review"}
    assert found == {due: "due", late: "overdue", soon: "due soon"}
    assert DUE_SOON_DAYS >= 3
    index.close()

    app = IspApp(records=str(isp.records), identity=PRACTITIONER, today=today)
    async with app.run_test(size=(100, 30)) as pilot:
        await app.loaded.wait()
        await app.workers.wait_for_complete()
        await pilot.pause()
        lines = str(app.screen.query_one("#due", Static).render()).splitlines()
    # each line names its record by the subject's reference and, whole, by its id (test_tui_records: Home)
    shown = {next(word for word in line.split() if is_record_id(word)): line for line in lines if line[:4].isdigit()}
    assert shown[due].endswith(" DUE TODAY") and shown[late].endswith(" OVERDUE")
    assert not shown[soon].endswith(("DUE TODAY", "OVERDUE"))
    assert set(DUE_LABELS) == {DUE, OVERDUE}  # Home marks the index's states by their names
