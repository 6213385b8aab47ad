"""One answer out of a few, as a single list: arrows move, Enter or space chooses. The choice shows
in its shape (● chosen, ○ not), not only in its colour: readable with NO_COLOR and the terminal's
own colours. One widget per question keeps each step quick to draw."""

from __future__ import annotations

from typing import Sequence

from rich.segment import Segment
from rich.text import Text
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import Reactive
from textual.strip import Strip
from textual.widgets import Checkbox, OptionList, SelectionList
from textual.widgets.option_list import Option, OptionDoesNotExist


class ChoiceList(OptionList):
    """Space chooses the highlighted answer and stays; Enter chooses it and moves on (`Chosen.advance`)."""

    BINDINGS = [Binding("space", "choose", "Choose", show=False)]
    # Textual's OptionList sets its virtual size at each drawing, to a width the screen's layout then sets back:
    # each drawing (a highlight moved) laid the whole step out again. Its options, added or cleared, still do.
    virtual_size = Reactive(Size(0, 0), layout=False)

    class Chosen(Message):
        def __init__(self, choice_list: ChoiceList, value: str, advance: bool = False) -> None:
            super().__init__()
            self.choice_list = choice_list
            self.value = value
            self.advance = advance  # chosen with Enter: the screen moves to the next question

        @property
        def control(self) -> ChoiceList:
            return self.choice_list

    def __init__(self, choices: Sequence[tuple[str, str]], value: str | None = None, *, name: str | None = None,
                 id: str | None = None, classes: str | None = None):
        self.choices = tuple(choices)
        self.value = value
        super().__init__(*self._choice_options(), name=name, id=id, classes=classes, compact=True)

    def _choice_options(self) -> list[Option]:
        return [Option(Text(f"{'●' if ident == self.value else '○'} {label}"), id=ident) for ident, label in self.choices]

    def on_mount(self) -> None:
        ids = [ident for ident, _ in self.choices]
        self.highlighted = ids.index(self.value) if self.value in ids else 0

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option_list is not self:
            return
        event.stop()
        self.choose(event.option.id or "", advance=True)

    def action_choose(self) -> None:
        if self.highlighted is not None:
            self.choose(self.get_option_at_index(self.highlighted).id or "")

    def set_value(self, value: str | None) -> None:
        """Show a value chosen elsewhere (no message)."""
        self.value = value
        highlighted = self.highlighted
        self.clear_options()
        self.add_options(self._choice_options())
        self.highlighted = highlighted

    def choose(self, value: str, advance: bool = False) -> None:
        self.set_value(value)
        self.post_message(self.Chosen(self, value, advance))


class TickList(SelectionList):
    """A SelectionList whose boxes show x when selected and stay empty when not (not colour alone)."""

    virtual_size = Reactive(Size(0, 0), layout=False)  # as ChoiceList's: a drawing lays nothing out again

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        segments = list(strip)
        if len(segments) < 2 or segments[1].text != Checkbox.BUTTON_INNER:  # the toggle mark SelectionList draws
            return strip
        try:
            selection = self.get_option_at_index(self.scroll_offset.y + y)
        except OptionDoesNotExist:
            return strip
        segments[1] = Segment("x" if selection.value in self._selected else " ", segments[1].style)
        return Strip(segments, strip.cell_length)
