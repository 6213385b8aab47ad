"""The full-screen app (presentation only: every decision is the core's).

Nothing heavy is imported before the first screen paints: the guidance, the records repository
(GitPython, the store) and the index are loaded in a worker thread once the home screen is up.
"""

from __future__ import annotations

import asyncio
import time
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen

from isp_tui.config import Config, load_config
from isp_tui.errors import printable
from isp_tui.tui.keyorder import InOrder
from isp_tui.tui.messages import IndexProgress, RecordsChanged, RulesetChanged, ServicesReady

if TYPE_CHECKING:
    from isp_tui.guidance import Guidance
    from isp_tui.identity import Identity
    from isp_tui.index import Index
    from isp_tui.store import Store

# The terminal's own colours: Textual 8 names the theme "ansi-dark" ("ansi-light" on a light terminal).
THEMES = {"ansi": "ansi-dark", "terminal": "ansi-dark", "textual-ansi": "ansi-dark"}


class Services:
    """What the screens work with, loaded after the first paint. (A plain class, not a dataclass: making one
    costs a few milliseconds at import, before the first frame.)"""

    def __init__(self, guidance: Guidance, store: Store, index: Index, identity: Identity | None,
                 identity_error: str = "", messages: list[str] | None = None):
        self.guidance = guidance
        self.store = store
        self.index = index
        self.identity = identity
        self.identity_error = identity_error
        self.messages: list[str] = messages if messages is not None else []

    def refresh(self) -> None:
        self.index.refresh()


class IspApp(InOrder, App):
    TITLE = "isp"
    SUB_TITLE = "information sharing decisions"
    CSS_PATH = "app.tcss"
    BINDINGS = [
        Binding("f1", "help", "Help", id="app.help"),
        Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True),
        # on a screen showing one record (the record screen, a revision from the timeline): its history
        Binding("h", "record_history", "History", id="app.record_history"),
    ]

    def __init__(self, records: str | None = None, identity: str | None = None, *,
                 config: Config | None = None, today: date | None = None):
        super().__init__()
        self._in_order_init()  # keys are handled one after another, in the order typed (tui.keyorder)
        self.config = config or load_config()
        self.records_given = records
        self.records_path: Path = self.config.records_path(records)
        self.identity_given = identity
        self.ruleset_id = self.config.ruleset
        self.fixed_today = today
        self.services: Services | None = None
        self.load_error: str = ""
        self.loaded = asyncio.Event()
        self._progress_at = 0.0
        self.config_problems: list[str] = []  # what in the config file was not used, in words (Home shows it)
        if self.config.keymap:  # before Home is composed: its menu shows each item's key as it is now
            self.set_keymap(self.config.keymap)

    # -- start-up ----------------------------------------------------------------------------------

    def get_default_screen(self) -> Screen:
        """Home is the first screen (one screen to compose and draw before the first frame, not two)."""
        from isp_tui.tui.screens.home import HomeScreen

        return HomeScreen()

    def on_mount(self) -> None:
        theme = THEMES.get(self.config.theme, self.config.theme)
        if theme in self.available_themes:
            self.theme = theme
        else:
            self.config_problems.append(f"theme {self.config.theme!r} is not one of the app's themes, so the "
                                        f"default is used (the command palette's \"Change theme\" lists them)")

    def on_ready(self) -> None:
        """Textual posts Ready once the first frame is drawn: only then load the guidance, the store and the
        index in a worker thread (its imports would otherwise hold the interpreter while home is drawn)."""
        self.run_worker(self._load, thread=True, name="load", exit_on_error=False)

    def _load(self) -> None:
        from isp_tui.errors import InputError, StoreError

        try:
            from isp_tui.config import default_ruleset
            from isp_tui.guidance import load_guidance
            from isp_tui.identity import resolve_identity
            from isp_tui.index import Index
            from isp_tui.store import Store

            guidance = load_guidance()
            if self.ruleset_id not in guidance.rulesets:
                self.ruleset_id = default_ruleset(self.config, guidance)
            store = Store(self.records_path)
            try:
                if (store.work / "destroy.toml").exists():
                    from isp_tui.retention import PENDING  # noqa: F401 - registers the recovery of a destroy
                with store.lock():  # completes any save (or destroy) interrupted by a crash
                    pass
            except StoreError as exc:  # read-only, another branch: the app still reads; saving will say why not
                store.messages.append(str(exc))
            index = Index(store)
            index.refresh(progress=self._index_progress)  # a first build reads every record file
            identity, error = None, ""
            try:
                identity = resolve_identity(self.identity_given, self.config, store.root)
            except InputError as exc:
                error = str(exc)
            self.services = Services(guidance, store, index, identity, error, list(store.messages))
            if self.config.keymap:
                from isp_tui.tui.keys import unknown_keymap_ids

                for binding_id in unknown_keymap_ids(self.config.keymap):
                    self.config_problems.append(f"keymap {binding_id!r} names no key of the app, so it does "
                                                "nothing (F1 on each screen names its keys)")
        except (InputError, StoreError, OSError) as exc:
            self.load_error = str(exc)
        finally:
            self.call_from_thread(self._loaded)

    def _index_progress(self, done: int, total: int) -> None:
        """From the load worker: say how far a build of the derived index is, a few times a second at most."""
        now = time.monotonic()
        if total < 500 or (done < total and now - self._progress_at < 0.25):  # a few files: nothing to show
            return
        self._progress_at = now
        self.call_from_thread(self._show_index_progress, done, total)

    def _show_index_progress(self, done: int, total: int) -> None:
        self.tell_screens(lambda: IndexProgress(done, total))

    def tell_screens(self, message: Callable[[], Message]) -> None:
        """Post a message (a new one each) to every screen on the stack: each handles those it cares about."""
        for screen in self.screen_stack:
            screen.post_message(message())

    def _loaded(self) -> None:
        self.loaded.set()
        if self.load_error:
            self.notify(printable(self.load_error), title="Cannot open the records repository", severity="error", timeout=30,
                        markup=False)
        elif self.services:
            for message in self.services.messages:
                self.notify(printable(message), severity="warning", markup=False)
        self.tell_screens(ServicesReady)

    async def ready(self) -> Services | None:
        await self.loaded.wait()
        return self.services

    def today(self) -> date:
        if self.fixed_today:
            return self.fixed_today
        from isp_tui.dates import today

        return today()

    # -- actions (also in the command palette) -------------------------------------------------------

    async def action_new_decision(self, data: dict[str, Any] | None = None, autosave: str | None = None) -> None:
        services = await self.ready()
        if services is None:
            return
        from isp_tui.tui.screens.decision import DecisionScreen

        await self.push_screen(DecisionScreen(data=data, autosave=autosave))

    async def action_browse(self, status: str | None = None) -> None:
        if await self.ready() is None:
            return
        from isp_tui.tui.screens.browse import BrowseScreen

        await self.push_screen(BrowseScreen(status=status))

    async def action_rules(self) -> None:
        if await self.ready() is None:
            return
        from isp_tui.tui.screens.guide import RulesScreen

        await self.push_screen(RulesScreen())

    async def action_checklists(self, checklist: str | None = None) -> None:
        if await self.ready() is None:
            return
        from isp_tui.tui.screens.guide import ChecklistsScreen

        await self.push_screen(ChecklistsScreen(checklist))

    async def action_timeline(self) -> None:
        if await self.ready() is None:
            return
        from isp_tui.tui.screens.timeline import TimelineScreen

        await self.push_screen(TimelineScreen())

    async def action_verify(self) -> None:
        if await self.ready() is None:
            return
        from isp_tui.tui.screens.verification import VerificationScreen

        await self.push_screen(VerificationScreen())

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "record_history":  # asked for every frame's footer: the history screen is not imported for it
            return bool(getattr(self.screen, "record_id", None)) and not getattr(self.screen, "is_history", False)
        return True

    async def action_record_history(self, record_id: str | None = None) -> None:
        """One record's history: revisions, a diff between any two, amendments (audit.history)."""
        record_id = record_id or getattr(self.screen, "record_id", None)
        if not record_id or await self.ready() is None:
            return
        from isp_tui.tui.screens.history import HistoryScreen

        await self.push_screen(HistoryScreen(record_id))

    async def action_reports(self) -> None:
        if await self.ready() is None:
            return
        from isp_tui.tui.screens.reports import ReportsScreen

        await self.push_screen(ReportsScreen())

    async def action_export(self, record_id: str, commit: str | None = None) -> None:
        if await self.ready() is None:
            return
        from isp_tui.tui.screens.timeline import ExportScreen

        await self.push_screen(ExportScreen(record_id, commit))

    def other_ruleset(self, ruleset_id: str) -> str:
        """The next ruleset after `ruleset_id` (in id order), for "the other wording"."""
        ids = sorted(self.services.guidance.rulesets)
        return ids[(ids.index(ruleset_id) + 1) % len(ids)] if ruleset_id in ids else ids[0]

    async def action_switch_ruleset(self, ruleset_id: str | None = None) -> None:
        """Choose a ruleset for new decisions (the other one, or `ruleset_id`): asked first, saying what changes."""
        services = await self.ready()
        if services is None:
            return
        from isp_tui.tui.screens.ruleset import ConfirmRulesetScreen

        chosen = ruleset_id or self.other_ruleset(self.ruleset_id)
        if chosen == self.ruleset_id:
            self.notify(f"New decisions already use {services.guidance.rulesets[chosen].title}", markup=False)
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.use_ruleset(chosen)

        await self.push_screen(ConfirmRulesetScreen(services.guidance.rulesets[self.ruleset_id],
                                                    services.guidance.rulesets[chosen]), answered)

    def use_ruleset(self, ruleset_id: str) -> None:
        self.ruleset_id = ruleset_id
        self.notify(f"Ruleset for new decisions: {self.services.guidance.rulesets[ruleset_id].title}", markup=False)
        self.tell_screens(RulesetChanged)

    async def action_sync(self) -> None:
        services = await self.ready()
        if services is None:
            return
        self.notify("Syncing with the organisation's repository...", title="Sync", markup=False)
        self.run_worker(self._sync, thread=True, exclusive=True, group="sync", name="sync", exit_on_error=False)

    def _sync(self) -> None:
        """Fetch, integrate, push (isp_tui.sync), in a worker: the screens keep working meanwhile."""
        from isp_tui.errors import InputError, StoreError
        from isp_tui.sync import sync

        services = self.services
        say = lambda message: self.call_from_thread(self.notify, printable(message), title="Sync", markup=False)  # noqa: E731
        try:
            result = sync(services.store, identity=services.identity, progress=say)
        except (InputError, StoreError) as exc:
            self.call_from_thread(self.notify, printable(str(exc)), title="Sync", severity="warning", timeout=15,
                                  markup=False)
            return
        services.refresh()
        self.call_from_thread(self._synced, result.summary(), list(result.messages))

    def _synced(self, summary: str, messages: list[str]) -> None:
        self.notify(printable(summary), title="Sync", markup=False)
        for message in messages:
            self.notify(printable(message), title="Sync", severity="warning", markup=False)
        self.tell_screens(RecordsChanged)

    def action_help(self) -> None:
        from isp_tui.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    async def action_quit(self) -> None:
        from isp_tui.tui.screens.decision import DecisionScreen

        for screen in self.screen_stack:  # leaving mid-way keeps a draft
            if isinstance(screen, DecisionScreen):
                screen.keep_draft(notify=False)
        self.exit()

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield SystemCommand("New decision", "Start a new information sharing decision", self.action_new_decision)
        yield SystemCommand("Browse records", "List, search and open the records", self.action_browse)
        yield SystemCommand("Resume a draft", "Browse the draft decisions", lambda: self.action_browse("draft"))
        yield SystemCommand("Golden rules", "Read the seven golden rules, principles and myths", self.action_rules)
        yield SystemCommand("Checklists", "The 16 questions and the other checklists", self.action_checklists)
        yield SystemCommand("Switch ruleset", "Choose the other wording of the golden rules for new decisions (asked first)",
                            self.action_switch_ruleset)
        yield SystemCommand("Timeline", "Every change in the records repository, newest first", self.action_timeline)
        yield SystemCommand("Verify", "Check the records repository's integrity", self.action_verify)
        yield SystemCommand("Reports", "The reports an inspector asks for, with charts", self.action_reports)
        if getattr(screen, "record_id", None):  # a record is open (browse's record screen or a revision)
            yield SystemCommand("Export this record", "Markdown, HTML, a redacted copy or the ICO decision form, to a file",
                                lambda: self.action_export(screen.record_id, getattr(screen, "commit", None)))
        yield SystemCommand("Sync", "Sync the records repository with the organisation's server", self.action_sync)
        yield SystemCommand("Help", "Help for this screen", self.action_help)
        yield from super().get_system_commands(screen)


def run(records: str | None = None, identity: str | None = None, config: Config | None = None) -> int:
    IspApp(records=records, identity=identity, config=config).run()
    return 0
