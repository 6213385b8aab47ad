"""One record's history is one function (isp_tui.audit.history): the CLI's `isp log ID` and the app's record
history show the same revisions and amendments, with the subject's values hidden in both and every string
from git made printable in the app."""

from __future__ import annotations

import json
from datetime import date

from isp_tui.audit import history
from isp_tui.identity import Identity
from isp_tui.store import Store
from isp_tui.tui.app import IspApp
from isp_tui.tui.screens.browse import RecordScreen

from conftest import PRACTITIONER, git
from factory import final_record

OLD, NEW = "Test Child Alpha", "Test Child Beta"
REASON = "Fictional: the subject was recorded wrongly"


def _iso(value):
    return value.isoformat()


async def test_the_app_and_the_cli_show_the_same_history_with_a_changed_name_hidden(isp, records, guidance):
    store = Store(records)
    me = Identity.parse(PRACTITIONER)
    saved = store.save(final_record(guidance), guidance, me)
    data = dict(saved.record.data, subject={**saved.record.data["subject"], "name": NEW})
    store.amend(saved.id, data, REASON, guidance, me)
    # a hand-made commit to the record, its author and message carrying terminal escapes
    path = records / saved.record.path
    path.write_text(path.read_text() + "# a note\n")
    git(records, "add", saved.record.path)
    git(records, "-c", "user.name=Test \x1b[31mRed", "-c", "user.email=t@example.invalid", "commit", "-qm",
        "notes \x1b]0;title\x07")

    found = history(store, saved.id)
    cli = isp.json("log", saved.id)
    assert cli == json.loads(json.dumps(found.as_dict(), default=_iso))
    cli_text = isp("log", saved.id).stdout + isp("log", saved.id, "--diff", "1", "2").stdout

    app = IspApp(records=str(records), identity=PRACTITIONER, today=date(2026, 11, 21))
    async with app.run_test(size=(160, 48)) as pilot:
        await app.loaded.wait()
        await pilot.pause()
        app.push_screen(RecordScreen(saved.id))
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        pane = str(app.screen.query_one("#history").render())

    assert [r["action"] for r in cli["revisions"]] == ["(not the store's)", "amend", "final"]
    for revision in cli["revisions"]:
        assert revision["commit"] in pane
        assert revision["reason"] in pane
    assert "subject.name" in [c["field"] for c in cli["revisions"][1]["changes"]]
    assert "changed: Name of the child or person" in pane  # the field under the form's label, not its key
    [amendment] = cli["amendments"]
    assert amendment["reason"] == REASON and f"reason: {REASON}" in pane
    assert amendment["changes"] == [{"field": "subject.name", "personal": True}]
    assert "Name of the child or person: changed (personal data" in pane and "subject.name" not in pane
    for shown in (pane, cli_text, json.dumps(cli)):
        assert OLD not in shown and NEW not in shown
    # printable: shown, never obeyed
    assert "\x1b" not in pane and "\x07" not in pane
    assert "Test \\x1b[31mRed" in pane and "notes \\x1b]0;title\\x07" in pane
    # asked for, the values are there
    revealed = history(store, saved.id, reveal=True)
    assert revealed.amendments[0]["changes"] == [{"field": "subject.name", "before": OLD, "after": NEW}]
