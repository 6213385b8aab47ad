"""What the app tells its screens (each screen handles the ones it cares about, e.g. `on_services_ready`).

Posted by the app to every screen on the stack; they do not bubble. A screen that has no handler
for one simply ignores it."""

from __future__ import annotations

from textual.message import Message


class ServicesReady(Message, bubble=False):
    """The guidance, the records repository and the index are loaded (or could not be: `app.load_error`)."""


class IndexProgress(Message, bubble=False):
    """A first build of the derived index has read `done` of `total` record files."""

    def __init__(self, done: int, total: int) -> None:
        super().__init__()
        self.done = done
        self.total = total


class RulesetChanged(Message, bubble=False):
    """New decisions now use another ruleset (`app.ruleset_id`)."""


class RecordsChanged(Message, bubble=False):
    """The records repository changed under the screens (a sync brought records in): show it again."""
