"""Verify on a signed clone: `python bench/bench_signing.py [N ...] [--force]` (default 1000 10000 records).

Each size's signed repository is made once and cached under bench/out/signed-<N> (gitignored): the records
of bench/generate.py (40 practitioners, one commit per save), rewritten on top of a first commit holding the
organisation's signing policy (`signing.toml`, admin: practitioner 00; each practitioner's own key), every
commit signed with its author's key. The signatures are made in this process (SSHSIG, as `ssh-keygen -Y
sign -n git` makes them), which takes seconds where `git commit -S` took about 25 minutes for 10,000; a
sample of commits is checked with `git verify-commit` so the fixture is valid by git's own standard.

Each run copies the cached repository to a scratch folder without .git/isp (as a fresh clone has none)
and prints, with the load average beside each figure:
- the baseline: the first `isp verify` of the same records unsigned (bench/generate.py's repository);
- git's own check (`git log --format=%G? %GS`, two ssh-keygen processes a commit) over a sample of
  commits, and what that makes for all of them: what the first verify paid before;
- the first `isp verify` of the signed clone (every signature checked once, in-process);
- `isp verify` again while its baseline cannot advance (a file changed outside isp: every run fails),
  then passing, then again after a pass; each beside the same run on the unsigned records;
- `isp verify --full` of the signed clone (every signature checked again).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(HERE)]

import generate  # noqa: E402

from isp_tui.audit import verify  # noqa: E402
from isp_tui.audit.policy import POLICY, POLICY_ACTION, Policy  # noqa: E402
from isp_tui.audit.sshsig import MAGIC, string  # noqa: E402
from isp_tui.gitlayer.env import git_env  # noqa: E402
from isp_tui.gitlayer.plumbing import FILE_MODE, ObjectWriter, blobs, tree_bytes, tree_entries  # noqa: E402
from isp_tui.guidance import load_guidance  # noqa: E402
from isp_tui.store import Store  # noqa: E402

OUT = HERE / "out"
PEOPLE = 40  # bench/generate.py's practitioners: test.practitioner00 ... 39
VERSION = "2"  # of the fixture: a different one is made again
SAMPLE = 300  # commits git checks itself, for the per-commit cost of the old way


def load() -> str:
    return f"{os.getloadavg()[0]:.1f}"


def timed(label: str, fn, results: dict | None = None, key: str = ""):
    start = time.perf_counter()
    value = fn()
    took = time.perf_counter() - start
    print(f"{label:<72} {took:8.2f} s  (load {load()})", flush=True)
    if results is not None:
        results[key or label] = (round(took, 2), load())
    return value


def git(root: Path, *args: str, input: bytes | None = None) -> str:
    return subprocess.run(["git", *args], cwd=root, env=git_env(), input=input, capture_output=True,
                          check=True).stdout.decode()


# -- the fixture --------------------------------------------------------------------------------------

def person_key(n: int):
    """Practitioner n's Ed25519 key, the same on every run (fictional: derived from its number)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(f"isp bench key {n}".encode()).digest())


def public_blob(key) -> bytes:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return string(b"ssh-ed25519") + string(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))


def sshsig(key, payload: bytes) -> bytes:
    """An armoured SSH signature of `payload` in the git namespace, as `ssh-keygen -Y sign -n git` makes it
    (PROTOCOL.sshsig: SHA-512 of the message, signed with the key; base64 wrapped at 70 columns)."""
    digest = hashlib.sha512(payload).digest()
    signed = MAGIC + string(b"git") + string(b"") + string(b"sha512") + string(digest)
    blob = (MAGIC + struct.pack(">I", 1) + string(public_blob(key)) + string(b"git") + string(b"") +
            string(b"sha512") + string(string(b"ssh-ed25519") + string(key.sign(signed))))
    text = base64.b64encode(blob)
    return (b"-----BEGIN SSH SIGNATURE-----\n" + b"\n".join(text[i:i + 70] for i in range(0, len(text), 70)) +
            b"\n-----END SSH SIGNATURE-----\n")


def signed(raw: bytes, key) -> bytes:
    """The commit `raw` (unsigned) with a gpgsig header, where `git commit -S` puts it."""
    header, _, message = raw.partition(b"\n\n")
    lines = sshsig(key, raw).rstrip(b"\n").split(b"\n")
    return header + b"\ngpgsig " + b"\n ".join(lines) + b"\n\n" + message


def email_key(raw: bytes) -> int:
    author = next(line for line in raw.split(b"\n") if line.startswith(b"author "))
    return int(author.split(b"<test.practitioner", 1)[1][:2])


def build(size: int, force: bool = False) -> Path:
    """bench/out/signed-<size>: the unsigned repository of bench/generate.py rewritten onto a first commit that
    adds signing.toml, each commit signed by its author's key."""
    target = OUT / f"signed-{size}"
    done = target / ".git" / "isp-bench-signed"
    if done.is_file() and done.read_text().startswith(VERSION + " ") and not force:
        return target
    unsigned = generate.build(size)
    if target.exists():
        shutil.rmtree(target)
    started = time.perf_counter()
    shutil.copytree(unsigned, target, symlinks=True)
    shutil.rmtree(target / ".git" / "isp", ignore_errors=True)
    keys = [person_key(n) for n in range(PEOPLE)]
    admin = "test.practitioner00@example.invalid"
    policy = Policy(True, [admin], [{"email": f"test.practitioner{n:02d}@example.invalid",
                                     "key": "ssh-ed25519 " + base64.b64encode(public_blob(k)).decode()}
                                    for n, k in enumerate(keys)])
    body = policy.to_toml().encode()
    objects = ObjectWriter(target / ".git")
    policy_blob = bytes.fromhex(objects.write("blob", body))
    shas = git(target, "rev-list", "--reverse", "--topo-order", "main").split()
    raws = list(blobs(target, shas))
    first = raws[0].split(b"\n")
    stamp = next(line for line in first if line.startswith(b"author ")).rsplit(b" ", 2)
    when = int(stamp[1]) - 3600
    person = b"Test Practitioner 00 <%s> %d +0000" % (admin.encode(), when)
    root_tree = objects.write("tree", tree_bytes({POLICY.encode(): (FILE_MODE, policy_blob)}))
    message = f"signing: policy ({PEOPLE} signer(s), 1 admin(s))\n\nAction: {POLICY_ACTION}\n".encode()
    raw = b"tree %s\nauthor %s\ncommitter %s\n\n%s" % (root_tree.encode(), person, person, message)
    parent = objects.write("commit", signed(raw, keys[0]))
    trees = {}
    tree_ids = [raw.split(b"\n", 1)[0].split()[1].decode() for raw in raws]
    for tree, body_ in zip(tree_ids, blobs(target, tree_ids)):
        entries = tree_entries(body_)
        entries[POLICY.encode()] = (FILE_MODE, policy_blob)
        trees[tree] = objects.write("tree", tree_bytes(entries))
    for raw, tree in zip(raws, tree_ids):
        header, _, message = raw.partition(b"\n\n")
        lines = [line for line in header.split(b"\n") if not line.startswith(b"parent ")]
        lines[0] = b"tree " + trees[tree].encode()
        lines.insert(1, b"parent " + parent.encode())
        new = b"\n".join(lines) + b"\n\n" + message
        parent = objects.write("commit", signed(new, keys[email_key(new)]))
    git(target, "update-ref", "refs/heads/main", parent)
    shutil.rmtree(target / ".git" / "logs", ignore_errors=True)  # the unsigned history was never this one's
    git(target, "reset", "-q", "--hard", "main")
    shutil.rmtree(target / ".git" / "logs", ignore_errors=True)
    git(target, "gc", "-q", "--prune=now")
    count = len(shas) + 1
    check_fixture(target, count)
    done.write_text(f"{VERSION} {size} records, {count} signed commits\n")
    print(f"signed-{size}: {count} commits rewritten and signed in {time.perf_counter() - started:.1f} s "
          f"(load {load()})", file=sys.stderr)
    return target


def check_fixture(root: Path, count: int) -> None:
    """git itself says the first commit and a sample of the others are signed well by their authors."""
    shas = git(root, "rev-list", "--reverse", "main").split()
    assert len(shas) == count, (len(shas), count)
    signers = root / ".git" / "bench-allowed-signers"
    from isp_tui.audit.policy import parse_policy

    signers.write_text(parse_policy((root / POLICY).read_bytes()).allowed_signers())
    for sha in [shas[0]] + shas[1::max(1, count // 20)]:
        out = git(root, "-c", f"gpg.ssh.allowedSignersFile={signers}", "log", "-1", "--format=%G? %GS %ae", sha)
        status, principal, author = out.split()
        assert status == "G" and principal == author, (sha, out)
    signers.unlink()


# -- the measurements ---------------------------------------------------------------------------------

def scratch(source: Path, tmp: Path) -> Store:
    target = tmp / source.name
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(source, target, symlinks=True)
    shutil.rmtree(target / ".git" / "isp", ignore_errors=True)  # a fresh clone: nothing verified or remembered
    return Store(target)


def measure(size: int, force: bool) -> dict:
    guidance = load_guidance()
    fixture = build(size, force)
    results: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        plain = scratch(generate.build(size), tmp)
        store = scratch(fixture, tmp)
        commits = int(store.git("rev-list", "--count", "main"))
        print(f"\n{size} records, {commits} commits, all signed (40 practitioners' keys, policy in {POLICY})")
        base = timed("baseline: first isp verify, the same records unsigned", lambda: verify(plain, guidance, mark=False),
                     results, "baseline")
        assert base.ok and base.check("signatures").skipped, [f for c in base.checks for f in c.failures]
        sample = store.git("rev-list", "-n", str(SAMPLE), "main").split()
        signers = store.work / "bench-allowed-signers"
        store.work.mkdir(exist_ok=True)
        from isp_tui.audit.policy import parse_policy

        signers.write_text(parse_policy((store.root / POLICY).read_bytes()).allowed_signers())
        took = timed(f"git's own check (git log %G?) of {len(sample)} commits",
                     lambda: store.git("-c", f"gpg.ssh.allowedSignersFile={signers}", "log", "--no-walk=unsorted",
                                       "--format=%H %G?", *sample), results, "git_sample")
        per = results["git_sample"][0] / len(sample)
        print(f"{'  so git checking all ' + str(commits) + ' commits, as the first verify did':<72} "
              f"{per * commits:8.2f} s  ({per * 1000:.1f} ms a commit)")
        results["git_all_estimate"] = (round(per * commits, 1), results["git_sample"][1])
        signers.unlink()
        first = timed("first isp verify of the signed clone (every signature checked once)",
                      lambda: verify(store, guidance, mark=False), results, "first")
        assert first.ok and not first.check("signatures").skipped, [f for c in first.checks for f in c.failures]
        for label, repo in (("", store), ("baseline, unsigned: ", plain)):
            (repo.root / "stray.txt").write_text("bench: a file changed outside isp\n")
            again = timed(f"{label}isp verify again, baseline held back" + ("" if label else " (signatures remembered)"),
                          lambda: verify(repo, guidance), results, label + "held_back")
            assert not again.ok and again.check("signatures").ok
        for label, repo in (("", store), ("baseline, unsigned: ", plain)):
            (repo.root / "stray.txt").unlink()
            timed(f"{label}isp verify again, passing (sets the baseline)", lambda: verify(repo, guidance), results,
                  label + "passing")
        for label, repo in (("", store), ("baseline, unsigned: ", plain)):
            timed(f"{label}isp verify again after a pass", lambda: verify(repo, guidance), results, label + "after_pass")
        timed("isp verify --full (every signature checked again, in-process)",
              lambda: verify(store, guidance, full=True, mark=False), results, "full")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[1000, 10000])
    parser.add_argument("--force", action="store_true", help="make the signed repositories again")
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores, load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    found = {str(size): measure(size, args.force) for size in args.sizes}
    (OUT / "signing-results.json").write_text(json.dumps(found, indent=1) + "\n")


if __name__ == "__main__":
    main()
