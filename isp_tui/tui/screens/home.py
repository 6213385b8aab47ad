"""Home: start, resume, browse, read; what is due; which repository and ruleset."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from isp_tui.tui.messages import IndexProgress, RecordsChanged, RulesetChanged, ServicesReady
from isp_tui.tui.widgets.keybar import KeyBar
from isp_tui.tui.widgets.title import TitleBar

# how Home marks an item by its state (isp_tui.index.due.due_state); "due soon" is shown plainly
DUE_LABELS = {"overdue": ("bold red", " OVERDUE"), "due": ("bold", " DUE TODAY")}

# the menu: option id, label, the binding whose key the label shows (as it is now, after the keymap)
MENU = [
    ("new", "New decision", "home.new"),
    ("drafts", "Resume a draft", "home.drafts"),
    ("browse", "Browse records", "home.browse"),
    ("rules", "Golden rules, myths", "home.rules"),
    ("checklists", "Checklists", "home.checklists"),
    ("ruleset", "Choose ruleset", "home.ruleset"),
    ("timeline", "Timeline of changes", "home.timeline"),
    ("verify", "Verify records", "home.verify"),
    ("reports", "Reports", "home.reports"),
]


KIND_WORDS = {"response": "response due", "review": "review", "retention": "retain until", "draft": "draft"}


def due_line(item, row, reference: str = "") -> Text:
    """One thing due, found again by its date and the subject's reference: "2026-11-21 draft TEST-0001 Police"."""
    from isp_tui.errors import printable

    when = item.on or (item.created.date() if item.created else None)
    label = DUE_LABELS.get(item.state, ("", ""))[1]
    reference = printable(reference) if reference else "no reference"
    recipient = printable(row.recipient) if row is not None and row.recipient else ""
    kind = KIND_WORDS.get(item.kind, item.kind)
    if item.kind == "draft" or row is not None and row.status == "draft":
        kind = "draft, " + kind if item.kind != "draft" else kind
    return Text(f"{when.isoformat() if when else '':<10} {kind} {reference}{'  ' + recipient if recipient else ''}"
                f"  {item.id}{label}\n", style=DUE_LABELS.get(item.state, ("", ""))[0])


def autosave_label(path: Path) -> Text:
    """Work the app kept when it stopped before a save, in words: when, and whose decision."""
    from datetime import datetime

    from isp_tui.errors import printable
    from isp_tui.store.autosave import read_autosave

    data = read_autosave(path)
    subject = data.get("subject") if isinstance(data.get("subject"), dict) else {}
    reference = subject.get("reference") if isinstance(subject.get("reference"), str) else ""
    try:
        at = f"{datetime.fromtimestamp(path.stat().st_mtime):%Y-%m-%d %H:%M}"
    except OSError:
        at = "earlier"
    return Text(f"Recover unsaved work: {printable(reference) or 'no reference'}, {at}")


class HomeScreen(Screen):
    HELP = """Home. Choose with the arrow keys and Enter, or press the letter shown beside each item.
A new decision walks you through the golden rules and the flowchart, question by question, and
ends with a record committed to the records repository. Drafts are kept when you leave mid-way.
ctrl+p opens the command palette; F1 shows this help on every screen."""

    # the menu shows each key beside its item; the footer keeps to a few, so F1 fits at 80 columns
    BINDINGS = [
        Binding("n", "app.new_decision", "New decision", id="home.new"),
        Binding("r", "app.browse('draft')", "Drafts", id="home.drafts", show=False),
        Binding("b", "app.browse", "Browse", id="home.browse"),
        Binding("g", "app.rules", "Rules", id="home.rules", show=False),
        Binding("c", "app.checklists", "Checklists", id="home.checklists", show=False),
        Binding("s", "app.switch_ruleset", "Ruleset", id="home.ruleset", show=False),
        Binding("t", "app.timeline", "Timeline", id="home.timeline", show=False),
        Binding("v", "app.verify", "Verify", id="home.verify", show=False),
        Binding("p", "app.reports", "Reports", id="home.reports", show=False),
    ]

    def compose(self) -> ComposeResult:
        # Home is the first frame: Header's and Footer's lines each drawn by one widget (the footer's keys in the
        # first frame too), and no container around the menu and the side (app.tcss splits the screen in this order)
        yield TitleBar()
        yield KeyBar()
        yield OptionList(*[Option(prompt, id=ident) for ident, prompt in self.menu_prompts()], id="home-menu")
        with VerticalScroll(id="home-side"):
            yield Static(self._where(), id="where")
            yield Static(Text("What is due: loading the records...", style="italic"), id="due")

    def on_mount(self) -> None:
        self.query_one("#home-menu").focus()

    def menu_prompts(self) -> list[tuple[str, Text]]:
        """Each item with the key that runs it now, drawn from the bindings (the app sets the config's [keymap]
        before Home is composed, so a remapped key shows in the first frame)."""
        from isp_tui.tui.keys import binding_keys

        keys = binding_keys(self)
        return [(ident, Text(f"{label} ({keys[binding_id]})" if binding_id in keys else label))
                for ident, label, binding_id in MENU]

    def _where(self) -> Text:
        app = self.app
        text = Text()
        text.append("Records repository  ", style="bold")
        text.append(str(app.records_path))
        text.append("" if app.config.records_chosen(app.records_given) else " (your default)", style="dim")
        text.append("\n")
        text.append("Ruleset             ", style="bold")
        services = app.services
        if services and app.ruleset_id in services.guidance.rulesets:
            ruleset = services.guidance.rulesets[app.ruleset_id]
            text.append(f"{ruleset.title} ({ruleset.id} {ruleset.version})")
            text.append(" historical: the Act it cites is repealed\n" if ruleset.historical else "\n",
                        style="bold red")
        else:
            text.append(f"{app.ruleset_id}\n")
        text.append("Deciding as         ", style="bold")
        if services and services.identity:
            text.append(str(services.identity))
        elif services:
            text.append("not known yet: pass --as \"Name <email>\" or set name and email in the config file")
        else:
            text.append("...")
        if services:
            from isp_tui.tui.screens.verification import last_verified_text

            text.append("\nLast verified       ", style="bold")
            text.append(last_verified_text(services.store))
        for problem in app.config_problems:  # a theme or keymap id the config names that the app has not
            text.append("\nConfig file         ", style="bold")
            text.append(problem, style="bold red")
        return text

    def on_services_ready(self, _: ServicesReady) -> None:
        self.refresh_view()

    def on_records_changed(self, _: RecordsChanged) -> None:
        self.refresh_view()

    def on_ruleset_changed(self, _: RulesetChanged) -> None:
        self.query_one("#where", Static).update(self._where())

    def on_screen_resume(self) -> None:
        if self.app.services:
            self.refresh_view()

    def refresh_view(self) -> None:
        app = self.app
        self.query_one("#where", Static).update(self._where())
        services = app.services
        if services is None:
            self.query_one("#due", Static).update(
                Text(f"The records repository could not be opened: {app.load_error}", style="bold red"))
            return
        # the count and what is due from the index's own queries, beside the screen (a quarter of a second at 100k)
        self.run_worker(self._count_due, thread=True, exclusive=True, group="due", name="due", exit_on_error=False)
        self._offer_autosaves()

    def _count_due(self) -> None:
        index = self.app.services.index
        total, items, problems = index.count(), index.due(self.app.today()), len(index.problems)
        rows = {item.id: index.get(item.id) for item in items[:12]}  # each item's recipient and reference
        references = index.references(rows)
        self.app.call_from_thread(self._show_due, total, items, problems, rows, references)

    def on_index_progress(self, event: IndexProgress) -> None:
        """A first build of the derived index reads every record file: say how far it is."""
        self.query_one("#due", Static).update(Text(
            f"What is due: reading the record files into the index ({event.done:,} of {event.total:,})...",
            style="italic"))

    def _show_due(self, total: int, items: list, problems: int, rows: dict | None = None,
                  references: dict | None = None) -> None:
        text = Text()
        text.append(f"{total} record(s)", style="bold")
        if problems:
            text.append(f", {problems} unreadable file(s): see Browse", style="bold red")
        text.append("\n\nWhat is due\n", style="bold underline")
        if not items:
            text.append("Nothing due in the next 14 days.\n")
        else:
            text.append("responses (15 working days), reviews, retention, drafts\n", style="dim")
        for item in items[:12]:  # the index's answer (isp_tui.index.due): due means today, overdue means before
            text.append_text(due_line(item, (rows or {}).get(item.id), (references or {}).get(item.id, "")))
        if len(items) > 12:
            text.append(f"... and {len(items) - 12} more: see Browse\n")
        self.query_one("#due", Static).update(text)

    def _offer_autosaves(self) -> None:
        from textual.widgets.option_list import OptionDoesNotExist

        from isp_tui.store.autosave import autosaves

        menu = self.query_one("#home-menu", OptionList)
        for path in autosaves(self.app.services.store):
            ident = f"autosave:{path}"
            try:
                menu.get_option(ident)
            except OptionDoesNotExist:
                menu.add_option(Option(autosave_label(path), id=ident))

    async def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        ident = event.option.id or ""
        app = self.app
        if ident == "new":
            await app.action_new_decision()
        elif ident == "drafts":
            await app.action_browse("draft")
        elif ident == "browse":
            await app.action_browse()
        elif ident == "rules":
            await app.action_rules()
        elif ident == "checklists":
            await app.action_checklists()
        elif ident == "ruleset":
            await app.action_switch_ruleset()
        elif ident in ("timeline", "verify", "reports"):
            await getattr(app, f"action_{ident}")()
        elif ident.startswith("autosave:"):
            from isp_tui.store.autosave import read_autosave

            path = Path(ident.partition(":")[2])
            event.option_list.remove_option(ident)
            await app.action_new_decision(read_autosave(path), str(path))
