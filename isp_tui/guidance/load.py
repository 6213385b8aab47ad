"""Load and validate the guidance content in templates/: rulesets, checklists, legal bases,
secure methods, data categories and partner registers.

The content is data an organisation edits; this module turns it into typed objects and fails
loudly, naming the file and the key, when a template is broken.
"""

from __future__ import annotations

import hashlib
import os
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from isp_tui.errors import InputError
from isp_tui.guidance.model import (ANSWERS, BASIS_KINDS, CHECKLIST_CHOICES, CHECKLIST_KINDS, ERAS, METHOD_STAGES,
                                    OPTIONAL_QUESTIONS, OUTCOMES, PARTS, QUESTION_IDS, Agency, Checklist, ChecklistItem, DataCategory, Guidance,
                                    LegalBasis, Method, Myth, PartnerRegister, Principle, Question, Rule, Ruleset,
                                    Step)
from isp_tui.tomlfile import parse_toml, read_bytes, read_toml


# ---------------------------------------------------------------------------------------------
# Reading TOML with messages that name the file and the key


class _Table:
    """A TOML table read key by key; whatever is left unread at the end is an unknown key."""

    def __init__(self, data: Any, file: Path, where: str):
        if not isinstance(data, dict):
            raise InputError("expected a table", file=file, field=where or None)
        self.data = data
        self.file = file
        self.where = where
        self.seen: set[str] = set()

    def _key(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def get(self, key: str, kind: type | tuple[type, ...], default: Any = ...) -> Any:
        self.seen.add(key)
        if key not in self.data:
            if default is ...:
                raise InputError("missing required key", file=self.file, field=self._key(key))
            return default
        value = self.data[key]
        if kind is int and isinstance(value, bool) or not isinstance(value, kind):
            name = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            raise InputError(f"expected {_article(name)}, found {type(value).__name__}", file=self.file, field=self._key(key))
        return value

    def text(self, key: str, default: Any = ...) -> str:
        value = self.get(key, str, default)
        if default is ... and not value.strip():
            raise InputError("must not be empty", file=self.file, field=self._key(key))
        return value

    def choice(self, key: str, choices: tuple[str, ...]) -> str:
        value = self.text(key)
        if value not in choices:
            raise InputError(f"{value!r} is not one of: {', '.join(choices)}", file=self.file, field=self._key(key))
        return value

    def texts(self, key: str, default: Any = ...) -> tuple[str, ...]:
        values = self.get(key, list, default)
        for n, value in enumerate(values):
            if not isinstance(value, str):
                raise InputError("expected a string", file=self.file, field=f"{self._key(key)}[{n}]")
        return tuple(values)

    def tables(self, key: str, default: Any = ...) -> list[_Table]:
        values = self.get(key, list, default)
        return [_Table(value, self.file, f"{self._key(key)}[{n}]") for n, value in enumerate(values)]

    def done(self) -> None:
        unknown = sorted(set(self.data) - self.seen)
        if unknown:
            raise InputError(f"unknown key(s): {', '.join(unknown)}", file=self.file, field=self.where or None)


def _article(name: str) -> str:
    words = {"str": "string", "bool": "boolean (true or false)", "int": "integer", "list": "array", "dict": "table"}
    name = words.get(name, name)
    return ("an " if name[0] in "aeiou" else "a ") + name


def _unique(items: list[Any], file: Path, where: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in items:
        if item.id in out:
            raise InputError(f"duplicate id {item.id!r}", file=file, field=where)
        out[item.id] = item
    return out


def _id(table: _Table) -> str:
    value = table.text("id")
    if not all(c.isalnum() or c in "-_." for c in value):
        raise InputError(f"id {value!r} may hold only letters, digits, '-', '_' and '.'", file=table.file, field=table._key("id"))
    return value


# ---------------------------------------------------------------------------------------------
# Each kind of template


def load_ruleset(path: Path) -> Ruleset:
    raw = read_bytes(path)
    t = _Table(parse_toml(raw, path), path, "")
    rules = []
    for r in t.tables("rules"):
        rules.append(Rule(_id(r), r.get("number", int), r.text("title"), r.text("text"), r.text("asks"),
                          r.texts("bears_on"), r.text("source")))
        r.done()
    principles = []
    for p in t.tables("principles"):
        principles.append(Principle(_id(p), p.text("title"), p.text("text"), p.text("source")))
        p.done()
    when = []
    for q in t.tables("when"):
        nxt = q.get("next", dict)
        question = Question(_id(q), q.text("question"), q.text("guidance", ""), q.text("source"), dict(nxt))
        q.done()
        when.append(question)
    how = []
    for s in t.tables("how"):
        how.append(Step(_id(s), s.text("step"), s.text("guidance", ""), s.text("source")))
        s.done()
    myths = []
    for m in t.tables("myths", []):
        myths.append(Myth(_id(m), m.text("myth"), m.text("answer"), m.text("source")))
        m.done()
    ruleset = Ruleset(
        id=_id(t), version=t.text("version"), title=t.text("title"), era=t.choice("era", ERAS[1:]),
        source=t.text("source"), summary=t.text("summary", ""), notes=t.text("notes", ""),
        historical=t.text("historical", ""),
        sha256=hashlib.sha256(raw).hexdigest(), path=path,
        rules=tuple(rules), principles=tuple(principles), when=tuple(when), how=tuple(how), myths=tuple(myths),
    )
    t.done()
    for name in ("rules", "principles", "when", "how", "myths"):
        _unique(list(getattr(ruleset, name)), path, name)
    _check_flowchart(ruleset)
    steps = {q.id for q in ruleset.when} | {s.id for s in ruleset.how}
    for n, rule in enumerate(ruleset.rules):
        for target in rule.bears_on:
            if target not in steps:
                raise InputError(f"bears on {target!r}, which is no question or step of this ruleset",
                                 file=path, field=f"rules[{n}].bears_on")
    return ruleset


def _check_flowchart(ruleset: Ruleset) -> None:
    """The engine follows the flowchart from the data: every question it knows must be there,
    every answer must lead somewhere that exists, and no loop may trap a practitioner."""
    path = ruleset.path
    ids = [q.id for q in ruleset.when]
    required = [i for i in ids if i not in OPTIONAL_QUESTIONS]
    if sorted(required) != sorted(QUESTION_IDS) or len(set(ids)) != len(ids):
        raise InputError(f"the 'when' questions must be exactly {', '.join(QUESTION_IDS)} (and may include "
                         f"{', '.join(OPTIONAL_QUESTIONS)}); found {', '.join(ids)}", file=path, field="when")
    for n, q in enumerate(ruleset.when):
        if set(q.next) != set(ANSWERS[q.id]):
            raise InputError(f"answers must be exactly {', '.join(ANSWERS[q.id])}", file=path, field=f"when[{n}].next")
        for answer, target in q.next.items():
            if not isinstance(target, str) or (target not in OUTCOMES and target not in ids):
                raise InputError(f"{target!r} is neither a question id nor one of {', '.join(OUTCOMES)}",
                                 file=path, field=f"when[{n}].next.{answer}")
    # no cycles: walk every path from the first question
    def walk(node: str, seen: tuple[str, ...]) -> None:
        if node in OUTCOMES:
            return
        if node in seen:
            raise InputError(f"the flowchart loops back to {node!r}", file=path, field="when")
        for target in ruleset.question(node).next.values():
            walk(target, seen + (node,))
    walk(ruleset.first_question, ())


def load_checklists(path: Path) -> dict[str, Checklist]:
    t = _Table(read_toml(path), path, "")
    out = []
    for c in t.tables("checklists"):
        items = []
        for i in c.tables("items"):
            kind = i.choice("answer_kind", CHECKLIST_KINDS) if "answer_kind" in i.data else "choice"
            options = i.get("options", dict, None)
            if options is not None and (kind != "choice" or not options or not all(
                    isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in options.items())):
                raise InputError("expected a table of answer id = label, for a choice", file=path,
                                 field=f"{i.where}.options")
            items.append(ChecklistItem(_id(i), i.text("text"), i.text("guidance", ""), i.choice("era", ERAS)
                                       if "era" in i.data else "any", kind,
                                       tuple(options.items()) if options else CHECKLIST_CHOICES))
            i.done()
        _unique(items, path, f"{c.where}.items")
        out.append(Checklist(_id(c), c.text("title"), c.text("source"), c.text("intro", ""), tuple(items)))
        c.done()
    t.done()
    return _unique(out, path, "checklists")


def load_bases(path: Path) -> dict[str, LegalBasis]:
    t = _Table(read_toml(path), path, "")
    out = []
    for b in t.tables("bases"):
        kind, era = b.choice("kind", BASIS_KINDS), b.choice("era", ERAS)
        satisfies = b.texts("satisfies", None)
        if satisfies is None:  # an organisation's older template: the part follows from kind and era
            satisfies = _default_parts(kind, era)
        for n, part in enumerate(satisfies):
            if part not in PARTS:
                raise InputError(f"{part!r} is not one of: {', '.join(PARTS)}", file=path, field=f"{b.where}.satisfies[{n}]")
        out.append(LegalBasis(
            _id(b), b.text("title"), kind, b.get("special_category", bool),
            b.get("statutory_bodies_only", bool), era, b.text("summary", ""), b.text("source"),
            satisfies=tuple(satisfies), in_force=_day(b, "in_force"), repealed=_day(b, "repealed"),
            in_force_source=b.text("in_force_source", ""), needs_consent=b.get("needs_consent", bool, False),
            needs_power=b.get("needs_power", bool, False), needs_sch1=b.get("needs_sch1", bool, False),
            not_for_public_authority_tasks=b.get("not_for_public_authority_tasks", bool, False),
            completes=b.texts("completes", ()), not_counted=b.text("not_counted", ""),
            exception=b.text("exception", ""), note=b.text("note", ""),
        ))
        b.done()
        basis = out[-1]
        if basis.in_force and basis.repealed and basis.repealed <= basis.in_force:
            raise InputError("repealed must be after in_force", file=path, field=f"{b.where}.repealed")
        if basis.special_category != (basis.kind == "special-category-condition"):
            raise InputError("special_category must be true exactly when kind is special-category-condition",
                             file=path, field=f"{b.where}.special_category")
    t.done()
    bases = _unique(out, path, "bases")
    for n, basis in enumerate(out):
        for target in basis.completes:
            if target not in bases:
                raise InputError(f"completes {target!r}, which is no legal basis here", file=path,
                                 field=f"bases[{n}].completes")
    return bases


def _default_parts(kind: str, era: str) -> tuple[str, ...]:
    if kind in ("statute", "common-law"):
        return ("power",)
    if kind == "general-basis":
        return ("sch2",) if era == "dpa1998" else ("art6",)
    return ("sch3",) if era == "dpa1998" else ("art9",)


def _day(table: _Table, key: str) -> date | None:
    value = table.get(key, date, None)
    if isinstance(value, date) and not hasattr(value, "hour"):
        return value
    if value is not None:
        raise InputError("expected a date such as 2018-05-25", file=table.file, field=table._key(key))
    return None


def load_methods(path: Path) -> dict[str, Method]:
    t = _Table(read_toml(path), path, "")
    out = []
    for m in t.tables("methods"):
        era_requirements = []
        for n, r in enumerate(m.tables("era_requirements", [])):
            era_requirements.append((r.choice("era", ERAS), r.text("text")))
            r.done()
        out.append(Method(_id(m), m.choice("stage", METHOD_STAGES), m.text("title"), m.texts("requirements"),
                          m.text("source"), tuple(era_requirements)))
        m.done()
    t.done()
    return _unique(out, path, "methods")


def load_categories(path: Path) -> dict[str, DataCategory]:
    t = _Table(read_toml(path), path, "")
    out = []
    for c in t.tables("categories"):
        out.append(DataCategory(_id(c), c.text("title"), c.get("special_category", bool), c.text("source"),
                                c.text("description", ""), c.get("criminal_offence", bool, False)))
        c.done()
    t.done()
    return _unique(out, path, "categories")


def load_register(path: Path) -> PartnerRegister:
    t = _Table(read_toml(path), path, "")
    agencies = []
    for a in t.tables("agencies"):
        agencies.append(Agency(_id(a), a.text("name"), a.text("group"), a.get("statutory", bool), a.text("address", "")))
        a.done()
    _unique(agencies, path, "agencies")
    arrangements = t.get("arrangements", dict, {})
    from isp_tui.config import ARRANGEMENTS

    unknown = sorted(set(arrangements) - set(ARRANGEMENTS))
    if unknown or not all(isinstance(v, str) for v in arrangements.values()):
        raise InputError(f"expected strings for: {', '.join(ARRANGEMENTS)}" + (f"; unknown: {', '.join(unknown)}"
                         if unknown else ""), file=path, field="arrangements")
    register = PartnerRegister(_id(t), t.text("title"), t.text("source"), tuple(agencies), dict(arrangements))
    t.done()
    return register


def default_templates_dir() -> Path:
    """templates/ inside the installed wheel, else the checkout's top-level templates/."""
    override = os.environ.get("ISP_TEMPLATES")
    if override:
        return Path(override)
    here = Path(__file__).resolve().parent.parent  # isp_tui/
    packaged = here / "templates"
    return packaged if packaged.is_dir() else here.parent / "templates"


@lru_cache(maxsize=8)
def load_guidance(root: Path | None = None) -> Guidance:
    root = Path(root) if root is not None else default_templates_dir()
    if not root.is_dir():
        raise InputError("templates directory not found", file=root)
    rulesets = {}
    for path in sorted((root / "rulesets").glob("*.toml")):
        ruleset = load_ruleset(path)
        if ruleset.id in rulesets:
            raise InputError(f"ruleset id {ruleset.id!r} is also used by {rulesets[ruleset.id].path.name}", file=path, field="id")
        rulesets[ruleset.id] = ruleset
    if not rulesets:
        raise InputError("no rulesets found (expected rulesets/*.toml)", file=root)
    archived = {}
    for path in sorted((root / "rulesets" / "archive").glob("*.toml")):  # versions records may still pin
        ruleset = load_ruleset(path)
        archived[ruleset.sha256] = ruleset
    registers = {}
    for path in sorted((root / "partners").glob("*.toml")):
        register = load_register(path)
        registers[register.id] = register
    return Guidance(
        root=root,
        rulesets=rulesets,
        checklists=load_checklists(root / "checklists.toml"),
        bases=load_bases(root / "legal_bases.toml"),
        methods=load_methods(root / "methods.toml"),
        categories=load_categories(root / "data_categories.toml"),
        registers=registers,
        archived=archived,
    )
