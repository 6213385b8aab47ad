"""The home screen's title bar: Textual's Header drawn by one widget.

Header is four widgets (itself, the icon, the title, the clock's space), each composed, styled and drawn
before the first frame; Home is the first screen, so it draws the same line as one widget. Clicking the
icon opens the command palette, as Header's does. The other screens keep Textual's Header.
"""

from __future__ import annotations

from textual import events
from textual.content import Content
from textual.widget import Widget

ICON = "⭘"
ICON_WIDTH = 8  # Header's icon: 8 columns, its glyph after one column of padding
CLOCK_WIDTH = 10  # and the clock's space on the right, kept empty as Header keeps it without a clock


class TitleBar(Widget):
    DEFAULT_CSS = """
    TitleBar {
        dock: top;
        width: 100%;
        height: 1;
        background: $panel;
        color: $foreground;
    }
    """

    def on_mount(self) -> None:
        self.watch(self.app, "title", self.refresh, init=False)
        self.watch(self.app, "sub_title", self.refresh, init=False)
        self.watch(self.screen, "title", self.refresh, init=False)
        self.watch(self.screen, "sub_title", self.refresh, init=False)

    def title_content(self) -> Content:
        """The screen's title and sub-title (else the app's), as Header formats them (App.format_title)."""
        screen, app = self.screen, self.app
        title = screen.title if screen.title is not None else app.title
        sub_title = screen.sub_title if screen.sub_title is not None else app.sub_title
        return app.format_title(title, sub_title)

    def render(self) -> Content:
        width = self.size.width
        room = max(0, width - ICON_WIDTH - CLOCK_WIDTH)
        title = self.title_content().truncate(room, ellipsis=True)
        left = (room - title.cell_length) // 2
        line = Content(f" {ICON}").pad_right(ICON_WIDTH - 2) + title.pad(left, room - left - title.cell_length)
        return line.pad_right(CLOCK_WIDTH).truncate(width)

    async def on_click(self, event: events.Click) -> None:
        if event.x < ICON_WIDTH and self.app.ENABLE_COMMAND_PALETTE:
            event.stop()
            await self.run_action("app.command_palette")
