"""The review of a decision in words: each answer under its field's label, with values as the templates name
them (a data category's title, not its id; a date as a date), never TOML or a Python value. Pure: no Textual."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from isp_tui.tui.forms.fields import get
from isp_tui.tui.forms.progress import labels, plain

if TYPE_CHECKING:
    from isp_tui.tui.forms.form import DecisionForm

SKIP = ("schema", "id", "status", "created", "ruleset", "outcome", "checklists")
HIDDEN = ("recipient.agency_id", "decided.schema")  # kept for the store's rules, not the person reading


def value_words(form: DecisionForm, key: str, value: Any, options: dict[str, dict[str, str]]) -> str:
    g = form.guidance
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date):
        return value.isoformat()
    if key == "when.lawful_basis":
        return "unsure: seek advice" if value == "unsure" else (
            "; ".join(g.bases[b].title if b in g.bases else b for b in value) or "none identified")
    if key == "sharing.data_categories":
        return "; ".join(g.categories[c].title if c in g.categories else c for c in value)
    if key == "sharing.method":
        return g.methods[value].title if value in g.methods else str(value)
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return options.get(key, {}).get(str(value), str(value))


def review_lines(form: DecisionForm, data: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, value) for every answer the record holds, in the order of the steps."""
    named = labels(form)
    options: dict[str, dict[str, str]] = {}
    order: list[str] = []
    steps = ["subject", "request", "recipient", *(f"when:{q.id}" for q in form.ruleset.when), "advice", "decision",
             *(f"how:{h.id}" for h in form.ruleset.how), "retention"]
    for step in steps:
        for f in form.spec(step).fields:
            if f.options:
                options.setdefault(f.key, dict(f.options))
            if f.answers and f.key not in order and "." in f.key:
                order.append(f.key)
    for table, values in data.items():  # what the record holds that no field asks (decided.by, ids)
        if table not in SKIP and isinstance(values, dict):
            order += [f"{table}.{k}" for k in values if f"{table}.{k}" not in order and f"{table}.{k}" not in HIDDEN]
    out = []
    for key in order:
        value = get(data, key)
        if value in (None, "", []) or isinstance(value, dict):
            continue
        label = named.get(key) or plain(key.split(".")[-1].replace("_", " ").capitalize())
        out.append((label, value_words(form, key, value, options)))
    return out


def checklist_words(form: DecisionForm, data: dict[str, Any]) -> list[tuple[str, str]]:
    """How many items of each checklist are answered, by the checklist's title."""
    out = []
    for checklist_id, answers in (data.get("checklists") or {}).items():
        checklist = form.guidance.checklists.get(checklist_id)
        if checklist and answers:
            out.append((checklist.title, f"{len(answers)} of {len(checklist.items)} answered"))
    return out
