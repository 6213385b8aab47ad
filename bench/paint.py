"""Start an app headless and say when its first frame is on screen: `python bench/paint.py minimal|isp [RECORDS]`.

Both apps are started the same way, as a fresh interpreter running this file, which imports
Textual's App, hooks the Ready event (Textual posts it once the first screen has been composed,
laid out and drawn) and forces headless mode. On Ready the process writes "painted" straight to
file descriptor 1 and exits; bench/run.py times from starting the process to reading that line.

- `minimal`: a one-widget Textual app, the baseline.
- `isp`: the real `isp` command (`isp_tui.cli.main(["--records", RECORDS, "tui"])`), so whatever
  the command line, the config and the home screen import or do before the first frame is counted.
"""

from __future__ import annotations

import os
import sys

from textual.app import App, ComposeResult


def _on_ready(self: App, event: object) -> None:
    os.write(1, b"painted\n")
    self.exit()


App._on_ready = _on_ready  # type: ignore[attr-defined]  # Textual dispatches _on_<event> along the MRO
_run = App.run


def _headless_run(self: App, *args: object, **kwargs: object) -> object:
    kwargs["headless"] = True
    kwargs.setdefault("size", (120, 40))
    return _run(self, *args, **kwargs)


App.run = _headless_run  # type: ignore[method-assign]


class Minimal(App):
    def compose(self) -> ComposeResult:
        from textual.widgets import Static

        yield Static("Hello")


def main() -> int:
    which = sys.argv[1]
    if which == "minimal":
        Minimal().run()
        return 0
    from isp_tui.cli import main as isp

    return isp(["--records", sys.argv[2], "tui"])


if __name__ == "__main__":
    sys.exit(main())
