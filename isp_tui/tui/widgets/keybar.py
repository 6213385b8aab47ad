"""The home screen's footer: the keys Textual's Footer shows, drawn by one widget.

Textual's Footer is a scrolling container that composes one widget per key, and only once the first frame is
drawn (so the first frame has an empty footer); Home is the first screen, so it draws the same line as one
widget, keys included, and draws it again when the screen's keys change (focus moved, a key enabled or not).
Clicking a key presses it, as with Footer. The other screens keep Textual's Footer.
"""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.widget import Widget


class KeyBar(Widget):
    ALLOW_SELECT = False
    COMPONENT_CLASSES = {"keybar--key", "keybar--description", "keybar--separator"}
    # the colours and padding of Footer and its FooterKey (the command palette's key compact, on the right)
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        background: $footer-background;
        color: $footer-foreground;
        & > .keybar--key { color: $footer-key-foreground; background: $footer-key-background; text-style: bold; }
        & > .keybar--description {
            color: $footer-description-foreground; background: $footer-description-background;
        }
        & > .keybar--separator { color: $foreground 20%; }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.spans: list[tuple[int, int, str]] = []  # (start, end, key) of each key drawn, for a click
        self.drawn: tuple | None = None  # the keys last drawn

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self.bindings_changed)

    def bindings_changed(self, _screen) -> None:
        if self.drawn is not None and self.shown() != self.drawn:  # drawn again only if the keys changed
            self.refresh()

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def shown(self) -> tuple[list[tuple[str, str, str, bool]], tuple[str, str, str, bool] | None]:
        """The keys shown, as (key, key display, description, enabled), and the command palette's key."""
        app = self.app
        active = self.screen.active_bindings
        keys, actions = [], set()
        for _, binding, enabled, _tooltip in active.values():
            if binding.show and binding.action not in actions:  # one key an action, as Footer shows them
                actions.add(binding.action)
                keys.append((binding.key, app.get_key_display(binding), binding.description, enabled))
        palette = None
        if app.ENABLE_COMMAND_PALETTE and app.COMMAND_PALETTE_BINDING in active:
            _, binding, enabled, _tooltip = active[app.COMMAND_PALETTE_BINDING]
            palette = (binding.key, app.get_key_display(binding), binding.description, enabled)
        return keys, palette

    def render(self) -> Text:
        key_style = self.get_component_rich_style("keybar--key")
        description_style = self.get_component_rich_style("keybar--description")
        keys, palette = self.drawn = self.shown()
        width = self.size.width
        line, spans = Text(no_wrap=True, overflow="crop"), []
        right = Text()
        if palette:
            key, display, description, _enabled = palette
            right.append("▏", self.get_component_rich_style("keybar--separator"))
            right.append(display, key_style)
            right.append(f" {description}" if description else "", description_style)
            right.append(" ")
        room = width - right.cell_len
        for key, display, description, enabled in keys:
            part = Text.assemble((f" {display} ", key_style), (f"{description} " if description else "", description_style))
            if not enabled:
                part.stylize("dim")
            if line.cell_len + part.cell_len > room:
                break
            spans.append((line.cell_len, line.cell_len + part.cell_len, key))
            line.append_text(part)
        if palette:
            line.append(" " * max(0, room - line.cell_len))
            spans.append((line.cell_len, line.cell_len + right.cell_len, palette[0]))
            line.append_text(right)
        self.spans = spans
        return line

    def on_click(self, event: events.Click) -> None:
        for start, end, key in self.spans:
            if start <= event.x < end:
                event.stop()
                self.app.simulate_key(key)
                return
