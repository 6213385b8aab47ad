"""The full-screen app (presentation only: every decision is the core's)."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Footer, Header, Static


class IspApp(App):
    TITLE = "isp: information sharing decisions"
    BINDINGS = [("q", "quit", "Quit")]

    def __init__(self, records: str | None = None, identity: str | None = None):
        super().__init__()
        self.records = records
        self.identity = identity

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="rules")
        yield Footer()

    def on_mount(self) -> None:
        from rich.text import Text

        from isp_tui.guidance import load_guidance
        from isp_tui.store import default_ruleset

        guidance = load_guidance()
        ruleset = guidance.rulesets[default_ruleset(guidance)]
        text = Text(f"{ruleset.title}\n\n", style="bold")
        for rule in ruleset.rules:
            text.append(f"{rule.number}. {rule.title}\n", style="bold")
            text.append(f"{rule.text}\n\n")
        self.query_one("#rules", Static).update(text)


def run(records: str | None = None, identity: str | None = None) -> int:
    IspApp(records=records, identity=identity).run()
    return 0
