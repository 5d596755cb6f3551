"""What makes the render cheaper changes nothing in the records: the default stylesheet loses only the
pseudo-elements the records never draw, and serialising the PDF objects once writes the same bytes."""

from __future__ import annotations

import weasyprint
from pypdf import PdfReader
from weasyprint import html as weasy_html

from reports import render

from .conftest import OUT


def test_the_records_default_stylesheet_drops_only_the_pseudo_elements_they_never_draw():
    stock = weasy_html.UA
    ours = render.records_ua_text(stock)
    assert ours is not None, "WeasyPrint's default stylesheet changed: the records render with the stock one"
    stock_lines, our_lines = stock.splitlines(), ours.splitlines()
    removed = [line for line in stock_lines if line not in our_lines]
    added = [line for line in our_lines if line not in stock_lines]
    assert [line.split(" ", 1)[0] for line in removed] == [
        "::marker", "::footnote-call", "::footnote-marker", "::note-call", "::note-marker", "::note-callback"]
    assert added == [removed[0].replace("::marker", "li::marker", 1)]
    # In use: a record's HTML gets it, and the stock one is not changed for anyone else.
    doc = render._html("<p>x</p>")
    assert doc._ua_stylesheets() == [render._ua_stylesheet()]
    assert weasyprint.HTML(string="<p>x</p>")._ua_stylesheets() == [weasy_html.UA_STYLESHEET]
    assert render.records_ua_text("p { margin: 0 }") is None


def test_serialising_once_writes_the_same_file_as_weasyprint():
    font_config, stylesheet = render._fonts_and_stylesheet()
    doc = render._html("<p>Biên bản thẩm định <b>trẻ em</b> <i>năm 2022</i></p>").render(
        stylesheets=[stylesheet], font_config=font_config)
    doc.metadata.title = "Thử"
    plain = doc.write_pdf(**render.PDF_OPTIONS)
    once = doc.write_pdf(finisher=render._serialise_once, **render.PDF_OPTIONS)
    assert once == plain
    (OUT / "serialised-once.pdf").write_bytes(once)
    reader = PdfReader(OUT / "serialised-once.pdf")
    assert "Biên bản thẩm định trẻ em năm 2022" in reader.pages[0].extract_text()
    assert len(reader.trailer["/ID"]) == 2
