"""Choosing the ruleset new decisions use: asked, saying what changes and what does not."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding

from isp_tui.tui.screens.confirm import ConfirmScreen


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


class ConfirmRulesetScreen(ConfirmScreen):
    HELP = """Choosing the wording of the golden rules that new decisions use. y or Enter on "Use it"
chooses it; n or Escape keeps the one in use. Records already saved keep theirs."""
    BINDINGS = [
        Binding("y", "answer(True)", "Use it", id="ruleset.yes"),
        Binding("n,escape", "answer(False)", "Keep the one in use", id="ruleset.no"),
    ]
    NAME, YES, NO, YES_VARIANT, MAX_TEXT_HEIGHT = "ruleset", "Use it (y)", "Keep the one in use (n)", "warning", 18
    FOCUS = "no"  # the safe choice is the one Enter takes without looking

    def __init__(self, current, chosen):
        super().__init__()
        self.current = current
        self.chosen = chosen

    def body(self) -> Text:
        return what_changes(self.current, self.chosen)
