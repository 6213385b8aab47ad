"""A yes-or-no question over the screen before something is changed (saving an amendment, choosing another
ruleset): the text in a scrolling box, two buttons, y and n (or Escape). Each question is a subclass naming
its ids, its buttons' words and which of them Enter takes without looking."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class ConfirmScreen(ModalScreen[bool]):
    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen .confirm-dialog { width: 90%; height: auto; max-height: 100%; border: round $warning;
                                    padding: 0 1; background: $surface; }
    ConfirmScreen .confirm-scroll { height: auto; }
    ConfirmScreen .confirm-text { height: auto; }
    ConfirmScreen .confirm-buttons { height: auto; margin-top: 1; }
    ConfirmScreen .confirm-buttons Button { margin-right: 2; }
    """
    NAME = "confirm"  # the ids: NAME-dialog, -scroll, -text, -buttons, -yes, -no
    YES, NO = "Yes (y)", "No (n)"
    YES_VARIANT = "primary"
    FOCUS = "yes"  # the button Enter takes without looking
    MAX_WIDTH, MAX_TEXT_HEIGHT = 100, 16

    def body(self) -> Text:
        """The question and what saying yes does."""
        raise NotImplementedError

    def compose(self) -> ComposeResult:
        dialog = Vertical(id=f"{self.NAME}-dialog", classes="confirm-dialog")
        dialog.styles.max_width = self.MAX_WIDTH
        with dialog:
            scroll = VerticalScroll(id=f"{self.NAME}-scroll", classes="confirm-scroll", can_focus=False)
            scroll.styles.max_height = self.MAX_TEXT_HEIGHT
            with scroll:
                yield Static(self.body(), id=f"{self.NAME}-text", classes="confirm-text")
            with Horizontal(id=f"{self.NAME}-buttons", classes="confirm-buttons"):
                yield Button(self.YES, id=f"{self.NAME}-yes", variant=self.YES_VARIANT, compact=True)
                yield Button(self.NO, id=f"{self.NAME}-no", compact=True)

    def on_mount(self) -> None:
        self.query_one(f"#{self.NAME}-{self.FOCUS}").focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == f"{self.NAME}-yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
