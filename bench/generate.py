"""Build synthetic records repositories for benchmarks: `python bench/generate.py 1000 10000 100000`.

Every record is made through the real Record type and TOML format (`Record.from_dict(...).to_toml()`)
from a few templates completed by the real store (engine outcome, ruleset pin, response due date),
then varied with seeded random, obviously fictional content ("Test Child ...", TEST- references,
example.invalid addresses): about 2 KB a file, like a real decision.

History is realistic: one commit per save, in time order, with the store's exact commit messages
and trailers (`store.commit_message`); about a fifth of the records are saved as a draft first and
finalised later, and about one in twenty is amended afterwards (with the amendment in the file, as
`Store.amend` writes it). The commits are streamed to `git fast-import`, then the working tree and
git's index are checked out so the repository looks exactly like one the app has been using.

Repositories are cached under bench/out/records-<size>; pass --force to build again.
"""

from __future__ import annotations

import argparse
import copy
import random
import subprocess
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from isp_tui.guidance import load_guidance  # noqa: E402
from isp_tui.record import Record  # noqa: E402
from isp_tui.gitlayer.env import git_env  # noqa: E402
from isp_tui.gitlayer.messages import commit_message  # noqa: E402
from isp_tui.identity import Identity  # noqa: E402
from isp_tui.record.model import outcome_table  # noqa: E402
from isp_tui.store import Store  # noqa: E402
from isp_tui.store.save import RULESETS_DIR, complete  # noqa: E402

OUT = HERE / "out"
SEED = 20261121
END = datetime(2026, 11, 1, 9, 0, tzinfo=timezone.utc)
GREEK = ["Alpha", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot", "Golf", "Hotel", "India", "Juliet", "Kilo", "Lima"]
FILLER = ("This is fictional benchmark text and describes no real person. The test practitioner considered the "
          "test request, the test chronology and the views of the test family. ")
VARIANTS = [  # (answers, context, recorded decision)
    ({"legitimate_purpose": "yes", "consent": "not-sought", "consent_not_sought_reason": "increased-risk",
      "identifiable": "yes",
      "lawful_basis": ["ca1989-s47", "ukgdpr-art6-1e", "ukgdpr-art9-2g", "dpa2018-sch1-pt2-para18"]},
     {"special_category": True, "recipient_statutory": True, "subject_is_child": True}, "share"),
    ({"legitimate_purpose": "yes", "consent": "given", "identifiable": "yes", "lawful_basis": ["ukgdpr-art6-1a"]},
     {"special_category": False, "recipient_statutory": True, "subject_is_child": True}, "share"),
    ({"legitimate_purpose": "no"}, {"special_category": False, "recipient_statutory": False, "subject_is_child": True},
     "do-not-share"),
    ({"legitimate_purpose": "yes", "consent": "refused", "identifiable": "yes", "lawful_basis": ["ca2004-s10", "ukgdpr-art6-1e"]},
     {"special_category": False, "recipient_statutory": True, "subject_is_child": True}, "share-part"),
    ({"legitimate_purpose": "unsure"}, {"special_category": False, "recipient_statutory": True, "subject_is_child": True},
     "do-not-share"),
]


def ulid_at(when: datetime, rng: random.Random) -> str:
    from ulid import ULID

    return str(ULID.from_timestamp(when.timestamp() + rng.random() / 1000))


def templates(guidance) -> list[dict]:
    """One completed final record per variant, made by the real store code (engine, pin, due dates)."""
    sys.path.insert(0, str(HERE.parent / "tests"))
    from factory import final_record

    author = Identity("Test Practitioner 00", "test.practitioner00@example.invalid")
    out = []
    for when, context, recorded in VARIANTS:
        data = final_record(guidance, when=when, context=context)
        data["decision"] = {**data["decision"], "recorded": recorded}
        data["id"] = "01JDB3M7Q2X8W5ZK4T9N6E1RVA"
        record = Record.from_dict(data, guidance=guidance, new=True)
        # the store's own completion: schema, status, created, ruleset pin, response due, engine outcome
        done = complete(record, guidance, author, final=False, existing=None)
        done.data["outcome"] = outcome_table(done, guidance)
        if any(m.startswith("advice") for m in done.missing_for_final(guidance)):
            done.data["advice"] = {"sought": True, "from": "Test Safeguarding Lead",
                                   "summary": "Fictional advice: record the reasons and review in a year.",
                                   "on": date(2026, 1, 5)}
        done.data["status"] = "final"
        missing = Record.from_dict(done.data, guidance=guidance).missing_for_final(guidance)
        assert not missing, f"a template the store would not finalise: {missing}"
        out.append(done.data)
    return out


def make_record(n: int, base: dict, rng: random.Random, when: datetime, author: Identity) -> dict:
    data = copy.deepcopy(base)
    data["id"] = ulid_at(when, rng)
    data["status"] = "final"
    data["created"] = when.replace(microsecond=0)
    data["decided"] = {**data["decided"], "by": str(author), "role": "Test social worker",
                       "organisation": f"Test Borough {n % 7} Children's Services"}
    data["subject"] = {"name": f"Test Child {rng.choice(GREEK)} {n}", "reference": f"TEST-{n:06d}",
                       "date_of_birth": date(2010 + n % 14, 1 + n % 12, 1 + n % 28)}
    received = when.date() - timedelta(days=rng.randint(0, 5))
    agencies = ["Test Police Force", "Test Health Trust", "Test Academy School", "Test Probation Service",
                "Test Housing Association", "Test Youth Club"]
    request = dict(data["request"])
    request.update(requester=f"Test Requester {n % 97}", agency=rng.choice(agencies),
                   asked_for=f"Fictional request {n}: attendance, welfare and contact history.",
                   received=received)
    from isp_tui.dates import response_due

    request["response_due"] = response_due(received) if n % 50 else received + timedelta(days=21)
    data["request"] = request
    data["decision"] = {**data["decision"], "reasons": f"Fictional benchmark reasons {n}. " + FILLER}
    data["recipient"] = {"agency": request["agency"] if data["decision"]["recorded"] != "do-not-share"
                         else rng.choice(agencies), "person": f"Test Officer {n % 31}"}
    if "sharing" in data:  # a decision not to share holds no [sharing] (record.normalise)
        data["sharing"] = {**data["sharing"], "information": f"Fictional summary {n}.",
                           "shared_on": when.date()}
    data["retention"] = {"review_on": when.date() + timedelta(days=365 * rng.choice((1, 2, 6))),
                         "retain_until": when.date() + timedelta(days=365 * 7)}
    return data


def draft_of(final: dict) -> dict:
    data = copy.deepcopy(final)
    data["status"] = "draft"
    data["decided"] = {k: v for k, v in data["decided"].items() if k != "at"}
    data.pop("sharing", None)
    data.pop("decision", None)
    data.pop("transparency", None)
    return data


def events(size: int, guidance, rng: random.Random):
    """(time, action, record data, author) for every save, in time order."""
    bases = templates(guidance)
    authors = [Identity(f"Test Practitioner {i:02d}", f"test.practitioner{i:02d}@example.invalid") for i in range(40)]
    span = timedelta(days=3 * 365)
    start = END - span
    out = []
    for n in range(size):
        when = start + span * (n / size) + timedelta(seconds=rng.randint(0, 600))
        author = rng.choice(authors)
        final = make_record(n, bases[n % len(bases)] if rng.random() > 0.1 else bases[0], rng, when, author)
        decided_at = when + timedelta(minutes=rng.randint(5, 240))
        final["decided"]["at"] = decided_at.replace(microsecond=0)
        if rng.random() < 0.2:  # saved as a draft first
            out.append((when, "draft", draft_of(final), author))
        out.append((decided_at, "final", final, author))
        if rng.random() < 0.05:  # amended later
            at = decided_at + timedelta(days=rng.randint(1, 60))
            amended = copy.deepcopy(final)
            old = amended["recipient"]["person"]
            amended["recipient"]["person"] = f"Test Officer {n % 31} (corrected)"
            amended["amendments"] = [{"id": ulid_at(at, rng), "at": at.replace(microsecond=0), "by": str(author),
                                      "reason": "Fictional correction of the recipient's name.",
                                      "changes": [{"field": "recipient.person", "before": old,
                                                   "after": amended["recipient"]["person"]}]}]
            out.append((at, "amend", amended, author))
    out.sort(key=lambda e: e[0])
    return out


def build(size: int, *, force: bool = False) -> Path:
    target = OUT / f"records-{size}"
    if (target / ".git" / "isp-bench-complete").exists() and not force:
        return target
    if target.exists():
        subprocess.run(["rm", "-rf", str(target)], check=True)
    started = time.monotonic()
    count = generate(target, size)
    (target / ".git" / "isp-bench-complete").write_text(f"{size} records, {count} commits\n")
    print(f"records-{size}: {count} commits in {time.monotonic() - started:.1f} s", file=sys.stderr)
    return target


def generate(target: Path, size: int, *, seed: int = SEED, gc: bool = True) -> int:
    """Make a records repository at `target` holding `size` records; returns the number of commits."""
    guidance = load_guidance()
    rng = random.Random(seed + size)
    Store(target)  # the store's own set-up: split index, index v4, excludes
    ruleset = next(r for r in guidance.rulesets.values() if r.id == "gdpr-2018")
    pin = f"{RULESETS_DIR}/{ruleset.sha256}.toml"
    proc = subprocess.Popen(["git", "fast-import", "--quiet", "--done"], cwd=target, stdin=subprocess.PIPE,
                            env=git_env())
    write = proc.stdin.write
    first = True
    count = 0
    for when, action, data, author in events(size, guidance, rng):
        record = Record.from_dict(data)
        raw = record.to_toml().encode()
        message = commit_message(record, action).encode()
        stamp = f"{int(when.timestamp())} +0000"
        ident = f"{author.name} <{author.email}> {stamp}".encode()
        write(b"commit refs/heads/main\nauthor " + ident + b"\ncommitter " + ident + b"\n")
        write(b"data %d\n%s\n" % (len(message), message))
        if first:
            body = ruleset.path.read_bytes()
            write(b"M 100644 inline %s\ndata %d\n%s\n" % (pin.encode(), len(body), body))
            first = False
        write(b"M 100644 inline %s\ndata %d\n%s\n" % (record.path.encode(), len(raw), raw))
        count += 1
    write(b"done\n")
    proc.stdin.close()
    if proc.wait() != 0:
        raise SystemExit("git fast-import failed")
    env = git_env()
    subprocess.run(["git", "reset", "-q", "--hard", "main"], cwd=target, env=env, check=True)
    if gc:
        subprocess.run(["git", "gc", "-q"], cwd=target, env=env, check=True)
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[1000, 10000, 100000])
    parser.add_argument("--force", action="store_true")
    args = parser.parse_args()
    for size in args.sizes:
        print(build(size, force=args.force))


if __name__ == "__main__":
    main()
