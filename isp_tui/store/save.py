"""Saving: a new record or a draft (save), a change to a final record (amend), a correction passed on to
recipients (correct). Every save holds what record.normalise says a saved record holds, whatever face made
it; each is journalled, written atomically and committed on its own (see commit.py and journal.py)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from isp_tui.config import default_ruleset
from isp_tui.dates import now, response_due
from isp_tui.errors import InputError, StoreError
from isp_tui.gitlayer.env import run_git
from isp_tui.gitlayer.messages import commit_message
from isp_tui.guidance import Guidance
from isp_tui.record import (FIXED, SCHEMA_VERSION, Record, check_text, diff, merge_tables, new_id, normalise,
                            record_path)
from isp_tui.record.ids import tombstone_path
from isp_tui.record.law import in_words
from isp_tui.record.normalise import normalise_amendment
from isp_tui.record.model import FIXED_TABLES, KEPT_BY_STORE, outcome_table
from isp_tui.store.files import atomic_write, make_dirs
from isp_tui.identity import Identity
from isp_tui.store.types import Saved

if TYPE_CHECKING:
    from isp_tui.store.repo import Store

RULESETS_DIR = "rulesets"


def complete(record: Record, guidance: Guidance, author: Identity, *, final: bool, existing: Record | None,
             file: object = None, ruleset: str | None = None) -> Record:
    """The record as a save writes it: schema, status, created, the ruleset pinned, the response due date,
    normalised (record.normalise), the engine's outcome; `final`: decided.at, and refused if anything is
    missing. `ruleset`: the one a record naming none is decided under."""
    data = record.data
    data["schema"] = SCHEMA_VERSION
    data["status"] = "final" if final else "draft"
    data["created"] = existing.data["created"] if existing else data.get("created") or now()
    wanted = data.get("ruleset", {}).get("id") or (ruleset if ruleset in guidance.rulesets else None)
    data["ruleset"] = guidance.ruleset(wanted or default_ruleset(None, guidance)).pin()
    decided = data.setdefault("decided", {})
    decided.setdefault("by", str(author))
    request = data.get("request")
    if request and "received" in request and "response_due" not in request:
        request["response_due"] = response_due(request["received"])
    record = Record.from_dict(normalise(data, guidance), file, guidance=guidance, new=True)
    data = record.data
    data["outcome"] = outcome_table(record, guidance)
    if final:  # decided now, under today's record schema (what a final record must say follows from it)
        data.setdefault("decided", {}).update(at=now(), schema=SCHEMA_VERSION)
        missing = record.missing_for_final(guidance)
        if missing:
            raise InputError(f"cannot be final; still missing: {', '.join(in_words(missing))}", file=file)
    else:
        data.get("decided", {}).pop("schema", None)  # a draft is not decided yet
    return Record.from_dict(data, guidance=guidance)


class Saving:
    """A Store's saves. The default ruleset (for a record that names none) is the caller's to pass: the store
    never reads a person's config file; without one it is the guidance's own default."""

    def save(self: Store, data: dict[str, Any], guidance: Guidance, author: Identity, *, draft: bool = False,
             file: object = None, ruleset: str | None = None) -> Saved:
        """Create a record, or save a draft again, or finalise a draft. A final record is never rewritten
        here: changing one is an amendment. `ruleset`: the ruleset a record naming none is decided under."""
        record = Record.from_dict(data, file, guidance=guidance, new=True)
        if record.data.get("amendments"):
            raise InputError("a new or draft record has no amendments; amend a final record with `isp amend`",
                             file=file, field="amendments")
        with self.lock():
            existing = None
            if "id" in record.data:
                self.refuse_hand_edit(record_path(record.id))
                if self.exists(record.id):
                    existing = self.get(record.id, guidance)
                    if existing.is_final:
                        raise InputError(f"record {record.id} is final; change it with `isp amend {record.id} FILE --reason ...`",
                                         file=file, field="id")
            else:
                record.data["id"] = new_id()
            record = complete(record, guidance, author, final=not draft, existing=existing, file=file,
                                    ruleset=ruleset)
            return self._write(record, "draft" if draft else "final", author, guidance)

    def amend(self: Store, record_id: str, data: dict[str, Any], reason: str, guidance: Guidance, author: Identity,
              *, file: object = None, partial: bool = False, based_on: Record | None = None) -> Saved:
        """Change a final record: who, when, why and what changed go into the record and its own commit.
        `partial`: `data` holds only the tables and keys to change, laid over the record as it stands under
        the lock (so two people amending different fields at once never undo each other's change).
        `based_on`: the record as the person saw it when they began (a screen that edits the whole record):
        if it has changed since, the amendment is refused rather than silently undoing the other change."""
        if not reason or not reason.strip():
            raise InputError("an amendment needs a reason", field="--reason")
        check_text(reason, None, "--reason")
        with self.lock():
            self.refuse_hand_edit(record_path(record_id))
            current = self.get(record_id, guidance)
            if based_on is not None and based_on.data != current.data:
                raise InputError(f"record {record_id} was changed by someone else since you opened it "
                                 f"(now {len(current.data.get('amendments', []))} amendment(s)); open it again", field="id")
            if partial:
                data = merge_tables(current.data, data)
            if not current.is_final:
                raise InputError(f"record {record_id} is a draft; save it again with `isp record FILE --draft` instead",
                                 field="id")
            proposed = {k: v for k, v in data.items() if k not in KEPT_BY_STORE}
            for key in FIXED_TABLES:
                if key in current.data:
                    proposed.setdefault(key, current.data[key])
            if proposed.get("id", record_id) != record_id:
                raise InputError(f"the file is for record {proposed['id']}, not {record_id}", file=file, field="id")
            Record.from_dict(proposed, file, guidance=guidance)  # named errors for what the file holds, first
            candidate = Record.from_dict(normalise_amendment(proposed, current.data, guidance), file, guidance=guidance)
            candidate.data["outcome"] = outcome_table(candidate, guidance)
            changes = diff(current, candidate)
            fixed = [c["field"] for c in changes if c["field"] in FIXED]
            if fixed:
                raise InputError(f"{', '.join(fixed)} cannot be amended: they are the record's identity", file=file,
                                 field=fixed[0])
            if not changes:
                raise InputError("nothing changed: the file matches the record as it stands", file=file)
            amendment = {"id": new_id(), "at": now(), "by": str(author), "reason": reason.strip(), "changes": changes}
            merged = dict(candidate.data)
            merged["amendments"] = list(current.data.get("amendments", [])) + [amendment]
            if "corrections" in current.data:
                merged["corrections"] = current.data["corrections"]
            record = Record.from_dict(merged, file, guidance=guidance)
            missing = record.missing_for_final(guidance)
            if missing:
                raise InputError(f"after this amendment the record would be incomplete: {', '.join(in_words(missing))}",
                                 file=file)
            return self._write(record, "amend", author, guidance)

    def correct(self: Store, record_id: str, corrections: list[dict[str, Any]], guidance: Guidance,
                author: Identity) -> Saved:
        """Record a correction to information already shared (000 12.2-12.3), or the date a recipient was told of
        one, in its own commit (Action: correct). Only the record's [[corrections]] change: earlier corrections
        keep their id, date, author and description; a recipient once told keeps the date they were told."""
        with self.lock():
            self.refuse_hand_edit(record_path(record_id))
            current = self.get(record_id, guidance)
            if not current.is_final:
                raise InputError(f"record {record_id} is a draft; a correction is to information already shared",
                                 field="id")
            before = {c["id"]: c for c in current.data.get("corrections", [])}
            after = {c.get("id"): c for c in corrections}
            for cid, old in before.items():
                new = after.get(cid)
                if new is None:
                    raise InputError(f"correction {cid} cannot be removed", field="corrections")
                for key in ("found_on", "by", "description"):
                    if new.get(key) != old.get(key):
                        raise InputError(f"correction {cid}: {key} cannot be changed once recorded",
                                         field=f"corrections.{key}")
                told = {r.get("agency"): r.get("told_on") for r in new.get("recipients", [])}
                for r in old.get("recipients", []):
                    if r.get("agency") not in told or (r.get("told_on") and told[r.get("agency")] != r.get("told_on")):
                        raise InputError(f"correction {cid}: recipient {r.get('agency')!r} cannot be removed or have "
                                         "its told date changed", field="corrections.recipients")
            merged = dict(current.data)
            merged["corrections"] = corrections
            record = Record.from_dict(merged, guidance=guidance)
            if record.data.get("corrections") == current.data.get("corrections"):
                raise InputError("nothing changed: the corrections match the record as it stands", field="corrections")
            return self._write(record, "correct", author, guidance)

    def bring_across(self: Store, data: dict[str, Any], guidance: Guidance, author: Identity, *,
                     file: object = None, rulesets: Any = None) -> Saved | None:
        """A record from an old copy (a repository re-made after a destroy, a machine's old clone), committed
        as it was: its id, who decided and amended it and when are kept, nothing is recomputed, and the
        commit says it was brought across (and by whom: its author). Returns None when the record is here
        already with the same content; refuses one that is here with other content. `rulesets`: the old
        copy's rulesets/ folder, for a ruleset copy this repository lacks."""
        record = Record.from_dict(data, file, guidance=guidance)
        if "id" not in record.data or record.status not in ("draft", "final"):
            raise InputError("a record brought across needs its id and status, as the old copy holds them", file=file,
                             field="id")
        if record.is_final:
            missing = record.missing_for_final(guidance)
            if missing:
                raise InputError(f"a final record missing {', '.join(in_words(missing))} cannot be brought across",
                                 file=file)
        with self.lock():
            if self.was_destroyed(record.id):
                raise InputError(f"record {record.id} was destroyed here at the end of its retention (its tombstone is "
                                 "in retention/destroyed/); it is not brought back", file=file, field="id")
            if self.exists(record.id):
                if self.get(record.id, guidance).data == record.data:
                    return None
                raise InputError(f"record {record.id} is here already with other content; compare them with `isp show "
                                 f"{record.id}` before changing it (an amendment)", file=file, field="id")
            return self._write(record, "final" if record.is_final else "draft", author, guidance,
                               brought_across=True, rulesets=rulesets)

    def was_destroyed(self: Store, record_id: str) -> bool:
        """Whether the record was destroyed in this repository (its tombstone is here)."""
        return (self.root / tombstone_path(record_id)).is_file()

    def refuse_hand_edit(self: Store, path: str) -> None:
        """Every save starts from the committed file: a working copy changed since (by hand, by another tool)
        would be carried into the commit unrecorded, so it is refused, naming the file."""
        self.refuse_links(path)
        if self.differs_from_commit(path, self.head()):
            raise InputError(f"has been changed since it was committed (git diff shows how); isp saves only from "
                             f"the committed record: undo the change (git -C {self.root} checkout -- {path}) and "
                             "make it with `isp amend`", file=path)

    def _write(self: Store, record: Record, action: str, author: Identity, guidance: Guidance, *,
               brought_across: bool = False, rulesets: Any = None) -> Saved:
        """Journal, write the file atomically, commit without the index, move the branch, sync the index."""
        rel = record.path
        files: dict[str, bytes] = {rel: record.to_toml().encode("utf-8")}
        ruleset = guidance.rulesets.get(record.get("ruleset.id"))
        pinned = record.get("ruleset.sha256")
        if ruleset is not None and (not brought_across or ruleset.sha256 == pinned):
            pin = f"{RULESETS_DIR}/{ruleset.sha256}.toml"
            if not (self.root / pin).is_file():
                files[pin] = ruleset.path.read_bytes()
        elif brought_across and pinned and not (self.root / RULESETS_DIR / f"{pinned}.toml").is_file():
            copy = rulesets / f"{pinned}.toml" if rulesets is not None else None
            if copy is None or not copy.is_file():
                raise InputError(f"the record pins ruleset {record.get('ruleset.id')}@{record.get('ruleset.version')}, "
                                 "whose copy is neither here nor in the old copy's rulesets/ folder", field="ruleset")
            files[f"{RULESETS_DIR}/{pinned}.toml"] = copy.read_bytes()
        for path in files:  # a tampered repository must not lead a record's personal data out of it
            if self.linked(path):
                raise StoreError(f"cannot write {path}: {self.linked(path)} in the records repository is a symbolic "
                                 "link; records are written only to plain folders inside it")
        message = commit_message(record, action, brought_across=brought_across)
        journal = self.journal_path(record.id)
        parent = self.head()
        kept: dict[str, Path] = {}  # the committed files as they were, hard-linked: put back without writing
        try:
            self.write_journal(record.id, list(files), message, author)
            for path, content in files.items():
                kept.update(self._keep(path))
                atomic_write(self.root / path, content, self.work / "tmp")
            indexing = self.index_started(list(files))  # git's index is brought up to date while the commit is made
            commit = self.commit_paths(list(files), message, author, indexing=indexing)
        except Exception as exc:
            committed = self.head() != parent
            if not committed:  # nothing was committed (e.g. signing failed, a full disk): undo
                try:
                    self._roll_back(list(files), parent, kept)
                    self.sync_index(list(files))  # the index update ran beside the commit: put it back too
                except (OSError, StoreError):
                    pass  # what could not be written could not be left behind either
                journal.unlink(missing_ok=True)
            if isinstance(exc, OSError) and not committed:
                raise StoreError(f"the records repository {self.root} cannot be written here "
                                 f"({exc.strerror or exc}); nothing was saved") from None
            if isinstance(exc, StoreError) and not committed and "nothing was saved" not in str(exc):
                raise StoreError(f"{exc}; nothing was saved") from None
            raise  # (once the branch has moved, the journal completes the rest on the next open)
        finally:
            for old in kept.values():
                old.unlink(missing_ok=True)
        journal.unlink()
        return Saved(record.id, commit, rel, action, record)

    def _keep(self: Store, path: str) -> dict[str, Path]:
        """A hard link to the file as it is (no space needed, so a full disk can still be undone)."""
        full = self.root / path
        if not full.is_file():
            return {}
        make_dirs(self.work / "tmp")
        old = self.work / "tmp" / f"{full.name}.old.{os.getpid()}.tmp"
        old.unlink(missing_ok=True)
        try:
            os.link(full, old)
        except OSError:
            return {}
        return {path: old}

    def _roll_back(self: Store, paths: list[str], commit: str | None, kept: dict[str, Path] | None = None) -> None:
        """Put the working-tree files of a save that could not commit back to their committed content."""
        for path in paths:
            old_copy = (kept or {}).get(path)
            if old_copy is not None:
                full = self.root / path
                if full.exists() and os.path.samefile(old_copy, full):
                    old_copy.unlink()  # the new content never replaced it (rename of a file onto itself does nothing)
                else:
                    os.replace(old_copy, full)
                continue
            old = run_git(self.root, "cat-file", "blob", f"{commit}:{path}", check=False) if commit else None
            if old is not None and old.returncode == 0:
                atomic_write(self.root / path, old.stdout, self.work / "tmp")
            else:
                (self.root / path).unlink(missing_ok=True)
