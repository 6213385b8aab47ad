"""The auditor's workspace in the app, through Textual's Pilot: timeline, a revision, export, verification,
reports with charts; and the charts' numbers against `isp report --json`.

Real parts only: a real records repository in tmp_path, the real templates, the real store."""

from __future__ import annotations

import json
import os
import stat
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path

import pytest
from textual.widgets import ContentSwitcher, DataTable, Input, Markdown, Select

from isp_tui import audit, charts
from isp_tui.errors import InputError
from isp_tui.export_file import check_target, write_export
from isp_tui.identity import Identity
from isp_tui.store import Store
from isp_tui.tui.app import IspApp
from isp_tui.tui.screens.browse import RecordScreen
from isp_tui.tui.screens.home import HomeScreen
from isp_tui.tui.screens.reports import TABS, ReportsScreen
from isp_tui.tui.screens.timeline import ExportScreen, RevisionScreen, TimelineScreen
from isp_tui.tui.screens.verification import VerificationScreen, last_verified

from conftest import git
from factory import final_record
from tui_driver import PRACTITIONER

SIZE = (100, 30)
TODAY = date(2026, 11, 21)


@pytest.fixture
def repo(records, guidance):
    """Three records: a share without consent, a do-not-share override to another agency (then amended),
    and a draft."""
    store = Store(records)
    author = Identity.parse(PRACTITIONER)
    first = store.save(final_record(guidance), guidance, author)
    second = store.save(final_record(guidance, decision={"recorded": "do-not-share", "reasons": "Fictional reasons.",
                                                         "override_reason": "Fictional: proportionality (test)."},
                                     recipient={"agency": "Test Voluntary Group"}), guidance, author)
    store.amend(second.id, {"retention": {"review_on": date(2026, 11, 10)}}, "Fictional: review sooner (test).",
                guidance, Identity.parse("Test Auditor <test.auditor@example.invalid>"), partial=True)
    draft = final_record(guidance, subject={"reference": "TEST-0003"})
    for key in ("decision", "sharing", "transparency", "consent"):
        draft.pop(key)
    store.save(draft, guidance, author, draft=True)
    return {"store": store, "ids": [first.id, second.id], "first_commit": first.commit}


def make_app(records: Path) -> IspApp:
    return IspApp(records=str(records), identity=PRACTITIONER, today=TODAY)


async def settle(pilot) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


@asynccontextmanager
async def auditing(records: Path, key: str = "", *, screen=None, action: str = "", size=SIZE):
    """The app on `records`, loaded, then `screen` pushed, the app's `action` run or `key` pressed, and
    settled: (app, pilot)."""
    app = make_app(records)
    async with app.run_test(size=size) as pilot:
        await app.loaded.wait()
        if screen is not None:
            await app.push_screen(screen)
        if action:
            await getattr(app, f"action_{action}")()
        if key:
            await pilot.press(key)
        await settle(pilot)
        yield app, pilot


async def test_timeline_lists_every_change_newest_first_and_filters(repo, records):
    async with auditing(records, "t") as (app, pilot):
        screen = app.screen
        assert isinstance(screen, TimelineScreen)
        assert [r["action"] for r in screen.rows] == ["draft", "amend", "final", "final"]
        table = screen.query_one("#changes", DataTable)
        assert table.row_count == 4
        first_line = str(table.get_row_at(0)[0])
        assert "Draft saved" in first_line and "draft" not in first_line.split()  # words, not the trailer's id
        assert "Amended" in str(table.get_row_at(1)[0])
        # filter by kind of change
        screen.query_one("#action", Select).value = "amend"
        await settle(pilot)
        assert [r["action"] for r in screen.rows] == ["amend"]
        assert "Test Auditor" in str(table.get_row_at(0)[0])
        screen.query_one("#action", Select).value = Select.NULL
        # filter by practitioner and agency, applied with Enter
        screen.query_one("#agency", Input).value = "voluntary"
        screen.query_one("#agency").focus()
        await pilot.press("enter")
        await settle(pilot)
        assert {r["record"] for r in screen.rows} == {repo["ids"][1]}
        screen.query_one("#agency", Input).value = ""
        screen.query_one("#since", Input).value = "21/11/2026"
        screen.query_one("#since").focus()
        await pilot.press("enter")
        await pilot.pause()
        assert "YYYY-MM-DD" in str(screen.query_one("#timeline-status").render())
        screen.query_one("#since", Input).value = "2000-01-01"
        await pilot.press("enter")
        await settle(pilot)
        assert len(screen.rows) == 4
        # Enter on the oldest change opens the record as it was then
        table.focus()
        table.move_cursor(row=3)
        await pilot.press("enter")
        await settle(pilot)
        revision = app.screen
        assert isinstance(revision, RevisionScreen)
        assert revision.commit == repo["first_commit"]
        assert "Test Police Force" in revision.query_one("#revision", Markdown).source
        assert "Exported by" not in revision.query_one("#revision", Markdown).source
        await pilot.press("escape")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)


@pytest.mark.parametrize("size, titles", [((80, 24), ["Date", "Change", "By"]),
                                           ((100, 30), ["Date", "Change", "Decision", "By"]),
                                           ((160, 48), ["When", "Change", "Decision", "Record", "By"])])
async def test_the_timelines_by_column_is_whole_at_80_columns(repo, records, size, titles):
    """Who made each change keeps the width: the lesser columns give way first (the record, the time of day,
    the decision, the change in one word), so at 80 columns "By" holds a name and an address of 53 characters
    whole (a longer one ends in "…"), and the line below the table shows the highlighted change whole."""
    async with auditing(records, "t", size=size) as (app, pilot):
        screen = app.screen
        table = screen.query_one("#changes", DataTable)
        header = next(iter(table.columns.values())).label.plain
        assert header.split() == titles
        by_width = next(w for _, w, k in screen.columns if k == "by")
        assert by_width >= 53
        for n, row in enumerate(screen.rows):
            by, line = f"{row['author']} <{row['email']}>", str(table.get_row_at(n)[0])
            assert by in line if len(by) <= by_width else line.endswith(by[:by_width - 1] + "…")
        assert "Test Auditor <test.auditor@example.invalid>" in str(table.get_row_at(1)[0])  # the amendment's
        assert table.size.width <= size[0] and max(len(str(table.get_row_at(n)[0])) for n in range(table.row_count)) \
            <= table.size.width
        status = str(screen.query_one("#timeline-status").render())
        assert screen.rows[0]["record"] in status and "commit" in status


async def test_export_from_a_revision_is_owner_only_with_the_footer(repo, records, tmp_path):
    target = tmp_path / "out" / "exported.html"
    target.parent.mkdir()
    async with auditing(records, screen=RevisionScreen(repo["ids"][0], repo["first_commit"], "final")) as (app, pilot):
        await pilot.press("x")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ExportScreen)
        await pilot.press("down", "enter")  # HTML
        await pilot.pause()
        path = screen.query_one("#export-path", Input)
        assert path.value.endswith(".html")
        path.value = str(tmp_path / "out")  # a folder: refused in one line
        path.focus()
        await pilot.press("enter")
        await pilot.pause()
        assert "is a folder" in str(screen.query_one("#export-msg").render())
        path.value = str(tmp_path / "missing" / "x.html")
        await pilot.press("enter")
        await pilot.pause()
        assert "does not exist" in str(screen.query_one("#export-msg").render())
        path.value = str(target)
        await pilot.press("enter")
        await pilot.pause()
        assert "Written to" in str(screen.query_one("#export-msg").render())
    text = target.read_text()
    assert text.startswith("<!DOCTYPE html>")
    assert f"repository commit {repo['first_commit']}" in text and "Exported by Test Practitioner" in text
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert [p.name for p in target.parent.iterdir()] == ["exported.html"]  # no temporary file left


def test_export_file_refuses_and_replaces(tmp_path):
    with pytest.raises(InputError, match="is a folder"):
        check_target(tmp_path)
    with pytest.raises(InputError, match="does not exist"):
        check_target(tmp_path / "no" / "file.md")
    target = tmp_path / "file.md"
    target.write_text("old")
    os.chmod(target, 0o644)
    write_export(target, "new")
    assert target.read_text() == "new" and stat.S_IMODE(target.stat().st_mode) == 0o600


async def test_export_of_a_record_from_the_palette_command(repo, records, tmp_path):
    async with auditing(records, screen=RecordScreen(repo["ids"][1])) as (app, pilot):
        commands = [c.title for c in app.get_system_commands(app.screen)]
        assert "Export this record" in commands
        await app.action_export(app.screen.record_id)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ExportScreen) and screen.commit is None
        for _ in range(2):
            await pilot.press("down")
        await pilot.press("enter")  # redacted Markdown
        await pilot.pause()
        screen.query_one("#export-path", Input).value = str(tmp_path / "redacted.md")
        screen.query_one("#export-go").focus()
        await pilot.press("enter")
        await pilot.pause()
    text = (tmp_path / "redacted.md").read_text()
    assert "REDACTED COPY" in text and "Test Child" not in text and "TEST-0001" not in text


async def test_export_of_the_ico_decision_form_from_the_app_is_the_clis(repo, records, isp, tmp_path, monkeypatch):
    """The export screen offers the ICO's decision form (Markdown and HTML) and writes what `isp export
    --format ico-decision-form` prints (one render for both faces), the organisation's part from the config."""
    from isp_tui.export_file import FORMATS

    config = tmp_path / "config.toml"
    config.write_text('[organisation]\nname = "Test Borough"\ncontroller_relationship = "separate"\n')
    monkeypatch.setenv("ISP_CONFIG", str(config))
    record_id = repo["ids"][0]
    async with auditing(records, screen=RecordScreen(record_id)) as (app, pilot):
        await app.action_export(record_id)
        await pilot.pause()
        screen = app.screen
        labels = [str(b.label) for b in screen.query("#export-format RadioButton")]
        assert labels == list(FORMATS.values())
        assert "ICO decision form (Markdown)" in labels and "ICO decision form (HTML)" in labels
        for _ in range(list(FORMATS).index("ico-decision-form-html")):
            await pilot.press("down")
        await pilot.press("enter")
        await pilot.pause()
        path = screen.query_one("#export-path", Input)
        assert path.value == f"{record_id}.html"  # the suffix follows the format
        path.value = str(tmp_path / "ico.html")
        screen.query_one("#export-go").focus()
        await pilot.press("enter")
        await pilot.pause()
        assert "Written to" in str(screen.query_one("#export-msg").render())
    page = (tmp_path / "ico.html").read_text()
    assert stat.S_IMODE((tmp_path / "ico.html").stat().st_mode) == 0o600
    cli = isp("export", record_id, "--format", "ico-decision-form-html").stdout

    def body(html: str) -> str:  # all but the footer's time of export
        return html.split("<footer>")[0]

    assert body(page) == body(cli) and "Data sharing decision form" in page
    assert "<td>Separate</td><td>organisation (config)</td>" in page and "not recorded" in page


async def test_verification_passes_then_shows_a_failure_and_opens_its_record(repo, records):
    app = make_app(records)
    async with app.run_test(size=SIZE) as pilot:
        await app.loaded.wait()
        await settle(pilot)
        assert "never" in str(app.screen.query_one("#where").render())
        await pilot.press("v")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, VerificationScreen)
        assert "no problems found" in str(screen.query_one("#verify-status").render())
        checks = str(screen.query_one("#checks").render())
        assert len(checks.strip().splitlines()) == len(audit.CHECKS)  # one line a check (wrapped where long)
        assert checks.count("PASS  ") >= 8 and "FAIL" not in checks
        assert "commits are signed where signing is required" in checks  # the check in words, not its name
        assert last_verified(repo["store"]) is not None
        # edit a final record behind isp's back and commit it: the shape and finals checks fail
        target = repo["store"].path_of(repo["ids"][0])
        target.write_text(target.read_text().replace("Test Police Force", "Test Edited Force"))
        git(records, "-c", "user.name=Test Tamperer", "-c", "user.email=test.tamperer@example.invalid",
            "commit", "-qam", "edited by hand")
        await pilot.press("f")  # the full check
        await settle(pilot)
        assert "FAILED" in str(screen.query_one("#verify-status").render())
        failures = screen.query_one("#failures", DataTable)
        assert failures.row_count >= 1
        assert app.focused is failures
        rows = [n for n, (_, f) in enumerate(screen.failures) if f.get("record") == repo["ids"][0]]
        assert rows
        failures.move_cursor(row=rows[0])
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RecordScreen) and app.screen.record_id == repo["ids"][0]
        await pilot.press("escape", "escape")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        assert "(passed)" in str(app.screen.query_one("#where").render())  # the last passing run's date


async def test_reports_show_charts_and_tables_as_of_a_date(repo, records):
    async with auditing(records, "p") as (app, pilot):
        screen = app.screen
        assert isinstance(screen, ReportsScreen)
        assert set(screen.reports) == set(TABS)
        assert screen.query_one("#switch-outcomes", ContentSwitcher).current == "chart-outcomes"
        await pilot.press("t")
        await pilot.pause()
        assert screen.query_one("#switch-months", ContentSwitcher).current == "table-months"
        assert app.focused is screen.query_one("#table-months")
        table = screen.query_one("#table-months", DataTable)
        assert [c.label.plain for c in table.columns.values()][:2] == ["Month", "Decisions"]
        await pilot.press("right")  # the table keeps focus; tabs change with the tab bar
        screen.query_one("#report-tabs").active = "tab-reviews"
        await pilot.pause()
        reviews = screen.query_one("#table-reviews", DataTable)
        assert reviews.row_count == 1  # the amended review date, 2026-11-10, has passed on the 21st
        screen.query_one("#as-of", Input).value = "2026-11-05"
        screen.query_one("#as-of").focus()
        await pilot.press("enter")
        await settle(pilot)
        assert reviews.row_count == 0
        assert screen.sub_title == "as of 2026-11-05"
        from isp_tui.tui.screens.reports import ReportsMade

        screen.post_message(ReportsMade(TODAY, [], {}, "a worker for the date asked before"))  # it ends late
        await settle(pilot)
        assert screen.sub_title == "as of 2026-11-05"
        assert "asked before" not in str(screen.query_one("#reports-status").render())
        await pilot.press("t")
        await pilot.pause()
        assert screen.query_one("#switch-reviews", ContentSwitcher).current == "chart-reviews"


def test_the_charts_numbers_are_the_reports_json(repo, isp):
    out = json.loads(isp("report", "--json", "--as-of", TODAY.isoformat()).stdout)["reports"]
    for name in charts.CHARTED:
        report = out[name]
        chart = charts.chart_for(report)
        assert chart is not None and chart.report == name
        rows = report["rows"]
        series = dict(chart.series)
        if name == "months":
            assert chart.labels == [r["month"] for r in rows]
            assert series["Share"] == [r["share"] for r in rows]
            assert series["Do not share"] == [r["do-not-share"] for r in rows]
            assert series["Draft"] == [r["drafts"] for r in rows]
            assert [sum(v) for v in zip(*[series[k] for k in ("Share", "Share part", "Do not share")])] == \
                   [r["decisions"] for r in rows]
        elif name == "outcomes":
            rows = [r for r in rows if r["outcome"] != "total"]
            assert series["Engine's outcome"] == [r["engine"] for r in rows]
            assert series["Recorded decision"] == [r["recorded"] for r in rows]
            total = next(r for r in report["rows"] if r["outcome"] == "total")
            assert chart.total("Engine's outcome") == total["engine"]
        elif name == "agencies":
            assert chart.labels == [r["agency"] for r in rows]
            assert series["Shared"] == [r["shared"] for r in rows]
            assert series["Not shared"] == [r["not_shared"] for r in rows]
        elif name == "reviews":
            assert chart.total() == sum(len(r["past"].split(", ")) for r in rows)
        else:  # one bar per row of the report
            assert chart.total() == len(rows)
    assert charts.chart_for(out["outcomes"]).total("Recorded decision") == 2
    assert charts.chart_for(out["without-consent"]).labels == ["Consent not sought: would increase the risk"]
    assert charts.chart_for(out["reviews"]).series == [("Review past", [1]), ("Retention past", [0])]


async def test_the_apps_charts_draw_the_reports_json(repo, records, isp):
    """Each chart on the reports screen (p) is the chart of `isp report --json`'s report, and what it gives
    plotext (the first or latest bars of it) is those numbers; each tab is drawn when it is shown."""
    from isp_tui.tui.widgets.chart import SHOWN, ChartPlot

    out = json.loads(isp("report", "--json", "--as-of", TODAY.isoformat()).stdout)["reports"]
    async with auditing(records, "p", size=(120, 40)) as (app, pilot):
        screen = app.screen
        assert screen.pending == set(TABS) - {"months"}  # the first tab drawn, the others when shown
        for name in TABS:
            screen.query_one("#report-tabs").active = f"tab-{name}"
            await pilot.pause()
            plot = screen.query_one(f"#plot-{name}", ChartPlot)
            expected = charts.chart_for(out[name])
            assert plot.chart == expected, name
            shown = slice(-SHOWN, None) if expected.tail else slice(0, SHOWN)
            labels, values = plot.drawn
            assert values == ([v[shown] for _, v in expected.series] if expected.labels else []), name
            assert len(labels) == len(expected.labels[shown])
            assert screen.query_one(f"#table-{name}", DataTable).row_count == min(len(out[name]["rows"]), 100)
        assert not screen.pending
    assert charts.chart_for(out["outcomes"]).total("Recorded decision") == 2


def test_chart_text_and_svg_draw_the_same_numbers(repo, isp):
    out = json.loads(isp("report", "--json", "--as-of", TODAY.isoformat()).stdout)["reports"]
    chart = charts.chart_for(out["outcomes"])
    text = charts.chart_text(chart, width=60)
    assert all(len(line) <= 60 for line in text.splitlines())
    assert "Engine's outcome" in text and "Do not share" in text and "do-not-share" not in text
    svg = charts.chart_svg(chart)
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    for banned in ("<script", "href", "url(", "<style", "<foreignObject"):
        assert banned not in svg
    for label, values in zip(chart.labels, zip(*[v for _, v in chart.series])):
        for (name, _), value in zip(chart.series, values):
            assert f"<title>{label}: {name.replace(chr(39), '&#x27;')} {value:,}</title>" in svg
    empty = charts.chart_for({"name": "responses", "rows": []})
    assert "none" in charts.chart_text(empty) and "none" in charts.chart_svg(empty)


def test_overrides_lists_departures_with_reason_who_when_and_advice(repo, guidance):
    from isp_tui.index import Index
    from isp_tui.audit.overrides import departs, overrides, overrides_report

    index = Index(repo["store"])
    index.refresh()
    report = overrides_report(index)
    [row] = report.rows
    assert row["id"] == repo["ids"][1]
    assert (row["engine"], row["recorded"]) == ("share", "do-not-share")
    assert row["override_reason"] == "Fictional: proportionality (test)."
    assert row["by"] == PRACTITIONER and row["decided"] is not None and row["advice_sought"] is False
    # the same from records read whole, and the draft is never an override
    assert overrides(repo["store"].get(i, guidance) for i in repo["ids"]).rows == report.rows
    chart = charts.chart_for(report)
    assert chart.labels == ["Share -> Do not share"] and chart.total() == len(report.rows)
    assert not departs("seek-advice", "share") and departs("do-not-share", "share-part")


async def test_reports_screen_has_the_overrides(repo, records):
    async with auditing(records, action="reports") as (app, pilot):
        screen = app.screen
        screen.query_one("#report-tabs").active = "tab-overrides"
        await pilot.press("t")
        await pilot.pause()
        table = screen.query_one("#table-overrides", DataTable)
        assert table.row_count == 1
        assert [c.label.plain for c in table.columns.values()][-4:] == \
               ["Recorded decision", "Reason for departing", "Advice sought", "Advice from"]
        assert table.get_row_at(0)[3:6] == ["Share", "Do not share", "Fictional: proportionality (test)."]


async def test_a_destroyed_record_shows_its_tombstone_in_the_timeline(repo, records):
    from isp_tui.retention import destroy

    destroy(repo["store"], repo["ids"][0], "Fictional: retention period ended (test).",
            Identity.parse("Test Admin <test.admin@example.invalid>"))
    async with auditing(records, action="timeline") as (app, pilot):
        screen = app.screen
        screen.query_one("#action", Select).value = "destroy"
        await settle(pilot)
        [row] = screen.rows
        assert row["record"] == repo["ids"][0]
        table = screen.query_one("#changes", DataTable)
        assert "Destroyed" in str(table.get_row_at(0)[0]) and "Test Admin" in str(table.get_row_at(0)[0])
        table.focus()
        await pilot.press("enter")
        await settle(pilot)
        tomb = app.screen
        assert isinstance(tomb, RevisionScreen)
        text = tomb.query_one("#revision", Markdown).source
        assert "**Authorised by**: Test Admin" in text and "retention period ended" in text
        assert "+00:00" not in text and "**Destroyed at**: 20" in text  # a time in words, not a datetime's str
        assert "(test)" not in text and "\\(test\\)" in text  # shown as typed: Markdown's characters escaped
        assert "was destroyed" in str(tomb.query_one("#revision-head").render())
        assert not tomb.readable  # nothing to export: the content is gone


def test_a_long_chart_is_cut_to_its_latest_months_in_text_and_svg():
    rows = [{"month": f"20{25 + n // 12}-{n % 12 + 1:02d}", "decisions": n, "share": n, "share-part": 0,
             "do-not-share": 0, "drafts": 0} for n in range(30)]
    chart = charts.chart_for({"name": "months", "rows": rows})
    text = charts.chart_text(chart, width=80, limit=12)
    assert "2027-06" in text and "2025-01" not in text and "18 earlier in the table" in text
    assert "18 earlier in the table" in charts.chart_svg(chart, limit=12)
    assert chart.total("Share") == sum(range(30))  # the series keep every row: only the drawing is cut


def test_the_chart_export_and_overrides_modules_are_core():
    import subprocess
    import sys

    code = ("import sys, isp_tui.charts, isp_tui.export_file, isp_tui.audit.overrides; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich', 'textual_plotext')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


async def test_record_history_diffs_any_two_revisions_with_personal_values_hidden(repo, records, guidance):
    """h on a record (the record screen, or a revision from the timeline) opens its history, from
    audit.history: the diff between the highlighted revision and the one before, or any revision pinned
    with space; the amendments with their reasons; the subject's details named, never shown."""
    from textual.widgets import Static

    from isp_tui.tui.screens.history import HistoryScreen

    store, record_id = repo["store"], repo["ids"][1]
    store.amend(record_id, {"subject": {"name": "Test Child Renamed"}}, "Fictional: name corrected (test).",
                guidance, Identity.parse(PRACTITIONER), partial=True)
    async with auditing(records, screen=RecordScreen(record_id), size=(120, 40)) as (app, pilot):
        await pilot.press("h")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, HistoryScreen)
        table = screen.query_one("#revisions", DataTable)
        assert table.row_count == 3

        def shown(widget: str) -> str:
            return str(screen.query_one(widget, Static).render())

        newest = shown("#diff")  # revision 3 against 2: the personal change, named only
        assert "Revision 2 -> revision 3" in newest and "Name of the child or person" in newest
        assert "subject.name" not in newest  # the form's label, never the TOML key
        assert "personal data" in newest and "Test Child Renamed" not in newest and "Test Child Alpha" not in newest
        amendments = shown("#amendments")
        assert "Fictional: review sooner (test)." in amendments and "Fictional: name corrected (test)." in amendments
        assert "Test Child Renamed" not in amendments
        assert "  Review on: " in amendments and " -> 2026-11-10\n" in amendments  # the label, the value in words
        assert "retention.review_on" not in amendments and "subject.name" not in amendments
        await pilot.press("down", "down")  # revision 1, pinned; then back to the newest: 1 against 3
        await settle(pilot)
        await pilot.press("space")
        await pilot.press("up", "up")
        await settle(pilot)
        wide = shown("#diff")
        assert "Revision 1 -> revision 3" in wide and "Review on\n" in wide and "2026-11-10" in wide
        assert "retention.review_on" not in wide and "Amendments (how many)" in wide
        assert "before: 0\n" in wide and "after:  2\n" in wide  # counts in words, not a list's repr
        assert "Test Child Renamed" not in wide
        await pilot.press("escape", "escape")
        await settle(pilot)
        # from the timeline's revision view too
        await app.push_screen(RevisionScreen(record_id, repo["first_commit"], "final"))
        await settle(pilot)
        await pilot.press("h")
        await settle(pilot)
        assert isinstance(app.screen, HistoryScreen) and app.screen.record_id == record_id


async def test_the_historys_by_column_is_whole_at_80_columns_and_the_rest_comes_back_wider(repo, records):
    """A record's history at 80x24 keeps who made each revision whole (the reason, the time of day, the
    decision and the revision's number give way); made wider, the columns come back, the cursor kept."""
    from isp_tui.tui.screens.history import HistoryScreen

    async with auditing(records, screen=RecordScreen(repo["ids"][1]), size=(80, 24)) as (app, pilot):
        await pilot.press("h")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, HistoryScreen)
        table = screen.query_one("#revisions", DataTable)
        header = next(iter(table.columns.values())).label.plain
        assert header.split() == ["Date", "Change", "By"]
        for n in range(table.row_count):
            assert PRACTITIONER in str(table.get_row_at(n)[0]) or "Test Auditor <test.auditor@example.invalid>" in \
                str(table.get_row_at(n)[0])
        assert "reason: Fictional: review sooner (test)." in str(screen.query_one("#history-status").render())
        await pilot.press("down")
        await pilot.resize_terminal(160, 48)
        await settle(pilot)
        header = next(iter(table.columns.values())).label.plain
        assert header.split() == ["#", "When", "Change", "Decision", "By", "Reason"]
        assert table.cursor_row == 1 and "Fictional: review sooner" in str(table.get_row_at(0)[0])
