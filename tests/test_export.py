"""Exports: a record as Markdown and self-contained HTML with a signed-and-dated footer (000 13.4), a
redacted copy for seeking advice (golden rule 3), reports as CSV and HTML. HTML is checked with
html.parser; Markdown is rendered with markdown-it (which rich already brings) and its structure read."""

from __future__ import annotations

from datetime import date, datetime, timezone
from html.parser import HTMLParser

import pytest
from markdown_it import MarkdownIt

from isp_tui.export import record_html, record_markdown, redact, report_csv
from isp_tui.audit import Report
from isp_tui.identity import Identity
from isp_tui.store import Store

from conftest import PRACTITIONER, write_toml
from factory import final_record

PERSONAL = ("Test Child Alpha", "TEST-0001", "2015-01-01", "01/01/2015", "Test Requester", "Test Detective Constable")
HOSTILE = "Fictional <script>alert(1)</script> **bold** [link](http://example.invalid) | pipe"
WHEN = datetime(2026, 11, 21, 10, 0, tzinfo=timezone.utc)


@pytest.fixture
def record(records, guidance):
    store = Store(records)
    me = Identity.parse(PRACTITIONER)
    data = final_record(guidance, decision={"reasons": f"Test Child Alpha (TEST-0001, born 01/01/2015) is at risk. {HOSTILE}"})
    saved = store.save(data, guidance, me)
    amended = dict(saved.record.data, retention={"review_on": date(2028, 1, 4)})
    return store.amend(saved.id, amended, "Fictional: review date agreed", guidance, me).record


class Html(HTMLParser):
    """Collects tags, attributes that load anything, and the text; checks every element is closed."""

    VOID = {"meta", "br", "hr", "img", "link", "input"}

    def __init__(self, page: str):
        super().__init__()
        self.stack: list[str] = []
        self.tags: list[str] = []
        self.loads: list[str] = []
        self.text: list[str] = []
        self.feed(page)
        self.close()
        assert self.stack == [], f"unclosed: {self.stack}"

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.loads += [f"{k}={v}" for k, v in attrs if k in ("src", "href", "action") or k.startswith("on")]
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):  # <hr />
        self.tags.append(tag)

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes {self.stack[-1:]}"
        self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)

    @property
    def all_text(self) -> str:
        return "".join(self.text)


def test_html_is_self_contained_and_signed(record):
    page = record_html(record, exported_by=PRACTITIONER, exported_at=WHEN, commit="a" * 40)
    parsed = Html(page)
    assert page.startswith("<!DOCTYPE html>")
    assert {"html", "head", "title", "style", "body", "h1", "table", "footer"} <= set(parsed.tags)
    assert not {"script", "link", "img", "iframe", "object"} & set(parsed.tags)
    assert parsed.loads == []  # nothing fetched, nothing run
    text = parsed.all_text
    assert HOSTILE in text  # user content shown as typed, never as markup
    assert "Decided by Test Practitioner <test.practitioner@example.invalid>, Test social worker" in text
    assert f"Exported by {PRACTITIONER} on 2026-11-21 10:00 UTC." in text
    assert "repository commit " + "a" * 40 in text and "SHA-256" in text
    assert "Fictional: review date agreed" in text and "retention.review_on" in text
    footer = page[page.index("<footer>"):]
    assert "000 13.4" in footer and "Decided by" in footer


def test_markdown_structure_and_footer(record):
    md = record_markdown(record, exported_by=PRACTITIONER, exported_at=WHEN, commit="b" * 40)
    assert md.startswith(f"# Information sharing record {record.id}\n")
    rendered = MarkdownIt("commonmark").enable("table").render(md)
    parsed = Html(rendered)
    headings = [t for t in parsed.tags if t in ("h1", "h2")]
    assert headings[0] == "h1" and headings.count("h2") >= 8
    assert "script" not in parsed.tags and parsed.loads == []  # the hostile text stays text
    assert HOSTILE in parsed.all_text
    assert parsed.tags.count("table") >= 8 and "hr" in parsed.tags
    text = parsed.all_text
    for heading in ("Decision", "Request", "What was shared", "Engine outcome", "Retention and review"):
        assert heading in text
    assert text.rstrip().endswith("A copy retained by every party to the decision (000 13.4).")
    assert f"Exported by {PRACTITIONER} on 2026-11-21 10:00 UTC." in text


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_redacted_export_leaves_out_who_it_is_about(record, fmt):
    render = record_html if fmt == "html" else record_markdown
    out = render(record, exported_by=PRACTITIONER, exported_at=WHEN, redacted=True)
    for personal in PERSONAL:
        assert personal.lower() not in out.lower(), personal
    assert "Alpha" not in out
    assert "REDACTED COPY" in out and "golden rule 3" in out
    # the decision and its grounds remain, for the adviser
    for kept in ("share", "Test Police Force", "ca1989-s47", "is at risk", "Section 47 enquiry"):
        assert kept in out, kept
    assert redact(record).data.get("subject") is None


def test_export_command(isp, tmp_path, guidance):
    record_id = isp("record", str(write_toml(tmp_path / "a.toml", final_record(guidance)))).stdout.strip()
    md = isp("export", record_id).stdout
    assert md.startswith("# Information sharing record") and "Test Child Alpha" in md
    target = tmp_path / "out" / "copy.html"
    target.parent.mkdir()
    assert isp("export", record_id, "--format", "html", "--redact", "-o", str(target)).stdout.strip() == str(target)
    page = target.read_text()
    Html(page)
    assert "Test Child Alpha" not in page and (target.stat().st_mode & 0o077) == 0
    head = isp.json("log", record_id)["revisions"][0]["commit"]
    assert head in page
    import hashlib
    from isp_tui.record import record_path

    file_hash = hashlib.sha256((isp.records / record_path(record_id)).read_bytes()).hexdigest()
    assert f"record file SHA-256 {file_hash}" in page and f"record file SHA-256 {file_hash}" in md
    assert "no record with id" in isp("export", "01JDB3M7Q2X8W5ZK4T9N6E1RVA", check=2).stderr
    # a hand edit since: the export is of the record its footer names (that commit, that file's hash)
    path = isp.records / record_path(record_id)
    path.write_text(path.read_text().replace("Test Child Alpha", "Test Child Edited"))
    after = isp("export", record_id).stdout
    assert "Test Child Edited" not in after and "Test Child Alpha" in after
    assert f"record file SHA-256 {file_hash}" in after and head in after
    assert "invalid choice" in isp("export", record_id, "--format", "pdf", check=2).stderr


def test_report_csv_quotes_and_defuses_formulas():
    report = Report("x", "X", "test", ["id", "note", "n"], [
        {"id": "A", "note": 'has "quotes", commas\nand a newline', "n": 3},
        {"id": "B", "note": "=HYPERLINK(\"http://example.invalid\")", "n": -1}])
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(report_csv(report))))
    assert rows[0]["note"] == 'has "quotes", commas\nand a newline'
    assert rows[1]["note"].startswith("'=") and rows[1]["n"] == "-1"
