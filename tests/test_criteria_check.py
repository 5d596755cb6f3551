"""A broken criteria file fails with the file, the line, the path and what is wrong, one message each."""

from __future__ import annotations

import subprocess
import sys

import pytest

from engine import CriteriaError, Engine
from engine.io.catalog import Catalog
from engine.io.load import load_criteria_set
from tests.conftest import CRITERIA, commune

TEXT = CRITERIA.read_text(encoding="utf-8")


def _line_of(text: str, needle: str, occurrence: int = 1) -> int:
    index = -1
    for _ in range(occurrence):
        index = text.index(needle, index + 1)
    return text.count("\n", 0, index) + 1


def _broken(tmp_path, old: str, new: str, count: int = 1):
    assert old in TEXT, old
    text = TEXT.replace(old, new, count)
    path = tmp_path / "broken.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CriteriaError) as caught:
        load_criteria_set(path)
    return text, path, [(p.line, p.path, p.message) for p in caught.value.problems]


def test_the_shipped_file_is_valid(criteria_set):
    assert criteria_set.id == "qd06-2019"
    assert len(criteria_set.criteria) == 13 and len(criteria_set.items) == 26
    assert sum(c.max for c in criteria_set.criteria) == 1000
    assert [t.threshold for t in criteria_set.tiers] == [900, 850, 800]


def test_yaml_syntax_error_names_the_line(tmp_path):
    text, path, problems = _broken(tmp_path, "  - id: \"2\"\n", "  - id: \"2\n")
    assert len(problems) == 1
    line, where, message = problems[0]
    assert message.startswith("YAML không hợp lệ")
    assert line is not None and line >= _line_of(text, '  - id: "2\n')


def test_wrong_type_names_the_path_and_line(tmp_path):
    old = "{at_least: 98, points: 40}"
    text, _, problems = _broken(tmp_path, old, "{at_least: 98, points: forty}")
    assert problems == [(_line_of(text, "points: forty"), "criteria[1].items[0].bands[1].points",
                         "phải là số nguyên")]


def test_misspelt_key(tmp_path):
    text, _, problems = _broken(tmp_path, "if_none: full", "if_nothing: full")
    assert (_line_of(text, "if_nothing"), "criteria[1].items[0].if_nothing",
            "trường không có trong mẫu (viết sai tên?)") in problems


def test_maxima_must_add_up(tmp_path):
    text, _, problems = _broken(tmp_path, "{at_least: 100, points: 50}", "{at_least: 100, points: 55}")
    assert problems == [
        (_line_of(text, "max: 50"), "criteria[1].max",
         "tiêu chí 2 khai báo tối đa 50 điểm nhưng các mục cộng lại được 55 điểm"),
    ]
    text, _, problems = _broken(tmp_path, "total: 1000", "total: 1005")
    assert problems == [(_line_of(text, "total: 1005"), "total",
                         "tổng điểm khai báo là 1005 nhưng các tiêu chí cộng lại được 1000 điểm")]


def test_bands_strictly_ordered(tmp_path):
    text, _, problems = _broken(tmp_path, "{at_least: 95, points: 25}", "{at_least: 99, points: 25}")
    assert problems == [(_line_of(text, "{at_least: 99, points: 25}"),
                         "criteria[1].items[0].bands[2].at_least",
                         "với quy tắc «càng cao càng tốt», ngưỡng các mức phải giảm dần")]
    text, _, problems = _broken(tmp_path, "{at_most: 20, points: 35}", "{at_most: 20, points: 50}")
    assert ("criteria[7].items[1].bands[1].points") in [p[1] for p in problems]


def test_ids_unique(tmp_path):
    _, _, problems = _broken(tmp_path, 'id: "13.2"', 'id: "13.1"')
    assert ("criteria[12].items[1].id", "mã «13.1» bị trùng") in [(p[1], p[2]) for p in problems]


def test_references_and_unused_inputs(tmp_path):
    _, _, problems = _broken(tmp_path, "input: c1_funding", "input: c1_fundng")
    assert sorted(p[1:] for p in problems) == [
        ("criteria[0].items[3].input", "số liệu «c1_fundng» chưa được khai báo trong inputs"),
        ("inputs[4].id", "số liệu «c1_funding» được khai báo nhưng không mục nào dùng"),
    ]


def test_confirmed_item_cannot_have_provisional_band(tmp_path):
    _, _, problems = _broken(tmp_path, "bands: [{when: true, points: 50}]",
                             "bands: [{when: true, points: 50, status: provisional}]")
    assert [p[1:] for p in problems] == [
        ("criteria[0].items[0].bands[0].status",
         "mục đã xác nhận (confirmed) không thể có mức điểm tạm tính (provisional)")]


def test_rate_threshold_precision(tmp_path):
    _, _, problems = _broken(tmp_path, "{at_most: 26.5, points: 20}", "{at_most: 26.5001, points: 20}")
    assert [p[1:] for p in problems] == [
        ("criteria[7].items[1].bands[2].at_most", "ngưỡng tỷ lệ chỉ được có tối đa 3 chữ số thập phân")]


def test_several_problems_one_message_each(tmp_path):
    text = TEXT.replace("total: 1000", "total: 999").replace("input: c11_clubs", "input: c11_club")
    path = tmp_path / "two.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CriteriaError) as caught:
        load_criteria_set(path)
    assert len(caught.value.problems) == 3  # unknown input, its input now unused, total
    assert all(str(p).startswith(f"{path}:") for p in caught.value.problems)


def test_cfc_criteria_check_command(tmp_path):
    ok = subprocess.run([sys.executable, "-m", "engine", "criteria", "check", str(CRITERIA)],
                        capture_output=True, text=True)
    assert ok.returncode == 0
    assert ("hợp lệ — qd06-2019, 13 tiêu chí, 26 mục, tổng 1000 điểm, 4 mục đã xác nhận, "
            "22 mục tạm tính") in ok.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text(TEXT.replace("total: 1000", "total: 999"), encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "engine", "criteria", "check", str(bad)],
                         capture_output=True, text=True)
    assert out.returncode == 2
    assert f"{bad}:{_line_of(TEXT, 'total: 1000')}: total: tổng điểm khai báo là 999" in out.stderr


def test_a_criterion_added_in_yaml_needs_no_code(tmp_path):
    """One source of truth: a 14th criterion in the YAML is validated, scored and totalled."""
    extra = '''
  - id: "14"
    name: Trẻ em được tham gia giao thông an toàn
    max: 20
    items:
      - id: "14.1"
        text: Có đội tuyên truyền an toàn giao thông cho trẻ em
        legal_ref: Thử nghiệm
        status: provisional
        rule: yes_no
        input: c14_team
        bands: [{when: true, points: 20}]
'''
    text = TEXT.replace("total: 1000", "total: 1020").replace(
        "\ncriteria:\n", "\n  - id: c14_team\n    type: bool\n    label: Có đội tuyên truyền\n\ncriteria:\n"
    ) + extra
    path = tmp_path / "plus.yaml"
    path.write_text(text, encoding="utf-8")
    cs = load_criteria_set(path)
    engine = Engine(cs, flags=Catalog.load(CRITERIA.parent).commune_flags())  # commune() carries a flag
    try:
        result = engine.score({"commune": commune(), "period": 2022, "values": {"c14_team": True}})
        assert result.max_total == 1020
        assert result.item("14.1").points == 20
        assert result.criterion("14").points == 20
        assert [i.id for i in cs.inputs_for_criterion("14")] == ["c14_team"]
    finally:
        engine.close()


def test_a_criteria_set_and_a_link_table_open_with_one_header(tmp_path):
    """engine/common.py's DocumentHeader: the same leading fields, in the order of the file and of a dump,
    and a header mistake gives the same message in either kind of file."""
    from engine.common import DocumentHeader
    from engine.criteria import CriteriaSet
    from engine.io.load import load_ntm_table
    from engine.ntm.models import NtmTable

    header = ["kind", "id", "name", "legal_basis", "effective_from", "effective_to"]
    assert list(DocumentHeader.model_fields) == header
    assert list(CriteriaSet.model_fields)[:6] == header == list(NtmTable.model_fields)[:6]
    assert list(CriteriaSet.model_fields)[6] == "total" and list(NtmTable.model_fields)[6] == "criteria_set"

    _, _, problems = _broken(tmp_path, "effective_from: 2019-01-03", "effective_from: sớm")
    ntm_text = (CRITERIA.parent / "ntm-2021-2025.yaml").read_text(encoding="utf-8")
    start = next(line for line in ntm_text.splitlines() if line.startswith("effective_from:"))
    ntm = tmp_path / "ntm-broken.yaml"
    ntm.write_text(ntm_text.replace(start, "effective_from: sớm", 1), encoding="utf-8")
    with pytest.raises(CriteriaError) as caught:
        load_ntm_table(ntm, {"qd06-2019": load_criteria_set(CRITERIA)})
    ntm_problems = [(p.path, p.message) for p in caught.value.problems]
    assert [(path, message) for _, path, message in problems] == ntm_problems
    assert len(ntm_problems) == 1 and ntm_problems[0][0] == "effective_from"


@pytest.mark.parametrize(("name", "content", "message"), [
    ("latin1.yaml", b"kind: child_friendly_criteria\nname: X\xe3\n", "Không đọc được tệp: không phải UTF-8"),
    ("missing.yaml", None, "Không đọc được tệp: [Errno 2]"),
    ("kind.yaml", b"kind: [\n", "YAML không hợp lệ"),
])
def test_cfc_criteria_check_refuses_an_unreadable_file_with_a_message(tmp_path, name, content, message):
    # These ended in a traceback (UnicodeDecodeError, FileNotFoundError, a YAML error) before the file's
    # `kind:` line was read through the one bounded reader.
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    out = subprocess.run([sys.executable, "-m", "engine", "criteria", "check", str(path)],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert out.stderr.startswith(f"{path}") and message in out.stderr and out.stderr.endswith("1 lỗi.\n")
