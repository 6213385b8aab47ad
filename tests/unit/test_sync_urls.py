"""Which remote URLs a sync accepts (pure: no git, no network)."""

from __future__ import annotations

import pytest

from isp_tui.errors import InputError
from isp_tui.sync.remote import check_url, url_warning


@pytest.mark.parametrize("url", [
    "ext::sh -c touch% /tmp/pwned",
    "--upload-pack=touch /tmp/pwned",
    "-oProxyCommand=touch /tmp/pwned",
    "fd::17",
    "foo::bar",
    "ssh://-oProxyCommand=touch/records.git",
    "user@-oProxyCommand=x:records.git",
    "-user@git.example.invalid:records.git",
    "git@git.example.invalid:--upload-pack=touch",
    "ssh://git.example.invalid/--upload-pack=touch",
    "ssh://-user@git.example.invalid/records.git",
    "https://user:secret@git.example.invalid/records.git",
    "ftp://git.example.invalid/records.git",
    "http://git.example.invalid/records.git",
    "https://git.example.invalid/rec\nords.git",
    "",
])
def test_dangerous_urls_are_refused(url):
    with pytest.raises(InputError):
        check_url(url)


@pytest.mark.parametrize("url", [
    "https://git.example.invalid/isp/records.git",
    "ssh://git@git.example.invalid:2222/srv/records.git",
    "git@git.example.invalid:isp/records.git",
    "git://127.0.0.1:9418/records.git",
    "file:///srv/git/records.git",
    "/srv/git/records.git",
    "../records.git",
])
def test_ordinary_urls_are_accepted(url):
    assert check_url(url) == url


def test_git_protocol_off_this_machine_is_warned_about():
    assert "neither encrypted nor authenticated" in url_warning("git://git.example.invalid/records.git")
    assert url_warning("git://127.0.0.1:9418/records.git") is None
    assert url_warning("ssh://git@git.example.invalid/records.git") is None
