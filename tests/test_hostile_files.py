"""Hostile input files (issue 9, point 10): an alias bomb, deep nesting, huge integers, a list where a string
belongs. Each gives its own Vietnamese error line, quickly and within bounded memory, while the other files
are still scored; `Engine.score()` raises nothing but InvalidAssessment for any bad assessment."""

from __future__ import annotations

import copy
import json
import resource
import subprocess
import sys
import time

import openpyxl
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import InvalidAssessment
from engine.io.files import read_assessment
from engine.yamlsource import parse_yaml
from tests.conftest import EXAMPLES, commune

GOOD = str(EXAMPLES / "ia-toi-2022.yaml")
IA_TOI = yaml.safe_load((EXAMPLES / "ia-toi-2022.yaml").read_text(encoding="utf-8"))

ALIAS_BOMB = "\n".join(
    ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    + [f"{chr(98 + n)}: &{chr(98 + n)} [{', '.join(['*' + chr(97 + n)] * 10)}]" for n in range(8)]
    + ["commune: *i", "period: 2022", "values: {}"]
)


def hostile_files(folder) -> dict[str, str]:
    """name -> the start of the error its line must carry."""
    cases = {
        "bomb.yaml": (ALIAS_BOMB, "Tệp dùng bí danh YAML"),
        "cycle.yaml": ("commune: &c {code: *c}\nperiod: 2022\n", "Tệp dùng bí danh YAML"),
        "deep.yaml": ("values: " + "[" * 5000 + "]" * 5000 + "\n", "Tệp không đúng định dạng YAML/JSON"),
        "deep-block.yaml": ("values:\n" + "".join(" " * n + "- \n" for n in range(1, 200)),
                            "Tệp lồng quá sâu"),
        "deep.json": ('{"values": ' + "[" * 5000 + "]" * 5000 + "}", "Tệp không đúng định dạng YAML/JSON"),
        "deep40.json": ('{"values": ' + "[" * 40 + "]" * 40 + "}", "Tệp lồng quá sâu"),
        "hugeint.yaml": (f"commune: {{code: '23538'}}\nperiod: {'9' * 6000}\n", "Tệp không đúng định dạng"),
        "hugeint.json": ('{"period": ' + "9" * 6000 + "}", "Tệp không đúng định dạng YAML/JSON"),
        "big.yaml": ("# " + "x" * (1024 * 1024 + 10) + "\n", "Tệp quá lớn"),
        "list-type.yaml": (
            "commune: {code: '23538', name: Xã A, type: [mien_nui_dbkk], region: {a: 1}}\n"
            "period: 2022\nvalues: {}\n", "Loại xã phải là một trong"),
        "year.yaml": ("commune: {code: '23538', name: Xã A, type: mien_nui_dbkk, region: tay_nguyen}\n"
                      f"period: {'9' * 40}\nvalues: {{}}\n", "Năm đánh giá phải là một năm"),
        "number-list.json": (json.dumps({"commune": commune(), "period": 2022,
                                         "values": {"c2_births": [1] * 100_000}}), "«"),
    }
    for name, (text, _) in cases.items():
        (folder / name).write_text(text, encoding="utf-8")
    return {name: start for name, (_, start) in cases.items()}


def cfc(*args: str, cwd=None) -> subprocess.CompletedProcess:
    # Bounded like a user's shell would not be, so that a regression fails instead of eating the machine.
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1024 * 2**20, 1024 * 2**20))

    return subprocess.run([sys.executable, "-m", "engine", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=120, preexec_fn=limit)


def test_alias_bomb_refused_at_once():
    start = time.perf_counter()
    with pytest.raises(ValueError, match="bí danh"):
        parse_yaml(ALIAS_BOMB, "bomb.yaml")
    assert time.perf_counter() - start < 1
    assert len(ALIAS_BOMB) < 700


def test_each_bad_file_has_its_error_and_the_good_one_is_scored(tmp_path):
    expected = hostile_files(tmp_path)
    names = sorted(expected)
    out = cfc("score", "--json", *names, GOOD, cwd=tmp_path)
    assert out.returncode == 2
    assert "Traceback" not in out.stderr and out.stderr == ""
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert [d["file"] for d in lines] == [*names, GOOD]
    for name, doc in zip(names, lines, strict=False):
        messages = [e["message"] for e in doc["errors"]]
        assert any(m.startswith(expected[name]) for m in messages), (name, messages)
        assert all(len(m) < 400 for m in messages), name
    assert lines[-1]["total"] == 845


def test_batch_carries_on_past_hostile_files(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    expected = hostile_files(folder)
    (folder / "zz-good.yaml").write_text((EXAMPLES / "ia-toi-2022.yaml").read_text(encoding="utf-8"),
                                         encoding="utf-8")
    out = cfc("batch", str(folder), "-o", str(tmp_path / "out.xlsx"))
    assert out.returncode == 2, out.stderr
    assert "Traceback" not in out.stderr
    assert "Đã chấm: 1 xã — đạt: 1, không đạt: 0." in out.stdout
    assert f"Không chấm được: {len(expected)}." in out.stdout
    book = openpyxl.load_workbook(tmp_path / "out.xlsx", read_only=True)
    errors_sheet = book.worksheets[-1]
    listed = {str(row[0]) for row in errors_sheet.iter_rows(values_only=True) if row and row[0]}
    for name in expected:
        assert str(folder / name) in listed, name


def test_read_assessment_never_raises_on_junk(tmp_path):
    for n, blob in enumerate([b"\xff\xfe\x00", b"- !!python/object:os.system [ls]", b"? [a, b]\n: 1",
                              b"a: !!binary AAAA", b"{", b"--- 1\n--- 2\n", b"a: 2022-13-45"]):
        path = tmp_path / f"junk{n}.yaml"
        path.write_bytes(blob)
        doc, errors = read_assessment(path)
        assert errors or doc is not None, blob


# Anything a YAML or JSON file can hold, put anywhere in an assessment.
junk = st.recursive(
    st.none() | st.booleans() | st.integers() | st.integers(min_value=10**30) | st.floats()
    | st.text(max_size=8) | st.dates(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6) | st.integers(), inner,
                                                                 max_size=4),
    max_leaves=12,
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(where=st.sampled_from(["", "commune", "period", "values", "commune.code", "commune.name",
                              "commune.type", "commune.region", "commune.district",
                              "commune.ntm_tdmnpb_override", "values.c2_births", "values.c9_checked",
                              "values.new"]),
       value=junk)
def test_engine_raises_only_its_validation_error(engine, where, value):
    doc = copy.deepcopy(IA_TOI)
    if where == "":
        doc = value
    else:
        *path, last = where.split(".")
        target = doc
        for part in path:
            target = target[part]
        target[last] = value
    try:
        result = engine.score(doc)
    except InvalidAssessment as exc:
        assert exc.errors and all(e.message for e in exc.errors)
        assert all(len(e.message) < 400 for e in exc.errors)
    else:
        assert 0 <= result.total <= result.max_total
