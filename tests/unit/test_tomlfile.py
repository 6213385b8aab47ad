"""The TOML reader: rtoml where it gives exactly tomllib's answer, tomllib for everything else."""

from __future__ import annotations

import pickle
import tomllib
from datetime import timezone

import pytest

from isp_tui import tomlfile
from isp_tui.errors import InputError
from isp_tui.tomlfile import parse_toml

VALID = [
    'a = 1979-05-27T07:32:00Z\nb = 1979-05-27T07:32:00-07:00\nc = 1979-05-27T07:32:00\nd = 1979-05-27\n'
    'e = 07:32:00.999999\nf = 1979-05-27 07:32:00+05:30\ng = 1979-05-27T07:32:00.123456789Z\n',
    'n = -inf\nh = 0x10\nl = 9223372036854775807\nm = [1, "a", {x = 1}]\nf = 1.0\ns = """x\ny"""\n',
    '[t]\nx = [{at = 2026-01-01 00:06:02+00:00, who = "Test Child"}, {at = 2026-01-02 00:00:00+01:00}]\n'
    '[[u]]\nk = "v"\n[[u]]\nk = "w"\n',
    'big = 1e1000\n',  # rtoml refuses this overflow; tomllib reads inf, and so does isp
]
# beyond TOML 1.0 (what tomllib reads): read as tomli (isp's reader before rtoml) reads them, whichever is installed
NEWER = ['a = 1979-05-27 07:32\n', '\ufeffa = 1\n', 'a = "\\x41"\n', 'a = "\\e"\n', 'a = {b = 1,}\n', 'a = {\nb = 1}\n',
         'a = 07:32\n', 'a = 1979-05-27T07:32Z\n']


def same(a, b) -> bool:
    if isinstance(a, dict):
        return type(b) is dict and a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return type(b) is list and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b and getattr(a, "tzinfo", None) == getattr(b, "tzinfo", None) \
        and type(getattr(a, "tzinfo", None)) is type(getattr(b, "tzinfo", None))


@pytest.mark.parametrize("text", VALID)
def test_the_same_values_as_tomllib_with_plain_time_zones(text):
    got = parse_toml(text.encode(), "x.toml")
    assert same(got, tomllib.loads(text))
    pickle.dumps(got)  # sent to worker processes: rtoml's own tzinfo class cannot be pickled


def test_rtoml_reads_the_plain_files(monkeypatch):
    if tomlfile.READER != "rtoml":
        pytest.skip("rtoml is not installed")
    calls = []
    real = tomlfile._fast_loads
    monkeypatch.setattr(tomlfile, "_fast_loads", lambda text: calls.append(text) or real(text))
    fallback = []
    monkeypatch.setattr(tomlfile, "_toml_loads", lambda text: fallback.append(text) or tomllib.loads(text))
    assert parse_toml(VALID[2].encode(), "x.toml")["t"]["x"][0]["at"].tzinfo is timezone.utc
    assert calls and not fallback


@pytest.mark.parametrize("text", NEWER)
@pytest.mark.parametrize("fast", [True, False])
def test_beyond_toml_1_0_the_reader_before_rtoml_decides(text, fast, monkeypatch):
    with pytest.raises(tomllib.TOMLDecodeError):
        tomllib.loads(text)
    before = tomlfile._toml_loads
    if not fast:
        monkeypatch.setattr(tomlfile, "_fast_loads", None)  # rtoml missing
    elif tomlfile.READER == "rtoml":
        monkeypatch.setattr(tomlfile, "_fast_loads", lambda text: pytest.fail("rtoml read a TOML 1.1 text"))
    try:
        expected = before(text)
    except Exception:  # noqa: BLE001 - the byte-order mark: tomli refuses it
        with pytest.raises(InputError, match="is not valid TOML"):
            parse_toml(text.encode(), "x.toml")
        return
    assert same(parse_toml(text.encode(), "x.toml"), expected)


@pytest.mark.parametrize("text", ['a = ' + '[' * 5000 + ']' * 5000, 'a = ' + '{b=' * 5000 + '1' + '}' * 5000, "a = 1\na = 2"])
def test_what_neither_reads_is_refused_with_a_message(text):
    with pytest.raises(InputError, match="not valid TOML"):
        parse_toml(text.encode(), "x.toml")
