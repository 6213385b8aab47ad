"""The git layer: every git process isp starts, the objects it writes, and its commit messages.

    env.py       git_env() and run_git(): the one way to run git, always under a config we control
    plumbing.py  objects, trees, commits and refs, on GitPython (its persistent cat-file, gitdb's loose
                 object database, its tree codec); hand-written only where bench/README.md says why
    messages.py  commit_message() writes a commit message and parse_message() reads one: the only places
"""
