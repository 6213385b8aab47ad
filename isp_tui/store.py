"""The records repository: a git repository holding one TOML file per decision.

The commit path never goes through an index read by GitPython: a save writes the blob and the
few changed trees straight into the object database, makes the commit with
`Commit.create_from_tree`, moves the branch with `git update-ref` (compare-and-swap on the old
value) and then brings git's index up to date for the one path with `git update-index`, so a
person running `git status` sees a clean tree. Its cost does not grow with the number of records
beyond the index update.

Every save is journalled: a journal entry is written (and fsynced) before the record file, and
removed only once the commit and the index are done. A process killed at any instant leaves
either the old state, or a journal entry that the next store opened on the repository completes.
Record files are written atomically (temp file, fsync, rename, fsync of the directory).

One inter-process lock (`.git/isp/lock`) serialises every change, so the TUI, the CLI and a sync
can run at once without a git lock error.
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
import time
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

import tomli_w

from isp_tui.dates import now, response_due
from isp_tui.errors import InputError, StoreError
from isp_tui.guidance import Guidance, Ruleset, parse_toml
from isp_tui.record import FIXED, Record, check_text, diff, new_id, record_path

if TYPE_CHECKING:
    import git

BRANCH = "refs/heads/main"
RECORD_GLOB = "[0-9][0-9][0-9][0-9]/[0-9][0-9]/[0-9][0-9]/*.toml"
RULESETS_DIR = "rulesets"
LOCK_TIMEOUT = 60.0
STALE_GIT_LOCK = 30.0  # seconds after which a git lock file nobody is holding is taken as left by a crash
ZERO = "0" * 40
IDENTITY = re.compile(r"^\s*(?P<name>[^<>]+?)\s*<(?P<email>[^<>\s]+)>\s*$")
# Our own git commands never run hooks or an fsmonitor: a tampered repository config runs no code.
SAFE_CONFIG = {"core.hooksPath": os.devnull, "core.fsmonitor": "false", "core.untrackedCache": "false"}


def git_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_CONFIG_")}
    config = dict(SAFE_CONFIG, **(extra or {}))
    env["GIT_CONFIG_COUNT"] = str(len(config))
    for n, (key, value) in enumerate(config.items()):
        env[f"GIT_CONFIG_KEY_{n}"] = key
        env[f"GIT_CONFIG_VALUE_{n}"] = value
    env["GIT_TERMINAL_PROMPT"] = "0"
    env.setdefault("LC_ALL", "C")
    return env


@dataclass(frozen=True)
class Identity:
    name: str
    email: str

    @classmethod
    def parse(cls, text: str, *, field: str = "--as") -> Identity:
        match = IDENTITY.match(text or "")
        if not match:
            raise InputError(f"{text!r} is not an identity; expected \"Name <email>\"", field=field)
        return cls(match["name"], match["email"])

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


@dataclass(frozen=True)
class Saved:
    id: str
    commit: str
    path: str
    action: str
    record: Record


@dataclass(frozen=True)
class Revision:
    """One commit in a record's history, read from git."""

    commit: str
    author: str
    email: str
    date: datetime
    subject: str
    trailers: dict[str, str]

    @property
    def action(self) -> str:
        return self.trailers.get("Action", "")


@dataclass(frozen=True)
class Problem:
    """A file in the records repository that cannot be read as a record."""

    path: str
    message: str


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(target: Path, data: bytes, tmp_dir: Path, mode: int = 0o600) -> None:
    """Write a file so that a crash leaves the old content or the new, never a half file."""
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = tmp_dir / f"{target.name}.{os.getpid()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, target)
    fsync_dir(target.parent)


class Store:
    """One records repository on disk."""

    def __init__(self, root: Path, *, create: bool = True):
        self.root = Path(root).expanduser().absolute()
        self.messages: list[str] = []  # things a person should be told (recoveries, permissions)
        self._repo: git.Repo | None = None
        if not (self.root / ".git").exists():
            if not create:
                raise StoreError(f"{self.root} is not a records repository (no .git); run `isp init {self.root}`")
            self._init()
        self.gitdir = self.root / ".git"
        if not self.gitdir.is_dir():
            raise StoreError(f"{self.root} is not a records repository: .git is not a directory")
        self.work = self.gitdir / "isp"
        self._check_permissions()

    # -- set-up ------------------------------------------------------------------------------------

    def _init(self) -> None:
        root = self.root
        if root.exists() and not root.is_dir():
            raise StoreError(f"{root} is not a directory")
        if root.is_dir():
            others = [p.name for p in root.iterdir() if p.name not in ("README.md", ".gitkeep")]
            if others:
                raise StoreError(f"{root} is not a git repository and is not empty ({', '.join(sorted(others)[:3])}...); "
                                 "choose an empty directory for the records repository")
        try:
            root.mkdir(parents=True, exist_ok=True, mode=0o700)
            os.chmod(root, 0o700)
            self._git_raw(["init", "-q", "-b", "main", str(root)], cwd=root.parent)
        except PermissionError:
            raise StoreError(f"cannot create the records repository at {root}: permission denied") from None
        except subprocess.CalledProcessError as exc:
            raise StoreError(f"cannot create the records repository at {root}: {exc.stderr.strip()}") from None
        for key, value in (("core.splitIndex", "true"), ("index.version", "4"), ("core.untrackedCache", "false")):
            self._git_raw(["config", key, value], cwd=root)
        exclude = root / ".git" / "info" / "exclude"
        exclude.parent.mkdir(exist_ok=True)
        with exclude.open("a") as fh:  # a checkout's records/README.md belongs to the project, not here
            fh.write("/README.md\n/.gitkeep\n")

    def _check_permissions(self) -> None:
        mode = stat.S_IMODE(self.root.stat().st_mode)
        if mode & 0o077:
            self.messages.append(f"warning: {self.root} can be read by other users (mode {mode:o}); "
                                 f"records hold personal data: chmod 700 {self.root}")

    @property
    def repo(self) -> git.Repo:
        if self._repo is None:
            import git

            self._repo = git.Repo(self.root)
            env = git_env()
            self._repo.git.update_environment(**{k: v for k, v in env.items() if k.startswith("GIT_")})
        return self._repo

    # -- running git ---------------------------------------------------------------------------------

    def _git_raw(self, args: list[str], *, cwd: Path | None = None, input: bytes | None = None) -> str:
        result = subprocess.run(["git", *args], cwd=cwd or self.root, env=git_env(), input=input,
                                capture_output=True, check=True)
        return result.stdout.decode("utf-8", "replace")

    def git(self, *args: str, input: bytes | None = None) -> str:
        """Run git in the records repository with hooks and fsmonitor disabled."""
        return self._git_raw(list(args), input=input)

    # -- the lock ------------------------------------------------------------------------------------

    def lock(self):
        from filelock import FileLock

        self.work.mkdir(exist_ok=True, mode=0o700)
        return _Lock(FileLock(str(self.work / "lock"), timeout=LOCK_TIMEOUT), self)

    # -- reading -----------------------------------------------------------------------------------

    def head(self) -> str | None:
        """The commit the branch points to, or None in a repository with no commits yet."""
        try:
            return self.git("rev-parse", "--verify", "-q", BRANCH).strip() or None
        except subprocess.CalledProcessError:
            return None

    def path_of(self, record_id: str) -> Path:
        return self.root / record_path(record_id)

    def exists(self, record_id: str) -> bool:
        return self.path_of(record_id).is_file()

    def get(self, record_id: str, guidance: Guidance | None = None) -> Record:
        path = self.path_of(record_id)
        if path.is_symlink():
            raise InputError("is a symbolic link; records are plain files and links are not followed", file=path)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raise InputError(f"no record with id {record_id} in {self.root}", field="id") from None
        record = Record.from_toml(raw, path, guidance=guidance)
        if record.id != record_id:
            raise InputError(f"holds id {record.id!r}, but its file name says {record_id!r}", file=path, field="id")
        return record

    def record_at(self, record_id: str, commit: str, guidance: Guidance | None = None) -> Record:
        raw = self.git("show", f"{commit}:{record_path(record_id)}").encode()
        return Record.from_toml(raw, f"{commit[:12]}:{record_path(record_id)}", guidance=guidance)

    def paths(self) -> Iterator[Path]:
        return iter(sorted(self.root.glob(RECORD_GLOB)))

    def records(self, guidance: Guidance | None = None) -> Iterator[Record | Problem]:
        """Every record file in the working tree; a broken one is a Problem naming the file, not an error."""
        for path in self.paths():
            rel = str(path.relative_to(self.root))
            try:
                if path.is_symlink():
                    raise InputError("is a symbolic link; records are plain files and links are not followed", file=rel)
                record = Record.from_toml(path.read_bytes(), rel, guidance=guidance)
                if record.id != path.stem:
                    raise InputError(f"holds id {record.id!r}, but its file name says {path.stem!r}", file=rel, field="id")
                yield record
            except InputError as exc:
                yield Problem(rel, str(exc))
            except OSError as exc:
                yield Problem(rel, f"{rel}: cannot be read ({exc.strerror})")

    def history(self, record_id: str) -> list[Revision]:
        """Every commit that touched the record, newest first."""
        fmt = "%H%x1f%an%x1f%ae%x1f%aI%x1f%s%x1f%(trailers:only,unfold)%x1e"
        try:
            out = self.git("log", f"--format={fmt}", BRANCH, "--", record_path(record_id))
        except subprocess.CalledProcessError:
            return []
        return [revision for chunk in out.split("\x1e") if (revision := _parse_revision(chunk))]

    # -- writing -------------------------------------------------------------------------------------

    def save(self, data: dict[str, Any], guidance: Guidance, author: Identity, *, draft: bool = False,
             file: object = None) -> Saved:
        """Create a record, or save a draft again, or finalise a draft. A final record is never rewritten
        here: changing one is an amendment."""
        if data.get("amendments"):
            raise InputError("a new or draft record has no amendments; amend a final record with `isp amend`",
                             file=file, field="amendments")
        record = Record.from_dict(data, file, guidance=guidance, new=True)
        with self.lock():
            existing = None
            if "id" in record.data:
                if self.exists(record.id):
                    existing = self.get(record.id, guidance)
                    if existing.is_final:
                        raise InputError(f"record {record.id} is final; change it with `isp amend {record.id} FILE --reason ...`",
                                         file=file, field="id")
            else:
                record.data["id"] = new_id()
            record = self._complete(record, guidance, author, final=not draft, existing=existing)
            action = "draft" if draft else "final"
            return self._write(record, action, author, guidance)

    def amend(self, record_id: str, data: dict[str, Any], reason: str, guidance: Guidance, author: Identity,
              *, file: object = None) -> Saved:
        """Change a final record: who, when, why and what changed go into the record and its own commit."""
        if not reason or not reason.strip():
            raise InputError("an amendment needs a reason", field="--reason")
        check_text(reason, None, "--reason")
        with self.lock():
            current = self.get(record_id, guidance)
            if not current.is_final:
                raise InputError(f"record {record_id} is a draft; save it again with `isp record FILE --draft` instead",
                                 field="id")
            proposed = {k: v for k, v in data.items() if k not in ("amendments", "outcome", "corrections")}
            for key in ("schema", "id", "status", "created", "ruleset", "decided"):
                if key in current.data:
                    proposed.setdefault(key, current.data[key])
            if proposed.get("id", record_id) != record_id:
                raise InputError(f"the file is for record {proposed['id']}, not {record_id}", file=file, field="id")
            candidate = Record.from_dict(proposed, file, guidance=guidance)
            candidate.data["outcome"] = _outcome(candidate, guidance)
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
                raise InputError(f"after this amendment the record would be incomplete: {', '.join(missing)}", file=file)
            return self._write(record, "amend", author, guidance)

    def correct(self, record_id: str, corrections: list[dict[str, Any]], guidance: Guidance, author: Identity) -> Saved:
        """Record a correction to information already shared (000 12.2-12.3), or the date a recipient was told of
        one, in its own commit (Action: correct). Only the record's [[corrections]] change: earlier corrections
        keep their id, date, author and description; a recipient once told keeps the date they were told."""
        with self.lock():
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

    def _complete(self, record: Record, guidance: Guidance, author: Identity, *, final: bool,
                  existing: Record | None) -> Record:
        data = record.data
        data["schema"] = 1
        data["status"] = "final" if final else "draft"
        data["created"] = existing.data["created"] if existing else data.get("created") or now()
        ruleset = guidance.ruleset(data.get("ruleset", {}).get("id") or default_ruleset(guidance))
        data["ruleset"] = ruleset.pin()
        decided = data.setdefault("decided", {})
        decided.setdefault("by", str(author))
        request = data.get("request")
        if request and "received" in request and "response_due" not in request:
            request["response_due"] = response_due(request["received"])
        data["outcome"] = _outcome(record, guidance)
        if final:
            decided["at"] = now()
            missing = record.missing_for_final(guidance)
            if missing:
                raise InputError(f"cannot be final; still missing: {', '.join(missing)}")
        return Record.from_dict(data, guidance=guidance)

    def _write(self, record: Record, action: str, author: Identity, guidance: Guidance) -> Saved:
        """Journal, write the file atomically, commit without the index, move the branch, sync the index."""
        rel = record.path
        files: dict[str, bytes] = {rel: record.to_toml().encode("utf-8")}
        ruleset = guidance.rulesets.get(record.get("ruleset.id"))
        if ruleset is not None:
            pin = f"{RULESETS_DIR}/{ruleset.sha256}.toml"
            if not (self.root / pin).is_file():
                files[pin] = ruleset.path.read_bytes()
        message = commit_message(record, action)
        journal = self.work / "journal" / f"{record.id}.toml"
        atomic_write(journal, tomli_w.dumps({"paths": list(files), "message": message, "author": str(author)}).encode(),
                     self.work / "tmp")
        for path, content in files.items():
            atomic_write(self.root / path, content, self.work / "tmp")
        commit = self._commit(list(files), message, author)
        journal.unlink()
        return Saved(record.id, commit, rel, action, record)

    def _commit(self, paths: list[str], message: str, author: Identity) -> str:
        """Commit the working-tree content of `paths` on top of the branch, without reading the index."""
        parent = self.head()
        tree = self._tree_of(parent) if parent else None
        for path in paths:
            full = self.root / path
            blob = self._store_object(b"blob", full.read_bytes()) if full.is_file() else None
            tree = self._update_tree(tree, path.split("/"), blob)
        if tree is None:
            tree = self._store_object(b"tree", b"")
        commit = self._make_commit(tree, parent, message, author)
        self._update_ref(commit, parent, message)
        self._sync_index(paths)
        return commit

    def _store_object(self, kind: bytes, data: bytes) -> bytes:
        from gitdb import IStream

        return self.repo.odb.store(IStream(kind, len(data), BytesIO(data))).binsha

    def _tree_of(self, commit: str) -> bytes:
        raw = self.repo.odb.stream(bytes.fromhex(commit)).read()
        return bytes.fromhex(raw[5:45].decode())  # "tree <hex>\n..."

    def _update_tree(self, tree: bytes | None, parts: list[str], blob: bytes | None) -> bytes | None:
        from git.objects.fun import tree_entries_from_data, tree_to_stream

        entries: dict[str, tuple[bytes, int]] = {}
        if tree is not None:
            for binsha, mode, name in tree_entries_from_data(self.repo.odb.stream(tree).read()):
                entries[name] = (binsha, mode)
        name = parts[0]
        if len(parts) == 1:
            if blob is None:
                entries.pop(name, None)
            else:
                entries[name] = (blob, 0o100644)
        else:
            current = entries.get(name)
            sub = current[0] if current and stat.S_ISDIR(current[1]) else None
            new = self._update_tree(sub, parts[1:], blob)
            if new is None:
                entries.pop(name, None)
            else:
                entries[name] = (new, 0o040000)
        if not entries:
            return None
        ordered = sorted(entries.items(), key=lambda e: e[0].encode() + (b"/" if stat.S_ISDIR(e[1][1]) else b""))
        out = BytesIO()
        tree_to_stream([(binsha, mode, name) for name, (binsha, mode) in ordered], out.write)
        return self._store_object(b"tree", out.getvalue())

    def _make_commit(self, tree: bytes, parent: str | None, message: str, author: Identity) -> str:
        when = now()
        stamp = f"{int(when.timestamp())} +0000"
        signing = self._signing()
        if signing:
            args = ["commit-tree", tree.hex(), "-S"] + (["-p", parent] if parent else [])
            env = {"GIT_AUTHOR_NAME": author.name, "GIT_AUTHOR_EMAIL": author.email, "GIT_AUTHOR_DATE": stamp,
                   "GIT_COMMITTER_NAME": author.name, "GIT_COMMITTER_EMAIL": author.email, "GIT_COMMITTER_DATE": stamp}
            result = subprocess.run(["git", *args], cwd=self.root, env={**git_env(), **env}, input=message.encode(),
                                    capture_output=True)
            if result.returncode != 0:
                raise StoreError(f"signing the commit failed: {result.stderr.decode(errors='replace').strip()}")
            return result.stdout.decode().strip()
        from git import Actor
        from git.objects.commit import Commit

        actor = Actor(author.name, author.email)
        parents = [self.repo.commit(parent)] if parent else []
        commit = Commit.create_from_tree(self.repo, self.repo.tree(tree.hex()), message, parent_commits=parents,
                                         author=actor, committer=actor, author_date=stamp, commit_date=stamp)
        return commit.hexsha

    def _signing(self) -> bool:
        try:
            return self.git("config", "--bool", "commit.gpgsign").strip() == "true"
        except subprocess.CalledProcessError:
            return False

    def _update_ref(self, commit: str, parent: str | None, message: str) -> None:
        subject = message.splitlines()[0]
        for attempt in range(2):
            try:
                self.git("update-ref", "-m", subject, BRANCH, commit, parent or ZERO)
                return
            except subprocess.CalledProcessError as exc:
                if attempt == 0 and self._clear_stale_lock(self.gitdir / (BRANCH + ".lock")):
                    continue
                raise StoreError(f"the branch could not be moved: {exc.stderr.decode(errors='replace').strip()}") from None

    def _sync_index(self, paths: list[str]) -> None:
        """Bring git's index up to date for the changed paths only (split index: a small write)."""
        present = [p for p in paths if (self.root / p).is_file()]
        gone = [p for p in paths if p not in present]
        for attempt in range(2):
            try:
                if present:
                    self.git("update-index", "--add", "--", *present)
                if gone:
                    self.git("update-index", "--force-remove", "--", *gone)
                return
            except subprocess.CalledProcessError as exc:
                if attempt == 0 and self._clear_stale_lock(self.gitdir / "index.lock"):
                    continue
                raise StoreError(f"git's index could not be updated: {exc.stderr.decode(errors='replace').strip()}") from None

    def _clear_stale_lock(self, lock: Path, *, force: bool = False) -> bool:
        """A git lock file nobody holds, left by a crash: remove it, and say so."""
        try:
            age = time.time() - lock.stat().st_mtime
        except FileNotFoundError:
            return True  # gone already: try again
        if not force and age < STALE_GIT_LOCK:
            time.sleep(0.5)  # someone may be using git right now: give them a moment, then try once more
            return not lock.exists()
        lock.unlink(missing_ok=True)
        self.messages.append(f"recovered: removed a stale git lock {lock.relative_to(self.root)} left by an interrupted git command")
        return True

    # -- recovery ------------------------------------------------------------------------------------

    def recover(self) -> list[str]:
        """Finish saves a crash interrupted. Called with the lock held, before every change."""
        journal_dir = self.work / "journal"
        entries = sorted(journal_dir.glob("*.toml")) if journal_dir.is_dir() else []
        if not entries:
            return []
        for lock in (self.gitdir / "index.lock", self.gitdir / (BRANCH + ".lock")):
            if lock.exists():  # we hold the repository lock and a save of ours was cut short: the lock is ours
                self._clear_stale_lock(lock, force=True)
        done = []
        for entry in entries:
            try:
                info = parse_toml(entry.read_bytes(), entry)
                paths, message, author = info["paths"], info["message"], Identity.parse(info["author"])
            except (InputError, KeyError, TypeError):
                entry.unlink()  # the journal entry itself was cut short: nothing after it had started
                continue
            head = self.head()
            changed = [p for p in paths if self._differs_from_commit(p, head)]
            if changed:
                self._commit(paths, message.rstrip() + "\nRecovered: true\n", author)
                done.append(f"recovered: completed an interrupted save of record {entry.stem}")
            else:
                self._sync_index(paths)
            entry.unlink()
        self.messages.extend(done)
        return done

    def _differs_from_commit(self, path: str, commit: str | None) -> bool:
        full = self.root / path
        if commit is None:
            return full.is_file()
        try:
            committed = self.git("rev-parse", "-q", "--verify", f"{commit}:{path}").strip()
        except subprocess.CalledProcessError:
            committed = ""
        if not full.is_file():
            return bool(committed)
        current = self.git("hash-object", "--", path).strip()
        return current != committed


class _Lock:
    """The repository lock; on taking it, interrupted saves are completed first."""

    def __init__(self, lock: Any, store: Store):
        self._lock, self._store = lock, store

    def __enter__(self) -> Store:
        from filelock import Timeout

        try:
            self._lock.acquire()
        except Timeout:
            raise StoreError(f"the records repository {self._store.root} is busy: another isp has been saving "
                             f"for over {LOCK_TIMEOUT:.0f} s") from None
        try:
            self._store.recover()
        except BaseException:
            self._lock.release()
            raise
        return self._store

    def __exit__(self, *exc: object) -> None:
        self._lock.release()


def _outcome(record: Record, guidance: Guidance) -> dict[str, Any]:
    decision = record.decide(guidance)
    return {"engine": decision.outcome, "path": list(decision.path),
            "reasons": [r.as_dict() for r in decision.reasons], "warnings": [w.as_dict() for w in decision.warnings]}


def default_ruleset(guidance: Guidance) -> str:
    from isp_tui.config import load_config

    wanted = load_config().ruleset
    return wanted if wanted in guidance.rulesets else sorted(guidance.rulesets)[-1]


def commit_message(record: Record, action: str) -> str:
    """A subject and trailers an auditor can read with plain git; never any personal data."""
    outcome = record.recorded if record.is_final and record.recorded else record.engine_outcome or "incomplete"
    ruleset = f"{record.get('ruleset.id')}@{record.get('ruleset.version')}"
    return (f"record {record.id}: {action} ({outcome})\n\n"
            f"Record-Id: {record.id}\nAction: {action}\nOutcome: {outcome}\n"
            f"Engine-Outcome: {record.engine_outcome or 'incomplete'}\nRuleset: {ruleset}\n")


def _parse_revision(chunk: str) -> Revision | None:
    chunk = chunk.strip("\n")
    if not chunk:
        return None
    commit, author, email, when, subject, trailers = chunk.split("\x1f")
    parsed = {}
    for line in trailers.splitlines():
        key, sep, value = line.partition(":")
        if sep:
            parsed[key.strip()] = value.strip()
    return Revision(commit, author, email, datetime.fromisoformat(when), subject, parsed)

