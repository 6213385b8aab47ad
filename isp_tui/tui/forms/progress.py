"""Where the practitioner is and what is still needed, in words: the named stages of a decision (the same six
whatever the answers, so progress never jumps), the label of a field the record still misses, and the step
a resumed draft opens on. Pure: no Textual."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from isp_tui.tui.forms.fields import step_of

if TYPE_CHECKING:
    from isp_tui.tui.forms.form import DecisionForm

STAGES = ("About", "The questions", "Your decision", "Sharing", "Keeping the record", "Review")


def stage_of(step: str) -> str:
    if step in ("subject", "request", "recipient"):
        return STAGES[0]
    if step.startswith("when:") or step == "advice":
        return STAGES[1]
    if step == "decision":
        return STAGES[2]
    if step.startswith("how:"):
        return STAGES[3]
    if step in ("retention", "checklist"):
        return STAGES[4]
    return STAGES[5]


def position(step: str) -> str:
    """"Stage 2 of 6, The questions: " (the stages are fixed: the count never changes as answers do)."""
    stage = stage_of(step)
    return f"Stage {STAGES.index(stage) + 1} of {len(STAGES)}, {stage}: "


def plain(label: str) -> str:
    """A field's label as a missing item names it: without its format hint or its explanation in brackets."""
    label = re.sub(r"\s*\((?:YYYY-MM-DD|[^)]*)\)\s*", " ", label).strip()
    label = re.sub(r"\s+([?:.,])", r"\1", label)
    return label.rstrip("?:").strip() if label.endswith(":") else label


def labels(form: DecisionForm) -> dict[str, str]:
    """Every field's label on every step of the decision (on the way yet or not), by record key; a flowchart
    question's answer is named by its question."""
    from isp_tui.tui.forms.fields import SHORT

    out: dict[str, str] = {f"when.{q.id}": SHORT.get(q.id, q.question) for q in form.ruleset.when}
    steps = ["subject", "request", "recipient", *(f"when:{q.id}" for q in form.ruleset.when), "advice", "decision",
             *(f"how:{h.id}" for h in form.ruleset.how), "retention"]
    for step in steps:
        for f in form.spec(step).fields:
            if f.answers and f.key not in out and "." in f.key:
                out[f.key] = plain(f.label)
    return out


def in_words(form: DecisionForm, missing: list[str], known: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """Each missing item as (words, record key): the field's label where the form asks it, else the item's own
    words with each dotted key replaced by its label."""
    known = known if known is not None else labels(form)
    out = []
    for item in missing:
        key = item.split()[0]
        words = re.sub(r"\b[a-z_]+\.[a-z_]+\b", lambda m: known.get(m.group(0), m.group(0).split(".")[-1]
                                                                     .replace("_", " ").capitalize()), item)
        out.append((words, key))
    return out


def readable(form: DecisionForm, text: str, known: dict[str, str] | None = None) -> str:
    """The engine's words with any record key in them named by its label: "(when.confidential)" reads
    "(“Is the information confidential?”)"; a key in brackets after the very words of its label is dropped
    ("Record the public-interest reasoning ... (decision.public_interest)" said it twice)."""
    known = known if known is not None else labels(form)
    key = (r"\b(?:when|context|decision|consent|sharing|request|recipient|retention|advice|transparency)"
           r"\.[a-z_]+\b")

    def label(name: str) -> str:
        return known.get(name, name.split(".")[-1].replace("_", " "))

    def said_already(name: str) -> bool:
        words = re.sub(r"\s*\([^)]*\)$", "", label(name)).casefold()  # without its source, "(000 13.3.4)"
        return bool(words) and words in text.casefold()

    text = re.sub(rf" \(({key})\)", lambda m: "" if said_already(m.group(1)) else m.group(0), text)
    return re.sub(key, lambda m: f"\u201c{label(m.group(0))}\u201d", text)


def reason_lines(form: DecisionForm, sources: bool = False) -> list[tuple[str, str]]:
    """The engine's reasons ("-") and warnings ("!") in words, each with its source only when `sources` (F2):
    the sources are one key away, not in every line."""
    if form.decision is None:
        return []
    known = labels(form)
    notes = [("-", r) for r in form.decision.reasons] + [("!", w) for w in form.warnings]
    return [(mark, readable(form, n.text, known) + (f"\n  ({n.source})" if sources and n.source else ""))
            for mark, n in notes]


def required_here(form: DecisionForm, step: str, missing: list[str]) -> list[str]:
    """The record keys of `step` that the record still needs (what moving on leaves empty)."""
    steps = form.steps()
    return [item.split()[0] for item in missing if step_of(item, steps) == step]


def resume_step(form: DecisionForm, missing: list[str]) -> str:
    """Where a resumed draft opens: the first step on the way that still needs something, else the review."""
    steps = form.steps()
    wanted = {step_of(item, steps) for item in missing}
    return next((s for s in steps if s in wanted), "review")
