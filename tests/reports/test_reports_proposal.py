"""The proposal file of one commune, read back from the real PDF: text (NFC), order, fonts, pages."""

from __future__ import annotations

import subprocess

import pytest

import reports
from tests.reports.conftest import OUT, norm, pdf_page_lines, pdf_pages, pdffonts, require_tool

QUOC_HIEU = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
TIEU_NGU = "Độc lập - Tự do - Hạnh phúc"


def test_administrative_header_on_each_document(proposal_pages):
    text = " ".join(proposal_pages)
    assert text.count(QUOC_HIEU) == 2 and text.count(TIEU_NGU) == 2       # tờ trình, biên bản
    first = proposal_pages[0]
    assert first.startswith("UBND HUYỆN IA H'DRAI PHÒNG LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI Số: /TTr-PLĐTBXH")
    assert "Ia H'Drai, ngày 28 tháng 11 năm 2022" in first
    assert "TỜ TRÌNH Về việc đề nghị công nhận xã Ia Tơi đạt tiêu chuẩn xã, phường, thị trấn phù hợp với " \
           "trẻ em năm 2022" in first
    assert "Kính gửi: Chủ tịch Ủy ban nhân dân huyện Ia H'Drai." in first
    assert "Căn cứ Quyết định số 06/QĐ-TTg ngày 03/01/2019 của Thủ tướng Chính phủ" in first


def test_documents_in_order_tờ_trình_biên_bản_phụ_lục(proposal_pages):
    def first_page(marker):
        return next(i for i, p in enumerate(proposal_pages) if marker in p)

    to_trinh = first_page("TỜ TRÌNH")
    bien_ban = first_page("BIÊN BẢN Thẩm định kết quả đánh giá")
    annex = first_page("Phụ lục I BẢNG ĐIỂM ĐÁNH GIÁ")
    assert to_trinh == 0 < bien_ban < annex
    assert "Ia Tơi, ngày 25 tháng 11 năm 2022" in proposal_pages[bien_ban]   # place of the commune


def test_totals_verdict_and_corrections(proposal_pages, toi_results, review):
    rs, rv = toi_results
    assert (rs.total, rv.total, rv.threshold, rv.recognised) == (845, 820, 800, True)
    text = " ".join(proposal_pages)
    assert "Tổng điểm xã tự đánh giá: 845/1.000 điểm; tổng điểm sau thẩm định: 820/1.000 điểm" in text
    assert "điểm chuẩn theo loại xã: 800 điểm" in text
    assert "xã Ia Tơi ĐẠT tiêu chuẩn xã, phường, thị trấn phù hợp với trẻ em năm 2022" in text
    for c in review["corrections"]:
        assert norm(c["reason"]) in text and norm(c["evidence"]) in text
    assert "Tổng điểm 1.000 845 820" in text                             # annex total row, side by side


def test_every_criterion_and_item_from_the_criteria_set(proposal_pages, cs):
    bien_ban = " ".join(p for p in proposal_pages if "BIÊN BẢN" in p or "Tổ thẩm định" in p)
    annex = " ".join(p for p in proposal_pages if "Phụ lục" in p or "Điểm thẩm định" in p)
    for criterion in cs.criteria:
        assert norm(criterion.name) in bien_ban, criterion.name
        assert norm(f"Tiêu chí {criterion.id}. {criterion.name}") in annex, criterion.name
        for item in criterion.items:
            assert norm(item.text) in annex, item.id


def test_annex_shows_inputs_rate_band_points(proposal_pages, toi_results, cs):
    annex = " ".join(p for p in proposal_pages if "Điểm thẩm định" in p)
    rs, rv = toi_results
    item = rv.item("2.1")           # corrected: 41 of 42 births on time
    assert f"{norm(cs.input('c2_registered_on_time').label)}: xã 42; thẩm định 41" in annex
    assert norm(rs.item("2.1").rate) in annex and norm(item.rate) in annex
    assert norm(item.band) in annex
    assert "(*) Mục tạm tính" in annex


def test_conditions_listed_with_their_result(proposal_pages, toi_results):
    text = " ".join(proposal_pages)
    for cond in toi_results[1].conditions:
        assert norm(cond.text) in text


def test_provisional_notice_on_every_page(proposal_pages, cs):
    assert cs.provisional_count > 0
    for n, page in enumerate(proposal_pages, 1):
        assert norm(cs.provisional_notice) in page, f"page {n}"
        assert "Bản mẫu (demo)" in page, f"page {n}"


def test_page_numbers_from_page_2_of_each_document(proposal_pdf):
    pdf_pages(proposal_pdf, "proposal-ia-toi")
    pages = pdf_page_lines(OUT / "proposal-ia-toi.pdf")
    starts = [i for i, lines in enumerate(pages)
              if any(line.startswith(("CỘNG HÒA", "Phụ lục I")) for line in lines)]
    assert len(starts) == 3
    for doc_no, start in enumerate(starts):
        end = starts[doc_no + 1] if doc_no + 1 < len(starts) else len(pages)
        assert "1" not in pages[start], "no number on a first page"
        for k in range(start + 1, end):
            assert str(k - start + 1) in pages[k], f"page {k + 1} should be numbered {k - start + 1}"


def test_only_liberation_serif_embedded(proposal_pdf):
    require_tool("pdffonts")
    pdf_pages(proposal_pdf, "proposal-ia-toi")
    rows = pdffonts(OUT / "proposal-ia-toi.pdf")
    assert rows, "no font at all?"
    for row in rows:
        assert "+Liberation-Serif" in row["name"], row["line"]
        assert row["emb"] == "yes", row["line"]
    styles = {row["name"].split("+", 1)[1] for row in rows}
    assert styles == {"Liberation-Serif", "Liberation-Serif-Bold", "Liberation-Serif-Italic",
                      "Liberation-Serif-Bold-Italic"}


def test_pages_render_to_png(proposal_pdf):
    """The pages as pictures in test-output/reports/ (looked at by a person; here: they render, A4)."""
    require_tool("pdftoppm")
    pdf_pages(proposal_pdf, "proposal-ia-toi")
    for old in OUT.glob("proposal-ia-toi-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(OUT / "proposal-ia-toi.pdf"),
                    str(OUT / "proposal-ia-toi")], check=True)
    pngs = sorted(OUT.glob("proposal-ia-toi-*.png"))
    assert len(pngs) >= 5
    from PIL import Image

    portrait = Image.open(pngs[0]).size
    assert portrait[0] < portrait[1] and abs(portrait[1] / portrait[0] - 297 / 210) < 0.01
    landscape = Image.open(pngs[-1]).size           # the score annex is on A4 landscape
    assert abs(landscape[0] / landscape[1] - 297 / 210) < 0.01


def test_not_recognised_commune_has_no_tờ_trình(engine, cs):
    import yaml

    from tests.reports.conftest import EXAMPLES

    doc = yaml.safe_load((EXAMPLES / "ia-dal-2022.yaml").read_text(encoding="utf-8"))
    result = engine.score(doc)
    assert not result.recognised
    pages = pdf_pages(reports.render_proposal(result, result, [], None, criteria_set=cs, assessment=doc,
                                              review_date="2022-11-24"), "proposal-ia-dal")
    text = " ".join(pages)
    assert "TỜ TRÌNH" not in text and "BIÊN BẢN" in pages[0]
    assert "xã Ia Đal KHÔNG ĐẠT tiêu chuẩn" in text
    for failed in result.failed_conditions:
        assert norm(failed) in text
    assert "Tổ thẩm định không điều chỉnh số liệu nào" in text
    assert "(Kèm theo Biên bản thẩm định ngày 24 tháng 11 năm 2022" in text


def test_extra_annex_sections_are_appended(toi_results, cs, toi_doc):
    rs, rv = toi_results
    extra = reports.AnnexSection(title="Liên hệ với tiêu chí nông thôn mới",
                                 columns=["Chỉ tiêu NTM", "Trạng thái"],
                                 rows=[["15.3", "Đạt"], ["6.2", "Chưa đạt"]],
                                 note="Ghi chú thử.")
    pages = pdf_pages(reports.render_proposal(rs, rv, [], None, criteria_set=cs, assessment=toi_doc,
                                              review_date="2022-11-25", annexes=[extra]), "proposal-extra")
    last = pages[-1]
    assert "Phụ lục II LIÊN HỆ VỚI TIÊU CHÍ NÔNG THÔN MỚI" in last
    assert "15.3 Đạt 6.2 Chưa đạt" in last and "Ghi chú thử." in last


def test_records_take_the_engines_types(toi_results, cs, toi_doc):
    """Reports take a Result and the CriteriaSet it was scored under from their caller: a JSON dump, or no
    set, is refused before anything is rendered (reports never load a catalog of their own)."""
    rs, rv = toi_results
    with pytest.raises(TypeError, match="Result"):
        reports.render_self_assessment(rs.model_dump(mode="json"), criteria_set=cs, assessment=toi_doc)
    with pytest.raises(TypeError, match="criteria_set"):
        reports.render_proposal(rs, rv, [], None, criteria_set=None, assessment=toi_doc)
    with pytest.raises(TypeError, match="criteria_set"):
        reports.render_proposal(rs, rv, [], None, assessment=toi_doc)


@pytest.mark.parametrize("set_from", ["given", "results"])
def test_summary_notice_comes_from_the_set_or_the_results(toi_results, cs, set_from):
    rs, rv = toi_results
    pdf = reports.render_summary([rs], None, criteria_set=cs if set_from == "given" else None,
                                 document_date="2022-12-02")
    text = " ".join(pdf_pages(pdf, f"summary-one-{set_from}"))
    assert "Xã Ia Tơi 23538 845" in text and norm(cs.provisional_notice) in text


def test_config_from_env_var_changes_the_names(tmp_path, monkeypatch, toi_results, cs):
    """After 2025 the bodies differ: the file named by CFC_REPORT_CONFIG is what the PDF prints."""
    path = tmp_path / "quang-ngai-2025.yaml"
    path.write_text(
        "reviewing_body:\n"
        "  parent: 'UBND XÃ IA TƠI'\n  name: 'PHÒNG VĂN HÓA - XÃ HỘI'\n"
        "  full_name: 'Phòng Văn hóa - Xã hội xã Ia Tơi'\n  abbrev: 'VHXH'\n  place: 'Ia Tơi'\n"
        "  signer: {authority: 'KT. TRƯỞNG PHÒNG', title: 'PHÓ TRƯỞNG PHÒNG', name: 'Người Ký Thử'}\n"
        "recognising_authority:\n  addressee: 'Chủ tịch Ủy ban nhân dân tỉnh Quảng Ngãi'\n"
        "  body: 'Ủy ban nhân dân tỉnh Quảng Ngãi'\n", encoding="utf-8")
    monkeypatch.setenv("CFC_REPORT_CONFIG", str(path))
    text = " ".join(pdf_pages(reports.render_summary([toi_results[0]], criteria_set=cs,
                                                     document_date="2025-12-01"), "summary-env-config"))
    assert text.startswith("UBND XÃ IA TƠI PHÒNG VĂN HÓA - XÃ HỘI Số: /BC-VHXH")
    assert "Ia Tơi, ngày 01 tháng 12 năm 2025" in text
    assert "Kính gửi: Ủy ban nhân dân tỉnh Quảng Ngãi." in text
    assert "KT. TRƯỞNG PHÒNG PHÓ TRƯỞNG PHÒNG Người Ký Thử" in text
    assert "Phòng Văn hóa - Xã hội xã Ia Tơi báo cáo tổng hợp" in text
    assert "UBND HUYỆN" not in text and "Bản mẫu (demo)" not in text


def test_threads_render_the_same_document(toi_results, cs, toi_doc):
    """The web app renders from request threads: two at once give the same text as one alone."""
    from concurrent.futures import ThreadPoolExecutor

    rs, rv = toi_results

    def one(_):
        pdf = reports.render_proposal(rs, rv, [], None, criteria_set=cs, assessment=toi_doc,
                                      review_date="2022-11-25")
        from io import BytesIO

        from pypdf import PdfReader
        return [norm(p.extract_text() or "") for p in PdfReader(BytesIO(pdf)).pages]

    with ThreadPoolExecutor(max_workers=2) as pool:
        a, b = pool.map(one, range(2))
    assert a == b and len(a) >= 5


def test_the_short_signature_the_web_app_calls(toi_results, cs):
    """render_proposal(result_self, result_verified, corrections, config, criteria_set=cs): without the
    assessment, commune and period come from the result."""
    rs, rv = toi_results
    corrections = [{"field": "c2_registered_on_time", "commune_value": 42, "verified_value": 41,
                    "reason": "Lý do thử", "evidence": "Nguồn thử"}]
    text = " ".join(pdf_pages(reports.render_proposal(rs, rv, corrections, reports.load_config(),
                                                      criteria_set=cs), "proposal-short-call"))
    assert "TỜ TRÌNH" in text and "Xã Ia Tơi (mã 23538)" in text and "Lý do thử" in text
    assert reports.pdf_filename("proposal", rv) == "ho-so-de-nghi-cong-nhan-23538-2022.pdf"
    assert reports.pdf_filename("summary", period=2022) == "bao-cao-tong-hop-2022.pdf"
