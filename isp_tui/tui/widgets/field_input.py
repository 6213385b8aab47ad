"""A one-line field that takes a bracketed paste whole: Textual's own Input keeps the first line of a paste and
drops the rest. A paste of several parts (tab or line separated, as copied from a table) fills this field with the
first and asks the screen to put the rest in the fields that follow, as typing them with Tab between would.

Both keep a key typed from laying the whole screen out again (SteadyInput)."""

from __future__ import annotations

import re

from textual import events
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import Reactive
from textual.strip import Strip
from textual.widgets import Input, TextArea

PARTS = re.compile(r"\t|\r\n|\r|\n")


class SteadyInput(Input):
    """An Input whose typed keys redraw it and nothing else. Textual's Input sets its virtual size to its text's
    width at every key, and a widget's virtual size lays the whole screen out again when it changes (a decision
    step: a hundred widgets, the better part of a key's time). A one-line field's size does not follow its text
    (it scrolls within its width), so here the virtual size only repaints it."""

    virtual_size = Reactive(Size(0, 0), layout=False)


class FieldInput(SteadyInput):
    class Spread(Message):
        """The parts of a paste after the first, for the fields after `field_input`."""

        def __init__(self, field_input: FieldInput, parts: list[str]) -> None:
            super().__init__()
            self.field_input = field_input
            self.parts = parts

        @property
        def control(self) -> FieldInput:
            return self.field_input

    def paste_text(self, text: str) -> None:
        """Put `text` in at the cursor (over the selection), as Textual's Input pastes a line."""
        if self.selection.is_empty:
            self.insert_text_at_cursor(text)
        else:
            self.replace(text, *self.selection)

    def _on_paste(self, event: events.Paste) -> None:
        parts = PARTS.split(event.text)
        while len(parts) > 1 and parts[-1] == "":  # a copied cell or line ends with its separator
            parts.pop()
        if len(parts) <= 1:
            return  # one line: Textual's own paste takes it
        event.prevent_default()
        event.stop()
        self.paste_text(parts[0])
        self.post_message(self.Spread(self, parts[1:]))


class FieldTextArea(TextArea):
    """A long answer. Textual can draw a TextArea before its component classes are resolved and then raises
    KeyError "No 'text-area--gutter' key in COMPONENT_CLASSES" (Textual issues 6208 and 6528); keys typed
    quickly into a step that has just been mounted did it in the real app. Such a frame is drawn blank and the
    area drawn again on the next one; nothing typed is lost (the text is in the document, not the frame)."""

    def render_lines(self, crop: Region) -> list[Strip]:
        try:
            return super().render_lines(crop)
        except KeyError as exc:
            if not unresolved_styles(exc):
                raise  # any other KeyError is a fault to see, not a frame to draw blank for ever
            self.refresh()
            return [Strip.blank(crop.width)] * crop.height


def unresolved_styles(exc: KeyError) -> bool:
    """Whether this is Textual's "No 'text-area--…' key in COMPONENT_CLASSES" (styles not yet resolved)."""
    return "COMPONENT_CLASSES" in str(exc) and "text-area--" in str(exc)
