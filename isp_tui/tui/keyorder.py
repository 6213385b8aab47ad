"""Keys in the order they were typed, each to the widget focused when its turn comes.

Textual hands a key to the focused widget's queue at once, and a key that widget does not use (Tab, Down in a
list) comes back to the app to run its binding only after the widget has looked at it. Keys typed back to back
(a burst, or a terminal replaying a paste as keys) could so land in the field being left: "X", Tab, "CASE-0002"
all went into the first field. Here the app takes the next key (or paste) only once the one before has been
handled all the way (stopped by a widget, run as a binding, or come back unused) and what it set off in the
focused widget, its containers and its screen has arrived (an answer chosen with Enter is taken before ctrl+n
asks whether the step is answered)."""

from __future__ import annotations

import asyncio
import time
from collections import deque

from textual import events

LIMIT = 5.0  # seconds a key may take before the next is let through anyway (a handler that never returns)


class InOrder:
    """A mixin of the App (before App in its bases): the driver's keys and pastes, one at a time."""

    def _in_order_init(self) -> None:
        self._held: deque[events.Event] = deque()
        self._wake = asyncio.Event()
        self._feeder: asyncio.Task | None = None
        self._released: set[int] = set()
        self._done: set[int] = set()
        self.keys_let_through = 0  # keys let through after LIMIT, the one before not yet handled

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.Paste)) and not event.is_forwarded:
            if id(event) not in self._released:
                self._held.append(event)
                self._wake.set()
                if self._feeder is None:
                    self._feeder = asyncio.create_task(self._feed())
                return
            self._released.discard(id(event))
            await super().on_event(event)  # type: ignore[misc]
            if not event.is_forwarded:  # a priority binding ran it, or nothing is focused
                self._done.add(id(event))
            return
        await super().on_event(event)  # type: ignore[misc]
        if isinstance(event, events.Key):  # come back to the app unused by any widget: its binding has run
            self._done.add(id(event))

    def _on_unmount(self) -> None:
        """The app is closing: keys not yet handled go with it."""
        if self._feeder is not None:
            self._feeder.cancel()
            self._feeder = None
        self._held.clear()

    @property
    def keys_pending(self) -> int:
        """Keys (and pastes) typed and not yet handled (a test, or the bench, waits for none)."""
        return len(self._held) + len(self._released)

    async def _feed(self) -> None:
        while True:
            if not self._held:
                self._wake.clear()
                await self._wake.wait()
                continue
            event = self._held.popleft()
            chain = self._chain()
            self._released.add(id(event))
            self.post_message(event)  # type: ignore[attr-defined]
            deadline, turns, quiet = time.monotonic() + LIMIT, 0, 0
            while time.monotonic() < deadline and quiet < 2:  # quiet at two looks running: nothing on its way
                handled = id(event) in self._done or event._stop_propagation
                quiet = quiet + 1 if handled and not busy(chain) else 0
                turns += 1
                await asyncio.sleep(0 if turns < 50 else 0.001)  # a turn of the loop; a slow handler, a millisecond
            if time.monotonic() >= deadline:
                self.keys_let_through += 1  # counted: a test or the bench can say none was
            self._done.discard(id(event))
            self._released.discard(id(event))

    def _chain(self) -> list:
        """The widgets a key's effects travel through: the focused widget, its containers, its screen."""
        try:
            focused = self.focused or self.screen  # type: ignore[attr-defined]
        except Exception:  # no screen (the app is closing)
            return []
        return list(focused.ancestors_with_self)


def busy(chain: list) -> bool:
    """Whether any of these has a message waiting (what a key set off: a choice made, its answer on its way to
    the screen). A handler runs to its end between two looks unless it waits on something itself; a message
    handed on to the parent is in the parent's queue before the child's handler returns."""
    return any(node._message_queue.qsize() for node in chain)
