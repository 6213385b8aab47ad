"""A footer that draws itself again only when the keys it shows change. Textual's Footer recomposes whenever the
screen's bindings are refreshed (a field typed in, focus moved), which lays the whole screen out again: at each
key typed into a field, for the same keys as before."""

from __future__ import annotations

from textual.widgets import Footer


class SteadyFooter(Footer):
    def shown_keys(self) -> tuple:
        active = self.screen.active_bindings.values()
        return (self.compact, self.show_command_palette,
                tuple((b.key, b.action, b.description, enabled) for _, b, enabled, _ in active if b.show))

    def bindings_changed(self, screen) -> None:
        if self.is_attached and screen is self.screen and self._bindings_ready:
            keys = self.shown_keys()
            if keys == getattr(self, "_shown_keys", None):
                return
            self._shown_keys = keys
        super().bindings_changed(screen)
