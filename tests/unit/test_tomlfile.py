"""The TOML reader: toml-rs (asked for TOML 1.0) where it gives exactly tomllib's answer, tomli for everything else."""

from __future__ import annotations

import math
import pickle
import subprocess
import sys
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
    'big = 1e1000\n',  # an overflow: tomllib reads inf, and so does isp
    'n = nan\nm = -nan\np = +inf\nz = -0.0\nb = -9223372036854775809\nc = 99999999999999999999\no = 0o17\nx = 0b101\n',
    'a = 1979-05-27T07:32:00-00:00\nb = 1979-05-27T07:32:00+23:59\nc = 1979-05-27t07:32:00z\nd = 1979-05-27T07:32:00.5\n',
    'a = [\n1,\n# note\n]\nb = [1,]\nt = {a.b = 1, a.c = 2}\ns = "\\u0000 \\U0010FFFF"\nl = \'\'\'x\'\'\'\r\n',
]
# beyond TOML 1.0 (what tomllib reads): read as tomli (isp's reader before toml-rs) reads them, whichever is installed
NEWER = ['a = 1979-05-27 07:32\n', '\ufeffa = 1\n', 'a = "\\x41"\n', 'a = "\\e"\n', 'a = {b = 1,}\n', 'a = {\nb = 1}\n',
         'a = 07:32\n', 'a = 1979-05-27T07:32Z\n']


def same(a, b) -> bool:
    if isinstance(a, dict):
        return type(b) is dict and a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return type(b) is list and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b and getattr(a, "tzinfo", None) == getattr(b, "tzinfo", None) \
        and type(getattr(a, "tzinfo", None)) is type(getattr(b, "tzinfo", None)) \
        or type(a) is float and type(b) is float and math.isnan(a) and math.isnan(b)


@pytest.mark.parametrize("text", VALID)
def test_the_same_values_as_tomllib_with_plain_time_zones(text):
    got = parse_toml(text.encode(), "x.toml")
    assert same(got, tomllib.loads(text))
    assert same(pickle.loads(pickle.dumps(got)), got)  # sent to worker processes


def test_toml_rs_reads_the_plain_files(monkeypatch):
    if tomlfile.READER != "toml-rs":
        pytest.skip("toml-rs is not installed")
    calls = []
    real = tomlfile._rs_loads
    monkeypatch.setattr(tomlfile, "_rs_loads", lambda text, **kw: calls.append(kw) or real(text, **kw))
    fallback = []
    monkeypatch.setattr(tomlfile, "_toml_loads", lambda text: fallback.append(text) or tomllib.loads(text))
    assert parse_toml(VALID[2].encode(), "x.toml")["t"]["x"][0]["at"].tzinfo is timezone.utc
    assert calls == [{"toml_version": "1.0.0"}] and not fallback


@pytest.mark.parametrize("text", NEWER)
@pytest.mark.parametrize("fast", [True, False])
def test_beyond_toml_1_0_the_reader_before_toml_rs_decides(text, fast, monkeypatch):
    with pytest.raises(tomllib.TOMLDecodeError):
        tomllib.loads(text)
    before = tomlfile._toml_loads
    if not fast:
        monkeypatch.setattr(tomlfile, "_rs_loads", None)  # toml-rs missing
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


def test_the_message_is_tomli_s_naming_the_file():
    with pytest.raises(InputError) as refused:
        parse_toml(b'a = 1\nb = "open\n', "records/x.toml")
    message = str(refused.value)
    assert "x.toml" in message and "is not valid TOML" in message
    assert "TOML parse error" not in message and "\n" not in message  # toml-rs's own text spans several lines


def test_without_toml_rs_tomli_reads(monkeypatch):
    monkeypatch.setattr(tomlfile, "_rs_loads", None)
    assert same(parse_toml(VALID[0].encode(), "x.toml"), tomllib.loads(VALID[0]))


HOSTILE = {  # toml-rs recurses on the C stack per nested array or inline table: 10,000 levels killed the process
    "arrays": "a = " + "[" * 100_000 + "]" * 100_000,
    "inline tables": "a = " + "{b=" * 100_000 + "1" + "}" * 100_000,
    "both, unclosed": "a = " + "[{b=" * 50_000,
    "just over the guard": "a = " + "[" * (tomlfile._MAX_OPEN + 1) + "]" * (tomlfile._MAX_OPEN + 1),
    "a huge string": 'a = "' + "x" * 2_000_000 + '"\n',
    "NUL bytes": "a = 1\n" + "\x00" * 100_000,
    "deep dotted keys": "a = {" + ".".join(["b"] * 100_000) + " = 1}\n",
}


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_text_never_kills_the_process(name):
    """In a child process: a stack overflow in compiled code would abort the interpreter, not raise."""
    code = ("import sys\nfrom isp_tui.errors import InputError\nfrom isp_tui.tomlfile import parse_toml\n"
            "try:\n    parse_toml(sys.stdin.buffer.read(), 'x.toml')\nexcept InputError as exc:\n    print(exc)\n")
    done = subprocess.run([sys.executable, "-c", code], input=HOSTILE[name].encode(), capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    assert "Traceback" not in done.stderr.decode()


def test_invalid_utf8_is_refused_before_any_reader():
    with pytest.raises(InputError, match="not UTF-8"):
        parse_toml(b'a = "\xff\xfe"\n', "x.toml")
