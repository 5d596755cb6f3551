"""District summary, self-assessment report and the `report` commands (click), from real files."""

from __future__ import annotations

import subprocess
import sys

import yaml
from click.testing import CliRunner

import reports
from engine.io.load import load_criteria_set
from reports.cli import report
from tests.reports.conftest import EXAMPLES, OUT, ROOT, norm, pdf_pages, pdffonts

FILES = [EXAMPLES / f"{n}-2022.yaml" for n in ("ia-toi", "ia-dal", "ia-dom")]


def run(*args: str):
    return CliRunner().invoke(report, [str(a) for a in args], catch_exceptions=False)


def read(path) -> str:
    from pypdf import PdfReader

    return " ".join(norm(p.extract_text() or "") for p in PdfReader(str(path)).pages)


def test_summary_lists_every_commune(engine, cs, tmp_path, proposal_file):
    out = OUT / "summary-cli.pdf"
    OUT.mkdir(parents=True, exist_ok=True)
    res = run("summary", proposal_file, FILES[1], FILES[2], "-o", out, "--date", "2022-12-02")
    assert res.exit_code == 0, res.output
    text = read(out)
    assert "BÁO CÁO Tổng hợp kết quả đánh giá xã, phường, thị trấn phù hợp với trẻ em năm 2022" in text
    assert "Ia H'Drai, ngày 02 tháng 12 năm 2022" in text
    dal, dom = (engine.score(yaml.safe_load(f.read_text(encoding="utf-8"))) for f in FILES[1:])
    assert "Xã Ia Tơi 23538 845 820 800 Đạt Đã lập tờ trình đề nghị công nhận" in text
    assert f"Xã Ia Đal 23535 {dal.total} — 800 Không đạt (tự đánh giá) Đã gửi" in text
    assert f"Xã Ia Dom 23537 {dom.total} — 800" in text
    assert "Tổng số đơn vị được tổng hợp: 3; đạt: 1; không đạt: 0; chưa thẩm định: 2" in text
    for failed in dal.failed_conditions + dom.failed_conditions:
        assert norm(failed) in text
    assert norm(cs.provisional_notice) in text
    faces = {r["name"].split("+", 1)[1] for r in pdffonts(out)}
    assert faces <= {"Liberation-Serif", "Liberation-Serif-Bold", "Liberation-Serif-Italic",
                     "Liberation-Serif-Bold-Italic"}


def test_summary_rejects_two_files_of_one_commune(tmp_path, proposal_file):
    res = run("summary", FILES[0], proposal_file, "-o", tmp_path / "x.pdf")
    assert res.exit_code == 2 and "23538" in res.output
    assert not (tmp_path / "x.pdf").exists()


def test_proposal_command(proposal_file, tmp_path):
    out = tmp_path / "ho-so.pdf"
    res = run("proposal", proposal_file, "-o", out)
    assert res.exit_code == 0, res.output
    assert "Xã Ia Tơi: 820/1000 điểm" in res.output
    text = read(out)
    assert "TỜ TRÌNH" in text and "BIÊN BẢN" in text and "Phụ lục I" in text
    assert "Ia H'Drai, ngày 28 tháng 11 năm 2022" in text


def test_proposal_command_reports_invalid_figures(tmp_path, review):
    doc = yaml.safe_load(FILES[0].read_text(encoding="utf-8"))
    doc["review"] = {"corrections": [{"field": "c2_registered_on_time", "value": 99, "reason": "x"}]}
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    res = run("proposal", path, "-o", tmp_path / "x.pdf")
    assert res.exit_code == 2
    assert "(sau thẩm định): số liệu không hợp lệ" in res.output and "c2_registered_on_time" in res.output
    assert not (tmp_path / "x.pdf").exists()


def test_not_recognised_proposal_says_so(tmp_path):
    res = run("proposal", FILES[1], "-o", tmp_path / "dal.pdf")
    assert res.exit_code == 0
    assert "không có tờ trình" in res.output


def test_self_assessment_report(engine, cs):
    doc = yaml.safe_load(FILES[1].read_text(encoding="utf-8"))
    result = engine.score(doc)
    pages = pdf_pages(reports.render_self_assessment(result, None, criteria_set=cs, assessment=doc,
                                                     document_date="2022-11-09"), "self-ia-dal")
    text = " ".join(pages)
    assert text.startswith("ỦY BAN NHÂN DÂN XÃ IA ĐAL Số: /BC-UBND CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM "
                           "Độc lập - Tự do - Hạnh phúc Ia Đal, ngày 09 tháng 11 năm 2022")
    assert "Kính gửi: Phòng Lao động - Thương binh và Xã hội huyện Ia H'Drai." in text
    assert f"Tổng điểm tự đánh giá: {result.total}/1.000 điểm" in text
    assert "xã Ia Đal KHÔNG ĐẠT tiêu chuẩn" in text
    assert "TM. ỦY BAN NHÂN DÂN CHỦ TỊCH" in text and "Ksor Hiếu" in text
    for criterion in cs.criteria:
        assert norm(criterion.name) in text
    assert all(norm(cs.provisional_notice) in p for p in pages)


def test_no_notice_once_every_item_is_confirmed(tmp_path, toi_results):
    doc = yaml.safe_load((ROOT / "criteria" / "qd06-2019.yaml").read_text(encoding="utf-8"))
    for criterion in doc["criteria"]:
        for item in criterion["items"]:
            item["status"] = "confirmed"
            item.setdefault("source", {"document": "Văn bản thử", "article": f"Bảng điểm, mục {item['id']}"})
            for band in item["bands"]:
                band.pop("status", None)
    path = tmp_path / "confirmed.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    confirmed = load_criteria_set(path)
    assert confirmed.provisional_count == 0
    text = " ".join(pdf_pages(reports.render_summary([toi_results[0]], None, criteria_set=confirmed),
                              "summary-confirmed"))
    assert "Kết quả tạm tính" not in text and "Xã Ia Tơi" in text


def test_python_m_reports_runs(tmp_path):
    out = tmp_path / "s.pdf"
    proc = subprocess.run([sys.executable, "-m", "reports", "self", str(FILES[0]), "-o", str(out)],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert out.read_bytes().startswith(b"%PDF-")


def test_cfc_has_the_report_group():
    from engine.cli.main import main

    res = CliRunner().invoke(main, ["report", "--help"])
    assert res.exit_code == 0 and "proposal" in res.output and "summary" in res.output


def test_proposal_appends_the_ntm_link_annex(proposal_file, tmp_path, review):
    """With the NTM link tables the engine derives each indicator's status; the proposal prints them all."""
    from engine import Engine
    from engine.io.catalog import Catalog
    from tests.reports.conftest import apply_review

    catalog = Catalog.load()
    doc = yaml.safe_load(FILES[0].read_text(encoding="utf-8"))
    verified = Engine(catalog.for_period(2022), catalog.ntm_tables).score(apply_review(doc, review))
    assert verified.ntm
    out = tmp_path / "ho-so.pdf"
    assert run("proposal", proposal_file, "-o", out).exit_code == 0
    from pypdf import PdfReader

    pages = [norm(p.extract_text() or "") for p in PdfReader(str(out)).pages]
    start = next(i for i, p in enumerate(pages) if "Phụ lục II LIÊN HỆ VỚI TIÊU CHÍ NÔNG THÔN MỚI" in p)
    annex = " ".join(pages[start:])
    assert start > next(i for i, p in enumerate(pages) if "Phụ lục I BẢNG ĐIỂM" in p)
    for status in verified.ntm:
        assert norm(status.text) in annex
        assert norm(status.explanation) in annex
        assert status.status_text in annex
    assert all(norm(verified.provisional_notice) in p for p in pages)


def test_missing_figures_print_as_not_assessed(tmp_path):
    """Ia Dom left an input empty: its criterion is "Chưa đánh giá" and the failed condition says which."""
    out = tmp_path / "dom.pdf"
    res = run("self", FILES[2], "-o", out, "--date", "2022-11-09")
    assert res.exit_code == 0, res.output
    text = read(out)
    assert "Chưa đánh giá" in text and "Ia Dom, ngày 09 tháng 11 năm 2022" in text
    assert "KHÔNG ĐẠT" in text


def test_bad_date_is_refused(tmp_path):
    res = run("self", FILES[0], "-o", tmp_path / "x.pdf", "--date", "25/11/2022")
    assert res.exit_code == 2 and "Ngày không hợp lệ" in res.output
