"""`isp tui`, `init`, `remote`, `sync`, `status`, `retention`, `bases`, `rules`: the app, the repository
and its administration, and the guidance's catalogues."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

from isp_tui.cli.output import EXIT_FAIL, EXIT_OK, console, date_arg, index_progress, print_json, progress, saved, say
from isp_tui.cli.session import Session
from isp_tui.errors import InputError


def cmd_tui(s: Session) -> int:
    from isp_tui.tui.app import run

    args = s.args
    return run(records=args.records, identity=args.identity, config=s.config)


def cmd_init(s: Session) -> int:
    from isp_tui.store import Store

    args = s.args
    path = Path(args.path) if args.path else s.config.records_path(args.records)
    if args.clone:
        from isp_tui import sync

        sync.check_url(args.clone, field="--clone")
        reader = EarlyReader(s, path)
        try:
            store, result = sync.clone(args.clone, path, progress=progress, reader=reader)
        except sync.SyncError as exc:  # (clone waited for the reading before removing anything)
            say(exc)
            if getattr(args, "verbose", False) and exc.detail:
                say(f"git said: {exc.detail}")
            return EXIT_FAIL
        except BaseException:  # ctrl+c or another error: the reading stops after the parts in hand
            reader.stop()
            raise
        reader.join()
        print(f"{store.root}: {result.summary()}")
        ready_to_browse(s, store)
        if not args.sign:
            return EXIT_OK
        path = store.root
    store = Store(path)
    if args.sign:
        from isp_tui.audit import setup_signing

        key = args.key or (str(Path("~/.ssh/id_ed25519").expanduser()) if args.signing_format == "ssh" else "")
        config = setup_signing(store, key=key, principal=s.identity(store).email, fmt=args.signing_format,
                               allowed_signers=args.allowed_signers)
        for name, value in config.items():
            print(value if name == "isp.resigned" else f"git config {name} {value}", file=sys.stderr)
    print(store.root)
    return EXIT_OK


class EarlyReader:
    """A new machine's records read once, on every core, from the moment the server's commits are here: the
    derived index (browse, list, reports, what is due) and what the first `isp verify` would read them for.
    It runs beside the first sync's writing of the files (sync.clone's reader), which leaves a core idle
    much of the time; ready_to_browse then finds it done."""

    def __init__(self, s: Session, path: Path):
        self.s, self.path = s, path
        self.thread: threading.Thread | None = None
        self.stopping = threading.Event()

    def start(self, commit: str) -> None:
        self.thread = threading.Thread(target=self.read, args=(commit,), daemon=True)
        self.thread.start()

    def read(self, commit: str) -> None:
        from isp_tui.audit import index_and_facts
        from isp_tui.index import Index
        from isp_tui.store import Store

        progress("reading the records once, for browsing and for `isp verify`, while their files are written")
        shown = index_progress()

        def counted(done: int, total: int) -> None:
            if self.stopping.is_set():
                raise ReadingStopped  # the index's transaction is rolled back; the parts not begun are dropped
            if shown is not None:
                shown(done, total)

        try:
            index = Index(Store(self.path, create=False))  # its own Store: the sync's is in use on the other thread
            try:
                index_and_facts(index.store, self.s.guidance(), index, counted, at=commit)
            finally:
                index.close()
        except BaseException:  # noqa: BLE001 - told to stop, ctrl+c in a worker, any fault: ready_to_browse reads
            pass               # the records again if isp goes on; nothing of a thread's is shown as a traceback

    def join(self) -> None:
        if self.thread is not None:
            self.thread.join()

    def stop(self) -> None:
        """Stop after the parts being read (a second or two), and wait for that."""
        self.stopping.set()
        self.join()


class ReadingStopped(Exception):
    """EarlyReader told to stop."""


def ready_to_browse(s: Session, store) -> None:
    """A new machine's records read once, on every core, unless EarlyReader already did (the index then
    describes the head, and this reads nothing): the derived index (browse, list, reports, what is due) and
    what the first `isp verify` would read them for. Without this the first browse and the first verify
    each read every record file."""
    from isp_tui.audit import index_and_facts
    from isp_tui.index import Index

    if store.head() is None:
        return
    index = Index(store)
    try:
        if index.indexed() != store.head():
            progress("reading the records once, for browsing and for `isp verify`")
        index_and_facts(store, s.guidance(), index, index_progress())
    finally:
        index.close()
    for problem in index.problems[:20]:
        say(problem.message)


def cmd_signing(s: Session) -> int:
    from isp_tui.audit.policy import POLICY, publish

    args = s.args
    store = s.store()
    commit = publish(store, admins=args.admin, signers_file=args.allowed_signers, author=s.identity(store))
    print(f"{POLICY} committed in {commit[:12]}: every clone's `isp verify` now requires signatures by its signers; "
          "`isp sync` shares it")
    return EXIT_OK


def cmd_remote(s: Session) -> int:
    from isp_tui import sync

    args = s.args
    store = s.store(create=args.remote_command == "add")
    if args.remote_command == "add":
        url = sync.add_remote(store, args.url)
        warning = sync.url_warning(url)
        if warning:
            say(warning)
        print(f"{sync.REMOTE} {url}")
        return EXIT_OK
    url = sync.remote_url(store)
    if url is None:
        print("no remote set; an admin sets one with `isp remote add URL`")
        return EXIT_OK
    print(f"{sync.REMOTE} {sync.shown_url(url)}")
    return EXIT_OK


def cmd_sync(s: Session) -> int:
    from isp_tui import sync

    args = s.args
    store = s.store()
    try:
        result = sync.sync(store, identity=s.identity_or_none(store), progress=None if args.json else progress,
                           restore=args.restore)
    except sync.SyncError as exc:
        if args.json:
            print_json({"ok": False, "error": str(exc), "detail": exc.detail})
        say(exc)
        if getattr(args, "verbose", False) and exc.detail:
            say(f"git said: {exc.detail}")
        return EXIT_FAIL
    if args.json:
        print_json({"ok": True, **result.as_dict()})
        return EXIT_OK
    for message in result.messages:
        say(message)
    print(result.summary())
    for label, ids in (("in", result.received), ("out", result.sent), ("merged", result.merged)):
        for record_id in ids:
            print(f"  {label:<6} {record_id}")
    return EXIT_OK


def cmd_status(s: Session) -> int:
    from isp_tui import sync

    args = s.args
    store = s.store(create=False)
    state = sync.status(store)
    if args.seen:
        from isp_tui.sync.notices import forget_seen

        forget_seen(store)
    if args.json:
        print_json(state.as_dict())
        return EXIT_OK
    print(f"remote:          {state.remote or 'none (isp remote add URL)'}")
    print(f"last sync:       {state.last_sync.isoformat(timespec='seconds') if state.last_sync else 'never'}")
    print(f"ahead / behind:  {state.ahead} / {state.behind} commit(s), as of the last sync")
    print(f"not yet pushed:  {len(state.unpushed)} record(s)")
    if state.restore_needed or set(state.server_lacks) - set(state.unpushed):
        named = ", ".join(state.server_lacks[:10]) + (" and more" if len(state.server_lacks) > 10 else "")
        print(f"server lacks:    {len(state.server_lacks)} record(s) this machine holds ({named}); put them back "
              "with `isp sync --restore`")
    if state.last_failure:
        print(f"last failed sync: {state.last_failure['at'][:19]}: {state.last_failure['reason']}")
    print(f"drafts:          {len(state.drafts)} record(s) not yet final")
    if state.uncommitted:
        print(f"uncommitted:     {len(state.uncommitted)} file(s) changed outside isp (git status shows them)")
    if state.not_kept and not args.seen:
        from isp_tui.sync.notices import NotKept

        print(f"not kept:        {len(state.not_kept)} version(s) of yours a sync did not keep "
              "(`isp status --seen` once read):")
        for notice in state.not_kept:
            print(f"  {NotKept(**notice).message()}")
    return EXIT_OK


def cmd_retention(s: Session) -> int:
    from isp_tui import retention

    args = s.args
    store = s.store(create=args.retention_command != "list")
    if args.retention_command != "list":
        args.id = s.record_id(store, args.id)
    if args.retention_command == "list":
        due = retention.retention_due(store)
        if args.json:
            print_json([d.as_dict() for d in due])
        elif not due:
            print("no final record is past its retention or review date")
        else:
            for d in due:
                print(f"{d.id}  {d.because:<9}  retain until {d.retain_until or '-'}  review on {d.review_on or '-'}")
        return EXIT_OK
    if args.retention_command == "extend":
        result = retention.extend(store, args.id, date_arg(args.until, "--until"), args.reason, s.guidance(), s.identity(store))
        return saved(args, result)
    if not args.yes:
        raise InputError("destroying a record rewrites the history of the records repository and cannot be undone; "
                         "read README \"Retention\" and confirm with --yes", field="--yes")
    done = retention.destroy(store, args.id, args.reason, s.identity(store))
    if args.json:
        print_json(done.as_dict())
        return EXIT_OK
    print(f"destroyed record {done.id}: {done.rewritten} commit(s) rewritten, {done.versions_removed} version(s) of its "
          f"content removed from this repository; tombstone {done.tombstone} committed as {done.commit[:12]}")
    print("Every other copy still holds it. Now:")
    for line in done.instructions:
        print(f"  {line}")
    return EXIT_OK


def cmd_bases(s: Session) -> int:
    """The catalogue, each basis with the dates it came into force and was repealed and their source, marked
    where it was not law on the day asked (`--on DATE`, else today): the engine's own rule (in_force_on)."""
    from isp_tui.cli.output import date_arg
    from isp_tui.dates import today

    args = s.args
    guidance = s.guidance()
    day = date_arg(args.on, "--on") or today()
    rows = [{"id": b.id, "title": b.title, "kind": b.kind, "special_category": b.special_category,
             "statutory_bodies_only": b.statutory_bodies_only, "era": b.era, "source": b.source,
             "in_force": b.in_force, "repealed": b.repealed, "in_force_source": b.in_force_source,
             "on": day, "in_force_on": b.in_force_on(day), "state_on": b.force_state(day)}
            for b in guidance.bases.values()]
    if args.json:
        print_json(rows)
        return EXIT_OK
    from isp_tui.cli.output import print_table

    cells = []
    for r in rows:
        flags = [f for f, on in (("special category", r["special_category"]),
                                 ("statutory bodies only", r["statutory_bodies_only"])) if on]
        if not r["in_force_on"] and r["state_on"] != "not tied to a date":
            flags.insert(0, f"NOT IN FORCE on {day}: {r['state_on']}")
        dates = (f"from {r['in_force']}" if r["in_force"] else "not yet in force" if r["in_force_source"] else "no date")
        if r["repealed"]:
            dates += f", repealed {r['repealed']}"
        cells.append([r["id"], r["title"], r["kind"], r["era"], dates, "; ".join(flags)])
    out = console()
    print_table(out, f"Legal bases, checked against {day}", ["id", "title", "kind", "era", "in force", "flags"], cells,
                whole=("id",))  # ids unbroken
    out.print("\nWhere each date comes from:", style="bold")
    for r in rows:
        if r["in_force_source"]:
            out.print(f"{r['id']}: {r['in_force_source']}", soft_wrap=False)
    return EXIT_OK


def cmd_rules(s: Session) -> int:
    args = s.args
    guidance = s.guidance()
    ruleset = guidance.ruleset(args.ruleset or s.default_ruleset(guidance), key="--ruleset")
    if args.json:
        print_json({"id": ruleset.id, "version": ruleset.version, "sha256": ruleset.sha256, "title": ruleset.title,
                     "rules": [{"id": r.id, "number": r.number, "title": r.title, "text": r.text, "source": r.source}
                               for r in ruleset.rules]})
        return EXIT_OK
    out = console()
    out.print(f"{ruleset.title} ({ruleset.id} {ruleset.version})", style="bold")
    for rule in ruleset.rules:
        out.print(f"\n{rule.number}. {rule.title}", style="bold")
        out.print(rule.text)
    return EXIT_OK
