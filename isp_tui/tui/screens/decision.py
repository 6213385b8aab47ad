"""The decision: the "When" questions then the "How" steps, one step at a time, with the guidance
beside each question, the flowchart map and the engine's outcome and warnings kept up to date.

The screen only collects answers into a record dict; the engine (`decide`), the record
(`Record.missing_for_final`) and the store (`Store.save`) make every decision about them.
"""

from __future__ import annotations

import copy
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Footer, Header, Input, Label, OptionList, SelectionList, Static, TextArea
from textual.widgets.option_list import Option

from isp_tui.errors import InputError
from isp_tui.tui.widgets.choice import ChoiceList, TickList

SHORT = {"legitimate_purpose": "Legitimate purpose?", "consent": "Consent?", "identifiable": "Identifiable?",
         "lawful_basis": "Lawful reason?"}
ANSWER_LABELS = {"yes": "Yes", "no": "No", "unsure": "Unsure: seek advice (golden rule 3)",
                 "given": "Consent given", "refused": "Consent refused", "not-sought": "Consent not sought",
                 "withdrawn": "Consent withdrawn"}
HOW_SHORT = {"how-much": "how much", "fact-and-opinion": "fact and opinion", "right-person": "right person",
             "securely": "securely", "transparent": "transparency"}
OUTCOME_LABELS = {"share": "SHARE", "do-not-share": "DO NOT SHARE", "seek-advice": "SEEK ADVICE",
                  "incomplete": "not decided yet"}
OUTCOME_STYLES = {"share": "bold green", "do-not-share": "bold red", "seek-advice": "bold yellow",
                  "incomplete": "italic"}
YES_NO = [("yes", "Yes"), ("no", "No")]
STEP_TITLES = {"subject": "About the decision", "request": "The request", "recipient": "The recipient",
               "advice": "Seek advice", "decision": "Your decision", "retention": "Review and retention",
               "checklist": "The 16 questions", "review": "Review and save"}


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    kind: str = "text"  # text | long | date | choice | bool | multi | agency | bases | note
    options: tuple[tuple[str, str], ...] = ()
    hint: str = ""
    only: str = ""  # bases: "general" or "condition"
    show: Callable[[dict[str, Any]], bool] | None = None  # shown only when the answers so far call for it
    dynamic_hint: Callable[[dict[str, Any]], str] | None = None


# ---------------------------------------------------------------------------------------------
# The record dict, by dotted key


def get(data: dict[str, Any], key: str) -> Any:
    cur: Any = data
    for part in key.split("."):
        if not isinstance(cur, dict) or part not in cur:
            return None
        cur = cur[part]
    return cur


def put(data: dict[str, Any], key: str, value: Any, *, keep_empty: bool = False) -> None:
    parts = key.split(".")
    cur = data
    for part in parts[:-1]:
        cur = cur.setdefault(part, {})
    if value is None or (not keep_empty and value in ("", [])):
        cur.pop(parts[-1], None)
    else:
        cur[parts[-1]] = value


def prune(value: Any) -> Any:
    """Drop empty tables, so an unused [request] is not a half-filled one."""
    if isinstance(value, dict):
        out = {k: prune(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if not (isinstance(v, dict) and not v)}
    return value


_INVALID = object()

# Where each field of the record is asked for, so the review can go straight to what is missing.
FIELD_STEPS = {"decided": "subject", "subject": "subject", "request": "request", "recipient.agency": "recipient",
               "context.recipient_statutory": "recipient", "context.special_category": "when:lawful_basis",
               "when.consent_not_sought_reason": "when:consent", "decision": "decision", "consent": "decision",
               "advice": "advice", "sharing.information": "how:how-much", "sharing.data_categories": "how:how-much",
               "sharing.purpose": "how:how-much", "sharing.fact_and_opinion": "how:fact-and-opinion",
               "sharing.onward_sharing": "how:right-person", "sharing.method": "how:securely",
               "sharing.shared_on": "how:securely", "transparency": "how:transparent", "retention": "retention"}


def step_of(missing: str) -> str:
    key = missing.split()[0]
    if key.startswith("when.") and key not in FIELD_STEPS:
        return f"when:{key.partition('.')[2]}"
    return FIELD_STEPS.get(key) or FIELD_STEPS.get(key.partition(".")[0], "review")


def _response_due_hint(data: dict[str, Any]) -> str:
    received = get(data, "request.received")
    if not isinstance(received, date):
        return "The response is due 15 working days after the request is received (000 13.2)."
    from isp_tui.dates import response_due

    return f"The response is due by {response_due(received).isoformat()} (15 working days, 000 13.2)."


def widget_named(screen, name: str):
    return next((w for w in screen.query("Input, TextArea, SelectionList, OptionList") if w.name == name), None)


def autosave_dir(store) -> Path:
    return store.work / "autosave"


def autosaves(store) -> list[Path]:
    folder = autosave_dir(store)
    return sorted(folder.glob("*.toml")) if folder.is_dir() else []


def read_autosave(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text("utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return {}


# ---------------------------------------------------------------------------------------------


class DecisionScreen(Screen):
    CSS_PATH = "decision.tcss"  # read when first shown, not before the first frame
    HELP = """The decision, one step at a time. Answer with the arrow keys and Enter (or space); Tab moves
between the fields of a step. ctrl+n goes to the next step and ctrl+b back; ctrl+r shows the review
of the whole record with what is still missing; ctrl+s saves a draft (committed to the records
repository). The left panel is the flowchart: the current question is marked with >, answered
ones with a tick, and the outcome and the engine's warnings are kept up to date as you answer.
The guidance for each question, quoted from the protocols, is beside or below the question.
Escape leaves the decision and keeps it as a draft; nothing you type is lost (it is also kept
as unsaved work in the repository's .git/isp folder until it is committed)."""

    BINDINGS = [
        Binding("ctrl+n", "next", "Next", id="decision.next", priority=True),
        Binding("ctrl+b", "back", "Back", id="decision.back", priority=True),
        Binding("ctrl+r", "review", "Review", id="decision.review", priority=True),
        Binding("ctrl+s", "save_draft", "Draft", id="decision.save_draft", priority=True),
        Binding("escape", "leave", "Leave", id="decision.leave"),
    ]

    def __init__(self, data: dict[str, Any] | None = None, autosave: str | None = None):
        super().__init__()
        services = self.app.services
        self.services = services
        self.guidance = services.guidance
        self.data: dict[str, Any] = copy.deepcopy(data) if data else {}
        if not self.data.get("ruleset", {}).get("id"):
            self.data["ruleset"] = {"id": self.app.ruleset_id}
        if not self.data.get("decided"):
            config = self.app.config
            self.data["decided"] = {k: v for k, v in (("role", config.role), ("organisation", config.organisation)) if v}
        self.data.setdefault("context", {}).setdefault("subject_is_child", True)
        self.ruleset = self.guidance.rulesets.get(self.data["ruleset"]["id"]) or self.guidance.rulesets[self.app.ruleset_id]
        from isp_tui.record import new_id

        self.autosave_path = Path(autosave) if autosave else autosave_dir(services.store) / f"{new_id()}.toml"
        self.step_id = "subject"
        self.decision = None
        self.error = ""
        self.dirty = bool(data) and autosave is not None  # a resumed draft is committed already; unsaved work is not
        self.saved = None
        self.fields: dict[str, Field] = {}
        self._autosave_timer = None
        self.evaluate()

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="decision"):
            with VerticalScroll(id="side"):
                yield Static(id="map")
                yield Static(id="outcome")
                yield Static(id="steps")
            with Vertical(id="main"):
                with VerticalScroll(id="form"):
                    pass
                with VerticalScroll(id="guidance-pane"):
                    yield Static(id="guidance")
                yield Static(id="msg")
        yield Footer()

    async def on_mount(self) -> None:
        self.on_resize()
        await self.show_step(self.step_id)

    def on_resize(self, event: object = None) -> None:
        self.set_class(self.app.size.width < 120, "-narrow")

    # -- the engine ----------------------------------------------------------------------------------

    def evaluate(self) -> None:
        from isp_tui.engine import decide, read_answers

        try:
            answers = read_answers(self.data.get("when"), self.data.get("context"), self.guidance)
            self.decision = decide(answers, self.ruleset, self.guidance)
            self.error = ""
        except InputError as exc:
            self.decision, self.error = None, str(exc)

    @property
    def outcome(self) -> str:
        return self.decision.outcome if self.decision else "incomplete"

    def build(self) -> dict[str, Any]:
        """The record dict as it will be saved: answers off the flowchart's path left out."""
        data = copy.deepcopy(self.data)
        if self.services.identity is not None:
            data.setdefault("decided", {}).setdefault("by", str(self.services.identity))
        path = self.decision.path if self.decision else ()
        when = data.get("when", {})
        for key in ("legitimate_purpose", "consent", "identifiable", "lawful_basis"):
            if key not in path:
                when.pop(key, None)
        if when.get("consent") != "not-sought":
            when.pop("consent_not_sought_reason", None)
        if not get(data, "context.subject_is_child"):
            data.get("checklists", {}).pop("child-capacity", None)
            data.get("context", {}).pop("child_capacity", None)
        if get(data, "decision.recorded") not in ("share", "share-part"):
            for key in ("sharing", "transparency"):
                data.pop(key, None)
        return prune(data)

    def any_unsure(self) -> bool:
        return any(v == "unsure" for v in (self.data.get("when") or {}).values())

    # -- the steps -------------------------------------------------------------------------------------

    def steps(self) -> list[str]:
        steps = ["subject", "request", "recipient"]
        steps += [f"when:{node}" for node in (self.decision.path if self.decision else (self.ruleset.first_question,))]
        if self.outcome == "seek-advice" or self.any_unsure() or self.data.get("advice"):
            steps.append("advice")
        if self.outcome != "incomplete":
            steps.append("decision")
            if get(self.data, "decision.recorded") in ("share", "share-part"):
                steps += [f"how:{step.id}" for step in self.ruleset.how]
            steps += ["retention", "checklist"]
        steps.append("review")
        return steps

    def spec(self, step: str) -> tuple[str, str, str, list[Field]]:
        """(title, question, guidance, fields) of a step."""
        g, rs, data = self.guidance, self.ruleset, self.data
        rule = {r.number: r for r in rs.rules}
        principle = {p.id: p for p in rs.principles}
        if step == "subject":
            return (STEP_TITLES[step], "Who is the information about, and who is deciding? The name stays in the "
                    "record only: never in a file name or a commit message.",
                    f"Golden rule 7: {rule[7].title}\n\n{rule[7].text}" if 7 in rule else "", [
                        Field("subject.name", "Name of the child or person"),
                        Field("subject.reference", "Case reference"),
                        Field("subject.date_of_birth", "Date of birth (YYYY-MM-DD)", "date"),
                        Field("context.subject_is_child", "Is the person a child?", "bool", YES_NO),
                        Field("context.early_help", "Is this an Early Help referral?", "bool", YES_NO),
                        Field("decided.role", "Your role"),
                        Field("decided.organisation", "Your organisation"),
                    ])
        if step == "request":
            timely = principle.get("timely")
            return (STEP_TITLES[step], "Were you asked for the information? Leave this step blank if you are "
                    "sharing on your own initiative.", f"{timely.title}\n\n{timely.text}" if timely else "", [
                        Field("request.requester", "Who asked (name or role)"),
                        Field("request.agency", "From which agency"),
                        Field("request.asked_for", "What was asked for", "long"),
                        Field("request.received", "Received on (YYYY-MM-DD)", "date", dynamic_hint=_response_due_hint),
                        Field("request.in_writing", "Was the request made in writing?", "bool", YES_NO),
                        Field("request.urgent", "Is it urgent?", "bool", YES_NO),
                    ])
        if step == "recipient":
            how = {s.id: s for s in rs.how}.get("right-person")
            return (STEP_TITLES[step], "Who would receive the information? Choose from the partner register "
                    "(type to filter, Enter to choose) or type the agency in.",
                    f"{how.step}\n\n{how.guidance}" if how else "", [
                        Field("recipient.pick", "Partner register", "agency"),
                        Field("recipient.agency", "Recipient agency"),
                        Field("context.recipient_statutory", "Is the recipient a statutory body? (some gateways, such as "
                              "s115, only work between statutory bodies)", "bool", YES_NO),
                        Field("recipient.person", "Person or role at the recipient"),
                    ])
        if step.startswith("when:"):
            node = step.partition(":")[2]
            question = rs.question(node)
            n = [q.id for q in rs.when].index(node) + 1
            title = f"Question {n} of {len(rs.when)}: {SHORT.get(node, node)}"
            guidance = question.guidance
            fields: list[Field]
            if node == "lawful_basis":
                fields = [
                    Field("context.special_category", "Is special category data involved (health, ethnicity, "
                          "religion, sex life...)?", "bool", YES_NO),
                    Field("when.lawful_basis", "Lawful bases (select any that apply; select none if no lawful "
                          "reason is identified)", "bases", only="general"),
                ]
                fields.append(Field("when.lawful_basis", "Special-category condition (UK GDPR Art 9 / DPA "
                                    "Schedule 3): needed as well as a general basis", "bases", only="condition",
                                    show=lambda d: get(d, "context.special_category") is True))
            else:
                options = tuple((answer, ANSWER_LABELS.get(answer, answer)) for answer in question.next)
                fields = [Field(f"when.{node}", "Your answer", "choice", options)]
            if node == "consent":
                checklist = g.checklists.get("consent-not-sought")
                if checklist:
                    fields.append(Field("when.consent_not_sought_reason", "Why was consent not sought?", "choice",
                                        tuple((i.id, i.text) for i in checklist.items),
                                        show=lambda d: get(d, "when.consent") == "not-sought"))
                    guidance += f"\n\n{checklist.title}\n\n{checklist.intro}"
                capacity = g.checklists.get("child-capacity")
                if get(data, "context.subject_is_child") and capacity:
                    fields.append(Field("checklists.child-capacity", f"{capacity.title} Can the child... "
                                        "(Enter cycles yes / no / not applicable)", "checklist",
                                        tuple((i.id, i.text) for i in capacity.items)))
                    fields.append(Field("context.child_capacity", "So: can the child give informed consent?",
                                        "choice", (("yes", "Yes"), ("no", "No"), ("unsure", "Unsure"))))
                    guidance += f"\n\n{capacity.title}\n\n{capacity.intro}"
            return title, question.question, guidance, fields
        if step == "advice":
            r3 = rule.get(3)
            return (STEP_TITLES[step], "If you are in any doubt, seek advice from other practitioners or your "
                    "information governance lead, without disclosing the identity of the person where possible.",
                    f"Golden rule 3: {r3.title}\n\n{r3.text}" if r3 else "", [
                        Field("advice.sought", "Have you sought advice?", "bool", YES_NO),
                        Field("advice.from", "From whom: their role (do not name the child or family to them)"),
                        Field("advice.on", "On (YYYY-MM-DD)", "date"),
                        Field("advice.summary", "The advice given", "long"),
                    ])
        if step == "decision":
            reasons = "\n".join(f"- {r.text} ({r.source})" for r in self.decision.reasons) if self.decision else ""
            r7 = rule.get(7)
            fields = [
                Field("decision.recorded", "Your decision", "choice",
                      (("share", "Share"), ("share-part", "Share part"), ("do-not-share", "Do not share"))),
                Field("decision.reasons", "Your reasons (always required, whether you share or not)", "long"),
                Field("decision.override_reason", "Why your decision departs from the flowchart's outcome (if it does)",
                      "long"),
            ]
            fields.append(Field("consent.explanation", "Why you share without consent", "long",
                                show=lambda d: get(d, "when.consent") in ("refused", "withdrawn", "not-sought")
                                and get(d, "decision.recorded") in ("share", "share-part")))
            return (STEP_TITLES[step], f"The flowchart's outcome: {OUTCOME_LABELS[self.outcome]}. Record your own "
                    "decision and your reasons: your judgement stands beside the flowchart's.",
                    f"Why the flowchart says so:\n{reasons}\n\nGolden rule 7: {r7.title}\n\n{r7.text}" if r7 else reasons,
                    fields)
        if step.startswith("how:"):
            how = {s.id: s for s in rs.how}[step.partition(":")[2]]
            return f"How: {how.step}", "", how.guidance, self.how_fields(how.id)
        if step == "retention":
            record = principle.get("record")
            return (STEP_TITLES[step], "When should this decision be reviewed, or until when must the record be kept? "
                    "One of the two is required.", f"{record.title}\n\n{record.text}" if record else "", [
                        Field("retention.review_on", "Review on (YYYY-MM-DD)", "date"),
                        Field("retention.retain_until", "Retain until (YYYY-MM-DD)", "date"),
                    ])
        if step == "checklist":
            checklist = g.checklists["sixteen-questions"]
            return ("Final check: the 16 questions", "A final check before you save (optional): Enter on a question cycles "
                    "its answer through yes, no and not applicable.",
                    f"{checklist.title}\n\n{checklist.intro}\n\n" + "\n\n".join(
                        f"{n}. {i.text}\n{i.guidance}" for n, i in enumerate(checklist.items, 1)), [
                        Field("checklists.sixteen-questions", "The 16 questions", "checklist",
                              tuple((i.id, i.text) for i in checklist.items))])
        return STEP_TITLES["review"], "", "", []

    def how_fields(self, how_id: str) -> list[Field]:
        g = self.guidance
        if how_id == "how-much":
            return [Field("sharing.information", "What information is shared", "long"),
                    Field("sharing.data_categories", "Data categories", "multi",
                          tuple((c.id, c.title + (" (special category)" if c.special_category else ""))
                                for c in g.categories.values())),
                    Field("sharing.purpose", "For what purpose")]
        if how_id == "fact-and-opinion":
            return [Field("sharing.fact_and_opinion", "Is fact told apart from opinion in what you share?", "bool", YES_NO)]
        if how_id == "right-person":
            return [Field("recipient.person", "Person or role at the recipient"),
                    Field("sharing.onward_sharing", "Limits on onward sharing", "long"),
                    Field("sharing.time_limits", "Time limits, if any")]
        if how_id == "securely":
            def requirements(d: dict[str, Any]) -> str:
                method = g.methods.get(get(d, "sharing.method") or "")
                return ("Requirements:\n" + "\n".join(f"- {r}" for r in method.requirements)) if method else ""

            return [Field("sharing.method", "Secure method of transfer", "choice",
                          tuple((m.id, m.title) for m in g.methods.values() if m.stage == "transfer"),
                          dynamic_hint=requirements),
                    Field("sharing.shared_on", "Shared on (YYYY-MM-DD)", "date")]
        if how_id == "transparent":
            return [Field("transparency.told", "Was the person told that the information is shared?", "bool", YES_NO),
                    Field("transparency.not_told_reason", "If not, why not", "long")]
        return []

    # -- drawing a step ----------------------------------------------------------------------------------

    async def show_step(self, step: str, focus_key: str | None = None) -> None:
        if self.is_mounted and self.fields:
            self.collect()
        self.step_id = step
        title, question, guidance, fields = self.spec(step)
        steps = self.steps()
        position = f"Step {steps.index(step) + 1} of {len(steps)}. " if step in steps else ""
        form = self.query_one("#form", VerticalScroll)
        await form.remove_children()
        self.fields = {f.key: f for f in fields if f.kind not in ("note", "agency")}
        # the title and question are written last, once the step has focus: what shows is ready for keys
        heading, asking = Static(classes="step-title"), Static(classes="question")
        asking.display = bool(question)
        widgets: list[Any] = [heading, asking]
        for f in fields:
            widgets += self.make_field(f)
        if step == "review":
            widgets += self.review_widgets()
        await form.mount_all(widgets)
        self.refresh_fields()
        self.query_one("#guidance", Static).update(Text(guidance))
        self.query_one("#guidance-pane").display = bool(guidance)
        self.query_one("#guidance-pane").scroll_home(animate=False)
        self.update_side()
        target = None
        if focus_key:
            target = next((w for w in form.query("Input, TextArea, SelectionList, OptionList")
                           if w.name == focus_key), None)
        if target is None:
            target = next(iter(form.query("Input, TextArea, SelectionList, OptionList, Button")), None)
        if target is not None:
            target.focus(scroll_visible=False)
        else:
            form.focus()
        form.scroll_home(animate=False)
        heading.update(Text(f"{position}{title}", style="bold"))
        asking.update(Text(question))

    def make_field(self, f: Field) -> list[Any]:
        value = get(self.data, f.key)
        out: list[Any] = []
        if f.kind == "note":
            return [Static(Text(f.label, style="italic"), classes="note field")]
        out.append(Label(Text(f.label), classes="field-label"))
        if f.kind == "text":
            out.append(Input(value=str(value or ""), name=f.key, compact=True))
        elif f.kind == "date":
            out.append(Input(value=value.isoformat() if isinstance(value, date) else "", placeholder="YYYY-MM-DD",
                             name=f.key, compact=True))
        elif f.kind == "long":
            area = TextArea(str(value or ""), name=f.key, classes="long", soft_wrap=True, tab_behavior="focus",
                            compact=True)
            out.append(area)
        elif f.kind in ("choice", "bool"):
            current = ({True: "yes", False: "no"}.get(value) if f.kind == "bool" else value)
            out.append(ChoiceList(f.options, current, name=f.key))
        elif f.kind == "checklist":
            out.append(OptionList(*self.checklist_options(f), name=f.key, classes="checklist", compact=True))
        elif f.kind == "multi":
            chosen = set(value or [])
            out.append(TickList(*[(Text(label), ident, ident in chosen) for ident, label in f.options], name=f.key,
                                compact=True))
        elif f.kind == "bases":
            out.append(Input(placeholder="Type to filter the legal bases", name=f"filter:{f.only}", compact=True))
            out.append(TickList(*self.basis_options(f.only, ""), name=f.key, id=f"bases-{f.only}", compact=True))
        elif f.kind == "agency":
            out.append(Input(placeholder="Type to filter the partner register", name="filter:agency", compact=True))
            out.append(OptionList(*self.agency_options(""), name="agency", id="agencies", compact=True))
        if f.hint or f.dynamic_hint:
            out.append(Static(Text(f.hint), classes="hint"))
        box = Vertical(*out, classes="field")
        box.field = f  # type: ignore[attr-defined]
        return [box]

    def checklist_options(self, f: Field) -> list[Option]:
        answers = get(self.data, f.key) or {}
        marks = {"yes": "yes", "no": "no ", "not-applicable": "n/a"}
        return [Option(Text(f"[{marks.get(answers.get(ident), '   ')}] {n}. {label}"), id=ident)
                for n, (ident, label) in enumerate(f.options, 1)]

    def basis_options(self, only: str, query: str) -> list[tuple[Text, str, bool]]:
        chosen = set(get(self.data, "when.lawful_basis") or [])
        words = query.casefold().split()
        out = []
        for basis in self.guidance.bases.values():
            if not basis.fits_era(self.ruleset.era) or basis.special_category != (only == "condition"):
                continue
            hay = f"{basis.id} {basis.title} {basis.kind}".casefold()
            if all(w in hay for w in words):
                out.append((Text(basis.title), basis.id, basis.id in chosen))
        return out

    def agency_options(self, query: str) -> list[Option]:
        words = query.casefold().split()
        out = []
        for register, agency in self.guidance.agencies():
            hay = f"{agency.name} {agency.group} {register.id}".casefold()
            if all(w in hay for w in words):
                kind = "statutory" if agency.statutory else "not statutory"
                out.append(Option(Text(f"{agency.name} ({agency.group}; {kind})"), id=f"{register.id}/{agency.id}"))
        return out

    # -- the side panel: flowchart map, outcome, warnings, steps ---------------------------------------------

    def update_side(self) -> None:
        rs, data = self.ruleset, self.data
        path = self.decision.path if self.decision else ()
        current = self.step_id.partition(":")[2] if self.step_id.startswith("when:") else None
        text = Text()
        text.append(f"Flowchart ({rs.id})\n", style="bold")
        for q in rs.when:
            answer = get(data, f"when.{q.id}")
            if q.id == "lawful_basis" and answer is not None:
                answer = f"{len(answer)} cited" if answer else "none"
            label = SHORT.get(q.id, q.question[:28])
            if q.id == current:
                text.append(f"> {label}\n", style="bold reverse")
                for a, n in q.next.items():
                    text.append(f"    {a} -> {OUTCOME_LABELS.get(n, SHORT.get(n, n)).lower()}\n", style="dim")
            elif q.id in path and answer is not None:
                text.append(f"+ {label} ", style="")
                text.append(f"{answer}\n", style="bold")
            elif q.id in path:
                text.append(f"  {label}\n")
            else:
                text.append(f"  {label}\n", style="dim")
        text.no_wrap, text.overflow = True, "ellipsis"
        self.query_one("#map", Static).update(text)
        out = Text()
        out.append("Outcome: ", style="bold")
        out.append(f"{OUTCOME_LABELS[self.outcome]}\n", style=OUTCOME_STYLES[self.outcome])
        if self.error:
            out.append(f"{self.error}\n", style="bold red")
        for warning in (self.decision.warnings if self.decision else ()):
            out.append(f"! {warning.text}\n", style="yellow")
        self.query_one("#outcome", Static).update(out)
        steps = Text("\nSteps\n", style="bold")
        for n, step in enumerate(self.steps(), 1):
            title = STEP_TITLES.get(step) or SHORT.get(step.partition(":")[2]) or self._how_title(step)
            marker = ">" if step == self.step_id else " "
            steps.append(f"{marker}{n:>2} {title}\n", style="bold reverse" if step == self.step_id else "")
        steps.no_wrap, steps.overflow = True, "ellipsis"
        self.query_one("#steps", Static).update(steps)

    def _how_title(self, step: str) -> str:
        key = step.partition(":")[2]
        if key in HOW_SHORT:
            return f"How: {HOW_SHORT[key]}"
        how = {s.id: s for s in self.ruleset.how}.get(key)
        return f"How: {how.step}" if how else step

    def message(self, text: str, error: bool = False) -> None:
        self.query_one("#msg", Static).update(Text(text, style="bold red" if error else "bold"))

    # -- answering -----------------------------------------------------------------------------------------

    async def changed(self, key: str, value: Any, *, keep_empty: bool = False, force: bool = False) -> None:
        before = get(self.data, key)
        if before == value and not force:
            return
        put(self.data, key, value, keep_empty=keep_empty)
        self.dirty = True
        self.evaluate()
        self.update_side()
        self.refresh_fields()
        self.schedule_autosave()

    def refresh_fields(self) -> None:
        """Show the fields the answers call for, and hints that follow the answers."""
        for box in self.query_one("#form").query(".field"):
            f = getattr(box, "field", None)
            if f is None:
                continue
            box.display = f.show(self.data) if f.show else True
            if f.dynamic_hint:
                box.query_one(".hint", Static).update(Text(f.dynamic_hint(self.data)))

    async def on_input_changed(self, event: Input.Changed) -> None:
        name = event.input.name or ""
        event.stop()
        if name.startswith("filter:"):
            which = name.partition(":")[2]
            if which == "agency":
                agencies = self.query_one("#agencies", OptionList)
                agencies.clear_options()
                agencies.add_options(self.agency_options(event.value))
                agencies.highlighted = 0 if agencies.option_count else None
            else:
                picker = self.query_one(f"#bases-{which}", SelectionList)
                picker.clear_options()
                picker.add_options(self.basis_options(which, event.value))
                picker.highlighted = 0 if picker.option_count else None
            return
        f = self.fields.get(name)
        if f is not None:
            await self.typed(f, event.value)

    async def on_text_area_changed(self, event: TextArea.Changed) -> None:
        f = self.fields.get(event.text_area.name or "")
        if f is not None:
            await self.typed(f, event.text_area.text)

    async def typed(self, f: Field, raw: str) -> None:
        value = self.parse_typed(f, raw)
        if value is not _INVALID:
            await self.changed(f.key, value)

    def parse_typed(self, f: Field, raw: str) -> Any:
        """What typed text means for the record: a date, text, or nothing (blank)."""
        value = raw.strip()
        if f.kind == "date":
            if not value:
                return None
            try:
                parsed = date.fromisoformat(value)
            except ValueError:
                self.message(f"{f.label}: expected a date as YYYY-MM-DD", error=True)
                return _INVALID
            self.message("")
            return parsed
        if f.key == "recipient.agency" and value != get(self.data, "recipient.agency"):
            put(self.data, "recipient.agency_id", None)
        return raw if value else None

    def collect(self) -> None:
        """Take what is in the step's text fields now, so keys typed just before leaving it are never lost
        (their Changed messages may not have arrived yet)."""
        changed = False
        for w in self.query_one("#form").query("Input, TextArea"):
            f = self.fields.get(w.name or "")
            if f is None:
                continue
            value = self.parse_typed(f, w.value if isinstance(w, Input) else w.text)
            if value is not _INVALID and get(self.data, f.key) != value:
                put(self.data, f.key, value)
                changed = True
        if changed:
            self.dirty = True
            self.evaluate()

    async def on_choice_list_chosen(self, event: ChoiceList.Chosen) -> None:
        event.stop()
        f = self.fields.get(event.choice_list.name or "")
        if f is None:
            return
        value: Any = event.value
        if f.kind == "bool":
            value = value == "yes"
        await self.changed(f.key, value)

    async def on_selection_list_selected_changed(self, event: SelectionList.SelectedChanged) -> None:
        event.stop()
        selection = event.selection_list
        key = selection.name or ""
        if key == "when.lawful_basis":
            visible = {selection.get_option_at_index(i).value for i in range(selection.option_count)}
            old = get(self.data, key) or []
            new = [b for b in old if b not in visible] + [b for b in selection.selected if b not in old or b in visible]
            new = list(dict.fromkeys(b for b in new if b not in visible or b in selection.selected))
            await self.changed(key, new, keep_empty=True)
        elif key in self.fields:
            await self.changed(key, list(selection.selected))

    async def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if isinstance(event.option_list, ChoiceList):
            return
        if event.option_list.id == "missing":
            event.stop()
            if event.option.id:
                await self.show_step(event.option.id.split(":", 2)[2])
            return
        f = self.fields.get(event.option_list.name or "")
        if f is not None and f.kind == "checklist":
            event.stop()
            item = event.option.id or ""
            answers = dict(get(self.data, f.key) or {})
            cycle = [None, "yes", "no", "not-applicable"]
            answers[item] = cycle[(cycle.index(answers.get(item)) + 1) % len(cycle)]
            answers = {k: v for k, v in answers.items() if v}
            put(self.data, f.key, None)
            if answers:
                put(self.data, f.key, answers)
            await self.changed(f.key, answers or None, force=True)
            listing = event.option_list
            index = listing.highlighted
            listing.clear_options()
            listing.add_options(self.checklist_options(f))
            listing.highlighted = index
            return
        if event.option_list.name != "agency":
            return
        event.stop()
        register_id, _, agency_id = (event.option.id or "").partition("/")
        agency = next(a for a in self.guidance.registers[register_id].agencies if a.id == agency_id)
        typed = widget_named(self, "recipient.agency")
        if typed is not None:
            typed.value = agency.name
        await self.changed("recipient.agency", agency.name)
        put(self.data, "recipient.agency_id", agency.id)
        statutory = widget_named(self, "context.recipient_statutory")
        if statutory is not None:
            statutory.set_value("yes" if agency.statutory else "no")
        await self.changed("context.recipient_statutory", agency.statutory)
        person = widget_named(self, "recipient.person")
        if person is not None:
            person.focus()
        self.message(f"Recipient: {agency.name} ({'statutory' if agency.statutory else 'not statutory'})")

    # -- moving between steps --------------------------------------------------------------------------------

    async def action_next(self) -> None:
        self.collect()
        steps = self.steps()
        if self.step_id == "when:lawful_basis" and get(self.data, "when.lawful_basis") is None:
            await self.changed("when.lawful_basis", [], keep_empty=True)
            steps = self.steps()
        if self.step_id.startswith("when:") and self.step_id == steps[-2] and self.outcome == "incomplete":
            missing = ", ".join(self.decision.missing) if self.decision else self.error
            self.message(f"Answer this question to go on ({missing}); ctrl+r shows the review.", error=True)
            return
        if self.step_id not in steps:
            await self.show_step(steps[-1])
            return
        i = steps.index(self.step_id)
        if i + 1 < len(steps):
            self.message("")
            await self.show_step(steps[i + 1])

    async def action_back(self) -> None:
        self.collect()
        steps = self.steps()
        i = steps.index(self.step_id) if self.step_id in steps else len(steps)
        if i > 0:
            self.message("")
            await self.show_step(steps[i - 1])

    async def action_review(self) -> None:
        await self.show_step("review")

    async def action_goto(self, step: str) -> None:
        await self.show_step(step)

    # -- review -----------------------------------------------------------------------------------------------

    def missing(self) -> list[str]:
        from isp_tui.record import Record

        try:
            return Record.from_dict(self.build(), guidance=self.guidance, new=True).missing_for_final(self.guidance)
        except InputError as exc:
            return [str(exc)]

    def review_widgets(self) -> list[Any]:
        from isp_tui.record import Record

        g, rs, data = self.guidance, self.ruleset, self.data
        text = Text()
        recorded = get(data, "decision.recorded")
        text.append("The flowchart's outcome: ", style="bold")
        text.append(f"{OUTCOME_LABELS[self.outcome]}\n", style=OUTCOME_STYLES[self.outcome])
        text.append("Your decision: ", style="bold")
        text.append(f"{recorded or 'not recorded yet'}\n\n")
        if self.decision:
            text.append("Why\n", style="bold underline")
            for r in self.decision.reasons:
                text.append(f"- {r.text}\n  ({r.source})\n")
            for w in self.decision.warnings:
                text.append(f"! {w.text}\n  ({w.source})\n", style="yellow")
        text.append("\nThe golden rules and this decision\n", style="bold underline")
        for rule in rs.rules:
            text.append(f"{rule.number}. {rule.title}\n", style="bold")
            text.append(f"   {rule.asks}\n", style="italic")
            for target in rule.bears_on:
                text.append(f"   - {self.describe(target)}\n")
        text.append("\nThe record\n", style="bold underline")
        try:
            text.append(Record.from_dict(self.build(), guidance=g, new=True).to_toml())
        except InputError as exc:
            text.append(str(exc), style="red")
        missing = self.missing()
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
            steps = self.steps()
            options = []
            for n, item in enumerate(missing):
                target = step_of(item)
                where = STEP_TITLES.get(target) or SHORT.get(target.partition(":")[2]) or self._how_title(target)
                options.append(Option(Text(f"- {item}  ({where})", style="red"),
                                      id=f"goto:{n}:{target}" if target in steps else None))
            widgets.append(OptionList(*options, id="missing", compact=True))
        return widgets + [Static(text, id="review")]

    def describe(self, target: str) -> str:
        """How this decision answers a question or a How step a rule bears on."""
        data = self.data
        if target in SHORT:
            answer = get(data, f"when.{target}")
            if target == "lawful_basis" and answer is not None:
                answer = "; ".join(self.guidance.bases[b].title for b in answer) or "none identified"
            on_path = self.decision and target in self.decision.path
            return f"{SHORT[target]} {answer if answer is not None else ('not answered' if on_path else 'not reached')}"
        how = {s.id: s for s in self.ruleset.how}.get(target)
        if how is None:
            return target
        values = []
        for f in self.how_fields(target):
            value = get(data, f.key)
            if value not in (None, "", []):
                if isinstance(value, bool):
                    value = "yes" if value else "no"
                values.append(f"{f.label}: {str(value)[:60]}")
        return f"{how.step[:50]}: {'; '.join(values) if values else 'not recorded'}"

    async def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save-final":
            self.save(draft=False)
        elif event.button.id == "save-draft":
            self.save(draft=True)

    # -- saving ----------------------------------------------------------------------------------------------

    def action_save_draft(self) -> None:
        self.save(draft=True)

    def save(self, draft: bool) -> None:
        self.collect()
        services = self.services
        if services.identity is None:
            self.message(services.identity_error or "who is deciding? pass --as \"Name <email>\"", error=True)
            return
        if not draft:
            missing = self.missing()
            if missing:
                self.message(f"Cannot be final yet; still missing: {', '.join(missing)}", error=True)
                return
        self.message("Saving...")
        self.run_worker(lambda: self._save(draft), thread=True, name="save", exit_on_error=False)

    def _save(self, draft: bool) -> None:
        services = self.services
        try:
            saved = services.store.save(self.build(), self.guidance, services.identity, draft=draft)
        except InputError as exc:
            self.app.call_from_thread(self.message, str(exc), True)
            return
        except Exception as exc:  # the store's own errors: shown, never a traceback
            self.app.call_from_thread(self.message, f"could not save: {exc}", True)
            return
        services.refresh()
        self.app.call_from_thread(self._saved, saved, draft)

    def _saved(self, saved, draft: bool) -> None:
        self.data["id"] = saved.id
        self.dirty = False
        self.saved = saved
        if draft:
            self.message(f"Draft {saved.id} saved: commit {saved.commit[:12]}")
            self.discard_autosave()  # the committed draft holds it all
        else:
            self.discard_autosave()
            self.app.push_screen(SavedScreen(saved), self._after_final)

    def _after_final(self, _: object = None) -> None:
        self.app.pop_screen()

    def keep_draft(self, notify: bool = True) -> None:
        """Leaving mid-way: commit a draft (synchronously: the app may be about to exit)."""
        self.collect()
        if not self.dirty:
            self.discard_autosave()  # nothing since the last commit (or nothing typed at all)
            return
        services = self.services
        if services.identity is None:
            self.write_autosave()
            return
        try:
            saved = services.store.save(self.build(), self.guidance, services.identity, draft=True)
        except Exception as exc:
            self.write_autosave()
            if notify:
                self.app.notify(f"Kept as unsaved work (resume it from Home): {exc}", severity="warning", markup=False)
            return
        self.data["id"] = saved.id
        self.dirty = False
        self.discard_autosave()
        services.refresh()
        if notify:
            self.app.notify(f"Kept as draft {saved.id}", markup=False)

    def action_leave(self) -> None:
        self.keep_draft()
        self.app.pop_screen()

    # -- autosave: uncommitted, under .git/isp/, so a crash loses nothing ---------------------------------------

    def schedule_autosave(self) -> None:
        if self._autosave_timer is not None:
            self._autosave_timer.stop()
        self._autosave_timer = self.set_timer(0.5, self.write_autosave)

    def write_autosave(self) -> None:
        import tomli_w

        from isp_tui.store import atomic_write

        if self.is_mounted:
            self.collect()
        if not self.dirty:
            return
        try:
            folder = autosave_dir(self.services.store)
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            atomic_write(self.autosave_path, tomli_w.dumps(self.data).encode("utf-8"), folder)
        except (OSError, TypeError, ValueError):
            pass

    def discard_autosave(self) -> None:
        if self._autosave_timer is not None:
            self._autosave_timer.stop()
        self.autosave_path.unlink(missing_ok=True)


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
