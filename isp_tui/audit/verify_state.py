"""What `isp verify` remembers between runs, under .git/isp, and the per-record facts it checks.

- MARKER: the branch head at the last passing verification (a later rewrite of history shows);
- STATE: per record, whether it was final and its amend commits, at the marker (the next run reads only
  the commits after it);
- CACHE: blob id -> Facts for record files that passed the schema (content-addressed, so a blob that
  passed once passes for good under the same guidance).
`check_records` reads every record at the head once (or not at all when its blob passed before)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from isp_tui.audit.checks import Check
from isp_tui.audit.gitlog import allowed_other
from isp_tui.errors import InputError
from isp_tui.guidance import Guidance
from isp_tui.gitlayer.plumbing import committed
from isp_tui.index.workers import in_parallel
from isp_tui.record.ids import RECORD_PATH, record_path
from isp_tui.record.model import Record
from isp_tui.record.schema import MAX_FILE
from isp_tui.store.files import atomic_write
from isp_tui.store.repo import Store

if TYPE_CHECKING:
    from isp_tui.index import Index

MARKER = "verified-head"  # under .git/isp: the branch head at the last passing verification
STATE = "verify-state"  # under .git/isp: per record, whether it was final and its amend commits, at the marker
CACHE = "verify-cache"  # under .git/isp: blob id -> Facts for record files that passed the schema


def forget_verified(store: Store) -> None:
    """After a deliberate, audited rewrite (destroying a record at the end of its retention), the head
    verified last is gone from the history by design: start verification afresh from the new one."""
    for name in (MARKER, STATE, CACHE):
        (store.work / name).unlink(missing_ok=True)


def read_marker(store: Store) -> str:
    try:
        return (store.work / MARKER).read_text().strip()
    except OSError:
        return ""


def save_marker(store: Store, head: str, progress: dict[str, tuple[bool, int]]) -> None:
    """After a pass: the state at this head, then the head itself."""
    body = json.dumps({"head": head, "records": {k: [int(v[0]), v[1]] for k, v in progress.items()}},
                      separators=(",", ":"))
    if not store.plain_work():
        return  # .git/isp is a link: nothing is written through it (the next verify starts from scratch)
    try:
        atomic_write(store.work / STATE, body.encode(), store.work / "tmp")
        atomic_write(store.work / MARKER, (head + "\n").encode(), store.work / "tmp")
    except OSError:  # a full or read-only disk: the next verify starts from scratch, this one still answers
        pass


def load_state(store: Store, head: str) -> dict[str, tuple[bool, int]] | None:
    try:
        data = json.loads((store.work / STATE).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("head") != head or not isinstance(data.get("records"), dict):
        return None
    return {k: (bool(v[0]), int(v[1])) for k, v in data["records"].items()}


@dataclass(frozen=True)
class Facts:
    """What the checks need from one record file, cached by blob id (content-addressed, so a blob that
    passed the schema once passes it for good under the same guidance). No personal data."""

    status: str
    amendments: int
    ruleset: str  # the pinned sha256
    pin: str  # the pinned id@version

    def line(self, blob: str) -> str:
        return f"{blob}\t{self.status}\t{self.amendments}\t{self.ruleset}\t{self.pin}\n"




def _guidance_key(guidance: Guidance) -> str:
    parts = sorted(r.sha256 for r in guidance.rulesets.values()) + sorted(guidance.methods) + \
        sorted(guidance.categories) + sorted(guidance.checklists) + sorted(guidance.bases)
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _load_cache(store: Store, key: str) -> dict[str, Facts]:
    path = store.work / CACHE
    try:
        lines = path.read_text().splitlines()
    except OSError:
        return {}
    if not lines or lines[0] != f"guidance {key}":
        return {}
    out = {}
    for line in lines[1:]:
        parts = line.split("\t")
        if len(parts) == 5 and parts[2].isdigit():
            out[parts[0]] = Facts(parts[1], int(parts[2]), parts[3], parts[4])
    return out


def _save_cache(store: Store, key: str, cache: dict[str, Facts]) -> None:
    body = f"guidance {key}\n" + "".join(facts.line(blob) for blob, facts in cache.items())
    if not store.plain_work():
        return  # .git/isp is a link: nothing is written through it
    try:
        atomic_write(store.work / CACHE, body.encode(), store.work / "tmp")
    except OSError:
        pass  # a cache only: the next run reads the records again


def check_records(store: Store, guidance: Guidance, files: dict[str, str], checks: dict[str, Check], *,
                  use_cache: bool = True, step: Callable[[str], None] = lambda _: None,
                  ) -> tuple[dict[str, Facts], dict[str, tuple[str, str]]]:
    """Every record at the head, each read once (or not at all when its blob passed before; a first run
    reads them on every core). Returns id -> Facts and ruleset sha256 -> (a record pinning it, the
    id@version it pins)."""
    schema, shape = checks["schema"], checks["shape"]
    record_files = {}
    for path in files:
        if RECORD_PATH.match(path):
            record_files[path] = files[path]
        elif not allowed_other(path):
            shape.fail("a file that is neither a record nor a ruleset copy is in the repository", path=path)
    key = _guidance_key(guidance)
    cache = _load_cache(store, key) if use_cache else {}
    placed = {}
    for path, blob in record_files.items():
        record_id = RECORD_PATH.match(path)["id"]  # type: ignore[index]
        if path != record_path(record_id):
            schema.fail(f"{path}: is in the wrong folder; expected {record_path(record_id)}", path=path, record=record_id)
        else:
            placed[path] = (record_id, blob)
    todo = [(path, blob) for path, (_, blob) in placed.items() if blob not in cache]
    read: dict[str, Facts | str] = {}
    for part in in_parallel(store.root, todo, read_facts, guidance):
        read.update(part)
        if len(todo) > 1000:
            step(f"reading the records: {len(read):,} of {len(todo):,}")
    facts: dict[str, Facts] = {}
    pins: dict[str, tuple[str, str]] = {}
    fresh: dict[str, Facts] = {}
    for path, (record_id, blob) in placed.items():
        known = cache.get(blob) or read.get(path, f"{path}: was not read")
        if isinstance(known, str):
            schema.fail(known, path=path, record=record_id)
            continue
        fresh[blob] = known
        facts[record_id] = known
        if known.ruleset:
            pins.setdefault(known.ruleset, (record_id, known.pin))
    if fresh.keys() != cache.keys():
        _save_cache(store, key, fresh)
    return facts, pins


def read_facts(root: Any, part: list[tuple[str, str]], guidance: Guidance) -> list[tuple[str, Facts | str]]:
    """(path, Facts), or (path, why it fails the schema), for (path, blob) entries: run by
    isp_tui.index.in_parallel, in a worker interpreter too."""
    return [(path, facts_of(path, raw, None, guidance)) for (path, _), raw in zip(part, committed(root, part, MAX_FILE))]


def facts_of(path: str, raw: bytes | None, tables: dict | None, guidance: Guidance, *,
             record: Record | None = None) -> Facts | str:
    """One record file's Facts, or why it fails the schema; `tables` is its TOML already read (None: read
    `raw`), `record` those tables validated without the guidance (checked against it here, not validated
    again). The derived index's build passes each file it reads here too (index_and_facts)."""
    named = RECORD_PATH.match(path)
    record_id = named["id"] if named else ""
    try:
        if record is not None:
            record = record.against(guidance, path)
        elif tables is None:
            record = Record.from_toml(raw or b"", path, guidance=guidance)
        else:
            record = Record.from_dict(tables, path, guidance=guidance)
        if record.id != record_id:
            raise InputError(f"holds id {record.id!r}, but its file name says {record_id!r}", file=path, field="id")
    except InputError as exc:
        return str(exc)
    return Facts(record.status, len(record.data.get("amendments", [])), record.get("ruleset.sha256") or "",
                 f"{record.get('ruleset.id') or ''}@{record.get('ruleset.version') or ''}")


def index_and_facts(store: Store, guidance: Guidance, index: Index,
                    progress: Callable[[int, int], None] | None = None, at: str | None = None) -> None:
    """Bring the derived index up to date and, from the same reading of each record file, what `isp verify`
    needs of it (its cache of Facts): a new machine reads its 100,000 records once, on every core, and its
    first verification reads none of them again."""
    found: dict[str, Facts] = {}

    def collect(pairs: list[tuple[str, Facts | str]]) -> None:
        found.update((blob, facts) for blob, facts in pairs if isinstance(facts, Facts))

    index.refresh(progress, reuse=(facts_of, (guidance,), collect), at=at)
    if found:
        key = _guidance_key(guidance)
        cache = _load_cache(store, key)
        cache.update(found)
        _save_cache(store, key, cache)
