"""A record read as a document: the decision's steps as sections, each answer under the label the
decision asks it with (the form's field specs, tui/forms, read-only), values in words. Pure text: the
record screen shows it, the amend screen lists its changes with the same words."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from rich.text import Text

from isp_tui.errors import printable
from isp_tui.tui.forms import DecisionForm, Field, get
from isp_tui.tui.forms.fields import OUTCOME_LABELS, SHORT
from isp_tui.tui.labels import words

if TYPE_CHECKING:
    from isp_tui.guidance import Guidance
    from isp_tui.record import Record

DECISION_WORDS = {"share": "share", "share-part": "share part", "do-not-share": "do not share"}
# what the form does not ask but the record holds: its label in words
OTHER_LABELS = {
    "request.response_due": "Response due by", "request.responded": "Responded on",
    "recipient.agency_id": None, "decided.by": "Decided by", "decided.at": "Decided at",
    "decided.schema": None,  # the record schema it was decided under: for the store's rules, not the reader
    "context.child_capacity": "Can the child give informed consent?",
    # what a history's diff may name that the document does not show
    "status": "Status", "amendments": "Amendments (how many)", "corrections": "Corrections (how many)",
    "outcome.engine": "The flowchart's outcome", "outcome.path": "The flowchart's questions answered",
    "outcome.reasons": "Why the flowchart says so", "outcome.warnings": "The flowchart's warnings",
    "ruleset.id": "Guidance", "ruleset.version": "Guidance version", "ruleset.sha256": "Guidance text's SHA-256",
}
INSTRUCTIONS = re.compile(r"\s*\((?:YYYY-MM-DD|select [^)]*|Enter [^)]*|some gateways[^)]*|always required[^)]*|"
                          r"if it does)\)")  # how to fill a field in, which a document does not need


def plain(label: str) -> str:
    """A field's label without the instructions for filling it in: "Review on", not "Review on (YYYY-MM-DD)"."""
    return INSTRUCTIONS.sub("", label).strip()


NOT_SHOWN = ("schema", "id", "status", "created", "ruleset", "outcome", "amendments", "corrections", "checklists")


def form_for(record: Record, guidance: Guidance) -> DecisionForm:
    return DecisionForm(guidance, record.data, ruleset_id=record.get("ruleset.id") or sorted(guidance.rulesets)[-1])


def sections(form: DecisionForm) -> list[tuple[str, list[Field]]]:
    """The decision's steps (as its answers call for them) with the fields each shows, the review left out."""
    out = []
    for step in form.steps():
        if step == "review":
            continue
        spec = form.spec(step)
        fields = [f for f in spec.fields if f.answers and f.shown(form.data) and f.kind != "checklist" or
                  f.kind == "checklist" and get(form.data, f.key)]
        if fields:
            out.append((spec.title, fields))
    return out


def labels(form: DecisionForm) -> dict[str, str]:
    """Each record key the form asks for, with its label (the first step that asks it)."""
    out: dict[str, str] = {}
    for step in form.steps():
        for f in form.spec(step).fields:
            out.setdefault(f.key, plain(f.label))
    return {**{k: v for k, v in OTHER_LABELS.items() if v}, **out}


def label_for(key: str, known: dict[str, str]) -> str:
    """A record key's label; one the form does not ask, in words ("request: response due")."""
    if key in known:
        return known[key]
    top, _, rest = key.partition(".")
    return f"{top.replace('_', ' ')}: {rest.replace('_', ' ').replace('.', ', ')}" if rest else top.replace("_", " ")


def document(record: Record, guidance: Guidance, *, toml_key: str = "t") -> Text:
    """The record in sections and words; `toml_key` is the key that shows it as stored (TOML)."""
    form = form_for(record, guidance)
    text = Text()
    ruleset = guidance.rulesets.get(record.get("ruleset.id") or "")
    state = "Final record" if record.is_final else "Draft decision"
    text.append(f"{state}: {record.get('subject.reference') or 'no reference'}\n", style="bold")
    text.append(f"record {record.id}, created {words(record.get('created'))}; "
                f"press {toml_key} to read it as stored (TOML)\n", style="dim")
    outcome = record.engine_outcome
    text.append("\nThe flowchart's outcome: ", style="bold")
    text.append(OUTCOME_LABELS.get(outcome or "incomplete", printable(str(outcome))) + "\n")
    text.append("Your decision: ", style="bold")
    text.append(DECISION_WORDS.get(record.recorded or "", "not recorded yet") + "\n")
    if ruleset:
        text.append("Guidance: ", style="bold")
        text.append(f"{ruleset.title}, version {record.get('ruleset.version')}"
                    + (" (historical)" if ruleset.historical else "") + "\n")
    reasons = record.get("outcome.reasons") or []
    if reasons:
        text.append("Why the flowchart says so\n", style="bold underline")
        for reason in reasons:
            text.append(f"- {printable(str(reason.get('text', '')))}\n")
    shown: set[str] = set()
    for title, fields in sections(form):
        answered = [f for f in fields if f.key not in shown and get(record.data, f.key) not in (None, "", [], {})]
        if not answered:
            continue
        text.append(f"\n{title}\n", style="bold underline")
        for f in answered:
            shown.add(f.key)
            value = get(record.data, f.key)
            if f.kind == "bases" and f.only and isinstance(value, list):  # the general bases, then the conditions
                value = [b for b in value if (f.only == "condition") == (b in guidance.bases and
                                                                          guidance.bases[b].special_category)]
                if not value:
                    continue
            text.append(f"{plain(f.label)}: ", style="bold")
            text.append(words(value, field=f, guidance=guidance) + "\n")
    known = labels(form)
    rest = [(k, v) for k, v in record.flat().items()
            if k.partition(".")[0] not in NOT_SHOWN and k not in shown and OTHER_LABELS.get(k, "") is not None
            and not any(k.startswith(f"{s}.") for s in shown)]
    if rest:
        text.append("\nAlso recorded\n", style="bold underline")
        for key, value in rest:
            text.append(f"{label_for(key, known)}: ", style="bold")
            text.append(words(value) + "\n")
    for n, amendment in enumerate(record.data.get("amendments", []), 1):
        if n == 1:
            text.append("\nAmendments (the history below says what each changed)\n", style="bold underline")
        text.append(f"{words(amendment.get('at'))} by {printable(str(amendment.get('by', '')))}: "
                    f"{printable(str(amendment.get('reason', '')))}\n")
    return text


def change_words(changes: list[dict[str, Any]], record: Record | None,
                 guidance: Guidance | None) -> list[tuple[str, str | None, str | None]]:
    """Changes to a record as (label, before, after) in words, under the labels its form asks them with
    (of `record`, the record at one of the revisions; None: a record that no longer reads, its fields named
    in words). A personal change the history hides (`{"field": ..., "personal": True}`) is (label, None, None)."""
    known, fields = dict(OTHER_LABELS), {}
    if record is not None and guidance is not None:
        form = form_for(record, guidance)
        known, fields = labels(form), {f.key: f for _, fs in sections(form) for f in fs}
    known = {k: v for k, v in known.items() if v}
    out: list[tuple[str, str | None, str | None]] = []
    for change in changes:
        key = change["field"]
        label = printable(label_for(str(key), known))
        if change.get("personal"):
            out.append((label, None, None))
            continue
        f = fields.get(key)
        before, after = (outcome_words(key, change.get(side)) if key.startswith("outcome.") else
                         words(change.get(side), field=f, guidance=guidance) for side in ("before", "after"))
        out.append((label, before, after))
    return out


def outcome_words(key: str, value: Any) -> str:
    """A value of the engine's [outcome] table in words: the outcome by its label, the questions on its path by
    their short titles (as the list of steps names them), each reason or warning by its text and source (never
    its code)."""
    from isp_tui.charts import outcome_label

    if key == "outcome.engine" and isinstance(value, str) and value:
        return outcome_label(value)
    if key == "outcome.path" and isinstance(value, list) and value:
        return "; ".join(SHORT.get(q) or words(str(q).replace("_", " ")) for q in value)
    if key in ("outcome.reasons", "outcome.warnings") and isinstance(value, list) and value:
        return "; ".join(words(f"{f.get('text', '')} ({f.get('source', '')})" if f.get("source") else f.get("text", ""))
                         if isinstance(f, dict) else words(f) for f in value)
    return words(value)


def change_lines(changes: list[dict[str, Any]], record: Record, guidance: Guidance) -> list[str]:
    """An amendment's changes, one line each in words: "Review on: 2027-11-03 -> 2027-12-01"."""
    shown = [c for c in changes if not c["field"].startswith("outcome.")]
    return [f"{label}: {before} -> {after}" for label, before, after in change_words(shown, record, guidance)]
