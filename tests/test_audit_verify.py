"""`isp verify`: a repository built through the store passes; every way a person could tamper with it
by hand is caught, each by its named check. Real git, real records, the real CLI."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from isp_tui import audit
from isp_tui.record import Record
from isp_tui.identity import Identity
from isp_tui.store import Store

from conftest import PRACTITIONER, git
from factory import final_record

ME = Identity.parse(PRACTITIONER)
TAMPERER = ["-c", "user.name=Test Tamperer", "-c", "user.email=test.tamperer@example.invalid"]


def plain_git(repo: Path, *args: str) -> str:
    """git as a person would run it by hand, hooks and all."""
    return git(repo, *TAMPERER, *args)


@pytest.fixture
def built(records, guidance):
    """A repository made only through the store: finals, an amendment, a draft, a correction."""
    store = Store(records)
    first = store.save(final_record(guidance), guidance, ME)
    second = store.save(final_record(guidance, subject={"name": "Test Child Beta", "reference": "TEST-0002",
                                                        "date_of_birth": date(2016, 2, 3)}), guidance, ME)
    data = dict(second.record.data, retention={"review_on": date(2028, 1, 4)})
    store.amend(second.id, data, "Fictional: review date agreed", guidance,
                Identity("Test Team Manager", "test.manager@example.invalid"))
    store.save({"when": {"legitimate_purpose": "yes"}, "subject": {"reference": "TEST-0003"}}, guidance, ME, draft=True)
    audit.record_correction(store, first.id, guidance, ME, description="Fictional: wrong attendance figure",
                            found_on=date(2026, 11, 2), recipients=[("Test Police Force", date(2026, 11, 4))])
    # verified once, as an organisation would regularly: later runs check only what came since
    assert audit.verify(store, guidance).ok
    assert (store.work / audit.STATE).is_file() and (store.work / audit.CACHE).is_file()
    return store, first.id, second.id


def failed(isp, *extra: str) -> dict[str, list[dict]]:
    result = isp("verify", "--json", *extra, check=None)
    report = json.loads(result.stdout)
    assert result.returncode == (0 if report["ok"] else 1)
    return {c["name"]: c["failures"] for c in report["checks"] if not c["ok"]}


def test_a_clean_repository_passes(isp, built):
    store, _, _ = built
    for extra in ((), ("--full",)):
        assert failed(isp, *extra) == {}
    out = isp("verify").stdout
    assert "verified: no problems found" in out
    assert all(f"PASS  {name}:" in out for name in audit.CHECKS if name not in ("signatures", "index"))
    assert "SKIP  signatures:" in out  # not set up in this repository
    assert "SKIP  index:" in out and "PASS  index:" in isp("verify", "--full").stdout  # --full rebuilds it to compare
    assert (store.work / audit.MARKER).read_text().strip() == store.head()


def test_an_empty_repository_passes(isp):
    isp("init")
    assert failed(isp) == {}


def test_hand_edited_final_record_committed_with_plain_git(isp, built, records):
    store, first, _ = built
    path = records / store.get(first).path
    path.write_text(path.read_text().replace('recorded = "share"', 'recorded = "share-part"'))
    plain_git(records, "commit", "-qam", "fix typo")
    fast = failed(isp)
    assert set(fast) == {"shape", "finals"}
    assert "was not made by isp" in fast["shape"][0]["message"]
    assert f"record {first} was final and then changed" in fast["finals"][0]["message"]
    full = failed(isp, "--full")
    assert any("fields changed with no amendment: decision.recorded" in f["message"] for f in full["finals"])
    assert "FAIL  finals" in isp("verify", check=1).stdout
    # with no memory of earlier runs (state and cache removed), the same
    for name in (audit.MARKER, audit.STATE, audit.CACHE):
        (store.work / name).unlink()
    assert set(failed(isp)) == {"shape", "finals"}


def test_incremental_state_holds_no_personal_data(built):
    store, _, _ = built
    for name in (audit.MARKER, audit.STATE, audit.CACHE):
        text = (store.work / name).read_text()
        for personal in ("Test Child", "TEST-000", "2015-01-01", "2016-02-03", "Test Police Force"):
            assert personal not in text


def test_hand_edit_disguised_with_the_stores_message(isp, built, records):
    """A forged `Action: amend` commit that adds no amendment: the trailers alone give it away."""
    store, first, _ = built
    path = records / store.get(first).path
    path.write_text(path.read_text().replace("Fictional attendance summary.", "Different summary (test)."))
    message = git(records, "log", "-1", "--format=%B", "--", str(path)).replace("correct", "amend")
    plain_git(records, "commit", "-qa", "-m", message)
    assert "shape" not in failed(isp)
    assert "holds 0 amendment(s) but its history has 1 amend commit(s)" in failed(isp)["finals"][0]["message"]
    assert any("sharing.information" in f["message"] for f in failed(isp, "--full")["finals"])


def test_forged_amendment_whose_changes_do_not_match(isp, built, records, guidance):
    """An amendment entry that lists one field while another changed: only the deep check can see it."""
    store, first, _ = built
    record = store.get(first, guidance)
    data = dict(record.data)
    data["sharing"] = dict(data["sharing"], purpose="Changed purpose (test)")
    data["amendments"] = [{"id": "01JDB3M7Q2X8W5ZK4T9N6E1RVA", "at": record.get("decided.at"), "by": PRACTITIONER,
                           "reason": "Fictional", "changes": [{"field": "retention.review_on", "before": date(2027, 11, 3),
                                                               "after": date(2027, 11, 4)}]}]
    (records / record.path).write_text(Record(data).to_toml())
    message = git(records, "log", "-1", "--format=%B", "--", record.path).replace("correct", "amend")
    plain_git(records, "commit", "-qa", "-m", message)
    assert failed(isp) == {}  # the trailers and counts look right
    full = failed(isp, "--full")
    assert set(full) == {"finals"}
    assert "the amendment's changes do not match what changed" in full["finals"][0]["message"]


def test_a_deleted_record(isp, built, records):
    store, _, second = built
    plain_git(records, "rm", "-q", store.get(second).path)
    plain_git(records, "commit", "-qm", "remove duplicate")
    fast = failed(isp)
    assert fast["deletions"][0]["record"] == second
    assert f"record {second} was deleted" in fast["deletions"][0]["message"]
    # its history still reads, up to the deletion
    assert [r["status"] for r in isp.json("log", second)["revisions"]] == ["unreadable", "final", "final"]
    assert "does not exist at one of those revisions" in isp("log", second, "--diff", "1", "3", check=2).stderr


def test_a_record_removed_or_edited_in_the_working_tree_only(isp, built, records):
    store, first, second = built
    (records / store.get(second).path).unlink()
    (records / store.get(first).path).write_text((records / store.get(first).path).read_text() + "\n")
    messages = [f["message"] for f in failed(isp)["worktree"]]
    assert any("missing from the working tree" in m for m in messages)
    assert any("differs from its last commit" in m for m in messages)


@pytest.mark.parametrize("rewrite", ["amend", "reset", "reset-and-expire-reflog"])
def test_rewritten_history(isp, built, records, rewrite):
    assert failed(isp) == {}  # a passing run remembers the head
    if rewrite == "amend":
        plain_git(records, "commit", "-q", "--amend", "--no-edit", "--date=2020-01-01T00:00:00Z")
    else:
        plain_git(records, "reset", "-q", "--hard", "HEAD~1")
        if rewrite == "reset-and-expire-reflog":  # covering tracks: the verified-head marker still shows it
            shutil.rmtree(records / ".git" / "logs")
    fast = failed(isp)
    assert "history" in fast
    assert all("history was rewritten" in f["message"] for f in fast["history"])
    if rewrite != "reset-and-expire-reflog":
        assert any("the branch once pointed at" in f["message"] for f in fast["history"])


def test_name_or_date_of_birth_in_a_commit_message(isp, built, records):
    (records / "README.md").write_text("Fictional notes\n")
    plain_git(records, "add", "-f", "README.md")
    plain_git(records, "commit", "-qm", "Notes about test child alpha")
    fast = failed(isp)
    assert set(fast) == {"personal-data"}
    message = fast["personal-data"][0]["message"]
    assert "the message holds a subject's identifying details" in message
    assert "alpha" not in message.lower()  # the finding never repeats the personal data
    (records / "README.md").write_text("More fictional notes\n")
    plain_git(records, "commit", "-qam", "born 03/02/2016")
    assert len(failed(isp)["personal-data"]) == 2


def test_personal_data_in_a_path(isp, built, records):
    (records / "Test Child Beta.txt").write_text("fictional\n")
    plain_git(records, "add", "Test Child Beta.txt")
    plain_git(records, "commit", "-qm", "add notes")
    fast = failed(isp)
    assert any("a path it adds or changes holds a subject's identifying details" in f["message"]
               for f in fast["personal-data"])
    assert "shape" in fast


def test_personal_data_after_the_trailers(isp, built, records):
    """A store-shaped message with a line of free text added is no longer the store's shape, and is scanned."""
    message = git(records, "log", "-1", "--format=%B") + "Subject: TEST-0001\n"
    git(records, *TAMPERER, "commit", "-q", "--allow-empty", "-m", message)
    fast = failed(isp)
    assert "personal-data" in fast


def test_one_commit_for_two_records(isp, built, records):
    store, first, second = built
    for record_id in (first, second):
        path = records / store.get(record_id).path
        path.write_text(path.read_text().replace("Fictional attendance summary.", "Edited (test)."))
    plain_git(records, "commit", "-qam", "bulk edit")
    shape = [f["message"] for f in failed(isp)["shape"]]
    assert any("changes 2 records" in m for m in shape)


def test_a_record_that_does_not_parse(isp, built, records):
    store, first, _ = built
    path = records / store.get(first).path
    path.write_text(path.read_text().replace('status = "final"', 'status = "approved"'))
    message = git(records, "log", "-1", "--format=%B", "--", str(path)).replace("correct", "amend")
    plain_git(records, "commit", "-qam", message)
    schema = failed(isp)["schema"]
    assert schema[0]["record"] == first and "status" in schema[0]["message"]


def test_ruleset_copy_altered(isp, built, records):
    [copy] = (records / "rulesets").glob("*.toml")
    copy.write_text(copy.read_text() + "\n# edited\n")
    plain_git(records, "commit", "-qam", "tidy ruleset")
    rulesets = [f["message"] for f in failed(isp)["rulesets"]]
    assert any("does not match its hash" in m for m in rulesets)
    assert any("changed or removed a ruleset copy" in m for m in rulesets)
    plain_git(records, "rm", "-q", str(copy))
    plain_git(records, "commit", "-qm", "remove ruleset")
    assert any("is not in rulesets/" in f["message"] for f in failed(isp)["rulesets"])


def test_git_fsck_errors(isp, built, records):
    """A missing object (a corrupted or pruned object store): git fsck names it. A default run walks the
    objects of the commits since the last passing run; --full, or a run with nothing verified before, all."""
    store, first, _ = built
    blob = git(records, "rev-parse", f"HEAD~1:{store.get(first).path}").strip()  # an older revision's blob
    obj = records / ".git" / "objects" / blob[:2] / blob[2:]
    obj.chmod(0o600)
    obj.unlink()
    assert "fsck" in failed(isp, "--full")
    audit.forget_verified(store)
    assert "fsck" in failed(isp)


def test_an_object_of_a_commit_since_the_last_run_missing(isp, built, records, guidance):
    """The default run's cheaper walk still finds what the new commits lost."""
    store, _, _ = built
    saved = store.save(final_record(guidance, subject={"name": "Test Child Gamma", "reference": "TEST-0009",
                                                       "date_of_birth": date(2017, 3, 4)}), guidance, ME)
    blob = git(records, "rev-parse", f"HEAD:{store.get(saved.id).path}").strip()
    obj = records / ".git" / "objects" / blob[:2] / blob[2:]
    obj.chmod(0o600)
    obj.unlink()
    fsck = failed(isp)["fsck"]
    assert any(blob in f["message"] and "missing" in f["message"] for f in fsck)


# -- signing -------------------------------------------------------------------------------------


@pytest.fixture
def ssh_key(tmp_path) -> Path:
    if not shutil.which("ssh-keygen"):
        pytest.skip("ssh-keygen is not installed")
    key = tmp_path / "test_signing_key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "test@example.invalid", "-f", str(key)],
                   check=True)
    return key


def test_signing_set_up_then_an_unsigned_commit(isp, records, tmp_path, guidance, ssh_key):
    from conftest import write_toml

    isp("record", str(write_toml(tmp_path / "a.toml", final_record(guidance))))  # before signing: allowed unsigned
    isp("init", "--sign", "--key", str(ssh_key))
    assert git(records, "config", "commit.gpgsign").strip() == "true"
    signers = Path(git(records, "config", "gpg.ssh.allowedSignersFile").strip())
    assert "test.practitioner@example.invalid" in signers.read_text()
    record_id = isp("record", str(write_toml(tmp_path / "b.toml", final_record(guidance)))).stdout.strip()
    # plain git can check the signature with the repository's own config
    assert "Good \"git\" signature" in subprocess.run(["git", "verify-commit", "HEAD"], cwd=records,
                                                      capture_output=True, text=True, check=True).stderr
    assert failed(isp) == {}
    # an unsigned change where signing is required
    git(records, "config", "commit.gpgsign", "false")
    store = Store(records)
    data = dict(store.get(record_id, guidance).data, retention={"review_on": date(2029, 1, 1)})
    store.amend(record_id, data, "Fictional: unsigned change", guidance, ME)
    git(records, "config", "commit.gpgsign", "true")
    fast = failed(isp)
    assert set(fast) == {"signatures"}
    assert "is not signed" in fast["signatures"][0]["message"]
    assert fast["signatures"][0]["commit"] == store.head()


def test_a_commit_signed_by_a_key_not_allowed(isp, records, tmp_path, guidance, ssh_key):
    from conftest import write_toml

    isp("init", "--sign", "--key", str(ssh_key))
    isp("record", str(write_toml(tmp_path / "a.toml", final_record(guidance))))
    other = tmp_path / "other_key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(other)], check=True)
    git(records, "config", "user.signingkey", str(other))
    isp("record", str(write_toml(tmp_path / "b.toml", final_record(guidance))))
    assert len(failed(isp)["signatures"]) == 1


def test_init_sign_with_a_missing_key_is_bad_input(isp, tmp_path):
    result = isp("init", "--sign", "--key", str(tmp_path / "nope"), check=2)
    assert "--key" in result.stderr and "no such key file" in result.stderr


def test_verify_output_names_each_failure(isp, built, records):
    store, _, second = built
    plain_git(records, "rm", "-q", store.get(second).path)
    plain_git(records, "commit", "-qm", "remove")
    out = isp("verify", check=1).stdout
    assert "FAIL  deletions: no record was deleted" in out
    assert "PASS  rulesets" in out
    assert out.rstrip().splitlines()[-1].startswith("FAILED: ")


def test_a_merge_from_another_clone_passes(isp, built, records, tmp_path, guidance):
    """Two practitioners' clones, merged with plain git (as a sync would): still verifies, deep checks too."""
    store, first, _ = built
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(records), str(clone))
    theirs = Store(clone)
    data = dict(theirs.get(first, guidance).data, retention={"review_on": date(2029, 5, 1)})
    theirs.amend(first, data, "Fictional: agreed in the other office", guidance, ME)
    store.save(final_record(guidance), guidance, ME)
    plain_git(records, "pull", "-q", "--no-rebase", "--no-edit", str(clone), "main")
    assert len(git(records, "log", "-1", "--format=%P").split()) == 2
    assert failed(isp) == {}
    assert failed(isp, "--full") == {}
    (records / "README.md").write_text("Fictional\n")
    plain_git(records, "add", "-f", "README.md")
    plain_git(records, "commit", "-qm", "Synced on 2026-11-21 at 10:00")  # a time stamp is not a date of birth
    assert failed(isp) == {}


def test_a_record_pinning_another_rulesets_hash(isp, built, records, guidance):
    store, first, _ = built
    dpa = guidance.rulesets["dpa-1998"]
    store.save({"ruleset": {"id": "dpa-1998"}}, guidance, ME, draft=True)  # brings the 1998 ruleset's copy
    path = records / store.get(first).path
    gdpr = store.get(first).get("ruleset.sha256")
    path.write_text(path.read_text().replace(gdpr, dpa.sha256))
    plain_git(records, "commit", "-qam", "fix hash")
    rulesets = [f["message"] for f in failed(isp)["rulesets"]]
    assert any(f"pins ruleset gdpr-2018@1.0.0 with hash {dpa.sha256[:16]}..., but that file is dpa-1998@{dpa.version}" in m
               for m in rulesets)


def test_openpgp_signing(isp, records, tmp_path, guidance, monkeypatch):
    from conftest import write_toml

    if not shutil.which("gpg"):
        pytest.skip("gpg is not installed")
    home = tmp_path / "gnupg"
    home.mkdir(mode=0o700)
    monkeypatch.setenv("GNUPGHOME", str(home))
    subprocess.run(["gpg", "--batch", "--passphrase", "", "--quick-gen-key", PRACTITIONER, "ed25519", "sign", "never"],
                   check=True, capture_output=True)
    fingerprint = next(line.split(":")[9] for line in subprocess.run(
        ["gpg", "--list-secret-keys", "--with-colons"], capture_output=True, text=True, check=True).stdout.splitlines()
        if line.startswith("fpr:"))
    isp("init", "--sign", "--signing-format", "openpgp", "--key", fingerprint)
    isp("record", str(write_toml(tmp_path / "a.toml", final_record(guidance))))
    assert failed(isp) == {}
    git(records, "-c", "commit.gpgsign=false", *TAMPERER, "commit", "-q", "--allow-empty", "-m", "unsigned")
    assert [f["commit"] for f in failed(isp)["signatures"]] == [git(records, "rev-parse", "HEAD").strip()]


def test_a_name_from_a_deleted_record_is_found_by_the_full_check(isp, built, records):
    store, _, second = built
    plain_git(records, "rm", "-q", store.get(second).path)
    plain_git(records, "commit", "-qm", "removed the record about Test Child Beta")
    assert "personal-data" not in failed(isp)  # the head no longer holds that name
    assert "personal-data" in failed(isp, "--full")
