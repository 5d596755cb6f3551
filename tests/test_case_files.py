"""The YAML case files (criteria/tests/*.cases.yaml, format in criteria/tests/README.md): what they cover, and
that the collector refuses a malformed file and reports a wrong expectation instead of passing it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.yaml_cases import ROOT, CaseFileError, load_cases, run_case

CASES = ROOT / "criteria" / "tests"


def test_every_item_and_band_edge_has_cases(criteria_set) -> None:
    cases = load_cases(CASES / "qd06-2019.items.cases.yaml")
    points: dict[str, set[int]] = {}
    for case in cases:
        (item_id, want), = case.expect["items"].items()
        points.setdefault(item_id, set()).add(want["points"])
    assert set(points) == {item.id for item in criteria_set.items}
    for item in criteria_set.items:
        if item.rule == "yes_no":
            continue
        assert {b.threshold for b in item.bands}
        # every band's points and 0 (below the lowest band) are reached by some case
        assert {b.points for b in item.bands} <= points[item.id] | {item.none_points}, item.id


def test_every_case_file_is_collected_and_none_is_empty() -> None:
    files = sorted(p.name for p in CASES.glob("*.cases.yaml"))
    assert files == ["ntm-2021-2025.cases.yaml", "qd06-2019.explanations.cases.yaml",
                     "qd06-2019.items.cases.yaml", "qd06-2019.verdicts.cases.yaml"]
    counts = {name: len(load_cases(CASES / name)) for name in files}
    assert counts == {"ntm-2021-2025.cases.yaml": 74, "qd06-2019.explanations.cases.yaml": 13,
                      "qd06-2019.items.cases.yaml": 193, "qd06-2019.verdicts.cases.yaml": 10}


def _file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "t.cases.yaml"
    path.write_text(text, encoding="utf-8")
    return path


HEAD = "criteria: qd06-2019\ndefaults: {from: examples/ia-toi-2022.yaml}\ncases:\n"


@pytest.mark.parametrize(("cases", "message"), [
    ("- {name: a, expect: {totl: 845}}\n", "unknown expect key(s) ['totl']"),
    ("- {name: a, expect: {}}\n", "`expect` must state at least one result"),
    ("- {name: a, vals: {}, expect: {total: 845}}\n", "unknown key(s) ['vals']"),
    ("- {expect: {total: 845}}\n", "every case needs a `name`"),
    ("- {name: a, expect: {total: 845}}\n- {name: a, expect: {total: 845}}\n", "two cases named 'a'"),
    ("[]\n", "`cases` must be a non-empty list"),
])
def test_a_malformed_file_is_refused_not_skipped(tmp_path: Path, cases: str, message: str) -> None:
    text = HEAD + "".join("  " + line + "\n" for line in cases.splitlines()) if cases != "[]\n" else \
        HEAD.replace("cases:\n", "cases: []\n")
    with pytest.raises(CaseFileError) as err:
        load_cases(_file(tmp_path, text))
    assert message in str(err.value)


def test_a_wrong_expectation_fails_with_expected_and_got(tmp_path: Path) -> None:
    path = _file(tmp_path, HEAD + (
        "- name: one abuse case\n"
        "  values: {c3_abused: 1}\n"
        "  expect: {total: 845, verdict: Đạt, items: {'3.1': {points: 60}},\n"
        "           ntm: {'15.3': {status: chua_dat}}}\n"
        "- name: a negative figure\n"
        "  values: {c3_abused: -1}\n"
        "  expect: {total: 845}\n"))
    wrong, refused = load_cases(path)
    assert wrong.line == 4 and refused.line == 8
    assert run_case(wrong, str(path)) == [
        "total: expected 845, got 815",
        "items[3.1].points: expected 60, got 30",
        "items[3.1]: the engine explains '1 > 0 → 30/60 điểm'",
        "ntm[15.3].status: expected 'chua_dat', got 'dat'",
        "ntm[15.3].status_text: expected 'Chưa đạt', got 'Đạt'",
        "ntm[15.3]: the engine explains "
        "'Tỷ lệ thấp còi 52/210 = 24,76 % ≤ 26,5 % (ngưỡng vùng Tây Nguyên) → Đạt'",
    ]
    assert run_case(refused, str(path)) == [
        "errors: expected a valid assessment, got [{'field': 'values.c3_abused', "
        "'message': '«Số trẻ em bị xâm hại trong kỳ»: không được là số âm.'}]",
        "total: nothing scored (the assessment was refused)",
    ]


def test_a_case_under_another_criteria_set_fails(tmp_path: Path) -> None:
    path = _file(tmp_path, HEAD.replace("qd06-2019", "ntm-2026-2030") + "- {name: a, expect: {total: 845}}\n")
    (case,) = load_cases(path)
    assert run_case(case, str(path)) == [
        "criteria: the file tests 'ntm-2026-2030' but the case ran under ['ntm-2021-2025', 'qd06-2019']"]
