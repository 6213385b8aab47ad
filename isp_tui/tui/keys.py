"""Keys that tell the truth: what a binding's key is now (after the config's [keymap]), shown the way the
footer shows it, and which keymap ids name no binding of the app."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.binding import Binding

if TYPE_CHECKING:
    from textual.screen import Screen


def key_display(app, binding: Binding) -> str:
    """A binding's key as the footer shows it (Textual's key display: "^n" is ctrl+n)."""
    return app.get_key_display(binding)


def binding_keys(screen: Screen) -> dict[str, str]:
    """The key that runs each binding id on `screen` now (the keymap applied), as the footer shows it; an id
    that no key runs is left out."""
    keys: dict[str, str] = {}
    for active in screen.active_bindings.values():
        if active.binding.id and active.binding.id not in keys:
            keys[active.binding.id] = key_display(screen.app, active.binding)
    return keys


def key_for(screen: Screen, binding_id: str) -> str | None:
    """The key that runs the binding `binding_id` on `screen` now (the keymap applied), or None if none does."""
    return binding_keys(screen).get(binding_id)


def binding_ids() -> set[str]:
    """Every binding id of the app, its screens and widgets (what a [keymap] may name). Imports every screen."""
    import importlib
    import pkgutil

    import isp_tui.tui.app  # noqa: F401  (the app's own bindings)
    import isp_tui.tui.screens as screens
    import isp_tui.tui.widgets as widgets
    from textual.dom import DOMNode

    for package in (screens, widgets):
        for info in pkgutil.iter_modules(package.__path__):
            importlib.import_module(f"{package.__name__}.{info.name}")
    ids: set[str] = set()
    classes = [DOMNode]
    while classes:
        cls = classes.pop()
        classes.extend(cls.__subclasses__())
        if cls.__module__.startswith("isp_tui."):
            ids.update(b.id for b in cls.__dict__.get("BINDINGS", ()) if isinstance(b, Binding) and b.id)
    return ids


def unknown_keymap_ids(keymap: dict[str, str]) -> list[str]:
    known = binding_ids()
    return sorted(binding_id for binding_id in keymap if binding_id not in known)
