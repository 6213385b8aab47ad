"""Copies of a record and of reports for people outside the records repository.

- `record_markdown(record, ...)` / `record_html(record, ...)`: one record, every section, with a
  signed-and-dated footer (who decided and when, who exported it and when, the commit and the file's
  SHA-256) so every party's retained copy can be matched to the repository (000 13.4).
- `redact(record)`: a copy for seeking advice that leaves out what identifies the person (golden
  rule 3): the [subject] table, the people named in the request and recipient, and every occurrence
  of the subject's name, reference or date of birth in free text.
- `report_csv(report)` / `reports_html(reports)`: reports as CSV and as a self-contained HTML page.

HTML is self-contained: inline CSS, no scripts, no external links or images; every value escaped.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from datetime import date, datetime
from html import escape
from typing import Any, Iterable

from isp_tui.audit import Report
from isp_tui.record import Record
from isp_tui.record.identify import replace_date, written_date

REDACTED = "[redacted]"
# Fields that name a person: left out of a redacted copy (the agencies stay).
PERSONAL_FIELDS = {"subject.name", "subject.date_of_birth", "subject.reference", "request.requester", "recipient.person"}
# Free text, where a forename or surname on its own is replaced too.
FREE_TEXT = {"decision.reasons", "decision.override_reason", "decision.public_interest", "request.asked_for",
             "sharing.information", "sharing.source", "sharing.originator", "sharing.purpose", "sharing.onward_sharing",
             "sharing.time_limits", "consent.explanation", "transparency.not_told_reason", "advice.summary"}

SECTIONS = [  # (table, heading)
    ("ruleset", "Guidance (ruleset)"), ("decided", "Decided"), ("subject", "Subject"), ("request", "Request"),
    ("when", "Flowchart answers"), ("context", "Context"), ("outcome", "Engine outcome"),
    ("decision", "Decision"), ("recipient", "Recipient"), ("sharing", "What was shared"),
    ("consent", "Consent"), ("transparency", "Telling the person"), ("advice", "Advice"),
    ("checklists", "Checklists"), ("retention", "Retention and review"),
]

CSS = """
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#111;line-height:1.4}
h1{font-size:1.5rem}h2{font-size:1.15rem;border-bottom:1px solid #ccc;margin-top:1.5rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{border:1px solid #ccc;padding:.25rem .5rem;
text-align:left;vertical-align:top;white-space:pre-wrap}th{background:#f3f3f3;width:14rem}
footer{margin-top:2rem;border-top:2px solid #333;padding-top:.5rem;font-size:.9rem}
.redacted{background:#fff3cd;padding:.5rem;border:1px solid #e0c060}
@media print{body{margin:0}}
"""


def text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M UTC")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return ", ".join(text(v) for v in value)
    return str(value)


# ---------------------------------------------------------------------------------------------
# Redaction


def redact(record: Record) -> Record:
    """A copy that leaves out what identifies the person; the decision and its grounds stay.

    The subject's full name (in any case, however spaced, possessive or not), reference (however spaced
    or hyphenated) and date of birth (in every UK and ISO spelling isp_tui.record.identify reads) are replaced
    wherever they appear; a forename or surname on its own, in any case, in free text such as the reasons."""
    whole, parts, born = _identifying(record)
    whole_re = _alternation(whole)
    parts_re = _alternation([re.escape(p) for p in parts])

    def scrub_text(value: str, free: bool) -> str:
        value = whole_re.sub(REDACTED, value) if whole_re else value
        for day in born:
            value = replace_date(value, day, REDACTED)
        return parts_re.sub(REDACTED, value) if free and parts_re else value

    def scrub(value: Any, free: bool) -> Any:
        if isinstance(value, str):
            return scrub_text(value, free)
        if isinstance(value, list):
            return [scrub(v, free) for v in value]
        if isinstance(value, dict):
            return {k: scrub(v, free) for k, v in value.items()}
        return value

    data: dict[str, Any] = {}
    for key, value in record.data.items():
        if key == "subject":
            continue
        if isinstance(value, dict) and key not in ("checklists", "outcome"):
            value = {k: scrub(v, f"{key}.{k}" in FREE_TEXT) for k, v in value.items()
                     if f"{key}.{k}" not in PERSONAL_FIELDS}
        elif key == "amendments":
            value = [scrub(dict(a, changes=[c for c in a.get("changes", []) if c.get("field") not in PERSONAL_FIELDS]),
                           True) for a in value]
        elif key == "corrections":
            value = scrub(value, True)
        else:
            value = scrub(value, False)
        data[key] = value
    return Record(data)


def _alternation(patterns: list[str]) -> re.Pattern[str] | None:
    """One case-blind pattern for every one of `patterns` (regular expressions), each a whole word or words."""
    if not patterns:
        return None
    body = "|".join(sorted(set(patterns), key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)", re.IGNORECASE)


def _loose_words(value: str) -> str:
    """A name or phrase however it is spaced (a line break or several spaces between its words)."""
    return r"\s+".join(re.escape(word) for word in value.split())


def _loose_reference(value: str) -> str:
    """A reference however it is spaced or hyphenated: TEST-0001, TEST 0001, TEST0001, test_0001."""
    chars = [c for c in value if c.isalnum()]
    return r"[\s\-_./]*".join(re.escape(c) for c in chars) if len(chars) >= 3 else _loose_words(value)


def _identifying(record: Record) -> tuple[list[str], list[str], list[date]]:
    """(patterns of whole identifiers to replace everywhere, name parts to replace in free text, dates of birth)."""
    names, references, born = [record.get("subject.name")], [record.get("subject.reference")], []
    for amendment in record.data.get("amendments", []):  # earlier spellings too
        for change in amendment.get("changes", []):
            before_after = [change.get("before"), change.get("after")]
            field = change.get("field")
            if field == "subject.name":
                names += before_after
            elif field == "subject.reference":
                references += before_after
            elif field == "subject.date_of_birth":
                born += [day if isinstance(day, date) else written_date(day) if isinstance(day, str) else None
                         for day in before_after]
    whole, parts = [], []
    for key in ("request.requester", "recipient.person"):
        value = record.get(key)
        if isinstance(value, str) and value.strip():
            whole.append(_loose_words(value))
    for value in references:
        if isinstance(value, str) and value.strip():
            whole.append(_loose_reference(value.strip()))
    for name in names:
        if isinstance(name, str) and name.strip():
            whole.append(_loose_words(name))
            parts += [p for p in name.split() if len(p) >= 2]
    day = record.get("subject.date_of_birth")
    born.append(day if isinstance(day, date) else None)
    return whole, parts, [d for d in dict.fromkeys(born) if d is not None]


# ---------------------------------------------------------------------------------------------
# One record


def _rows(record: Record, table: str) -> list[tuple[str, str]]:
    value = record.data.get(table)
    if value is None:
        return []
    if table == "outcome":
        rows = [("engine outcome", text(value.get("engine"))), ("path", " -> ".join(value.get("path", [])))]
        rows += [("reason", f"{r.get('text', '')} [{r.get('source', '')}]") for r in value.get("reasons", [])]
        rows += [("warning", f"{w.get('text', '')} [{w.get('source', '')}]") for w in value.get("warnings", [])]
        return rows
    if table == "checklists":
        return [(f"{checklist}: {item}", text(answer)) for checklist, answers in value.items()
                for item, answer in answers.items()]
    return [(key.replace("_", " "), text(v)) for key, v in value.items()]


def footer(record: Record, *, exported_by: str, exported_at: datetime, commit: str | None,
           redacted: bool, sha256: str) -> list[str]:
    """The signed-and-dated footer: lines of plain text. `sha256` is the record file's, in the repository."""
    lines = [
        f"Decided by {text(record.get('decided.by'))}"
        + (f", {record.get('decided.role')}" if record.get("decided.role") else "")
        + (f", {record.get('decided.organisation')}" if record.get("decided.organisation") else "")
        + f", on {text(record.get('decided.at')) or '(not yet final)'}.",
        f"Exported by {exported_by} on {text(exported_at)}.",
        f"Record {record.id}, status {record.status}"
        + (f", repository commit {commit}" if commit else "")
        + f", record file SHA-256 {sha256}.",
        "A copy retained by every party to the decision (000 13.4).",
    ]
    if redacted:
        lines.insert(0, "REDACTED COPY for seeking advice: what identifies the person has been left out "
                        "(golden rule 3). Check free text before sending.")
    return lines


def record_markdown(record: Record, *, exported_by: str, exported_at: datetime, commit: str | None = None,
                    redacted: bool = False, sha256: str | None = None) -> str:
    """`sha256`: the record file's in the repository (default: of the record as written by the store)."""
    sha256 = sha256 or hashlib.sha256(record.to_toml().encode("utf-8")).hexdigest()
    if redacted:
        record = redact(record)
    out = [f"# Information sharing record {record.id}", ""]
    if redacted:
        out += ["> **Redacted copy for seeking advice**: identifying details are left out.", ""]
    out += [f"- Status: {record.status}", f"- Created: {text(record.get('created'))}",
            f"- Decision: {text(record.recorded) or '(none yet)'} (engine: {text(record.engine_outcome)})", ""]
    for table, heading in SECTIONS:
        rows = _rows(record, table)
        if not rows:
            continue
        out += [f"## {heading}", "", "| field | value |", "|---|---|"]
        out += [f"| {md_cell(k)} | {md_cell(v)} |" for k, v in rows]
        out.append("")
    for c in record.data.get("corrections", []):
        out += [f"## Correction {c.get('id', '')}", "", f"Found on {text(c.get('found_on'))} by {md_inline(c.get('by'))}: "
                f"{md_inline(c.get('description', ''))}", ""]
        out += [f"- {md_inline(r.get('agency', ''))}: " + (f"told on {text(r['told_on'])}" if r.get("told_on")
                                                             else "not yet told") for r in c.get("recipients", [])]
        out.append("")
    for a in record.data.get("amendments", []):
        out += [f"## Amendment {a.get('id', '')}", "", f"On {text(a.get('at'))} by {md_inline(a.get('by'))}. "
                f"Reason: {md_inline(a.get('reason', ''))}", "", "| field | before | after |", "|---|---|---|"]
        out += [f"| {md_cell(c.get('field'))} | {md_cell(text(c.get('before')))} | {md_cell(text(c.get('after')))} |"
                for c in a.get("changes", [])]
        out.append("")
    out += ["---", ""]
    out += [f"{md_inline(line)}  " for line in footer(record, exported_by=exported_by, exported_at=exported_at,
                                                       commit=commit, redacted=redacted, sha256=sha256)]
    return "\n".join(out).rstrip() + "\n"


def md_inline(value: Any) -> str:
    """Plain text that Markdown shows as typed: markup characters escaped, newlines kept as breaks."""
    s = re.sub(r"([\\`*_{}\[\]<>()#+!|~])", r"\\\1", text(value))
    return s.replace("\n", "  \n")


def md_cell(value: Any) -> str:
    return md_inline(value).replace("  \n", "<br>")


def record_html(record: Record, *, exported_by: str, exported_at: datetime, commit: str | None = None,
                redacted: bool = False, sha256: str | None = None) -> str:
    """`sha256`: the record file's in the repository (default: of the record as written by the store)."""
    sha256 = sha256 or hashlib.sha256(record.to_toml().encode("utf-8")).hexdigest()
    if redacted:
        record = redact(record)
    title = f"Information sharing record {record.id}" + (" (redacted)" if redacted else "")
    body = [f"<h1>{escape(title)}</h1>"]
    if redacted:
        body.append('<p class="redacted">Redacted copy for seeking advice: identifying details are left out.</p>')
    body.append(_html_table([("status", record.status), ("created", text(record.get("created"))),
                             ("decision", text(record.recorded) or "(none yet)"),
                             ("engine outcome", text(record.engine_outcome))]))
    for table, heading in SECTIONS:
        rows = _rows(record, table)
        if rows:
            body += [f"<h2>{escape(heading)}</h2>", _html_table(rows)]
    for c in record.data.get("corrections", []):
        body += [f"<h2>Correction {escape(c.get('id', ''))}</h2>",
                 _html_table([("found on", text(c.get("found_on"))), ("by", text(c.get("by"))),
                              ("description", text(c.get("description")))]
                             + [(f"told: {r.get('agency', '')}", text(r.get("told_on")) or "not yet told")
                                for r in c.get("recipients", [])])]
    for a in record.data.get("amendments", []):
        body += [f"<h2>Amendment {escape(a.get('id', ''))}</h2>",
                 _html_table([("at", text(a.get("at"))), ("by", text(a.get("by"))), ("reason", text(a.get("reason")))]),
                 _html_grid(["field", "before", "after"],
                            [[c.get("field"), text(c.get("before")), text(c.get("after"))] for c in a.get("changes", [])])]
    lines = footer(record, exported_by=exported_by, exported_at=exported_at, commit=commit, redacted=redacted,
                   sha256=sha256)
    body.append("<footer>" + "".join(f"<p>{escape(line)}</p>" for line in lines) + "</footer>")
    return _page(title, body)


def _page(title: str, body: list[str]) -> str:
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
            f"<title>{escape(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
            + "\n".join(body) + "\n</body>\n</html>\n")


def _html_table(rows: Iterable[tuple[str, str]]) -> str:
    return "<table>" + "".join(f"<tr><th>{escape(str(k))}</th><td>{escape(str(v))}</td></tr>" for k, v in rows) + "</table>"


def _html_grid(columns: list[str], rows: Iterable[Iterable[Any]]) -> str:
    head = "".join(f"<th>{escape(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{escape(text(v))}</td>" for v in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


# ---------------------------------------------------------------------------------------------
# Reports


def report_csv(report: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(report.columns)
    for row in report.rows:
        writer.writerow([_csv_cell(text(row.get(c))) for c in report.columns])
    return out.getvalue()


def _csv_cell(value: str) -> str:
    """A cell a spreadsheet will not run as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") and not re.fullmatch(r"-?\d+", value) else value


def reports_html(reports: list[Report], *, generated_by: str, generated_at: datetime, as_of: date,
                 head: str | None = None, charts: bool = True) -> str:
    """The reports as one self-contained page; each report's chart (where it has one) drawn above its table as
    inline SVG (isp_tui.charts: no script, no style sheet, no external reference), unless `charts` is False."""
    from isp_tui.charts import chart_for, chart_svg

    title = "Information sharing reports"
    body = [f"<h1>{escape(title)}</h1>",
            f"<p>As of {escape(as_of.isoformat())}" + (f", repository commit {escape(head)}" if head else "") + ".</p>"]
    for report in reports:
        chart = chart_for(report) if charts else None
        body += [f"<h2>{escape(report.title)}</h2>", f"<p>{escape(report.source)}; {len(report.rows)} row(s).</p>"]
        if chart is not None:
            body.append(f'<figure class="chart">{chart_svg(chart)}</figure>')
        body += [_html_grid(report.columns, [[row.get(c) for c in report.columns] for row in report.rows])]
    body.append(f"<footer><p>Generated by {escape(generated_by)} on {escape(text(generated_at))}.</p></footer>")
    return _page(title, body)
