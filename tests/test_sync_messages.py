"""A failed sync says in one line what happened and what to do; git's own text is under --verbose."""

from __future__ import annotations

import pytest

from isp_tui.sync.explain import explain

from test_sync import bare, free_port, readme_hook  # noqa: F401  (bare is a fixture)

HOST_KEY = ("Host key verification failed.; fatal: Could not read from remote repository.; Please make sure you have "
            "the correct access rights; and the repository exists.")
KEY_REFUSED = ("git@127.0.0.1: Permission denied (publickey).; fatal: Could not read from remote repository.; Please "
               "make sure you have the correct access rights; and the repository exists.")


@pytest.mark.parametrize("text, says", [
    (HOST_KEY, "host key"),
    (KEY_REFUSED, "refused this machine's SSH key"),
    ("fatal: '/srv/git/nope.git' does not appear to be a git repository; fatal: Could not read from remote "
     "repository.", "no records repository at that path"),
    ("ssh: Could not resolve hostname records.example.invalid: Name or service not known", "cannot be reached"),
    ("remote: commit 0123 is not signed by a known key; ! [remote rejected] main -> main (pre-receive hook declined)",
     "server's checks refused the push"),
])
def test_common_failures_in_one_line(text, says, monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))  # no key of this machine's user is looked at
    assert says in explain(text) and "\n" not in explain(text)


def test_a_key_with_a_passphrase_and_no_agent(monkeypatch, tmp_path):
    import shutil
    import subprocess

    if not shutil.which("ssh-keygen"):
        pytest.skip("ssh-keygen is not installed")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)
    (tmp_path / ".ssh").mkdir()
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "fictional passphrase", "-f",
                    str(tmp_path / ".ssh" / "id_ed25519")], check=True)
    assert "passphrase and no ssh-agent" in explain(KEY_REFUSED)


def test_real_failures_through_the_cli(isp, tmp_path, bare):
    isp("init")
    isp("remote", "add", str(tmp_path / "no-such-repository.git"))
    wrong = isp("sync", check=1)
    assert "no records repository at that path" in wrong.stderr and "does not appear" not in wrong.stderr
    assert "does not appear to be a git repository" in isp("--verbose", "sync", check=1).stderr
    down = tmp_path / "down"
    isp("init", str(down))
    isp("--records", str(down), "remote", "add", f"git://127.0.0.1:{free_port()}/records.git")
    assert "cannot be reached" in isp("--records", str(down), "sync", check=1).stderr
