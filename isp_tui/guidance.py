"""Load and validate the guidance content in templates/: rulesets, checklists, legal bases,
secure methods, data categories and partner registers.

The content is data an organisation edits; this module turns it into typed objects and fails
loudly, naming the file and the key, when a template is broken.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator

from isp_tui.errors import InputError
from isp_tui.tomlfile import parse_toml, read_bytes, read_toml  # noqa: F401 - re-exported

OUTCOMES = ("share", "do-not-share", "seek-advice")
QUESTION_IDS = ("legitimate_purpose", "consent", "identifiable", "lawful_basis")
ANSWERS = {
    "legitimate_purpose": ("yes", "no", "unsure"),
    "consent": ("given", "refused", "not-sought", "withdrawn", "unsure"),
    "identifiable": ("yes", "no", "unsure"),
    "lawful_basis": ("yes", "no", "unsure"),
}
BASIS_KINDS = ("statute", "general-basis", "special-category-condition", "common-law")
ERAS = ("any", "dpa1998", "gdpr")
METHOD_STAGES = ("transfer", "storage", "destruction")
CONSENT_NOT_SOUGHT = "consent-not-sought"


# ---------------------------------------------------------------------------------------------
# The content, typed


@dataclass(frozen=True)
class Rule:
    id: str
    number: int
    title: str
    text: str
    asks: str
    bears_on: tuple[str, ...]
    source: str


@dataclass(frozen=True)
class Principle:
    id: str
    title: str
    text: str
    source: str


@dataclass(frozen=True)
class Question:
    """One node of the "When" flowchart: each answer leads to another question or an outcome."""

    id: str
    question: str
    guidance: str
    source: str
    next: dict[str, str]


@dataclass(frozen=True)
class Step:
    """One of the "How" steps taken once the decision is to share."""

    id: str
    step: str
    guidance: str
    source: str


@dataclass(frozen=True)
class Myth:
    id: str
    myth: str
    answer: str
    source: str


@dataclass(frozen=True)
class Ruleset:
    id: str
    version: str
    title: str
    era: str
    source: str
    summary: str
    sha256: str
    path: Path
    rules: tuple[Rule, ...]
    principles: tuple[Principle, ...]
    when: tuple[Question, ...]
    how: tuple[Step, ...]
    myths: tuple[Myth, ...] = ()
    notes: str = ""
    historical: str = ""  # optional: why this wording is kept for the record only (the law it cites is repealed)

    def question(self, question_id: str) -> Question:
        return next(q for q in self.when if q.id == question_id)

    @property
    def first_question(self) -> str:
        return self.when[0].id

    def pin(self) -> dict[str, str]:
        """What a record pins so an auditor can see exactly which guidance was shown."""
        return {"id": self.id, "version": self.version, "sha256": self.sha256}


@dataclass(frozen=True)
class ChecklistItem:
    id: str
    text: str
    guidance: str = ""


@dataclass(frozen=True)
class Checklist:
    id: str
    title: str
    source: str
    intro: str
    items: tuple[ChecklistItem, ...]

    def item(self, item_id: str) -> ChecklistItem | None:
        return next((i for i in self.items if i.id == item_id), None)


@dataclass(frozen=True)
class LegalBasis:
    id: str
    title: str
    kind: str
    special_category: bool
    statutory_bodies_only: bool
    era: str
    summary: str
    source: str

    def fits_era(self, era: str) -> bool:
        return self.era in ("any", era)


@dataclass(frozen=True)
class Method:
    id: str
    stage: str
    title: str
    requirements: tuple[str, ...]
    source: str


@dataclass(frozen=True)
class DataCategory:
    id: str
    title: str
    special_category: bool
    source: str
    description: str = ""
    criminal_offence: bool = False


@dataclass(frozen=True)
class Agency:
    id: str
    name: str
    group: str
    statutory: bool
    address: str = ""


@dataclass(frozen=True)
class PartnerRegister:
    id: str
    title: str
    source: str
    agencies: tuple[Agency, ...]


@dataclass(frozen=True)
class Guidance:
    """Everything in one templates directory, validated."""

    root: Path
    rulesets: dict[str, Ruleset]
    checklists: dict[str, Checklist]
    bases: dict[str, LegalBasis]
    methods: dict[str, Method]
    categories: dict[str, DataCategory]
    registers: dict[str, PartnerRegister] = field(default_factory=dict)

    def ruleset(self, ruleset_id: str, *, file: object | None = None, key: str = "ruleset") -> Ruleset:
        try:
            return self.rulesets[ruleset_id]
        except KeyError:
            known = ", ".join(sorted(self.rulesets))
            raise InputError(f"unknown ruleset {ruleset_id!r}; expected one of: {known}", file=file, field=key) from None

    def agencies(self) -> Iterator[tuple[PartnerRegister, Agency]]:
        for register in self.registers.values():
            for agency in register.agencies:
                yield register, agency

    def consent_not_sought_reasons(self) -> tuple[str, ...]:
        checklist = self.checklists.get(CONSENT_NOT_SOUGHT)
        return tuple(i.id for i in checklist.items) if checklist else ()


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
    if sorted(ids) != sorted(QUESTION_IDS):
        raise InputError(f"the 'when' questions must be exactly {', '.join(QUESTION_IDS)}; found {', '.join(ids)}",
                         file=path, field="when")
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
            items.append(ChecklistItem(_id(i), i.text("text"), i.text("guidance", "")))
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
        out.append(LegalBasis(
            _id(b), b.text("title"), b.choice("kind", BASIS_KINDS), b.get("special_category", bool),
            b.get("statutory_bodies_only", bool), b.choice("era", ERAS), b.text("summary", ""), b.text("source"),
        ))
        b.done()
        basis = out[-1]
        if basis.special_category != (basis.kind == "special-category-condition"):
            raise InputError("special_category must be true exactly when kind is special-category-condition",
                             file=path, field=f"{b.where}.special_category")
    t.done()
    return _unique(out, path, "bases")


def load_methods(path: Path) -> dict[str, Method]:
    t = _Table(read_toml(path), path, "")
    out = []
    for m in t.tables("methods"):
        out.append(Method(_id(m), m.choice("stage", METHOD_STAGES), m.text("title"), m.texts("requirements"), m.text("source")))
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
    register = PartnerRegister(_id(t), t.text("title"), t.text("source"), tuple(agencies))
    t.done()
    return register


def default_templates_dir() -> Path:
    """templates/ inside the installed wheel, else the checkout's top-level templates/."""
    override = os.environ.get("ISP_TEMPLATES")
    if override:
        return Path(override)
    here = Path(__file__).resolve().parent
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
    )
