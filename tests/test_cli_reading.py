"""How `cfc score` reads files fast without reading them differently (issue 13, point 1).

- YAML: the libyaml nodes of an ordinary document are built directly (engine/yamlsource.py `_quick`); any
  other document goes the long way (checked, then PyYAML's SafeConstructor). The two must give the same
  data, of the same types, in the same key order, and refuse the same documents with the same message.
- JSON: orjson reads the bytes; what it refuses is read the long way, with the same messages as before.
- Many files are scored by worker processes (engine/cli/score.py): the output, the messages and the exit
  code are those of one process, byte for byte.
"""

from __future__ import annotations

import datetime as dt
import json
import resource
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.cli.score import processes
from engine.io.files import read_assessment
from engine.yamlsource import YamlSyntaxError, parse_yaml
from tests.conftest import CRITERIA, EXAMPLES
from tests.test_hostile_files import hostile_files


def same(a, b) -> bool:
    """Equal, with the same types everywhere (True is not 1) and the same key order."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(type(x) is type(y) for x, y in zip(a, b, strict=True)) and all(
            same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return a == b or (a != a and b != b)  # NaN


def long_way(text: str):
    """What PyYAML's own safe loader makes of it, after the alias and depth checks (with_lines=True always
    takes that way), or the message it refuses it with."""
    try:
        return parse_yaml(text, "f", with_lines=True)[0]
    except YamlSyntaxError as exc:
        return ("refused", exc.line, exc.message)


def quick_way(text: str):
    try:
        return parse_yaml(text, "f")[0]
    except YamlSyntaxError as exc:
        return ("refused", exc.line, exc.message)


def test_real_files_read_alike():
    for path in [*EXAMPLES.glob("*.yaml"), CRITERIA]:
        text = path.read_text(encoding="utf-8")
        assert same(quick_way(text), long_way(text)), path
    data = long_way((EXAMPLES / "ia-toi-2022.yaml").read_text(encoding="utf-8"))
    assert data["period"] == 2022 and data["commune"]["code"] == "23538"


# Texts that are not what a form writes: explicit tags, merges, odd numbers, odd keys, deep nesting.
ODD = [
    "a: !!bool maybe\n", "a: !!int ''\n", "a: !!int '12'\n", "a: !!str 12\n", "a: !!float '1.5'\n",
    "a: !!binary AAAA\n", "a: !!timestamp 2022-13-45\n", "a: 2022-11-25\n", "a: !!set {x: 1}\n",
    "a: !!omap [x]\n", "a: !!pairs {x: 1}\n", "<<: {a: 1}\nb: 2\n", "<<: [1]\n", "=: 1\n", "? [a, b]\n: 1\n",
    "? {a: 1}\n: 1\n", "a: 0x1F\n", "a: 0o17\n", "a: 017\n", "a: 1_000\n", "a: +12\n", "a: -12\n",
    "a: 1:30\n", "a: 0b101\n", "a: 0\n", "a: 00\n", "a: .inf\n", "a: ~\n", "a: null\n", "a: Yes\n",
    "a: off\n", "1: a\ntrue: b\n", "a: 1\na: 2\n", "a: !custom x\n", "- !!python/object:os.system [ls]\n",
    "a: &x 1\n", "a: &x [1]\nb: *x\n", "a: 'x*y'\n", "a: " + "9" * 6000 + "\n", "a: " + "[" * 40 + "]" * 40,
    "a:\n" + "".join(" " * n + "- \n" for n in range(1, 40)), "[" * 31 + "]" * 31, "[" * 32 + "]" * 32,
    "[" * 33 + "1" + "]" * 33, "[" * 32 + "1" + "]" * 32, "{" * 20 + "}" * 20, "", "---\n", "just text\n",
    "--- 1\n--- 2\n", "a: [1, 2\n", "\ta: 1\n", "a: 'unclosed\n", "a: 1.0e+3\n", "a: 1e3\n", "a: '0'\n",
]


@pytest.mark.parametrize("text", ODD)
def test_odd_documents_read_alike(text):
    assert same(quick_way(text), long_way(text)), (quick_way(text), long_way(text))


def test_a_bad_tagged_value_is_a_message_not_a_crash(tmp_path):
    """`!!bool maybe` (KeyError inside PyYAML) and `!!int ''` (IndexError) used to end `cfc score` with a
    traceback, and an upload with a 500."""
    for n, text in enumerate(["period: !!bool maybe\n", "period: !!int ''\n"]):
        path = tmp_path / f"bad{n}.yaml"
        path.write_text(text, encoding="utf-8")
        doc, errors = read_assessment(path)
        assert doc is None and errors[0].message.startswith("Tệp không đúng định dạng YAML/JSON")


yaml_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12)
    | st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2200, 1, 1)),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(max_size=8) | st.integers() | st.booleans(), inner, max_size=5),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=yaml_values, flow=st.booleans(), unicode=st.booleans())
def test_any_dumped_document_reads_alike(value, flow, unicode):
    text = yaml.safe_dump(value, default_flow_style=flow, allow_unicode=unicode)
    assert same(quick_way(text), long_way(text)), text


TOKENS = [*"ab01 :-[]{},'\"!&*<=?#\n\t.~_x+", "!!int ", "!!bool ", "!!str ", "<<: ", "\n  ", "- ", "y"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(parts=st.lists(st.sampled_from(TOKENS), max_size=40))
def test_any_text_reads_alike(parts):
    text = "".join(parts)
    assert same(quick_way(text), long_way(text)), text


def test_json_refusals_keep_their_words(tmp_path):
    cases = {
        "latin1.json": (b'{"commune": "X\xe3 Ia T\xf4i"}', "Không đọc được tệp: 'utf-8' codec can't decode"),
        "broken.json": (b'{"commune": ', "Tệp không đúng định dạng YAML/JSON: "),
        "deep.json": (b'{"v": ' + b"[" * 40 + b"]" * 40 + b"}", "Tệp lồng quá sâu"),
        "bom.json": (b'\xef\xbb\xbf{"period": 2022}', "Tệp không đúng định dạng YAML/JSON: "),
    }
    for name, (data, start) in cases.items():
        (tmp_path / name).write_bytes(data)
        doc, errors = read_assessment(tmp_path / name)
        assert doc is None and errors[0].message.startswith(start), (name, errors)
    (tmp_path / "ok.json").write_bytes(b'{"v": ' + b"[" * 31 + b"]" * 31 + b', "n": "X\xc3\xa3"}')
    doc, errors = read_assessment(tmp_path / "ok.json")
    assert errors == [] and doc["n"] == "Xã"
    # Brackets inside strings are not levels (counting them only sends the file to the exact check).
    (tmp_path / "text.json").write_bytes(b'{"n": "' + b"[{" * 40 + b'", "v": [[1]]}')
    doc, errors = read_assessment(tmp_path / "text.json")
    assert errors == [] and doc["v"] == [[1]]


def test_a_file_growing_while_read_is_read_to_the_bound(tmp_path, monkeypatch):
    """The size is asked before reading: a file larger by then is still read whole (up to the bound)."""
    import os
    from types import SimpleNamespace

    from engine.io import load

    path = tmp_path / "grows.json"
    path.write_bytes(b'{"period": 2022}')
    # fstat says what the file held before its last write.
    earlier = SimpleNamespace(fstat=lambda fd: SimpleNamespace(st_size=os.fstat(fd).st_size - 5))
    monkeypatch.setattr(load, "os", earlier)
    assert load.read_bytes(path) == b'{"period": 2022}'


def test_a_file_without_a_size_is_read_no_further_than_the_bound():
    """/dev/zero says it is empty and never ends: it is refused as too big, not read until memory runs out."""
    doc, errors = read_assessment("/dev/zero")
    assert doc is None and errors[0].message == "Tệp quá lớn (tối đa 1 MB)."


def cfc(*args: str, cwd, procs: str | None) -> subprocess.CompletedProcess:
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1024 * 2**20, 1024 * 2**20))

    env = {k: v for k, v in __import__("os").environ.items() if k != "CFC_PROCS"}
    if procs is not None:
        env["CFC_PROCS"] = procs
    return subprocess.run([sys.executable, "-m", "engine", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=300, preexec_fn=limit, env=env)


@pytest.mark.parametrize("fmt", [["--json"], []])
def test_worker_processes_print_what_one_process_prints(tmp_path, fmt):
    hostile = sorted(hostile_files(tmp_path))
    examples = sorted(EXAMPLES.glob("*.yaml"))
    names = []
    for n in range(3):  # good and bad files interleaved, over more chunks than workers
        for path in examples:
            names.append(f"{path.stem}-{n}.yaml")
            (tmp_path / names[-1]).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
            (tmp_path / f"{path.stem}-{n}.json").write_text(
                json.dumps(yaml.safe_load(path.read_text(encoding="utf-8")), default=str), encoding="utf-8")
            names.append(f"{path.stem}-{n}.json")
        names += hostile
    one = cfc("score", *fmt, *names, cwd=tmp_path, procs="1")
    assert one.returncode == 2 and one.stderr == "" and "Traceback" not in one.stdout
    assert one.stdout.count("không chấm được" if not fmt else '"errors"') >= len(hostile) * 3
    for procs in ("2", "3"):
        many = cfc("score", *fmt, *names, cwd=tmp_path, procs=procs)
        assert (many.returncode, many.stderr) == (one.returncode, one.stderr)
        assert many.stdout == one.stdout


def test_default_process_count():
    assert processes(1) == 1 and processes(10) == 1  # forking costs more than a few files take
    assert 1 <= processes(5000) <= 4


def test_process_count_from_the_environment(monkeypatch):
    monkeypatch.setenv("CFC_PROCS", "3")
    assert processes(5000) == 3 and processes(2) == 2
    monkeypatch.setenv("CFC_PROCS", "many")
    assert processes(5000) == 1


@pytest.mark.parametrize("procs", ["1", "2"])
def test_a_reader_that_stops_early_gets_no_traceback(tmp_path, procs):
    """`cfc score --json *.yaml | head -1`: the rest goes nowhere, quietly."""
    text = (EXAMPLES / "ia-toi-2022.yaml").read_text(encoding="utf-8")
    names = []
    for n in range(600):
        names.append(f"f{n:03d}.yaml")
        (tmp_path / names[-1]).write_text(text, encoding="utf-8")
    env = dict(__import__("os").environ, CFC_PROCS=procs)
    with subprocess.Popen([sys.executable, "-m", "engine", "score", "--json", *names], cwd=tmp_path, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE) as proc:
        first = proc.stdout.readline()
        proc.stdout.close()
        err = proc.stderr.read().decode()
        proc.wait(timeout=300)
    assert json.loads(first)["total"] == 845
    assert "Traceback" not in err and "Exception" not in err, err


def _dies_on_its_chunk(job):
    """A worker killed from outside (the out-of-memory killer, say) while scoring the chunk of `kill.yaml`."""
    import os
    import signal

    import engine.cli.score as sc

    if any(name.endswith("kill.yaml") for name in job[0]):
        os.kill(os.getpid(), signal.SIGKILL)
    text, bad, error = sc.render(sc._engines, job[0], job[1])
    return (text.encode(*job[2]) if job[2] else text), bad, error


def test_a_killed_worker_costs_time_not_output(tmp_path, monkeypatch):
    """The chunks not yet written when a worker dies are scored by the command itself, in order: the output
    is still that of one process (a pool waiting forever for a dead worker would hang `cfc score`)."""
    import io

    import engine.cli.score as sc
    from engine.io.engines import Engines

    text = (EXAMPLES / "ia-dom-2022.yaml").read_text(encoding="utf-8")
    names = []
    for n in range(40):
        names.append(str(tmp_path / (f"f{n:02d}.yaml" if n != 25 else "kill.yaml")))
        # Some scored with other figures, some refused (a negative count).
        Path(names[-1]).write_text(text.replace("c2_births: ", f"c2_births: {'-' if n % 5 == 0 else n}")
                                   if n % 3 else text, encoding="utf-8")
    monkeypatch.setenv("CFC_PROCS", "1")
    one = io.StringIO()
    assert sc.score_files(Engines(), names, True, one) == (True, None)  # some files refused
    assert one.getvalue().count('"errors"') == 5
    monkeypatch.setenv("CFC_PROCS", "2")
    monkeypatch.setattr(sc, "_work", _dies_on_its_chunk)
    here = []  # the chunks this process scored itself (the workers' copies of the list are theirs)
    render = sc.render
    monkeypatch.setattr(sc, "render", lambda *a: here.append(a[1]) or render(*a))
    many = io.StringIO()
    assert sc.score_files(Engines(), names, True, many) == (True, None)
    assert many.getvalue() == one.getvalue()
    assert any(str(tmp_path / "kill.yaml") in chunk for chunk in here)  # from the dead worker's chunk on
