"""Reports checked against a repository generated with known counts, and response deadlines falling on
and around bank holidays and weekends (000 13.2: 15 working days; 000 12.3: corrections in 14 days)."""

from __future__ import annotations

import csv
import io
from datetime import date
from html.parser import HTMLParser

import pytest

from isp_tui import audit
from isp_tui.dates import today
from isp_tui.identity import Identity
from isp_tui.store import Problem, Store

from conftest import PRACTITIONER
from factory import final_record

ME = Identity.parse(PRACTITIONER)
AS_OF = date(2027, 4, 7)  # the day after the Easter-spanning draft falls due
CONSENT_GIVEN = {"legitimate_purpose": "yes", "consent": "given", "consent_by": "parent", "consent_informed": True,
                 "identifiable": "yes", "lawful_basis": ["ukgdpr-art6-1a", "ukgdpr-art9-2a"]}
DEFAULT_BASES = ["ca1989-s47", "ukgdpr-art6-1e", "ukgdpr-art9-2g", "dpa2018-sch1-pt2-para18"]


def request(received: date, responded: date | None = None, agency: str = "Test Police Force") -> dict:
    out = {"requester": "Test Requester", "agency": agency, "asked_for": "Fictional: welfare concerns",
           "received": received, "in_writing": True}
    if responded:
        out["responded"] = responded
    return out


@pytest.fixture(scope="module")
def generated(tmp_path_factory, guidance):
    """Five final decisions, two drafts, one correction with three recipients. Known figures:

    R1 share, no consent, received Fri 4 Dec 2026 -> due Tue 29 Dec (25 and 28 Dec are bank holidays),
       responded 29 Dec: on time. Correction found 2 Nov 2026 (due 16 Nov): police told 16 Nov (on
       time), school 17 Nov (1 day late), GP never.
    R2 share, no consent, received 4 Dec 2026, responded 30 Dec: 1 working day late.
    R3 share with consent, received Sat 29 Aug 2026 -> due 21 Sep (31 Aug is a bank holiday); answered
       by sharing on 21 Sep: on time.
    R4 do-not-share, received Fri 22 May 2026 -> due 15 Jun (25 May is a bank holiday), responded
       16 Jun: 1 working day late.
    R5 share-part, no consent, received 22 May 2026, responded 15 Jun: on time; review date 1 Dec
       2026 and retention date 1 Jan 2027 both passed.
    D1 draft, received Fri 12 Mar 2027 -> due Tue 6 Apr 2027 (Good Friday 26 Mar, Easter Monday 29
       Mar): not late on 6 Apr, 1 working day late on 7 Apr.
    D2 draft with no request.
    """
    store = Store(tmp_path_factory.mktemp("reports") / "records")

    def save(when=None, **overrides):
        data = final_record(guidance, **overrides)
        if when:
            data["when"] = when  # replaced whole, not merged
        return store.save(data, guidance, ME).id

    ids = {
        "R1": save(request=request(date(2026, 12, 4), date(2026, 12, 29))),
        "R2": save(request=request(date(2026, 12, 4), date(2026, 12, 30), "Test School"),
                   recipient={"agency": "Test School"}),
        "R3": save(request=request(date(2026, 8, 29)), when=CONSENT_GIVEN, consent=None,
                   sharing={"shared_on": date(2026, 9, 21)}),
        "R4": save(request=request(date(2026, 5, 22), date(2026, 6, 16), "Test School"),
                   recipient={"agency": "Test School"},
                   decision={"recorded": "do-not-share", "reasons": "Fictional: not necessary.",
                             "override_reason": "Fictional: the school already holds it."},
                   sharing=None, consent=None, transparency=None),
        "R5": save(request=request(date(2026, 5, 22), date(2026, 6, 15)),
                   recipient={"agency": "Test Health Visiting Service"}, decision={"recorded": "share-part"},
                   retention={"review_on": date(2026, 12, 1), "retain_until": date(2027, 1, 1)}),
    }
    ids["D1"] = store.save({"ruleset": {"id": "gdpr-2018"}, "request": request(date(2027, 3, 12))}, guidance, ME,
                           draft=True).id
    ids["D2"] = store.save({"when": {"legitimate_purpose": "yes"}}, guidance, ME, draft=True).id
    audit.record_correction(store, ids["R1"], guidance, ME, description="Fictional: wrong attendance figure",
                            found_on=date(2026, 11, 2),
                            recipients=[("Test Police Force", date(2026, 11, 16)), ("Test School", date(2026, 11, 17)),
                                        ("Test GP Practice", None)])
    return store, ids


def figures(store, guidance, as_of=AS_OF) -> dict[str, list[dict]]:
    return {r.name: r.rows for r in audit.reports(store, guidance, as_of)}


def test_decisions_by_outcome_month_agency_and_basis(generated, guidance):
    store, ids = generated
    got = figures(store, guidance)
    outcomes = {r["outcome"]: (r["engine"], r["recorded"]) for r in got["outcomes"]}
    assert outcomes == {"share": (5, 3), "share-part": (0, 1), "do-not-share": (0, 1), "total": (5, 5)}
    [month] = got["months"]  # every decision was made today
    assert month == {"month": f"{today():%Y-%m}", "decisions": 5, "share": 3, "share-part": 1, "do-not-share": 1,
                     "drafts": 2}
    agencies = {r["agency"]: (r["decisions"], r["shared"], r["not_shared"]) for r in got["agencies"]}
    assert agencies == {"Test Police Force": (2, 2, 0), "Test School": (2, 1, 1), "Test Health Visiting Service": (1, 1, 0)}
    bases = {r["basis"]: (r["decisions"], r["shared"]) for r in got["bases"]}
    # R3's consent was given: the flowchart shares without asking for a legal basis, so the bases it was given
    # are off the path and not saved (record.normalise, the same for the app and `isp record`)
    assert "lawful_basis" not in store.get(ids["R3"]).data["when"]
    assert bases == {b: (4, 3) for b in DEFAULT_BASES}
    assert all(r["title"] for r in got["bases"])


def test_shares_without_consent_with_their_reasons(generated, guidance):
    store, ids = generated
    rows = figures(store, guidance)["without-consent"]
    assert sorted(r["id"] for r in rows) == sorted([ids["R1"], ids["R2"], ids["R5"]])
    assert all(r["consent"] == "not-sought" and r["why_not_sought"] == "increased-risk" for r in rows)
    assert all(r["explanation"].startswith("Seeking consent") and r["reasons"] for r in rows)


def test_drafts_and_missing_reasons(generated, guidance):
    store, ids = generated
    rows = figures(store, guidance)["incomplete"]
    assert sorted(r["id"] for r in rows) == sorted([ids["D1"], ids["D2"]])
    assert all(r["status"] == "draft" and r["missing_reasons"] for r in rows)
    assert all("decision.reasons" in r["missing"] for r in rows)


def test_late_responses_around_bank_holidays_and_weekends(generated, guidance):
    store, ids = generated
    late = {r["id"]: r for r in figures(store, guidance)["responses"]}
    assert set(late) == {ids["R2"], ids["R4"], ids["D1"]}
    assert (late[ids["R2"]]["due"], late[ids["R2"]]["responded"], late[ids["R2"]]["working_days_late"]) == \
        (date(2026, 12, 29), date(2026, 12, 30), 1)
    assert (late[ids["R4"]]["due"], late[ids["R4"]]["working_days_late"]) == (date(2026, 6, 15), 1)
    assert (late[ids["D1"]]["due"], late[ids["D1"]]["responded"], late[ids["D1"]]["working_days_late"]) == \
        (date(2027, 4, 6), None, 1)
    # on the due date itself the draft is not yet late
    assert {r["id"] for r in figures(store, guidance, date(2027, 4, 6))["responses"]} == {ids["R2"], ids["R4"]}
    # R3 was received on a Saturday before a bank holiday and answered on its due date: not late
    assert store.get(ids["R3"]).get("request.response_due") == date(2026, 9, 21)


def test_corrections_not_passed_on_within_14_days(generated, guidance):
    store, ids = generated
    rows = figures(store, guidance)["corrections"]
    assert {(r["agency"], r["told_on"], r["days_late"]) for r in rows} == {
        ("Test School", date(2026, 11, 17), 1), ("Test GP Practice", None, (AS_OF - date(2026, 11, 16)).days)}
    assert all(r["id"] == ids["R1"] and r["due"] == date(2026, 11, 16) for r in rows)
    # before the GP's deadline passed only the school's late notice shows
    assert [r["agency"] for r in figures(store, guidance, date(2026, 11, 16))["corrections"]] == ["Test School"]


def test_past_review_or_retention(generated, guidance):
    store, ids = generated
    [row] = figures(store, guidance)["reviews"]
    assert (row["id"], row["past"]) == (ids["R5"], "review, retention")
    # a review date of today IS due (as `isp retention list` counts it); the day before, nothing is
    [row] = figures(store, guidance, date(2026, 12, 1))["reviews"]
    assert (row["id"], row["past"]) == (ids["R5"], "review")
    assert figures(store, guidance, date(2026, 11, 30))["reviews"] == []



def test_reviews_report_and_retention_list_agree_on_a_date_of_today(generated, guidance):
    """One rule for what is due: `isp report reviews` and `isp retention list` list the same records on the
    day before a review date, on it (a date of today IS due) and on a retention date."""
    from isp_tui.retention import retention_due

    store, ids = generated
    for day, expected in ((date(2026, 11, 30), set()), (date(2026, 12, 1), {ids["R5"]}), (date(2027, 1, 1), {ids["R5"]})):
        assert {d.id for d in retention_due(store, day)} == expected
        assert {r["id"] for r in figures(store, guidance, day)["reviews"]} == expected

@pytest.fixture
def cli(generated, tmp_path, monkeypatch):
    from conftest import Cli

    monkeypatch.setenv("COLUMNS", "200")  # a wide terminal: table cells are not wrapped
    store, ids = generated
    return Cli(store.root, tmp_path), ids


def test_reports_from_the_index_match_the_record_files(generated, guidance):
    """Reports read the derived index's copy of the fields they need: each gives the same rows as from the
    record files themselves (a field a report reads that the index does not keep would show here)."""
    store, _ = generated
    records = list(store.records())
    assert not [r for r in records if isinstance(r, Problem)]
    for as_of in (AS_OF, date(2026, 11, 16), date(2026, 12, 1)):
        from_index = [r.as_dict() for r in audit.reports(store, guidance, as_of)]
        assert from_index == [r.as_dict() for r in audit.reports_of(records, guidance, as_of)]


def test_report_json_csv_html_and_table(cli):
    isp, ids = cli
    data = isp.json("report", "--as-of", AS_OF.isoformat())
    assert data["as_of"] == AS_OF.isoformat() and set(data["reports"]) == set(audit.REPORTS)
    late = data["reports"]["responses"]["rows"]
    assert {r["id"] for r in late} == {ids["R2"], ids["R4"], ids["D1"]}

    rows = list(csv.DictReader(io.StringIO(isp("report", "responses", "--csv", "--as-of", AS_OF.isoformat()).stdout)))
    assert {r["id"]: r["working_days_late"] for r in rows} == {ids["R2"]: "1", ids["R4"]: "1", ids["D1"]: "1"}
    assert next(r for r in rows if r["id"] == ids["D1"])["due"] == "2027-04-06"

    page = isp("report", "--html", "--as-of", AS_OF.isoformat()).stdout
    parsed = Page()
    parsed.feed(page)
    assert parsed.tags["table"] == len(audit.REPORTS) and parsed.tags.get("script", 0) == 0
    assert parsed.external == []
    assert "Requests past their 15-working-day response date" in parsed.text

    table = isp("report", "corrections", "--as-of", AS_OF.isoformat()).stdout
    assert "Test GP Practice" in table and "Corrections not passed on" in table


def test_a_long_report_on_the_terminal_shows_its_first_rows(cli):
    """At 100,000 records a report can run to tens of thousands of rows: the table shows the first and
    says how many more; --rows 0 shows all; the file formats always hold every row."""
    isp, ids = cli
    late = {ids["R2"], ids["R4"], ids["D1"]}
    one = isp("report", "responses", "--rows", "1", "--as-of", AS_OF.isoformat()).stdout
    assert sum(i in one for i in late) == 1 and "and 2 more (3 in all)" in one
    every = isp("report", "responses", "--rows", "0", "--as-of", AS_OF.isoformat()).stdout
    assert all(i in every for i in late) and "more (" not in every
    assert "--rows" in isp("report", "--rows", "-1", check=2).stderr


def test_report_bad_input(cli):
    isp, _ = cli
    assert "unknown report 'nonsense'" in isp("report", "nonsense", check=2).stderr
    assert "--as-of" in isp("report", "--as-of", "31/12/2026", check=2).stderr
    assert "--csv writes one report" in isp("report", "--csv", check=2).stderr


class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: dict[str, int] = {}
        self.external: list[str] = []
        self.text = ""

    def handle_starttag(self, tag, attrs):
        self.tags[tag] = self.tags.get(tag, 0) + 1
        self.external += [v for k, v in attrs if k in ("src", "href") and v]

    def handle_data(self, data):
        self.text += data


def test_the_readme_lists_every_report_and_check():
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    auditors = readme.split("## For auditors", 1)[1].split("\n## ", 1)[0]
    for name in list(audit.REPORTS) + list(audit.CHECKS):
        assert f"| `{name}` |" in auditors, name


def test_report_overrides_on_the_terminal_json_csv_and_html(cli):
    """`isp report overrides`: the final records whose recorded decision departs from the engine's outcome
    (R4: the engine says share, the practitioner did not), with the reason, who, when and the advice sought."""
    from isp_tui.record.model import departs

    isp, ids = cli
    [row] = isp.json("report", "overrides")["reports"]["overrides"]["rows"]
    assert row["id"] == ids["R4"] and (row["engine"], row["recorded"]) == ("share", "do-not-share")
    assert row["override_reason"] == "Fictional: the school already holds it."
    assert row["by"] and row["decided"] and row["advice_sought"] is False
    assert departs(row["engine"], row["recorded"]) and not departs("share", "share-part")
    [line] = list(csv.DictReader(io.StringIO(isp("report", "overrides", "--csv").stdout)))
    assert line["id"] == ids["R4"] and line["override_reason"] == "Fictional: the school already holds it."
    table = isp("report", "overrides", "--no-charts").stdout
    assert ids["R4"] in table and "the school already holds it" in table
    page = Page()
    page.feed(isp("report", "overrides", "--html").stdout)
    assert "the school already holds it" in page.text and page.tags.get("script", 0) == 0


def test_report_charts_on_a_terminal_are_the_reports_json(cli):
    """`isp report` draws each report's chart above its table on a terminal (`--charts` forces it here, the
    output being captured), from the same rows `--json` gives: the numbers drawn are the JSON's."""
    import re

    from isp_tui.charts import chart_for, chart_svg, chart_text

    isp, _ = cli
    as_of = ("--as-of", AS_OF.isoformat())
    data = isp.json("report", *as_of)["reports"]
    drawn = isp("report", "--charts", *as_of).stdout
    charted = {name: chart_for(report) for name, report in data.items() if chart_for(report) is not None}
    assert set(charted) >= {"months", "outcomes", "agencies", "without-consent", "responses", "reviews", "overrides"}
    for name, chart in charted.items():
        assert chart_text(chart, width=200) in drawn, name
        assert drawn.index(chart_text(chart, width=200)) < drawn.rindex(data[name]["title"][:12])  # above its table
    # the outcomes chart: one bar per outcome and source, its number the JSON's
    text = chart_text(charted["outcomes"], width=200).splitlines()
    numbers = [int(re.search(r"(\d[\d,]*)$", line).group(1).replace(",", "")) for line in text[2:]]
    rows = [r for r in data["outcomes"]["rows"] if r["outcome"] != "total"]
    assert numbers == [n for r in rows for n in (r["engine"], r["recorded"])]
    months = charted["months"]
    assert months.total("Share") == sum(r["share"] for r in data["months"]["rows"])
    assert months.total("Draft") == sum(r["drafts"] for r in data["months"]["rows"])
    assert charted["agencies"].total("Not shared") == sum(r["not_shared"] for r in data["agencies"]["rows"])
    assert charted["responses"].total() == len(data["responses"]["rows"])
    # off when asked, and off when the output is not a terminal
    for plain in (isp("report", "--no-charts", *as_of).stdout, isp("report", *as_of).stdout):
        assert not any(chart_text(chart, width=200) in plain for chart in charted.values())
    # --html: each chart inline as SVG, no script, nothing external; --no-charts leaves them out
    page = isp("report", "--html", *as_of).stdout
    for chart in charted.values():
        assert chart_svg(chart) in page
    parsed = Page()
    parsed.feed(page)
    assert parsed.tags.get("svg") == len(charted) and parsed.tags.get("script", 0) == 0 and parsed.external == []
    assert "<svg" not in isp("report", "--html", "--no-charts", *as_of).stdout


def test_the_readme_shows_the_apps_auditor_screens_beside_the_cli():
    """The auditors' section names each screen's key as the app binds it, beside its command; and the
    overrides report, the ICO form and the chart option."""
    from pathlib import Path

    from isp_tui.tui.app import IspApp
    from isp_tui.tui.screens.home import HomeScreen

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    auditors = readme.split("## For auditors", 1)[1].split("\n## ", 1)[0]
    keys = {b.action: b.key for b in HomeScreen.BINDINGS}
    for action, command in (("app.timeline", "isp log"), ("app.verify", "isp verify"), ("app.reports", "isp report")):
        row = next(line for line in auditors.splitlines() if line.startswith("|") and f"`{keys[action]}`" in line
                   and f"`{command}" in line)
        assert row, action
    assert any(b.key == "h" and b.action == "record_history" for b in IspApp.BINDINGS) and "`h` on a record" in auditors
    for words in ("`isp report overrides`", "--no-charts", "--format ico-decision-form", "inline SVG", "[organisation]"):
        assert words in readme, words
