"""One run of `isp`: its arguments, its config, and the records repositories it opened.

Nothing is kept between runs (no module-level state), so `main(argv)` can run in-process, again
and again, as the tests do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from isp_tui.errors import InputError
from isp_tui.cli.output import say

if TYPE_CHECKING:
    import argparse

    from isp_tui.config import Config
    from isp_tui.guidance import Guidance
    from isp_tui.identity import Identity
    from isp_tui.store import Store


class Session:
    def __init__(self, args: argparse.Namespace):
        from isp_tui.config import config_path

        self.args = args
        if args.config is not None:
            config_path(args.config)  # a --config that does not exist is refused before anything else
        self._config: Config | None = None
        self.opened: list[Store] = []  # what they learn later (a recovery) is told at exit too

    @property
    def config(self) -> Config:
        """The config file, read when first needed (a command that needs none never fails on it)."""
        if self._config is None:
            from isp_tui.config import load_config

            self._config = load_config(self.args.config)
        return self._config

    def guidance(self) -> Guidance:
        from isp_tui.guidance import default_templates_dir, load_guidance

        return load_guidance(default_templates_dir())  # by folder: ISP_TEMPLATES as it is for this run

    def default_ruleset(self, guidance: Guidance) -> str:
        from isp_tui.config import default_ruleset

        return default_ruleset(self.config, guidance)

    def records_path(self):
        return self.config.records_path(self.args.records)

    def where(self) -> str:
        """Where this run looks for the records repository, and why there, in words."""
        path = self.records_path()
        if self.config.records_chosen(self.args.records):
            return str(path)
        return f"{path} (the default; --records, ISP_RECORDS or the config file's records choose another)"

    def store(self, *, create: bool = True) -> Store:
        from isp_tui.record.ids import check_prefix

        if getattr(self.args, "id", None):
            check_prefix(self.args.id)  # a malformed id is refused before any repository is looked for
        """The records repository. Only a command that writes creates it (`create`): a read-only one that
        finds none says where it looked."""
        from isp_tui.errors import StoreError
        from isp_tui.store import Store

        path = self.records_path()
        if not create and not (path / ".git").exists():
            raise StoreError(f"{self.where()} is not a records repository (no .git); nothing was created "
                             f"(`isp init` creates it, as the app and the first saved record do)")
        store = Store(path, create=create)
        complete_interrupted_destroy(store)
        self.opened.append(store)
        self.tell(store)
        return store

    def existing_store(self) -> Store | None:
        """The records repository if there is one, else None (a read-only listing has nothing to list)."""
        if not (self.records_path() / ".git").exists():
            say(f"{self.where()} is not a records repository (no .git): nothing to list, and nothing was created")
            return None
        return self.store(create=False)

    def record_id(self, store: Store, given: str) -> str:
        """The record id a command was given: whole, or a unique prefix of one (as git takes commits)."""
        return store.resolve_id(given)

    def tell(self, store: Any) -> None:
        """Print what the store has to tell a person (a warning, a recovery), once each."""
        while store.messages:
            say(store.messages.pop(0))

    def tell_all(self) -> None:
        for store in self.opened:
            self.tell(store)

    def identity(self, store: Store) -> Identity:
        from isp_tui.identity import resolve_identity

        return resolve_identity(self.args.identity, self.config, store.root)

    def identity_or_none(self, store: Store) -> Identity | None:
        try:
            return self.identity(store)
        except InputError:
            return None

    def identity_or_unknown(self, store: Store) -> str:
        """Who made an export or a report, as text: unknown is said so, not refused."""
        identity = self.identity_or_none(store)
        return str(identity) if identity is not None else "(unknown: set --as)"


def complete_interrupted_destroy(store: Store) -> None:
    """An `isp retention destroy` a crash interrupted is completed (or undone) by the next isp that opens the
    repository, whatever it was asked to do: retention is imported only then (it registers how)."""
    if (store.work / "destroy.toml").exists():
        from isp_tui.errors import StoreError
        from isp_tui.retention import PENDING  # noqa: F401 - registers the recovery of a destroy

        try:
            with store.lock():
                pass
        except StoreError as exc:  # read-only, another branch: it is completed once isp can write here
            store.messages.append(str(exc))
