"""The ICO's data sharing decision form (Data Sharing Code, Annex B) filled in from one record.

Pure: `ico_form(record, guidance, arrangements)` gives the form's 24 answers in the ICO's order, each with
the ICO's label (templates/ico_decision_form.toml, the ICO's words) and where the answer came from;
`ico_markdown` and `ico_html` draw it, with the export's signed-and-dated footer (isp_tui.export.footer).

Where each answer comes from:
- the record: who asked and when, what was asked for, the purpose, the legal bases cited (sorted into the
  form's lawful basis, special-category or criminal-offence conditions, Part 3 provisions and legal power by
  what each basis satisfies in templates/legal_bases.toml), why sharing is necessary, the date shared, the
  decision and its reasons, who decided, when;
- the organisation (it holds them, not the practitioner): the recipient's entry in the partner register
  (templates/partners/*.toml: the agreement it is a signatory to, and the register's [arrangements]), else
  the config file's [organisation] table (config.ARRANGEMENTS);
- anything neither answers is "not recorded": never guessed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import Any

from isp_tui.export import CSS, footer, redact, text
from isp_tui.guidance import Guidance
from isp_tui.record import Record
from isp_tui.tomlfile import read_toml

FORM_FILE = "ico_decision_form.toml"
NOT_RECORDED = "not recorded"
DECISIONS = {"share": "Share", "share-part": "Share part of what was asked for", "do-not-share": "Do not share"}
# which of the form's questions a legal basis answers, by what it satisfies (templates/legal_bases.toml)
BASIS_FIELDS = {"lawful_basis": ("art6",), "special_conditions": ("art9", "art10", "sch1"),
                "part3": ("part3", "sch8"), "legal_power": ("power",)}


@dataclass(frozen=True)
class Answer:
    n: int
    id: str
    label: str  # the ICO's words
    value: str  # the answer, or NOT_RECORDED
    source: str  # where it came from: "record", "partner register", "organisation (config)", or ""


def form_labels(guidance: Guidance) -> dict[str, Any]:
    """The form's title, introduction, source and fields (id, label), from the templates directory."""
    return read_toml(guidance.root / FORM_FILE)


def recipient_register(record: Record, guidance: Guidance) -> tuple[Any, Any] | tuple[None, None]:
    """The recipient's (register, agency) in the partner register: by its id, else by its name."""
    agency_id = record.get("recipient.agency_id")
    name = (record.get("recipient.agency") or "").strip().casefold()
    for register, agency in guidance.agencies():
        if agency_id and agency.id == agency_id or name and agency.name.strip().casefold() == name:
            return register, agency
    return None, None


def _bases(record: Record, guidance: Guidance, field: str) -> str:
    wanted = BASIS_FIELDS[field]
    cited = [guidance.bases[b] for b in record.get("when.lawful_basis") or [] if b in guidance.bases]
    found = [f"{b.title} ({b.id})" for b in cited if set(b.satisfies) & set(wanted)]
    return "; ".join(found)


def ico_form(record: Record, guidance: Guidance, arrangements: dict[str, str] | None = None) -> list[Answer]:
    """The form's answers for this record. `arrangements`: the config's [organisation] table (ARRANGEMENTS)."""
    arrangements = arrangements or {}
    register, agency = recipient_register(record, guidance)
    held = register.arrangements if register is not None else {}

    def organisation(key: str) -> tuple[str, str]:
        if held.get(key):
            return held[key], f"partner register: {register.title}"
        if arrangements.get(key):
            return arrangements[key], "organisation (config)"
        return "", ""

    def got(key: str) -> tuple[str, str]:
        return text(record.get(key)).strip(), "record"

    def requester() -> tuple[str, str]:
        return got("request.requester")

    def agreement() -> tuple[str, str]:
        if register is not None:
            return f"Yes: {register.title} ({register.source}); {agency.name} is a signatory", "partner register"
        return organisation("agreement")

    def controller() -> tuple[str, str]:
        value, source = organisation("controller_relationship")
        return value.capitalize(), source

    def dates() -> tuple[str, str]:
        if record.recorded == "do-not-share":
            return "Not shared", "record"
        return got("sharing.shared_on")

    def decision() -> tuple[str, str]:
        return DECISIONS.get(record.recorded or "", text(record.recorded)), "record"

    def reasons() -> tuple[str, str]:
        parts = [text(record.get("decision.reasons")).strip()]
        if record.get("decision.override_reason"):
            parts.append(f"Departing from the flowchart's outcome ({text(record.engine_outcome)}): "
                         f"{text(record.get('decision.override_reason')).strip()}")
        return "\n".join(p for p in parts if p), "record"

    def decided_by() -> tuple[str, str]:
        who = ", ".join(text(record.get(k)).strip() for k in ("decided.by", "decided.role") if record.get(k))
        return who, "record"

    def signed() -> tuple[str, str]:
        if not record.is_final:
            return "", ""
        return f"{text(record.get('decided.by'))}, {text(record.get('decided.at'))}", "record"

    answers = {
        "receiving": lambda: got("decided.organisation"),
        "requesting": lambda: got("request.agency"),
        "requester": requester,
        "received": lambda: got("request.received"),
        "data_requested": lambda: got("request.asked_for"),
        "controller_relationship": controller,
        "agreement": agreement,
        "purpose": lambda: got("sharing.purpose"),
        "necessary": lambda: got("decision.necessity"),
        "dpia_considered": lambda: organisation("dpia_considered"),
        "dpia_outcome": lambda: organisation("dpia_outcome"),
        "dpo_views": lambda: organisation("dpo_views"),
        "retention": lambda: organisation("retention"),
        "security": lambda: organisation("security"),
        "individuals_rights": lambda: organisation("individuals_rights"),
        "dates": dates,
        "decision": decision,
        "reasons": reasons,
        "decided_by": decided_by,
        "signed": signed,
    }
    for field in BASIS_FIELDS:
        answers[field] = lambda field=field: (_bases(record, guidance, field), "record")
    out = []
    for n, item in enumerate(form_labels(guidance)["fields"], 1):
        value, source = answers[item["id"]]()
        out.append(Answer(n, item["id"], item["label"], value or NOT_RECORDED, source if value else ""))
    return out


def _prepared(record: Record, redacted: bool, sha256: str | None) -> tuple[Record, str]:
    sha256 = sha256 or hashlib.sha256(record.to_toml().encode("utf-8")).hexdigest()
    return (redact(record) if redacted else record), sha256


def ico_markdown(record: Record, guidance: Guidance, *, exported_by: str, exported_at: datetime,
                 commit: str | None = None, redacted: bool = False, sha256: str | None = None,
                 arrangements: dict[str, str] | None = None) -> str:
    from isp_tui.export import md_cell, md_inline

    form = form_labels(guidance)
    shown, sha256 = _prepared(record, redacted, sha256)
    out = [f"# {md_inline(form['title'])}: record {record.id}", "", f"*{md_inline(form['intro'])}*", "",
           f"Source: {md_inline(form['source'])}", "", "| # | question | answer | from |", "|---|---|---|---|"]
    out += [f"| {a.n} | {md_cell(a.label)} | {md_cell(a.value)} | {md_cell(a.source)} |"
            for a in ico_form(shown, guidance, arrangements)]
    out += ["", "---", ""]
    out += [f"{md_inline(line)}  " for line in footer(shown, exported_by=exported_by, exported_at=exported_at,
                                                      commit=commit, redacted=redacted, sha256=sha256)]
    return "\n".join(out).rstrip() + "\n"


def ico_html(record: Record, guidance: Guidance, *, exported_by: str, exported_at: datetime,
             commit: str | None = None, redacted: bool = False, sha256: str | None = None,
             arrangements: dict[str, str] | None = None) -> str:
    """The form as one self-contained page: inline CSS, no script, nothing external, every value escaped."""
    form = form_labels(guidance)
    shown, sha256 = _prepared(record, redacted, sha256)
    title = f"{form['title']}: record {record.id}" + (" (redacted)" if redacted else "")
    none = ' class="none"'
    rows = "".join(f"<tr><th>{a.n}. {escape(a.label)}</th><td{none if not a.source else ''}>"
                   f"{escape(a.value)}</td><td>{escape(a.source)}</td></tr>" for a in ico_form(shown, guidance, arrangements))
    lines = footer(shown, exported_by=exported_by, exported_at=exported_at, commit=commit, redacted=redacted,
                   sha256=sha256)
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
            f"<title>{escape(title)}</title>\n<style>{CSS}.none{{color:#555;font-style:italic}}</style>\n</head>\n"
            f"<body>\n<h1>{escape(title)}</h1>\n<p><em>{escape(form['intro'])}</em></p>\n"
            f"<p>Source: {escape(form['source'])}</p>\n"
            f"<table><thead><tr><th>question</th><th>answer</th><th>from</th></tr></thead><tbody>{rows}</tbody></table>\n"
            "<footer>" + "".join(f"<p>{escape(line)}</p>" for line in lines) + "</footer>\n</body>\n</html>\n")
