"""`cfc criteria diff`: the table's differences, and scores that agree exactly with
`cfc score --json --criteria` under each version (over the property-test corpus); the content hash;
the source a confirmed item needs."""

from __future__ import annotations

import hashlib
import json
import tempfile
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import CriteriaError
from engine.cli.main import main
from engine.diff import diff_tables
from engine.io.load import load_criteria_set
from tests.conftest import CRITERIA, EXAMPLES
from tests.strategies import assessments

TEXT = CRITERIA.read_text(encoding="utf-8")
CS = load_criteria_set(CRITERIA)

# A "reform": band edges and lower-band points moved, and the mountain-commune threshold raised, so that
# totals, items and verdicts all change for some assessments and stay for others.
REFORM = [
    ("          - {at_least: 98, points: 40}\n          - {at_least: 95, points: 25}",
     "          - {at_least: 99, points: 45}\n          - {at_least: 96.5, points: 25}"),
    ("          - {at_least: 95, points: 30}\n          - {at_least: 90, points: 20}\n"
     "          - {at_least: 85, points: 10}",
     "          - {at_least: 97, points: 30}\n          - {at_least: 92, points: 25}\n"
     "          - {at_least: 80, points: 10}"),
    ("at_least: 95, points: 50, status: confirmed", "at_least: 99, points: 50, status: confirmed"),
    ("    threshold: 800", "    threshold: 850"),
]


def reformed_text() -> str:
    text = TEXT
    for old, new in REFORM:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


@pytest.fixture(scope="module")
def versions(tmp_path_factory):
    folder = tmp_path_factory.mktemp("versions")
    new = folder / "reform.yaml"
    new.write_text(reformed_text(), encoding="utf-8")
    return str(CRITERIA), str(new)


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_content_hash_is_sha256_of_the_verbatim_bytes(tmp_path):
    assert CS.content_hash == hashlib.sha256(CRITERIA.read_bytes()).hexdigest()
    # The same table with Windows line ends is another file: another hash (bytes, not parsed data).
    crlf = tmp_path / "crlf.yaml"
    crlf.write_bytes(CRITERIA.read_bytes().replace(b"\n", b"\r\n"))
    other = load_criteria_set(crlf)
    assert other.content_hash == hashlib.sha256(crlf.read_bytes()).hexdigest() != CS.content_hash
    assert diff_tables(CS, other) == []


def test_score_json_names_the_version(versions):
    out = run("score", "--json", "--criteria", versions[1], str(EXAMPLES / "ia-toi-2022.yaml"))
    assert json.loads(out.output)["criteria_hash"] == load_criteria_set(versions[1]).content_hash


def test_table_differences_in_vietnamese(versions):
    out = run("criteria", "diff", *versions)
    assert out.exit_code == 1
    lines = out.output.splitlines()
    assert "  - Điểm chuẩn «Xã, thị trấn thuộc miền núi, hải đảo; xã đặc biệt khó khăn»: «800» thành «850»" \
        in lines
    assert ("  - Mục 6.1: mức điểm: «≥ 95 % → 50 điểm (đã xác nhận); ≥ 90 % → 30 điểm; ≥ 80 % → 15 điểm» "
            "thành «≥ 99 % → 50 điểm (đã xác nhận); ≥ 90 % → 30 điểm; ≥ 80 % → 15 điểm»") in lines
    assert any(line.startswith("  - Mục 2.1: mức điểm:") and "≥ 96,5 % → 25 điểm" in line for line in lines)
    assert lines[-1] == "4 thay đổi."
    same = run("criteria", "diff", str(CRITERIA), str(CRITERIA))
    assert same.exit_code == 0 and same.output.splitlines()[-1] == "Hai phiên bản giống nhau."


def test_item_text_status_and_source_differences(tmp_path):
    text = TEXT.replace("Tỷ lệ trẻ em 11–14 tuổi đi học trung học cơ sở",
                        "Tỷ lệ trẻ em từ 11 đến 14 tuổi đi học trung học cơ sở")
    old = ("        legal_ref: QĐ 06/QĐ-TTg, tiêu chí 10\n        status: provisional\n"
           "        rule: rate_higher\n        numerator: c10_age11to14_enrolled")
    assert old in text
    text = text.replace(old, old.replace(
        "status: provisional", "status: confirmed\n        source: {document: Quyết định 06/QĐ-TTg, "
        "article: 'Phụ lục, bảng 10', page: 14}"))
    path = tmp_path / "v.yaml"
    path.write_text(text, encoding="utf-8")
    out = run("criteria", "diff", str(CRITERIA), str(path))
    assert out.exit_code == 1
    assert out.output.splitlines()[1:] == [
        "  - Mục 10.3: nội dung: «Tỷ lệ trẻ em 11–14 tuổi đi học trung học cơ sở» thành "
        "«Tỷ lệ trẻ em từ 11 đến 14 tuổi đi học trung học cơ sở»",
        "  - Mục 10.3: trạng thái: «tạm tính» thành «đã xác nhận»",
        "  - Mục 10.3: nguồn: «—» thành «Quyết định 06/QĐ-TTg, Phụ lục, bảng 10, trang 14»",
        "3 thay đổi.",
    ]
    assert load_criteria_set(path).provisional_count == CS.provisional_count - 1


def test_bad_files_exit_2(tmp_path, versions):
    broken = tmp_path / "broken.yaml"
    broken.write_text(TEXT.replace("total: 1000", "total: 999"), encoding="utf-8")
    out = CliRunner().invoke(main, ["criteria", "diff", str(CRITERIA), str(broken)])
    assert out.exit_code == 2
    line = TEXT[:TEXT.index("total: 1000")].count("\n") + 1
    assert f"{broken}:{line}: total: tổng điểm khai báo là 999" in out.stderr
    garbage = tmp_path / "garbage.yaml"
    garbage.write_text("commune: [unclosed\n", encoding="utf-8")
    out = run("criteria", "diff", "--json", *versions, str(EXAMPLES / "ia-toi-2022.yaml"), str(garbage))
    assert out.exit_code == 2
    first, second = (json.loads(line) for line in out.output.splitlines())
    assert first["file"].endswith("ia-toi-2022.yaml") and second["file"] == str(garbage)
    assert second["errors"][0]["message"].startswith("Tệp không đúng định dạng YAML/JSON")


def test_examples_text_and_exit_codes(versions):
    files = [str(EXAMPLES / f"{n}-2022.yaml") for n in ("ia-toi", "ia-dal", "ia-dom")]
    out = run("criteria", "diff", *versions, *files)
    assert out.exit_code == 1
    # Ia Tơi lands exactly on the raised threshold (850 ≥ 850): still "Đạt".
    assert out.output.splitlines()[1:] == [
        f"{files[0]}: Xã Ia Tơi (23538), năm 2022 — tổng điểm 845 → 850, kết luận Đạt → Đạt",
        "  - mục 10.3: 20 → 25 điểm",
        f"{files[1]}: Xã Ia Đal (23535), năm 2022 — tổng điểm 650 → 640, kết luận Không đạt → Không đạt",
        "  - mục 10.3: 20 → 10 điểm",
        f"{files[2]}: Xã Ia Dom (23537), năm 2022 — tổng điểm 895 → 880, kết luận Không đạt → Không đạt",
        "  - mục 6.1: 50 → 30 điểm",
        "  - mục 10.3: 20 → 25 điểm",
    ]
    same = run("criteria", "diff", str(CRITERIA), str(CRITERIA), *files)
    assert same.exit_code == 0
    assert f"{files[1]}: Xã Ia Đal (23535), năm 2022 — không thay đổi (tổng điểm 650, Không đạt)" \
        in same.output.splitlines()


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(docs=st.lists(assessments(CS), min_size=1, max_size=10))
def test_diff_agrees_with_cfc_score_on_both_versions(versions, docs):
    old_file, new_file = versions
    with tempfile.TemporaryDirectory() as folder:
        files = []
        for n, doc in enumerate(docs):
            path = Path(folder) / f"a{n}.yaml"
            path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
            files.append(str(path))
        old, new = ([json.loads(x) for x in run("score", "--json", "--criteria", version, *files).output
                     .splitlines()] for version in (old_file, new_file))
        diff = run("criteria", "diff", "--json", old_file, new_file, *files)
    lines = [json.loads(x) for x in diff.output.splitlines()]
    assert [d["file"] for d in lines] == files
    assert diff.exit_code == 1  # the tables differ
    for d, o, n in zip(lines, old, new, strict=True):
        assert (d["commune"], d["period"]) == (o["commune"], o["period"])
        assert (d["old_total"], d["new_total"]) == (o["total"], n["total"])
        assert (d["old_recognised"], d["new_recognised"]) == (o["recognised"], n["recognised"])
        assert (d["old_verdict"], d["new_verdict"]) == (o["verdict"], n["verdict"])
        assert (d["old_threshold"], d["new_threshold"]) == (o["threshold"], n["threshold"])
        old_points = {i["id"]: i["points"] for i in o["items"]}
        new_points = {i["id"]: i["points"] for i in n["items"]}
        assert d["items"] == [{"id": k, "old_points": old_points[k], "new_points": new_points[k]}
                              for k in old_points if old_points[k] != new_points[k]]
        assert d["changed"] == (d["items"] != [] or o["recognised"] != n["recognised"])


@pytest.mark.parametrize("fmt", [[], ["--json"]])
def test_diff_scores_in_chunks_what_it_scored_file_by_file(tmp_path, versions, monkeypatch, fmt):
    """The files are scored a chunk at a time under each version (Engines.score_documents), each read once;
    the lines, their order, the messages of unreadable or invalid files and the exit code are those of
    scoring one file at a time."""
    from engine.cli import diff as cli_diff
    from engine.io.engines import Engines
    from tests.test_hostile_files import hostile_files

    files = []
    for n in range(2):
        for name in ("ia-toi", "ia-dal", "ia-dom"):
            files.append(str(EXAMPLES / f"{name}-2022.yaml"))
        negative = tmp_path / f"negative{n}.yaml"
        negative.write_text((EXAMPLES / "ia-dal-2022.yaml").read_text(encoding="utf-8")
                            .replace("c2_births: ", "c2_births: -"), encoding="utf-8")
        files.append(str(negative))
    files[2:2] = [str(tmp_path / name) for name in sorted(hostile_files(tmp_path))[:5]]
    monkeypatch.setattr(cli_diff, "CHUNK", 1)
    one = run("criteria", "diff", *fmt, *versions, *files)

    def one_by_one(*args, **kwargs):
        raise AssertionError("a file scored on its own")

    monkeypatch.setattr(Engines, "score_file", one_by_one)
    monkeypatch.setattr(cli_diff, "CHUNK", 3)
    many = run("criteria", "diff", *fmt, *versions, *files)
    assert (many.exit_code, many.output) == (one.exit_code, one.output) and one.exit_code == 2
    assert one.output.count("không chấm được" if not fmt else '"errors"') == 7
    assert one.output.count("tổng điểm 845 → 850" if not fmt else '"old_total": 845') == 2


def test_confirmed_item_needs_its_source(tmp_path):
    source = "source: {document: Quyết định số 06/QĐ-TTg ngày 03/01/2019, article: Tiêu chí 1}"
    missing = TEXT.replace(f"        {source}\n", "", 1)
    path = tmp_path / "nosource.yaml"
    path.write_text(missing, encoding="utf-8")
    with pytest.raises(CriteriaError) as caught:
        load_criteria_set(path)
    line = missing.count("\n", 0, missing.index("status: confirmed", missing.index('id: "1.1"'))) + 1
    assert [(p.line, p.path, p.message) for p in caught.value.problems] == [
        (line, "criteria[0].items[0].status",
         "mục đã xác nhận (confirmed) phải ghi nguồn: source với document (văn bản), article "
         "(điều, khoản hoặc bảng) và page (trang, nếu có)")]

    empty = TEXT.replace(source, source.replace("article: Tiêu chí 1", "article: ''"), 1)
    path.write_text(empty, encoding="utf-8")
    with pytest.raises(CriteriaError) as caught:
        load_criteria_set(path)
    line = empty.count("\n", 0, empty.index("source:", empty.index('id: "1.1"'))) + 1
    assert [(p.line, p.path, p.message) for p in caught.value.problems] == [
        (line, "criteria[0].items[0].source.article", "không được để trống")]


def test_the_shipped_reform_example_is_this_reform():
    example = (CRITERIA.parent / "tests" / "qd06-2019.reform-example.yaml").read_text(encoding="utf-8")
    assert example.startswith("# EXAMPLE ONLY — not an official table.")
    assert example.endswith(reformed_text()) and load_criteria_set(CRITERIA.parent / "tests" /
                                                                   "qd06-2019.reform-example.yaml")


def test_table_differences_as_json(versions):
    out = run("criteria", "diff", "--json", *versions)
    assert out.exit_code == 1
    doc = json.loads(out.output)
    new_hash = load_criteria_set(versions[1]).content_hash
    assert (doc["old_hash"], doc["new_hash"]) == (CS.content_hash, new_hash)
    tier = "điểm chuẩn «Xã, thị trấn thuộc miền núi, hải đảo; xã đặc biệt khó khăn»"
    assert doc["changes"][0] == {"where": "", "what": tier, "old": "800", "new": "850"}
    assert [c["where"] for c in doc["changes"]] == ["", "mục 2.1", "mục 6.1", "mục 10.3"]
