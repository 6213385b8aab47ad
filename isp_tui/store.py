"""The records repository: a git repository holding one TOML file per decision.

The commit path never reads git's index: a save reads the branch's commit and the few trees on
the way to the record (root, year, month, day) with one `git cat-file --batch`, writes the blob,
those trees and the commit as loose objects straight from Python, and moves the branch with
`git update-ref` (compare-and-swap on the old value). Signed commits (commit.gpgsign) are made by
`git commit-tree -S` instead. Meanwhile `git update-index` brings git's index up to date for the
changed paths, so a person running `git status` sees a clean tree; with a split index that is a
small write, but it reads the whole index, the only cost that grows with the number of records,
so it runs side by side with the commit and the save waits for both.

Every save is journalled: a journal entry is written (and fsynced) before the record file, and
removed only once the commit and the index are done. A process killed at any instant leaves
either the old state, or a journal entry that the next store opened on the repository completes.
Record files are written atomically (temp file, fsync, rename, fsync of the directory).

One inter-process lock (`.git/isp/lock`) serialises every change, so the TUI, the CLI and a sync
can run at once without a git lock error.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import subprocess
import time
import zlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

import tomli_w

from isp_tui.dates import now, response_due
from isp_tui.errors import InputError, StoreError
from isp_tui.guidance import Guidance, Ruleset, parse_toml
from isp_tui.record import FIXED, SCHEMA_VERSION, Record, check_text, diff, merge_tables, new_id, record_path

if TYPE_CHECKING:
    import git

BRANCH = "refs/heads/main"
RECORD_GLOB = "[0-9][0-9][0-9][0-9]/[0-9][0-9]/[0-9][0-9]/*.toml"
RULESETS_DIR = "rulesets"
LOCK_TIMEOUT = 60.0
STALE_GIT_LOCK = 30.0  # seconds after which a git lock file nobody is holding is taken as left by a crash
GIT_LOCK_RETRIES = 20  # a person's git commands may take git's own locks between our tries
ZERO = "0" * 40
REF_LOCKS = (BRANCH + ".lock", "HEAD.lock")  # what a killed `git update-ref` of the branch can leave behind
IDENTITY = re.compile(r"^\s*(?P<name>[^<>]+?)\s*<(?P<email>[^<>\s]+)>\s*$")
# Our own git commands never run hooks or an fsmonitor: a tampered repository config runs no code.
RESPLIT_FROM = 64 * 1024  # bytes of split index below which it is never worth writing a new shared index
_BACKGROUND: list[subprocess.Popen] = []  # commit-graph writers still running
SAFE_CONFIG = {"core.hooksPath": os.devnull, "core.fsmonitor": "false", "core.untrackedCache": "false",
               "log.showSignature": "false"}
# Programs git runs to sign or check signatures: taken from the person's own (global or system) git config
# or git's defaults, never from the records repository's config, which a tampered repository controls.
SIGNING_PROGRAMS = {"gpg.program": "gpg", "gpg.openpgp.program": "gpg", "gpg.x509.program": "gpgsm",
                    "gpg.ssh.program": "ssh-keygen", "gpg.ssh.defaultkeycommand": ""}
_OUR_CONFIG = re.compile(r"^GIT_CONFIG_(COUNT|KEY_\d+|VALUE_\d+|PARAMETERS)$")


def _plain_env() -> dict[str, str]:
    """The environment without config passed on the command line (keeps GIT_CONFIG_GLOBAL and _NOSYSTEM)."""
    return {k: v for k, v in os.environ.items() if not _OUR_CONFIG.match(k)}


def _users_signing_programs() -> dict[str, str]:
    env = _plain_env()
    key = tuple(env.get(k, "") for k in ("HOME", "XDG_CONFIG_HOME", "GIT_CONFIG_GLOBAL", "GIT_CONFIG_SYSTEM",
                                          "GIT_CONFIG_NOSYSTEM"))
    if key not in _SIGNING_CACHE:
        programs = dict(SIGNING_PROGRAMS)
        try:
            out = subprocess.run(["git", "config", "--show-scope", "--get-regexp", r"^gpg\..*program$|^gpg\.ssh\.defaultkeycommand$"],
                                 cwd=Path.home() if Path.home().is_dir() else "/", env=dict(env, GIT_DIR=os.devnull),
                                 capture_output=True, text=True).stdout
        except OSError:
            out = ""
        for line in out.splitlines():  # "global<TAB>gpg.program /usr/bin/gpg": later lines win, as in git
            scope, _, rest = line.partition("\t")
            name, _, value = rest.partition(" ")
            if scope in ("system", "global") and name.lower() in programs:
                programs[name.lower()] = value
        _SIGNING_CACHE[key] = programs
    return _SIGNING_CACHE[key]


_SIGNING_CACHE: dict[tuple[str, ...], dict[str, str]] = {}


def git_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = _plain_env()
    config = dict(SAFE_CONFIG, **_users_signing_programs(), **(extra or {}))
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

    def __post_init__(self) -> None:
        # it becomes a git author line and the record's decided.by: one line of plain text, no <, >
        for part in (self.name, self.email):
            if not part.strip() or any(c in "<>\n\t" for c in part):
                raise InputError(f"{str(self)!r} is not an identity; expected \"Name <email>\"", field="--as")
            check_text(part, None, "--as")

    @classmethod
    def parse(cls, text: str, *, field: str = "--as") -> Identity:
        match = IDENTITY.match(text or "")
        if not match:
            raise InputError(f"{text!r} is not an identity; expected \"Name <email>\"", field=field)
        try:
            return cls(match["name"], match["email"])
        except InputError as exc:
            raise InputError(exc.message, field=field) from None

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


def blob_id(data: bytes) -> str:
    """The id git gives a file's bytes as a blob (no filters, no attributes)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def make_dirs(path: Path) -> None:
    """mkdir -p with every folder it creates owner-only (Path.mkdir(parents=True) gives the parents the umask's mode)."""
    missing = []
    while not path.exists():
        missing.append(path)
        path = path.parent
    for folder in reversed(missing):
        folder.mkdir(mode=0o700, exist_ok=True)


def atomic_write(target: Path, data: bytes, tmp_dir: Path, mode: int = 0o600) -> None:
    """Write a file so that a crash leaves the old content or the new, never a half file."""
    make_dirs(target.parent)
    make_dirs(tmp_dir)
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

    def linked(self, rel: str) -> str | None:
        """The first part of a path inside the repository that is a symbolic link (a file or a folder that
        could lead out of it), or None. Records are plain files in plain folders; links are never followed."""
        here = self.root
        for part in Path(rel).parts:
            here = here / part
            if here.is_symlink():
                return str(here.relative_to(self.root))
        return None

    def _refuse_links(self, rel: str, file: object = None) -> None:
        link = self.linked(rel)
        if link is not None:
            what = "is a symbolic link" if link == rel else f"is under a symbolic link ({link})"
            raise InputError(f"{what}; records are plain files in plain folders and links are not followed",
                             file=file or rel)

    def get(self, record_id: str, guidance: Guidance | None = None) -> Record:
        path = self.path_of(record_id)
        self._refuse_links(record_path(record_id), path)
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
                self._refuse_links(rel)
                record = Record.from_toml(path.read_bytes(), rel, guidance=guidance)
                if record.id != path.stem:
                    raise InputError(f"holds id {record.id!r}, but its file name says {path.stem!r}", file=rel, field="id")
                if record.path != rel:
                    raise InputError(f"is in the wrong folder: record {record.id} belongs at {record.path}", file=rel,
                                     field="id")
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

    def update_commit_graph(self, *, wait: bool = True, replace: bool = False) -> None:
        """Write git's commit-graph with changed-path (Bloom) filters, so `git log -- <file>` (a record's
        history) skips the commits that did not touch it. Incremental (`--split`): only new commits are
        added, as a new layer; `replace` writes it whole (the first time, or to add filters to a graph
        some other git wrote without them). With wait=False it runs as a background git process."""
        args = ["git", "commit-graph", "write", "--reachable", "--changed-paths", "--no-progress",
                "--split=replace" if replace else "--split"]
        if wait:
            subprocess.run(args, cwd=self.root, env=git_env(), capture_output=True)
            return
        _BACKGROUND[:] = [p for p in _BACKGROUND if p.poll() is None]
        _BACKGROUND.append(subprocess.Popen(args, cwd=self.root, env=git_env(), stdin=subprocess.DEVNULL,
                                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                            start_new_session=True))

    # -- writing -------------------------------------------------------------------------------------

    def save(self, data: dict[str, Any], guidance: Guidance, author: Identity, *, draft: bool = False,
             file: object = None) -> Saved:
        """Create a record, or save a draft again, or finalise a draft. A final record is never rewritten
        here: changing one is an amendment."""
        record = Record.from_dict(data, file, guidance=guidance, new=True)
        if record.data.get("amendments"):
            raise InputError("a new or draft record has no amendments; amend a final record with `isp amend`",
                             file=file, field="amendments")
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
            record = self._complete(record, guidance, author, final=not draft, existing=existing, file=file)
            action = "draft" if draft else "final"
            return self._write(record, action, author, guidance)

    def amend(self, record_id: str, data: dict[str, Any], reason: str, guidance: Guidance, author: Identity,
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
            current = self.get(record_id, guidance)
            if based_on is not None and based_on.data != current.data:
                raise InputError(f"record {record_id} was changed by someone else since you opened it "
                                 f"(now {len(current.data.get('amendments', []))} amendment(s)); open it again", field="id")
            if partial:
                data = merge_tables(current.data, data)
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
                  existing: Record | None, file: object = None) -> Record:
        data = record.data
        data["schema"] = SCHEMA_VERSION
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
                raise InputError(f"cannot be final; still missing: {', '.join(missing)}", file=file)
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
        for path in files:  # a tampered repository must not lead a record's personal data out of it
            if self.linked(path):
                raise StoreError(f"cannot write {path}: {self.linked(path)} in the records repository is a symbolic "
                                 "link; records are written only to plain folders inside it")
        message = commit_message(record, action)
        journal = self.work / "journal" / f"{record.id}.toml"
        parent = self.head()
        try:
            atomic_write(journal, tomli_w.dumps({"paths": list(files), "message": message,
                                                 "author": str(author)}).encode(), self.work / "tmp")
            for path, content in files.items():
                atomic_write(self.root / path, content, self.work / "tmp")
            indexing = self._index_started(list(files))  # git's index is brought up to date while the commit is made
            commit = self._commit(list(files), message, author, indexing=indexing)
        except Exception as exc:
            committed = self.head() != parent
            if not committed:  # nothing was committed (e.g. signing failed, a folder not writable): undo
                try:
                    self._roll_back(list(files), parent)
                    self._sync_index(list(files))  # the index update ran beside the commit: put it back too
                except (OSError, StoreError):
                    pass  # what could not be written could not be left behind either
                journal.unlink(missing_ok=True)
            if isinstance(exc, OSError) and not committed:
                raise StoreError(f"the records repository {self.root} cannot be written here "
                                 f"({exc.strerror or exc}); nothing was saved") from None
            raise  # (once the branch has moved, the journal completes the rest on the next open)
        journal.unlink()
        return Saved(record.id, commit, rel, action, record)

    def _roll_back(self, paths: list[str], commit: str | None) -> None:
        """Put the working-tree files of a save that could not commit back to their committed content."""
        for path in paths:
            old = subprocess.run(["git", "cat-file", "blob", f"{commit}:{path}"], cwd=self.root, env=git_env(),
                                 capture_output=True) if commit else None
            if old is not None and old.returncode == 0:
                atomic_write(self.root / path, old.stdout, self.work / "tmp")
            else:
                (self.root / path).unlink(missing_ok=True)

    def _commit(self, paths: list[str], message: str, author: Identity, *,
                indexing: subprocess.Popen | None = None) -> str:
        """Commit the working-tree content of `paths` on top of the branch, without reading the index.

        One `git cat-file --batch` reads the branch's commit and the trees on the way to each path
        (root, year, month, day: a handful of small trees whatever the size of the repository); the
        new blob, trees and commit are written as loose objects straight from Python (zlib + SHA-1,
        git's own format), so a save starts three git processes in all: this one, `update-ref`
        and `update-index`. `indexing` is that `update-index`, already started by the caller: it only
        needs the files on disk, and reading a big repository's index is the one cost that grows, so it
        runs beside the commit; the save returns only once both are done."""
        try:
            commit = self._commit_objects(paths, message, author)
        finally:
            indexed = indexing is not None and indexing.wait() == 0
        if not indexed:
            self._sync_index(paths)  # not started, or it failed (a stale index.lock?): the careful way
        return commit

    def _index_started(self, paths: list[str]) -> subprocess.Popen:
        """`git update-index` for `paths`, started and not waited for. As in _sync_index, entries are given
        by blob id (--cacheinfo): git hashes nothing itself, so no clean filter a tampered repository names runs."""
        present = [p for p in paths if (self.root / p).is_file()]
        gone = [p for p in paths if p not in present]
        args = ["update-index", "--add", *self._resplit()]
        for p in present:
            args += ["--cacheinfo", f"100644,{blob_id((self.root / p).read_bytes())},{p}"]
        if gone:
            args += ["--force-remove", "--", *gone]
        return subprocess.Popen(["git", *args], cwd=self.root, env=git_env(), stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def _resplit(self) -> list[str]:
        """`--split-index` when git's split index has grown to an eighth of its shared index, else nothing.

        Each `update-index` reads both files and writes the split one again. A save adds one entry to it,
        but a `git status` after files were touched (a copy, a restore, a checkout) writes fresh stat data
        for every entry there: at 100,000 records a 6 MB split index made each save's update-index 80 ms
        instead of 25. `--split-index` makes git write a new shared index holding everything (130 ms, once)."""
        try:
            split = (self.gitdir / "index").stat().st_size
            shared = max((p.stat().st_size for p in self.gitdir.glob("sharedindex.*")), default=0)
        except OSError:
            return []
        # an index as big as a shared one is not split at all (core.splitIndex turned off by hand, old
        # shared files left behind): leave it as the repository's owner set it
        return ["--split-index"] if shared and max(shared // 8, RESPLIT_FROM) < split < shared else []

    def _commit_objects(self, paths: list[str], message: str, author: Identity) -> str:
        """The objects and the branch move of _commit."""
        dirs = sorted({"/".join(path.split("/")[:n]) for path in paths for n in range(path.count("/") + 1)},
                      key=lambda d: (d.count("/") if d else -1, d))
        signing = self._signing_started()  # asked of git while the trees are read: the two run side by side
        try:
            parent, trees = self._read_trees(dirs)
        except BaseException:
            signing.kill()
            signing.wait()
            raise
        for path in paths:
            folder, _, name = path.rpartition("/")
            full = self.root / path
            if full.is_file():
                trees[folder][name.encode()] = (b"100644", self._write_object(b"blob", full.read_bytes()))
            else:
                trees[folder].pop(name.encode(), None)
        for folder in sorted(dirs, key=lambda d: (-(d.count("/") + 1) if d else 0, d)):
            if not folder:
                continue
            up, _, name = folder.rpartition("/")
            if trees[folder]:
                trees[up][name.encode()] = (b"40000", self._write_object(b"tree", _tree_bytes(trees[folder])))
            else:
                trees[up].pop(name.encode(), None)
        tree = self._write_object(b"tree", _tree_bytes(trees[""]))
        commit = self._make_commit(tree, parent, message, author, sign=_signing_answer(signing))
        self._update_ref(commit, parent, message)
        return commit

    def _read_trees(self, dirs: list[str]) -> tuple[str | None, dict[str, dict[bytes, tuple[bytes, bytes]]]]:
        """The branch's commit and the entries of each of `dirs` in its tree (empty where absent)."""
        asks = [BRANCH] + [f"{BRANCH}^{{tree}}" if not d else f"{BRANCH}:{d}" for d in dirs]
        out = subprocess.run(["git", "cat-file", "--batch"], cwd=self.root, env=git_env(), capture_output=True,
                             input="".join(f"{a}\n" for a in asks).encode())
        if out.returncode != 0:
            raise StoreError(f"the records repository could not be read: {out.stderr.decode(errors='replace').strip()}")
        data, pos, found = out.stdout, 0, []
        for _ in asks:
            eol = data.index(b"\n", pos)
            header = data[pos:eol].split()
            pos = eol + 1
            if len(header) == 3 and header[-1].isdigit():
                size = int(header[2])
                found.append((header[1], data[pos:pos + size]))
                pos += size + 1
            else:
                found.append((b"missing", b""))
        kind, body = found[0]
        parent = _sha_of_commit(data) if kind == b"commit" else None
        trees = {d: (_tree_entries(body) if kind == b"tree" else {}) for d, (kind, body) in zip(dirs, found[1:])}
        return parent, trees

    def _write_object(self, kind: bytes, data: bytes) -> str:
        """Store a loose object as git does (zlib of "<kind> <size>\\0<data>", named by its SHA-1)."""
        raw = b"%s %d\0%s" % (kind, len(data), data)
        sha = hashlib.sha1(raw).hexdigest()
        target = self.gitdir / "objects" / sha[:2] / sha[2:]
        if not target.exists():
            target.parent.mkdir(exist_ok=True)
            tmp = target.parent / f"tmp_obj_{os.getpid()}_{sha[2:10]}"
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o444)
            try:
                os.write(fd, zlib.compress(raw))
            finally:
                os.close(fd)
            os.replace(tmp, target)
        return sha

    def _make_commit(self, tree: str, parent: str | None, message: str, author: Identity, *, sign: bool) -> str:
        when = now()
        stamp = f"{int(when.timestamp())} +0000"
        if any(ord(c) < 32 for c in author.name + author.email):
            raise InputError("an identity cannot hold control characters", field="--as")
        if sign:
            args = ["commit-tree", tree, "-S"] + (["-p", parent] if parent else [])
            env = {"GIT_AUTHOR_NAME": author.name, "GIT_AUTHOR_EMAIL": author.email, "GIT_AUTHOR_DATE": stamp,
                   "GIT_COMMITTER_NAME": author.name, "GIT_COMMITTER_EMAIL": author.email, "GIT_COMMITTER_DATE": stamp}
            result = subprocess.run(["git", *args], cwd=self.root, env={**git_env(), **env}, input=message.encode(),
                                    capture_output=True)
            if result.returncode != 0:
                raise StoreError(f"signing the commit failed: {result.stderr.decode(errors='replace').strip()}")
            return result.stdout.decode().strip()
        person = f"{author.name} <{author.email}> {stamp}"
        body = f"tree {tree}\n" + (f"parent {parent}\n" if parent else "") + \
            f"author {person}\ncommitter {person}\n\n{message}"
        return self._write_object(b"commit", body.encode("utf-8"))

    def _signing(self) -> bool:
        """Whether commits are to be signed (commit.gpgsign); sync's merge commits ask this too."""
        return _signing_answer(self._signing_started())

    def _signing_started(self) -> subprocess.Popen:
        """Whether commits are to be signed (commit.gpgsign), asked of git; read with _signing_answer."""
        return subprocess.Popen(["git", "config", "--bool", "commit.gpgsign"], cwd=self.root, env=git_env(),
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)

    def _update_ref(self, commit: str, parent: str | None, message: str) -> None:
        subject = message.splitlines()[0]
        for attempt in range(GIT_LOCK_RETRIES):
            try:
                self.git("update-ref", "-m", subject, BRANCH, commit, parent or ZERO)
                return
            except subprocess.CalledProcessError as exc:
                # moving the branch locks the branch and HEAD (a symbolic ref to it, for its reflog)
                locks = [self.gitdir / name for name in REF_LOCKS]
                held = next((lock for lock in locks if lock.exists()), locks[0])
                if attempt < GIT_LOCK_RETRIES - 1 and self._clear_stale_lock(held):
                    continue
                raise StoreError(f"the branch could not be moved: {exc.stderr.decode(errors='replace').strip()}") from None

    def _sync_index(self, paths: list[str]) -> None:
        """Bring git's index up to date for the changed paths only (split index: a small write). The entries are
        given by blob id (--cacheinfo), so git hashes nothing itself and runs no clean filter a tampered
        repository's attributes and config could name; a person's `git status` refreshes their stat data."""
        present = [p for p in paths if (self.root / p).is_file()]
        gone = [p for p in paths if p not in present]
        for attempt in range(GIT_LOCK_RETRIES):
            try:
                if present:
                    entries = [f"100644,{blob_id((self.root / p).read_bytes())},{p}" for p in present]
                    self.git("update-index", "--add", *self._resplit(), *[a for e in entries for a in ("--cacheinfo", e)])
                if gone:
                    self.git("update-index", "--force-remove", "--", *gone)
                return
            except subprocess.CalledProcessError as exc:
                if attempt < GIT_LOCK_RETRIES - 1 and self._clear_stale_lock(self.gitdir / "index.lock"):
                    continue
                raise StoreError(f"git's index could not be updated: {exc.stderr.decode(errors='replace').strip()}") from None

    def _clear_stale_lock(self, lock: Path, *, force: bool = False) -> bool:
        """A git lock file in the way. One a running git holds (a person's `git status`) goes within moments:
        wait for it. One nobody holds, left by a crash, is removed once it is STALE_GIT_LOCK old, and we say so."""
        while not force:
            try:
                age = time.time() - lock.stat().st_mtime
            except FileNotFoundError:
                return True  # gone: try again
            if age >= STALE_GIT_LOCK:
                break
            time.sleep(0.05)
        lock.unlink(missing_ok=True)
        self.messages.append(f"recovered: removed a stale git lock {lock.relative_to(self.root)} left by an interrupted git command")
        return True

    # -- recovery ------------------------------------------------------------------------------------

    def recover(self) -> list[str]:
        """Finish saves a crash interrupted. Called with the lock held, before every change."""
        self._remove_stray_temporaries()
        journal_dir = self.work / "journal"
        entries = sorted(journal_dir.glob("*.toml")) if journal_dir.is_dir() else []
        if not entries:
            return []
        for lock in [self.gitdir / "index.lock"] + [self.gitdir / name for name in REF_LOCKS]:
            if lock.exists():  # we hold the repository lock and a save of ours was cut short: the lock is ours
                self._clear_stale_lock(lock, force=True)
        # a `git hash-object -w` (GitPython's object writes) killed mid-write leaves objects/xx/tmp_obj_*, part of
        # a record's compressed content that git itself would only prune after weeks
        for garbage in self.gitdir.glob("objects/[0-9a-f][0-9a-f]/tmp_obj_*"):
            garbage.unlink(missing_ok=True)
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

    def _remove_stray_temporaries(self) -> None:
        """A process killed inside atomic_write leaves `<name>.<pid>.tmp`: a copy of a record (personal data) that
        nothing would ever delete, not even retention. Removed once the process that wrote it is gone."""
        tmp_dir = self.work / "tmp"
        for tmp in tmp_dir.glob("*.tmp") if tmp_dir.is_dir() else []:
            pid = tmp.suffixes[-2][1:] if len(tmp.suffixes) >= 2 else ""
            if pid.isdigit() and int(pid) != os.getpid() and not _running(int(pid)):
                tmp.unlink(missing_ok=True)

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
        current = blob_id(full.read_bytes())  # hashed here: `git hash-object PATH` would run a clean filter
        return current != committed


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


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



def _signing_answer(proc: subprocess.Popen) -> bool:
    out, _ = proc.communicate()
    return proc.returncode == 0 and out.strip() == b"true"


def _sha_of_commit(batch_output: bytes) -> str:
    """The commit id from the first header line of `git cat-file --batch` output."""
    return batch_output[:batch_output.index(b" ")].decode()


def _tree_entries(body: bytes) -> dict[bytes, tuple[bytes, bytes]]:
    """A raw git tree as {name: (mode, binary sha)}."""
    entries, pos = {}, 0
    while pos < len(body):
        space = body.index(b" ", pos)
        nul = body.index(b"\0", space)
        entries[body[space + 1:nul]] = (body[pos:space], body[nul + 1:nul + 21])
        pos = nul + 21
    return entries


def _tree_bytes(entries: dict[bytes, tuple[bytes, bytes | str]]) -> bytes:
    """A git tree from {name: (mode, sha)}, in git's order (a folder sorts as if its name ended in "/")."""
    def key(item: tuple[bytes, tuple[bytes, bytes | str]]) -> bytes:
        name, (mode, _) = item
        return name + b"/" if mode == b"40000" else name

    out = []
    for name, (mode, sha) in sorted(entries.items(), key=key):
        out.append(b"%s %s\0%s" % (mode, name, bytes.fromhex(sha) if isinstance(sha, str) else sha))
    return b"".join(out)
