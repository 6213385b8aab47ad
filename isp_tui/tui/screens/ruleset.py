"""Choosing the ruleset new decisions use: asked, saying what changes and what does not."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static


def ruleset_label(ruleset) -> str:
    """A ruleset's title, marked when it is kept for the record only (templates: `historical`)."""
    return f"{ruleset.title} (historical)" if ruleset.historical else ruleset.title


def what_changes(current, chosen) -> Text:
    text = Text()
    text.append("Use this wording for new decisions?\n\n", style="bold")
    text.append("Now:     ", style="bold")
    text.append(f"{ruleset_label(current)}, version {current.version}\n")
    text.append("Chosen:  ", style="bold")
    text.append(f"{ruleset_label(chosen)}, version {chosen.version}\n\n")
    if chosen.historical:
        text.append("Historical. ", style="bold red")
        text.append(chosen.historical.strip() + "\n\n")
    text.append("What changes: ", style="bold")
    text.append("decisions you start from now until you quit use the chosen wording, and their records name it.\n")
    text.append("What does not: ", style="bold")
    text.append("saved records and drafts keep theirs; the app starts with the config file's ruleset.")
    return text


class ConfirmRulesetScreen(ModalScreen[bool]):
    HELP = """Choosing the wording of the golden rules that new decisions use. y or Enter on "Use it"
chooses it; n or Escape keeps the one in use. Records already saved keep theirs."""
    DEFAULT_CSS = """
    ConfirmRulesetScreen { align: center middle; }
    #ruleset-dialog { width: 90%; max-width: 100; height: auto; max-height: 100%; border: round $warning;
                      padding: 0 1; background: $surface; }
    #ruleset-scroll { height: auto; max-height: 18; }
    #ruleset-text { height: auto; }
    #ruleset-buttons { height: auto; margin-top: 1; }
    #ruleset-buttons Button { margin-right: 2; }
    """
    BINDINGS = [
        Binding("y", "answer(True)", "Use it", id="ruleset.yes"),
        Binding("n,escape", "answer(False)", "Keep the one in use", id="ruleset.no"),
    ]

    def __init__(self, current, chosen):
        super().__init__()
        self.current = current
        self.chosen = chosen

    def compose(self) -> ComposeResult:
        with Vertical(id="ruleset-dialog"):
            with VerticalScroll(id="ruleset-scroll", can_focus=False):
                yield Static(what_changes(self.current, self.chosen), id="ruleset-text")
            with Horizontal(id="ruleset-buttons"):
                yield Button("Use it (y)", id="ruleset-yes", variant="warning", compact=True)
                yield Button("Keep the one in use (n)", id="ruleset-no", compact=True)

    def on_mount(self) -> None:
        self.query_one("#ruleset-no").focus()  # the safe choice is the one Enter takes without looking

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "ruleset-yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
