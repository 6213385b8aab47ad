"""What the decision screen draws from a `DecisionForm`: a field's widgets, the options of its lists,
the side panel (flowchart map, outcome, steps), the review, and the saved dialog."""

from __future__ import annotations

from datetime import date
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, SelectionList, Static, TextArea
from textual.widgets.option_list import Option

from isp_tui.tui.forms import DecisionForm, Field, get, step_of
from isp_tui.tui.forms.fields import OUTCOME_LABELS, SHORT, answer_words, matches
from isp_tui.tui.forms.law import cited
from isp_tui.tui.forms.progress import in_words, readable, reason_lines
from isp_tui.tui.forms.review import checklist_words, review_lines
from isp_tui.tui.widgets.choice import ChoiceList, TickList
from isp_tui.tui.widgets.field_input import FieldInput, FieldTextArea, SteadyInput

OUTCOME_STYLES = {"share": "bold green", "do-not-share": "bold red", "seek-advice": "bold yellow",
                  "incomplete": "italic"}
DECISION_LABELS = {"share": "Share", "share-part": "Share part", "do-not-share": "Do not share"}
ANSWERING = "Input, TextArea, SelectionList, OptionList"  # the widgets that take an answer


def widget_named(screen, name: str):
    """The widget that fills the record key `name` (or a filter, "filter:agency"), if the step shows it."""
    return next((w for w in screen.query(ANSWERING) if w.name == name), None)


def field_box(form: DecisionForm, f: Field, required: bool = False) -> Vertical | Static:
    """One field: its label (marked when the record still needs it), its widget (named by the record key it
    fills) and its hint."""
    value = form.value(f.key)
    if f.kind == "note":
        return Static(Text(f.label, style="italic"), classes="note field")
    out: list[Any] = [Label(required_label(f, required), classes="field-label")]
    out[0].marked = required  # type: ignore[attr-defined]
    if f.kind == "text":
        out.append(FieldInput(value=str(value or ""), name=f.key, compact=True))
    elif f.kind == "date":
        out.append(FieldInput(value=value.isoformat() if isinstance(value, date) else "", placeholder="YYYY-MM-DD",
                              name=f.key, compact=True))
    elif f.kind == "long":
        out.append(FieldTextArea(str(value or ""), name=f.key, classes="long", soft_wrap=True, tab_behavior="focus",
                            compact=True))
    elif f.kind in ("choice", "bool"):
        current = ({True: "yes", False: "no"}.get(value) if f.kind == "bool" else value)
        out.append(ChoiceList(f.options, current, name=f.key))
    elif f.kind == "multi":
        out.append(SteadyInput(placeholder="Type to filter; Enter ticks the first shown", name=f"filter:{f.key}",
                               compact=True))
        out.append(TickList(*multi_options(form, f, ""), name=f.key, compact=True))
        out.append(Static(classes="option-detail"))  # the highlighted entry whole, when its row is cut short
        out[-1].display = False
    elif f.kind == "bases":
        out.append(SteadyInput(placeholder="Type to filter; Enter ticks the first shown", name=f"filter:{f.only}",
                               compact=True))
        out.append(TickList(*basis_options(form, f.only, ""), name=f.key, id=f"bases-{f.only}", compact=True))
        out.append(Static(id=f"detail-{f.only}", classes="basis-detail"))  # the highlighted basis in full
    elif f.kind == "agency":
        out.append(SteadyInput(placeholder="Type to filter the partner register", name="filter:agency", compact=True))
        out.append(OptionList(*agency_options(form, ""), name="agency", id="agencies", compact=True))
    if f.hint or f.dynamic_hint:
        out.append(Static(Text(f.hint), classes="hint"))
    box = Vertical(*out, classes="field")
    box.field = f  # type: ignore[attr-defined]
    return box


def required_label(f: Field, required: bool) -> Text:
    """A field's label, marked "* required" while the record still needs it."""
    label = Text(f.label)
    if required:
        label.append("  * required", style="bold")
    return label


def basis_detail(form: DecisionForm, basis_id: str) -> Text:
    """The highlighted basis's full title, when it came into force and its summary (a row may be cut short)."""
    basis = form.guidance.bases.get(basis_id)
    if basis is None:
        return Text()
    text = Text(basis.title, style="bold")
    text.append(f"\n{basis.force_text()}\n", style="italic")
    text.append(basis.summary.strip())
    return text


def show_highlighted(screen, listing: SelectionList, value: str) -> None:
    """Beside a list of ticks, the highlighted entry in full: a basis's title, force and summary always; a data
    category's title when its row is too narrow for it ("Health information (GP/Health Workers i" at 80x24)."""
    if (listing.id or "").startswith("bases-"):
        detail = screen.query(f"#detail-{listing.id.partition('-')[2]}")
        if detail:
            detail.first(Static).update(basis_detail(screen.form, value))
        return
    f = screen.fields.get(listing.name or "")
    details = listing.parent.query(".option-detail") if f is not None and listing.parent is not None else ()
    if not details:
        return
    label = dict(f.options).get(value, "")
    cut = len(label) > listing.scrollable_content_region.width - 5  # the tick box and its margins take 5
    detail = details.first(Static)
    if cut:
        detail.update(Text(label))
    if detail.display != cut:
        detail.display = cut


def basis_options(form: DecisionForm, only: str, query: str) -> list[tuple[Text, str, bool]]:
    """The bases the form lets the practitioner cite, each with when it came into force."""
    chosen = set(cited(form.data))
    out = []
    for basis, force in form.citable_bases(only, query):
        label = Text(basis.title)
        if force:
            label.append(f" ({force})", style="dim")
        out.append((label, basis.id, basis.id in chosen))
    return out


def multi_options(form: DecisionForm, f: Field, query: str) -> list[tuple[Text, str, bool]]:
    """A field's options (the data categories) whose label has every word of `query`, ticked as answered."""
    chosen = set(get(form.data, f.key) or [])
    return [(Text(label), ident, ident in chosen) for ident, label in f.options if matches(query, ident, label)]


def filtered_list(screen, which: str) -> OptionList:
    """The list a filter ("filter:<which>") narrows: the partner register, the bases, a field's options."""
    if which == "agency":
        return screen.query_one("#agencies", OptionList)
    if which in ("general", "condition"):
        return screen.query_one(f"#bases-{which}", SelectionList)
    return widget_named(screen, which)


def agency_options(form: DecisionForm, query: str) -> list[Option]:
    out = []
    for register, agency in form.guidance.agencies():
        if matches(query, agency.name, agency.group, register.id):
            kind = "statutory" if agency.statutory else "not statutory"
            out.append(Option(Text(f"{agency.name} ({agency.group}; {kind})"), id=f"{register.id}/{agency.id}"))
    return out


def refilter(screen, which: str, query: str) -> None:
    """Show the partner register ("agency"), the legal bases ("general", "condition") or a field's options
    (by its record key) matching `query`. A key that leaves the same entries shown (most keys, once a few are
    typed) changes nothing on screen; otherwise the list's entries are replaced, the first highlighted."""
    listing = filtered_list(screen, which)
    if which == "agency":
        options: list = agency_options(screen.form, query)
        wanted = tuple(option.id for option in options)
    else:
        options = (basis_options(screen.form, which, query) if which in ("general", "condition")
                   else multi_options(screen.form, screen.fields[which], query))
        wanted = tuple((value, ticked) for _, value, ticked in options)
    if shown_entries(listing) == wanted:
        if listing.option_count and listing.highlighted is None:
            listing.highlighted = 0
        return
    if which == "agency":
        listing.set_options(options)
    else:
        listing.clear_options()
        listing.add_options(options)
    listing.highlighted = 0 if listing.option_count else None


def shown_entries(listing: OptionList) -> tuple:
    """What a filtered list shows now, as refilter compares it: the agencies' ids, or each entry's value and
    whether it is ticked."""
    count = listing.option_count
    if isinstance(listing, SelectionList):
        selected = set(listing.selected)
        values = (listing.get_option_at_index(i).value for i in range(count))
        return tuple((value, value in selected) for value in values)
    return tuple(listing.get_option_at_index(i).id for i in range(count))


# -- the side panel ------------------------------------------------------------------------------------


def flowchart_map(form: DecisionForm, step_id: str) -> Text:
    rs, data, path = form.ruleset, form.data, form.path
    current = step_id.partition(":")[2] if step_id.startswith("when:") else None
    text = Text()
    text.append(f"Flowchart ({rs.id})\n", style="bold")
    for q in rs.when:
        answer = get(data, f"when.{q.id}")
        if q.id == "lawful_basis" and answer is not None:
            answer = "unsure" if answer == "unsure" else (f"{len(answer)} cited" if answer else "none")
        label = SHORT.get(q.id, q.question[:28])
        if q.id == current:
            text.append(f"> {label}\n", style="bold reverse")
            for a, n in q.next.items():
                text.append(f"    {answer_words(a)} -> {OUTCOME_LABELS.get(n, SHORT.get(n, n)).lower()}\n",
                            style="dim")
        elif q.id in path and answer is not None:
            text.append(f"+ {label} ", style="")
            text.append(f"{answer_words(answer)}\n", style="bold")
        elif q.id in path:
            text.append(f"  {label}\n")
        else:
            text.append(f"  {label}\n", style="dim")
    text.no_wrap, text.overflow = True, "ellipsis"
    return text


def outcome_text(form: DecisionForm) -> Text:
    out = Text()
    out.append("Outcome: ", style="bold")
    out.append(f"{OUTCOME_LABELS[form.outcome]}\n", style=OUTCOME_STYLES[form.outcome])
    if form.error:
        out.append(f"{form.error}\n", style="bold red")
    for warning in form.warnings:
        out.append(f"! {readable(form, warning.text)}\n", style="yellow")
    return out


def steps_text(form: DecisionForm, step_id: str) -> Text:
    steps = Text("\nSteps\n", style="bold")
    for n, step in enumerate(form.steps(), 1):
        marker = ">" if step == step_id else " "
        steps.append(f"{marker}{n:>2} {form.title(step)}\n", style="bold reverse" if step == step_id else "")
    steps.no_wrap, steps.overflow = True, "ellipsis"
    return steps


# -- the review ------------------------------------------------------------------------------------------


def review_widgets(form: DecisionForm, decided_by: str | None, sources: bool = False) -> list[Any]:
    """The review: the outcome and why, the golden rules, the record in words, and what is still missing.
    The reasons' sources show with `sources` (F2), not in every line."""
    rs, data = form.ruleset, form.data
    text = Text()
    recorded = get(data, "decision.recorded")
    text.append("The flowchart's outcome: ", style="bold")
    text.append(f"{OUTCOME_LABELS[form.outcome]}\n", style=OUTCOME_STYLES[form.outcome])
    text.append("Your decision: ", style="bold")
    text.append(f"{DECISION_LABELS.get(recorded, 'not recorded yet')}\n\n")
    if form.decision:
        text.append("Why\n", style="bold underline")
        for mark, line in reason_lines(form, sources):
            text.append(f"{mark} {line}\n", style="yellow" if mark == "!" else "")
        if not sources:
            text.append("(F2 shows the sources)\n", style="dim")
    text.append("\nThe golden rules and this decision\n", style="bold underline")
    for rule in rs.rules:
        text.append(f"{rule.number}. {rule.title}\n", style="bold")
        text.append(f"   {rule.asks}\n", style="italic")
        for target in rule.bears_on:
            text.append(f"   - {form.describe(target)}\n")
    text.append("\nThe record\n", style="bold underline")
    built = form.build(decided_by)
    for label, value in review_lines(form, built) + checklist_words(form, built):
        text.append(f"{label}: ", style="bold")
        text.append(f"{value}\n")
    missing = form.missing(decided_by)
    head = Text()
    head.append("Still missing before it can be final", style="bold underline")
    if not missing:
        head.append("\nNothing: it can be saved as final.", style="green")
    else:
        head.append(" (Enter goes to the step)", style="dim")
    widgets: list[Any] = [Horizontal(Button("Save final record", id="save-final", variant="primary", compact=True),
                                     Button("Save as draft", id="save-draft", compact=True), id="save-buttons"),
                          Static(head)]
    if missing:
        steps = form.steps()
        options = []
        for n, (item, (words, key)) in enumerate(zip(missing, in_words(form, missing))):
            target = step_of(item, steps)
            options.append(Option(Text(f"- {words}  ({form.title(target)})", style="red"),
                                  id=f"goto:{n}:{target}|{key}" if target in steps else None))
        widgets.append(OptionList(*options, id="missing", compact=True))
    return widgets + [Static(text, id="review")]


class SavedScreen(ModalScreen):
    CSS_PATH = "decision.tcss"  # read when first shown, not before the first frame
    HELP = "The record is committed to the records repository. Enter or Escape returns home."
    BINDINGS = [Binding("escape,enter", "dismiss", "Home", id="saved.close")]

    def __init__(self, saved):
        super().__init__()
        self.saved = saved

    def compose(self) -> ComposeResult:
        s = self.saved
        text = Text()
        text.append("Saved\n\n", style="bold")
        text.append(f"Record  {s.id}\nFile    {s.path}\nCommit  {s.commit}\n")
        text.append(f"Outcome {s.record.recorded or s.record.engine_outcome}\n\n")
        text.append("Press Enter to return home.")
        with Vertical(id="saved-box"):
            yield Static(text, id="saved")
            yield Button("Home", id="saved-home", variant="primary")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss()
