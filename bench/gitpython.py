"""Each place the save could use GitPython, measured against what it does instead:
`python bench/gitpython.py [SIZE]` (default 10000; the repository from bench/generate.py, copied first).

Medians of 30, in one long-lived process (as the app holds its Store), on the repository's real trees.
"""

from __future__ import annotations

import io
import os
import shutil
import statistics
import subprocess
import sys
import time
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import build  # noqa: E402

from isp_tui.gitlayer.env import git_env  # noqa: E402

BRANCH = "refs/heads/main"


def median_ms(fn, n: int = 30) -> float:
    times = []
    for _ in range(n):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main() -> None:
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
    root = HERE / "out" / "scratch-gitpython"
    if root.exists():
        shutil.rmtree(root)
    subprocess.run(["cp", "-a", str(build(size)), str(root)], check=True)
    started = time.perf_counter()
    import git
    from gitdb import IStream
    from gitdb.db.loose import LooseObjectDB
    imported = (time.perf_counter() - started) * 1000

    env = git_env()
    repo = git.Repo(root)
    repo.git.update_environment(**{k: v for k, v in env.items() if k.startswith("GIT_")})
    loose = LooseObjectDB(str(root / ".git" / "objects"))
    day = next(root.glob("2025/*/*/*.toml")).parent.relative_to(root).as_posix()
    dirs = ["", day.split("/")[0], "/".join(day.split("/")[:2]), day]
    asks = [BRANCH] + [f"{BRANCH}^{{tree}}" if not d else f"{BRANCH}:{d}" for d in dirs]

    def objects():  # a save's objects: a 2.6 KB blob, four trees, a commit (fresh content each time)
        return [("blob", os.urandom(1300).hex().encode())] + [("tree", os.urandom(400 + j)) for j in range(4)] + \
            [("commit", b"tree 0\n" + os.urandom(200).hex().encode())]

    def by_hand(kind: str, data: bytes) -> None:
        import hashlib

        raw = b"%s %d\0%s" % (kind.encode(), len(data), data)
        sha = hashlib.sha1(raw).hexdigest()
        target = root / ".git" / "objects" / sha[:2] / sha[2:]
        target.parent.mkdir(exist_ok=True)
        tmp = target.parent / f"tmp_obj_{os.getpid()}_{sha[2:10]}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o444)
        os.write(fd, zlib.compress(raw))
        os.close(fd)
        os.replace(tmp, target)

    rows = [
        ("import git (GitPython), once per process", imported),
        ("6 objects: hand-written zlib + rename (before)", median_ms(lambda: [by_hand(k, d) for k, d in objects()])),
        ("6 objects: gitdb LooseObjectDB.store (now)",
         median_ms(lambda: [loose.store(IStream(k, len(d), io.BytesIO(d))) for k, d in objects()])),
        ("6 objects: GitPython Repo.odb.store (git hash-object -w each)",
         median_ms(lambda: [repo.odb.store(IStream(k, len(d), io.BytesIO(d))) for k, d in objects()])),
        ("commit + 4 trees: one-shot `git cat-file --batch` (before)",
         median_ms(lambda: subprocess.run(["git", "cat-file", "--batch"], cwd=root, env=env, capture_output=True,
                                          input="".join(a + "\n" for a in asks).encode()))),
        ("commit + 4 trees: GitPython's persistent cat-file (now)",
         median_ms(lambda: [repo.git.get_object_data(a) for a in asks])),
        ("branch head: `git rev-parse` (before)",
         median_ms(lambda: subprocess.run(["git", "rev-parse", "--verify", "-q", BRANCH], cwd=root, env=env,
                                          capture_output=True))),
        ("branch head: persistent cat-file header (now, once GitPython is open)",
         median_ms(lambda: repo.git.get_object_header(BRANCH))),
        ("commit.gpgsign: `git config` (kept; overlapped with the tree reads)",
         median_ms(lambda: subprocess.run(["git", "config", "--bool", "commit.gpgsign"], cwd=root, env=env,
                                          capture_output=True))),
        ("commit.gpgsign: GitPython config_reader (not used: ignores GIT_CONFIG_GLOBAL)",
         median_ms(lambda: repo.config_reader().get_value("commit", "gpgsign", False))),
    ]
    print(f"{size:,} records; median of 30, ms")
    for label, value in rows:
        print(f"| {label} | {value:.2f} |")
    repo.close()
    shutil.rmtree(root)


if __name__ == "__main__":
    main()
