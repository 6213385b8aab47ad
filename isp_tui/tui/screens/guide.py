"""The guidance as screens: the seven golden rules, the principles and the myths; the checklists."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, OptionList, Static
from textual.widgets.option_list import Option

from isp_tui.tui.messages import RulesetChanged


class GuideScreen(Screen):
    """A list of guidance items on the left, the chosen one's text on the right."""
    CSS_PATH = "guide.tcss"  # read when first shown, not before the first frame

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(classes="guide"):
            yield OptionList(id="guide-list")
            with VerticalScroll(id="guide-pane"):
                yield Static(id="guide-text")
        yield Footer()


class RulesScreen(GuideScreen):
    HELP = """The seven golden rules, one at a time, with what each asks of you and the questions of the
decision it bears on; then the principles and the myth-busting guide. Up and down choose.

s shows the other wording (the 1998 or the 2018 one) to read: it changes nothing. u chooses the
wording shown for new decisions: you are asked first, and told what changes. The 1998 wording is
marked historical: the Act it cites is repealed. Escape goes back."""

    BINDINGS = [
        Binding("s", "view_other", "Other wording", id="rules.switch"),
        Binding("u", "use", "Use it", id="rules.use"),
        Binding("escape", "app.pop_screen", "Back", id="rules.back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.viewing: str | None = None  # the ruleset shown (at first: the one new decisions use)

    def on_mount(self) -> None:
        self.viewing = self.app.ruleset_id
        self.fill()
        self.query_one("#guide-list").focus()

    def on_ruleset_changed(self, _: RulesetChanged) -> None:
        self.viewing = self.app.ruleset_id
        self.fill()

    @property
    def ruleset(self):
        return self.app.services.guidance.rulesets[self.viewing or self.app.ruleset_id]

    def action_view_other(self) -> None:
        """Show the other wording, to read: the ruleset of new decisions is unchanged."""
        self.viewing = self.app.other_ruleset(self.ruleset.id)
        self.fill()

    async def action_use(self) -> None:
        await self.app.action_switch_ruleset(self.ruleset.id)

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "use":  # shown dimmed while the wording shown is already the one in use
            return None if self.viewing in (None, self.app.ruleset_id) else True
        return True

    def fill(self) -> None:
        rs = self.ruleset
        in_use = rs.id == self.app.ruleset_id
        # the title without "Seven golden rules: ", so the header has room at 80 columns for what it is for
        self.sub_title = f"{rs.title.removeprefix('Seven golden rules: ')}, " + \
            ("in use" if in_use else "reading only")
        self.refresh_bindings()
        listing = self.query_one("#guide-list", OptionList)
        listing.clear_options()
        listing.add_option(Option(Text(f"{rs.id}{' (historical)' if rs.historical else ''}", style="bold"),
                                  disabled=True))
        listing.add_options(Option(Text(f"{r.number}. {r.title}"), id=f"rule:{r.id}") for r in rs.rules)
        listing.add_option(Option(Text("Principles", style="bold"), disabled=True))
        listing.add_options(Option(Text(p.title), id=f"principle:{p.id}") for p in rs.principles)
        if rs.myths:
            listing.add_option(Option(Text("Myths", style="bold"), disabled=True))
            listing.add_options(Option(Text(m.myth[:40]), id=f"myth:{m.id}") for m in rs.myths)
        listing.highlighted = 1
        self.show("rule:" + rs.rules[0].id)

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option.id:
            self.show(event.option.id)

    def show(self, ident: str) -> None:
        rs = self.ruleset
        kind, _, key = ident.partition(":")
        text = Text()
        if rs.historical:
            text.append("Historical wording. ", style="bold red")
            text.append(rs.historical.strip() + "\n\n", style="italic")
        if rs.id != self.app.ruleset_id:
            from isp_tui.tui.keys import key_for

            use = key_for(self, "rules.use")
            text.append("Reading only: new decisions use another wording"
                        + (f" ({use} chooses this one).\n\n" if use else ".\n\n"), style="bold")
        if kind == "rule":
            rule = next(r for r in rs.rules if r.id == key)
            text.append(f"Golden rule {rule.number}: {rule.title}\n\n", style="bold")
            text.append(f"{rule.text}\n\n")
            text.append("What it asks of you\n", style="bold underline")
            text.append(f"{rule.asks}\n\n")
            text.append("The questions of the decision it bears on\n", style="bold underline")
            questions = {q.id: q.question for q in rs.when} | {s.id: f"How: {s.step}" for s in rs.how}
            for target in rule.bears_on:
                text.append(f"- {questions.get(target, target)}\n")
            text.append(f"\nSource: {rule.source}\n", style="dim")
        elif kind == "principle":
            p = next(p for p in rs.principles if p.id == key)
            text.append(f"Principle: {p.title}\n\n", style="bold")
            text.append(f"{p.text}\n\nSource: {p.source}\n")
        elif kind == "myth":
            m = next(m for m in rs.myths if m.id == key)
            text.append("Myth\n", style="bold")
            text.append(f"{m.myth}\n\n")
            text.append("In fact\n", style="bold")
            text.append(f"{m.answer}\n\nSource: {m.source}\n")
        self.query_one("#guide-text", Static).update(text)
        self.query_one("#guide-pane").scroll_home(animate=False)


class ChecklistsScreen(GuideScreen):
    HELP = """The checklists from the protocols: the 16 questions (004), the "need to know" and "pressing
need" factors, when consent should not be sought, a child's capacity to consent, and more. Up and
down choose a checklist; its questions and guidance show beside it. Escape goes back."""

    BINDINGS = [Binding("escape", "app.pop_screen", "Back", id="checklists.back")]

    def __init__(self, checklist: str | None = None):
        super().__init__()
        self.first = checklist

    def on_mount(self) -> None:
        checklists = self.app.services.guidance.checklists
        listing = self.query_one("#guide-list", OptionList)
        listing.add_options(Option(Text(c.title), id=c.id) for c in checklists.values())
        first = self.first if self.first in checklists else next(iter(checklists))
        listing.highlighted = list(checklists).index(first)
        self.show(first)
        listing.focus()

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option.id:
            self.show(event.option.id)

    def show(self, ident: str) -> None:
        c = self.app.services.guidance.checklists[ident]
        text = Text()
        text.append(f"{c.title}\n", style="bold")
        text.append(f"{c.source}\n\n", style="dim")
        if c.intro:
            text.append(f"{c.intro}\n\n")
        for n, item in enumerate(c.items, 1):
            text.append(f"{n}. {item.text}\n", style="bold")
            if item.guidance:
                text.append(f"{item.guidance}\n")
            text.append("\n")
        self.query_one("#guide-text", Static).update(text)
        self.query_one("#guide-pane").scroll_home(animate=False)
