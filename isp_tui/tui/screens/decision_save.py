"""Saving a decision: a draft or the final record (a commit in the records repository), keeping a draft when the
practitioner leaves, and the crash autosave under .git/isp/ (uncommitted, so a crash loses nothing)."""

from __future__ import annotations

from isp_tui.errors import InputError, printable
from isp_tui.store.autosave import discard_autosave, write_autosave
from isp_tui.store.resume import forget_step, remember_step
from isp_tui.tui.screens.decision_view import SavedScreen


class Saving:
    """The decision screen's saving (a mixin of DecisionScreen: it reads the screen's form and services)."""

    # -- saving ----------------------------------------------------------------------------------------------

    def action_save_draft(self) -> None:
        self.save(draft=True)

    def action_save_final(self) -> None:
        self.save(draft=False)

    async def action_sources(self) -> None:
        self.show_sources = not self.show_sources
        if self.step_id in ("review", "decision"):
            await self.show_step(self.step_id, focus_key=getattr(self.focused, "name", None))
        self.message("Sources shown beside the reasons" if self.show_sources else "Sources hidden")

    def save(self, draft: bool) -> None:
        self.collect()
        services = self.services
        if services.identity is None:
            self.message(services.identity_error or "who is deciding? pass --as \"Name <email>\"", error=True)
            return
        if not draft:
            missing = self.missing()
            if missing:
                self.message(f"Cannot be final yet; still missing: {self.words(missing)}", error=True)
                return
        self.message("Saving...")
        self.run_worker(lambda: self._save(draft), thread=True, name="save", exit_on_error=False)

    def commit(self, draft: bool):
        """Save the record (a commit in the records repository); the committed record then holds it all."""
        services = self.services
        saved = services.store.save(self.form.build(self.decided_by), self.guidance, services.identity, draft=draft)
        self.data["id"] = saved.id
        self.dirty = False
        if draft:
            remember_step(services.store, saved.id, self.step_id)  # resumed from Home, it opens here
        else:
            forget_step(services.store, saved.id)
        self.services.refresh()
        return saved

    def _save(self, draft: bool) -> None:
        try:
            saved = self.commit(draft)
        except InputError as exc:
            self.app.call_from_thread(self.message, printable(str(exc)), True)
            return
        except Exception as exc:  # the store's own errors: shown, never a traceback
            self.app.call_from_thread(self.message, printable(f"could not save: {exc}"), True)
            return
        self.app.call_from_thread(self._saved, saved, draft)

    def _saved(self, saved, draft: bool) -> None:
        self.saved = saved
        self.discard_autosave()
        if draft:
            self.message(f"Draft {saved.id} saved: commit {saved.commit[:12]}")
        else:
            self.app.push_screen(SavedScreen(saved), self._after_final)

    def _after_final(self, _: object = None) -> None:
        self.app.pop_screen()

    def keep_draft(self, notify: bool = True) -> None:
        """Leaving mid-way: commit a draft (synchronously: the app may be about to exit)."""
        self.collect()
        if not self.dirty:
            self.discard_autosave()  # nothing since the last commit (or nothing typed at all)
            return
        if self.services.identity is None:
            self.write_autosave()
            return
        try:
            saved = self.commit(draft=True)
        except Exception as exc:
            self.write_autosave()
            if notify:
                self.app.notify(f"Kept as unsaved work (resume it from Home): {printable(str(exc))}",
                                severity="warning", markup=False)
            return
        self.discard_autosave()
        if notify:
            self.app.notify(f"Kept as draft {saved.id}", markup=False)

    def action_leave(self) -> None:
        self.keep_draft()
        if self.data.get("id"):  # a draft left unchanged since it was resumed is not committed again, but the
            remember_step(self.services.store, self.data["id"], self.step_id)  # place it was left is kept
        self.app.pop_screen()

    # -- autosave: uncommitted, under .git/isp/, so a crash loses nothing ---------------------------------------

    def schedule_autosave(self) -> None:
        if self._autosave_timer is not None:
            self._autosave_timer.stop()
        self._autosave_timer = self.set_timer(0.5, self.write_autosave)

    def write_autosave(self) -> None:
        if self.is_mounted:
            self.collect()
        if self.dirty:
            write_autosave(self.services.store, self.autosave_path, self.data)

    def discard_autosave(self) -> None:
        if self._autosave_timer is not None:
            self._autosave_timer.stop()
        discard_autosave(self.autosave_path)
