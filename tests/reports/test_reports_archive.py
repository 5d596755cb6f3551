"""The PDF records are fit for archives: PDF/A-3b, tagged, with title, author, subject, language and XMP."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from reports import render_self_assessment, render_summary

from .conftest import OUT, require_tool


def _check_archive_pdf(path: Path, author: str, title_start: str) -> None:
    reader = PdfReader(str(path))
    root = reader.trailer["/Root"]
    # Tagged: a structure tree, marked content, the document's language.
    assert "/StructTreeRoot" in root
    assert bool(root["/MarkInfo"]["/Marked"])
    assert root["/Lang"] == "vi"
    # PDF/A identification in the XMP metadata stream (part 3, conformance B).
    xmp = root["/Metadata"].get_object().get_data().decode("utf-8")
    assert re.search(r"pdfaid:part[^0-9]{1,3}3", xmp), xmp[:400]
    assert re.search(r"pdfaid:conformance[^A-Z]{1,3}B", xmp)
    assert "/OutputIntents" in root
    # The file identifier PDF/A requires in the trailer (written from bytes serialised once, render.py;
    # a joined file keeps the first part of its first document's, qpdf writes the second).
    ids = reader.trailer["/ID"]
    assert len(ids) == 2 and all(len(bytes(i.original_bytes)) >= 16 for i in ids), ids
    info = reader.metadata
    assert info.title.startswith(title_start)
    assert info.author == author
    assert info.subject
    assert author in xmp and info.title in xmp
    # poppler reads the same.
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Tagged:\s+yes", out, re.M), out
    assert re.search(rf"^Author:\s+{re.escape(author)}", out, re.M)
    assert re.search(r"^Subject:\s+\S", out, re.M)


def test_proposal_file_is_tagged_pdfa_with_metadata(proposal_pdf: bytes):
    require_tool("pdfinfo")
    path = OUT / "archive-proposal.pdf"
    path.write_bytes(proposal_pdf)
    _check_archive_pdf(path, "Phòng Lao động - Thương binh và Xã hội huyện Ia H'Drai",
                       "Hồ sơ đề nghị công nhận")


def test_self_assessment_is_tagged_pdfa_authored_by_the_commune(cs, toi_results, toi_doc):
    require_tool("pdfinfo")
    result_self, _ = toi_results
    path = OUT / "archive-self-assessment.pdf"
    path.write_bytes(render_self_assessment(result_self, criteria_set=cs, assessment=toi_doc,
                                            document_date="2022-11-20"))
    _check_archive_pdf(path, "Ủy ban nhân dân xã Ia Tơi", "Báo cáo tự đánh giá")


@pytest.mark.parametrize("kind", ["summary"])
def test_summary_is_tagged_pdfa(cs, toi_results, kind):
    require_tool("pdfinfo")
    result_self, result_verified = toi_results
    path = OUT / "archive-summary.pdf"
    path.write_bytes(render_summary([{"commune": {"code": "23538", "name": "Xã Ia Tơi"},
                                      "result_self": result_self, "result_verified": result_verified}],
                                    criteria_set=cs, period=2022, document_date="2022-12-01"))
    _check_archive_pdf(path, "Phòng Lao động - Thương binh và Xã hội huyện Ia H'Drai", "Báo cáo tổng hợp")
