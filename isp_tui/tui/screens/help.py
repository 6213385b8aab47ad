"""F1: what this screen is for and its keys."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static


class HelpScreen(ModalScreen):
    CSS_PATH = "help.tcss"  # read when first shown, not before the first frame
    HELP = "Help. Escape, F1 or q closes it."
    BINDINGS = [Binding("escape,f1,q", "dismiss", "Close", id="help.close")]

    def __init__(self, screen: Screen):
        super().__init__()
        self.for_screen = screen

    def compose(self) -> ComposeResult:
        screen = self.for_screen
        text = Text()
        text.append("Help\n\n", style="bold")
        help_text = getattr(screen, "HELP", "") or ""
        for paragraph in help_text.strip().split("\n\n"):
            text.append(" ".join(paragraph.split()) + "\n\n")
        text.append("Keys on this screen\n", style="bold underline")
        seen = set()
        for key, active in screen.active_bindings.items():
            binding = active.binding
            if active.node is not screen and active.node is not self.app:
                continue  # the focused widget's own keys (arrows...) are in the footer when it has focus
            if not binding.description or binding.description in seen:
                continue
            seen.add(binding.description)
            text.append(f"  {self.app.get_key_display(binding):<12} {binding.description}\n")
        text.append("  ctrl+p       Command palette (new decision, browse, rules, switch ruleset, sync...)\n")
        text.append("  ctrl+q       Quit (a decision under way is kept as a draft)\n")
        with VerticalScroll(id="help-box"):
            yield Static(text)
