"""The NTM link files: loading and their checks (file, line, path), the choice of file by period, the
unverified 2026–2030 placeholders, the district view and the `cfc` commands. Real engine, no mocks."""

from __future__ import annotations

import json
import re
import shutil
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from engine import CriteriaError, Engine
from engine.cli.main import main
from engine.criteria import CriteriaSet
from engine.io.catalog import Catalog
from engine.io.files import read_assessment
from engine.io.load import load_ntm_table
from engine.ntm import messages as nmsg
from engine.ntm.models import district_view, table_for_period

ROOT = Path(__file__).resolve().parent.parent
CRITERIA = ROOT / "criteria"
LINK_2021 = CRITERIA / "ntm-2021-2025.yaml"
LINK_2026 = CRITERIA / "ntm-2026-2030.yaml"
EXAMPLES = sorted(str(p) for p in (ROOT / "examples").glob("*.yaml"))


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.load()


@pytest.fixture(scope="module")
def cs(catalog: Catalog) -> CriteriaSet:
    return catalog.get("qd06-2019")


@pytest.fixture(scope="module")
def engine(catalog: Catalog, cs: CriteriaSet) -> Iterator[Engine]:
    eng = Engine(cs, catalog.ntm_tables)
    yield eng
    eng.close()


def example(name: str, **changes: object) -> dict:
    doc, errors = read_assessment(ROOT / "examples" / name)
    assert not errors
    doc.update(changes)
    return doc


# --- the files as shipped ---


def test_both_link_files_load_and_are_skipped_as_criteria_sets(catalog: Catalog) -> None:
    assert [t.id for t in catalog.ntm_tables] == ["ntm-2021-2025", "ntm-2026-2030"]
    assert [cs.id for cs in catalog.sets] == ["qd06-2019"]


def test_2021_table_content(catalog: Catalog) -> None:
    table = catalog.ntm_tables[0]
    assert table.legal_basis[0].ref == "Quyết định số 318/QĐ-TTg"
    assert str(table.legal_basis[0].date) == "2022-03-08"
    assert (str(table.effective_from), str(table.effective_to)) == ("2021-01-01", "2025-12-31")
    assert table.criteria_set == "qd06-2019"
    assert len(table.ntm_criteria) == 19
    assert [i.number for i in table.indicators] == ["15.3", "6.2", "14.1", "15.2", None, "19"]
    keyed_by_text = table.indicators[4]
    assert keyed_by_text.key == keyed_by_text.text and keyed_by_text.numbered_as == ["18.5", "18.6"]
    assert table.region_override is not None and table.region_override.region == "tdmnpb"
    assert table.unverified_count == 0


def test_2026_table_is_marked_unverified(catalog: Catalog) -> None:
    table = catalog.ntm_tables[1]
    assert table.legal_basis[0].ref == "Quyết định số 51/2025/QĐ-TTg"
    assert str(table.effective_from) == "2026-02-15"
    assert len(table.ntm_criteria) == 10 and len(table.commune_groups) == 3
    assert all(i.status == "unverified" for i in table.indicators)
    assert table.unverified_count == len(table.indicators)


def test_texts_are_nfc() -> None:
    texts = [v for v in vars(nmsg).values() if isinstance(v, str)] + list(nmsg.STATUS_TEXT.values())
    texts += [LINK_2021.read_text(encoding="utf-8"), LINK_2026.read_text(encoding="utf-8")]
    for text in texts:
        assert unicodedata.normalize("NFC", text) == text


def test_only_rules_module_imports_durable_rules() -> None:
    importers = [p.name for p in (ROOT / "engine").glob("*.py")
                 if re.search(r"^\s*(import|from)\s+durable", p.read_text(encoding="utf-8"), re.M)]
    assert importers == ["rules.py"]


# --- the period picks the link file ---


@pytest.mark.parametrize(("period", "want"), [
    (2020, None), (2021, "ntm-2021-2025"), (2022, "ntm-2021-2025"), (2025, "ntm-2021-2025"),
    (2026, "ntm-2026-2030"), (2030, "ntm-2026-2030"), (2031, None),
])
def test_period_picks_link_file(catalog: Catalog, period: int, want: str | None) -> None:
    table = catalog.ntm_for_period(period)
    assert (table.id if table else None) == want


def test_most_recent_table_wins_when_periods_overlap(catalog: Catalog) -> None:
    old, new = catalog.ntm_tables
    stretched = old.model_copy(update={"effective_to": None})
    assert table_for_period([stretched, new], 2027) is new
    assert table_for_period([stretched, new], 2024) is stretched


def test_2022_assessment_is_linked_to_2021_table(engine: Engine) -> None:
    result = engine.score(example("ia-toi-2022.yaml"))
    assert [s.indicator for s in result.ntm][:4] == ["15.3", "6.2", "14.1", "15.2"]
    assert result.ntm[0].explanation == (
        "Tỷ lệ thấp còi 52/210 = 24,76 % ≤ 26,5 % (ngưỡng vùng Tây Nguyên) → Đạt")
    assert result.ntm[0].items == ["8.2"]


def test_2026_assessment_is_linked_to_unverified_table(engine: Engine, catalog: Catalog) -> None:
    result = engine.score(example("ia-toi-2022.yaml", period=2026))
    table = catalog.ntm_for_period(2026)
    assert [s.indicator for s in result.ntm] == [i.key for i in table.indicators]
    assert {s.status for s in result.ntm} == {"can_xem_xet"}
    for status in result.ntm:
        assert status.explanation.startswith(nmsg.UNVERIFIED)
    no_rule = result.ntm[0]
    assert nmsg.UNVERIFIED_NO_RULE in no_rule.explanation and "nhóm xã" in no_rule.explanation
    play = result.ntm[1]  # its provisional rule would say "Đạt": the placeholder still asks for review
    assert f"{nmsg.UNVERIFIED_PROVISIONAL}: " in play.explanation
    assert "(Đạt) → Cần xem xét" in play.explanation


def test_no_link_table_in_force_leaves_ntm_empty(engine: Engine, cs: CriteriaSet) -> None:
    assert engine.score(example("ia-toi-2022.yaml", period=2020)).ntm == []
    plain = Engine(cs)
    try:
        doc = example("ia-toi-2022.yaml")
        # Without link tables no commune flag is declared: the example's flag is refused as unknown.
        assert plain.validate(doc)[0].field == "commune.ntm_tdmnpb_override"
        del doc["commune"]["ntm_tdmnpb_override"]
        assert plain.score(doc).ntm == []
    finally:
        plain.close()


# --- broken link files: one Vietnamese message per problem, with file, line and path ---


def _line(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


BROKEN = [
    # (id, old text, new text, line marker, path, message)
    ("unknown item", 'items: ["8.2"]', 'items: ["8.2", "8.9"]', 'items: ["8.2", "8.9"]',
     "indicators[0].items[1]", "mục «8.9» không có trong bộ tiêu chí qd06-2019"),
    ("missing region", "        dbscl: 19\n", "", "thresholds:",
     "indicators[0].rule.thresholds", "thiếu ngưỡng cho vùng «dbscl»"),
    ("unknown region", "        dbscl: 19\n", "        dbscl: 19\n        mekong: 20\n", "mekong: 20",
     "indicators[0].rule.thresholds.mekong", "vùng «mekong» không có trong bộ tiêu chí qd06-2019"),
    ("threshold precision", "dbsh: 16.5", "dbsh: 16.5005", "dbsh: 16.5005",
     "indicators[0].rule.thresholds.dbsh", nmsg.CK_RATE_PRECISION),
    ("threshold range", "btb: 25", "btb: 125", "btb: 125",
     "indicators[0].rule.thresholds.btb", nmsg.CK_RATE_RANGE),
    ("threshold not a number", "btb: 25", "btb: hai lăm", "btb: hai lăm",
     "indicators[0].rule.thresholds.btb", "phải là một số"),
    ("rate rule on an unlinked item", 'item: "8.2"', 'item: "8.1"', 'item: "8.1"',
     "indicators[0].rule.item", "mục «8.1» phải có trong danh sách items của chỉ tiêu"),
    ("input of the wrong type", "input: c12_play_area", "input: c11_clubs", "input: c11_clubs",
     "indicators[1].rule.input",
     "số liệu «c11_clubs» phải có kiểu bool (Có/Không) để dùng với quy tắc input_true"),
    ("unknown input", "input: c12_play_area", "input: c12_playground", "input: c12_playground",
     "indicators[1].rule.input", "số liệu «c12_playground» không có trong bộ tiêu chí qd06-2019"),
    ("confirmed indicator without rule", "    rule: {kind: input_true, input: c12_play_area}\n", "",
     ("chỉ tiêu 6.2", 1), "indicators[1].status", nmsg.CK_RULE_REQUIRED),
    ("unknown rule kind", "rule: {kind: items_at_top_band}", "rule: {kind: items_at_best}",
     "rule: {kind: items_at_best}", "indicators[2].rule", "loại quy tắc không hợp lệ"),
    ("unknown criteria set", "criteria_set: qd06-2019", "criteria_set: qd99-2030", "criteria_set: qd99",
     "criteria_set", "bộ tiêu chí «qd99-2030» không có trong thư mục tiêu chí"),
    ("unknown override region", "  region: tdmnpb", "  region: north", "  region: north",
     "region_override.region", "vùng «north» không có trong bộ tiêu chí qd06-2019"),
    ("unknown override flag", "flag: ntm_tdmnpb_override", "flag: poor_district", "flag: poor_district",
     "region_override.flag", "cờ «poor_district» chưa được khai báo trong commune_flags của bảng liên hệ"),
    ("missing field", "    legal_ref: QĐ 318/QĐ-TTg, tiêu chí 15 (Y tế), chỉ tiêu 15.3\n", "",
     'number: "15.3"', "indicators[0].legal_ref", "thiếu trường bắt buộc"),
    ("misspelt field", "    items: [\"12.1\"]", "    itemz: [\"12.1\"]", 'itemz: ["12.1"]',
     "indicators[1].itemz", "trường không có trong mẫu (viết sai tên?)"),
    ("duplicate indicator", 'number: "14.1"', 'number: "15.3"', 'number: "15.3"  #',
     "indicators[2].number", "chỉ tiêu «15.3» bị trùng"),
    ("dates reversed", "effective_to: 2025-12-31", "effective_to: 2020-12-31", "effective_to: 2020",
     "effective_to", nmsg.CK_DATES),
]


@pytest.mark.parametrize(("old", "new", "marker", "path", "message"), [b[1:] for b in BROKEN],
                         ids=[b[0] for b in BROKEN])
def test_broken_link_file(tmp_path: Path, cs: CriteriaSet, old: str, new: str, marker: str | tuple[str, int],
                          path: str,
                          message: str) -> None:
    text = LINK_2021.read_text(encoding="utf-8")
    assert old in text
    text = text.replace(old, new, 1)
    if isinstance(marker, tuple):  # (needle, lines after it)
        line = _line(text, marker[0]) + marker[1]
    elif marker == 'number: "15.3"  #':  # the second "15.3" is the duplicate
        lines = text.splitlines()
        first = _line(text, 'number: "15.3"')
        line = first + _line("\n".join(lines[first:]), 'number: "15.3"')
    else:
        line = _line(text, marker)
    broken = tmp_path / "ntm-broken.yaml"
    broken.write_text(text, encoding="utf-8")
    with pytest.raises(CriteriaError) as info:
        load_ntm_table(broken, [cs])
    found = [p for p in info.value.problems if p.path == path]
    assert found, [str(p) for p in info.value.problems]
    problem = found[0]
    assert problem.file == str(broken)
    assert problem.line == line
    assert message in problem.message
    assert str(problem).startswith(f"{broken}:{line}: {path}: ")


def test_yaml_syntax_error_names_the_line(tmp_path: Path, cs: CriteriaSet) -> None:
    text = LINK_2021.read_text(encoding="utf-8").replace("dbsh: 16.5", "dbsh: [16.5", 1)
    broken = tmp_path / "ntm-broken.yaml"
    broken.write_text(text, encoding="utf-8")
    with pytest.raises(CriteriaError) as info:
        load_ntm_table(broken, [cs])
    (problem,) = info.value.problems
    assert problem.file == str(broken) and problem.line is not None
    assert "YAML không hợp lệ" in problem.message


def test_every_problem_is_reported_once(tmp_path: Path, cs: CriteriaSet) -> None:
    text = LINK_2021.read_text(encoding="utf-8")
    for old, new in (("        dbscl: 19\n", ""), ("dbsh: 16.5", "dbsh: 16.5005"),
                     ('items: ["8.2"]', 'items: ["8.9"]'), ("input: c12_play_area", "input: c11_clubs")):
        text = text.replace(old, new, 1)
    broken = tmp_path / "ntm-broken.yaml"
    broken.write_text(text, encoding="utf-8")
    with pytest.raises(CriteriaError) as info:
        load_ntm_table(broken, [cs])
    paths = [p.path for p in info.value.problems]
    assert sorted(paths) == sorted([
        "indicators[0].rule.thresholds", "indicators[0].rule.thresholds.dbsh", "indicators[0].items[0]",
        "indicators[0].rule.item", "indicators[1].rule.input",
    ])


def test_catalog_reports_a_broken_link_file(tmp_path: Path) -> None:
    shutil.copy(CRITERIA / "qd06-2019.yaml", tmp_path)
    text = LINK_2021.read_text(encoding="utf-8").replace('items: ["8.2"]', 'items: ["8.2", "8.9"]', 1)
    (tmp_path / "ntm-2021-2025.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(CriteriaError) as info:
        Catalog.load(tmp_path)
    assert [p.path for p in info.value.problems] == ["indicators[0].items[1]"]


def test_link_table_must_name_the_criteria_set(catalog: Catalog, cs: CriteriaSet) -> None:
    from engine.ntm.linker import NtmLinker
    other = cs.model_copy(update={"id": "other-set"})
    with pytest.raises(ValueError, match="khác bộ tiêu chí"):
        NtmLinker(catalog.ntm_tables[0], other)
    # An engine for another set simply ignores tables that do not link to it.
    eng = Engine(other, catalog.ntm_tables)
    try:
        assert eng.ntm == []
    finally:
        eng.close()


# --- district view and the command line ---


def test_district_view(engine: Engine) -> None:
    results = [engine.score(example(Path(p).name)) for p in EXAMPLES]
    view = {v.indicator: v for v in district_view(results)}
    stunting = view["15.3"]
    assert (stunting.communes, stunting.dat) == (3, 2)
    assert [c.commune for c in stunting.chua_dat] == ["23535"] and stunting.can_xem_xet == []
    assert stunting.chua_dat[0].explanation.endswith("→ Chưa đạt")
    education = view["14.1"]
    assert education.dat == 0 and len(education.can_xem_xet) == 3 and education.chua_dat == []
    assert district_view([]) == []


def test_cli_ntm_prints_the_district_view() -> None:
    run = CliRunner().invoke(main, ["ntm", *EXAMPLES])
    assert run.exit_code == 0, run.output
    assert "Liên hệ tiêu chí nông thôn mới — năm 2022" in run.output
    assert "Xã Ia Đal (23535, 2022): Tỷ lệ thấp còi 47/170 = 27,65 % > 26,5 %" in run.output
    run = CliRunner().invoke(main, ["ntm", "--json", *EXAMPLES])
    assert run.exit_code == 0
    data = json.loads(run.output)
    assert data[0]["indicator"] == "15.3" and data[0]["chua_dat"][0]["commune"] == "23535"


def test_cli_ntm_reports_unreadable_files(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("commune: {}\nperiod: 2022\n", encoding="utf-8")
    run = CliRunner().invoke(main, ["ntm", EXAMPLES[0], str(bad)])
    assert run.exit_code == 2
    assert "không chấm được" in run.output


def test_cli_ntm_scores_in_batches_and_says_what_one_by_one_said(tmp_path: Path, monkeypatch) -> None:
    """`cfc ntm` scores its files a chunk at a time (Engines.score_files, many facts per rules session),
    never one by one, and prints what scoring each file alone gives: the same district view, and the
    messages of the files that cannot be scored (hostile, invalid) in their input order."""
    from engine.cli import main as cli_main
    from engine.io.engines import Engines
    from engine.ntm.text import render_district_view
    from tests.test_hostile_files import hostile_files

    names = []
    for n in range(3):  # good and bad files interleaved, over several chunks
        for path in EXAMPLES:
            names.append(str(tmp_path / f"{Path(path).stem}-{n}.yaml"))
            shutil.copy(path, names[-1])
        bad = tmp_path / f"negative-{n}.yaml"
        bad.write_text(Path(EXAMPLES[0]).read_text(encoding="utf-8").replace("c2_births: ", "c2_births: -"),
                       encoding="utf-8")
        names.append(str(bad))
    names[4:4] = [str(tmp_path / name) for name in sorted(hostile_files(tmp_path))]

    # What scoring one file at a time says.
    engines = Engines()
    results, messages = [], []
    for name in names:
        result, errors = engines.score_file(name)
        if result is None:
            messages.append(f"{name}: không chấm được\n")
            messages += [f"  - {e.field or '(tệp)'}: {e.message}\n" for e in errors]
        else:
            results.append(result)
    assert len(results) == 9 and len(messages) > len(names) - 9
    view = district_view(results)
    want_text = render_district_view(view, [r.period for r in results])
    want_json = json.dumps([v.model_dump(mode="json") for v in view], ensure_ascii=False) + "\n"

    def one_by_one(*args, **kwargs):
        raise AssertionError("cfc ntm scored a file on its own")

    monkeypatch.setattr(Engines, "score_file", one_by_one)
    monkeypatch.setattr(cli_main, "NTM_CHUNK", 4)
    for args, want in ((["ntm"], want_text), (["ntm", "--json"], want_json)):
        run = CliRunner().invoke(main, [*args, *names])
        assert run.exit_code == 2 and isinstance(run.exception, SystemExit), run.exception
        assert run.stdout == want
        assert run.stderr == "".join(messages)


def test_cli_score_json_carries_ntm() -> None:
    run = CliRunner().invoke(main, ["score", "--json", *EXAMPLES])
    assert run.exit_code == 0, run.output
    for line in run.output.splitlines():
        ntm = json.loads(line)["ntm"]
        assert [n["indicator"] for n in ntm][:4] == ["15.3", "6.2", "14.1", "15.2"]
        for n in ntm:
            assert n["status"] in ("dat", "chua_dat", "can_xem_xet")
            assert n["explanation"] and n["items"]
    run = CliRunner().invoke(main, ["score", EXAMPLES[0]])
    assert "Liên hệ tiêu chí nông thôn mới:" in run.output


def test_cli_criteria_check_link_files(tmp_path: Path) -> None:
    run = CliRunner().invoke(main, ["criteria", "check", str(LINK_2021)])
    assert run.exit_code == 0 and "hợp lệ — ntm-2021-2025" in run.output
    run = CliRunner().invoke(main, ["criteria", "check", str(LINK_2026)])
    assert run.exit_code == 0 and "6 chỉ tiêu chưa xác minh" in run.output
    shutil.copy(CRITERIA / "qd06-2019.yaml", tmp_path)
    text = LINK_2021.read_text(encoding="utf-8").replace("        dbscl: 19\n", "", 1)
    broken = tmp_path / "ntm-2021-2025.yaml"
    broken.write_text(text, encoding="utf-8")
    run = CliRunner().invoke(main, ["criteria", "check", str(broken)])
    assert run.exit_code == 2
    line = _line(text, "thresholds:")
    assert f"{broken}:{line}: indicators[0].rule.thresholds: thiếu ngưỡng cho vùng «dbscl»" in run.output


def test_cases_file_is_valid_yaml_beside_the_link_file() -> None:
    spec = yaml.safe_load((CRITERIA / "tests" / "ntm-2021-2025.cases.yaml").read_text(encoding="utf-8"))
    assert spec["criteria"] == LINK_2021.stem
