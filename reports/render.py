"""Render the PDF records with Jinja2 + WeasyPrint.

Each document (tờ trình, biên bản, phụ lục, báo cáo) is rendered as its own WeasyPrint document, so each has
its own first page (no page number) and its own page numbering from page 2; a proposal file joins the pages of
its documents into one PDF in the order tờ trình, biên bản, phụ lục.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import jinja2

from engine.criteria import CriteriaSet
from engine.result import Result

from . import fonts
from .config import ReportConfig, load_config
from .fmt import nfc, place_date, vn_date, vn_number
from .views import (
    AnnexSection,
    Correction,
    attr,
    bare_name,
    conditions,
    in_text,
    ntm_annex,
    score_rows,
    signer_block,
    state_label,
)

HERE = Path(__file__).parent
STYLESHEET = HERE / "static" / "document.css"
NBSP = "\u00a0"
_BETWEEN_TAGS = re.compile(r">\s*\n\s*<")
# Whitespace next to a table's own tags is never drawn (it is not in a cell), but each run would be a
# text node for the parser and the box builder to wrap and drop.
_AROUND_TABLE_TAGS = re.compile(r"\s+(?=</?(?:table|thead|tbody|tr|td|th|colgroup|col)\b)"
                                r"|(?<=</(?:tr|td|th)>)\s+")
ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"]
DEMO_NOTE = "Bản mẫu (demo): tên người ký là giả định, không có giá trị pháp lý."


# --------------------------------------------------------------------------- environment
def _lower_first(text: str) -> str:
    text = nfc(text)
    return text[:1].lower() + text[1:]


def _no_widow(text: str, words: int = 4) -> str:
    """Join the last words with no-break spaces so a centred title never ends on a lone word (and "trẻ em"
    is never split)."""
    parts = nfc(text).replace("trẻ em", f"trẻ{NBSP}em").split(" ")
    if len(parts) <= words:
        return NBSP.join(parts)
    return " ".join(parts[:-words]) + " " + NBSP.join(parts[-words:])


def _cell(value: Any) -> str:
    if isinstance(value, bool | int | float):
        return vn_number(value)
    return nfc(value)


@functools.lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(HERE / "templates")),
        autoescape=jinja2.select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["points"] = lambda v: "—" if v is None else vn_number(v)
    env.filters["lower_first"] = _lower_first
    env.filters["cell"] = _cell
    env.filters["no_widow"] = _no_widow
    env.filters["nbsp"] = lambda text: nfc(text).replace(" ", NBSP)
    return env


_local = threading.local()


def _fonts_and_stylesheet() -> tuple[Any, Any]:  # (FontConfiguration, CSS): WeasyPrint is untyped
    """One font configuration and parsed stylesheet per thread, reused by every render on it: building them
    for each document was a tenth of a proposal's time. Per thread, because WeasyPrint's font configuration
    is not made to be shared by threads rendering at once."""
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    cached = getattr(_local, "fonts", None)
    if cached is None:
        font_config = FontConfiguration()
        stylesheet = weasyprint.CSS(filename=str(STYLESHEET), font_config=font_config)
        cached = _local.fonts = (font_config, stylesheet)
    return cached


# WeasyPrint's default stylesheet gives every element six pseudo-elements (::marker, ::footnote-call,
# ::footnote-marker, ::note-call, ::note-marker, ::note-callback): each gets its computed style, about six
# in seven of the cascade's work on these documents, though none of them is ever drawn here (the records
# have no footnotes or notes, and their only list items are the dash lists, whose markers are off). The
# records' copy of that stylesheet keeps every other rule and gives ::marker to list items only.
_UA_UNIVERSAL_PSEUDO = re.compile(
    r"^::(footnote-call|footnote-marker|note-call|note-marker|note-callback)\b.*$", re.MULTILINE)


def records_ua_text(stock: str) -> str | None:
    """WeasyPrint's default stylesheet `stock` as the records use it, or None when it is not the one this
    rewrite was made for (then WeasyPrint's own is used, unchanged)."""
    if "\n::marker {" not in stock:
        return None
    text, removed = _UA_UNIVERSAL_PSEUDO.subn("", stock.replace("\n::marker {", "\nli::marker {", 1))
    return text if removed == 5 else None


@functools.lru_cache(maxsize=1)
def _ua_stylesheet() -> Any:
    """The default stylesheet for the records, parsed once per process (read only, so shared by threads);
    None: WeasyPrint's own."""
    import weasyprint
    from weasyprint import html as weasy_html

    stock = getattr(weasy_html, "UA", None)
    text = records_ua_text(stock) if isinstance(stock, str) else None
    if text is None or not hasattr(weasyprint.HTML, "_ua_stylesheets"):
        return None
    return weasyprint.CSS(string=text, counter_style=weasy_html.UA_COUNTER_STYLE)


def _html(html: str) -> Any:
    """weasyprint.HTML for a record, with the records' default stylesheet."""
    import weasyprint

    doc = weasyprint.HTML(string=html, base_url=str(HERE))
    ua = _ua_stylesheet()
    if ua is not None:
        form_sheets = doc._ua_stylesheets(forms=True)[1:]  # noqa: SLF001 - WeasyPrint's hook for it
        doc._ua_stylesheets = lambda forms=False: [ua, *form_sheets] if forms else [ua]  # noqa: SLF001
    return doc


def _css_string(text: str) -> str:
    """A CSS string literal; newlines become \\A (the margin box uses white-space: pre-line)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\A ")
    return f'"{escaped}"'


def _margin_css(notice: str, demo: bool) -> str:
    lines = [line for line in (notice, DEMO_NOTE if demo else "") if line]
    if not lines:
        return ""
    content = _css_string("\n".join(lines))
    return f"@page {{ @bottom-center {{ content: {content}; }} }}"


def _first_page_css(first_page: int) -> str:
    """A document that continues another one from page `first_page` (a piece of it, rendered alone): its
    first page is numbered on and shows its number, as the same page does in the whole document."""
    return (f"@page :first {{ counter-reset: page {int(first_page)}; "
            "@top-center { content: counter(page); } }")


def _render(template: str, context: Mapping[str, Any], notice: str, demo: bool, title: str,
            first_page: int = 1) -> Any:
    """One document -> weasyprint.Document (laid out, not yet written)."""
    import weasyprint

    # Whitespace between tags across line breaks is only template indentation: dropping it spares the HTML
    # parser and the box builder thousands of empty text nodes (no whitespace inside a line is touched).
    html = _BETWEEN_TAGS.sub("><", _env().get_template(template).render(**context))
    html = _AROUND_TABLE_TAGS.sub("", html)
    font_config, stylesheet = _fonts_and_stylesheet()
    stylesheets = [stylesheet]
    extra = _margin_css(notice, demo)
    if first_page != 1:
        extra += _first_page_css(first_page)
    if extra:
        # The notice is the same for every document of a criteria set: parsed once per thread.
        margins: dict[str, Any] = _local.__dict__.setdefault("margins", {})
        if extra not in margins:
            if len(margins) > 32:
                margins.clear()
            margins[extra] = weasyprint.CSS(string=extra, font_config=font_config)
        stylesheets.append(margins[extra])
    doc = _html(html).render(stylesheets=stylesheets, font_config=font_config)
    doc.metadata.title = nfc(title)
    doc.metadata.lang = "vi"
    return doc


# Archives keep these records for decades: PDF/A-3b (fonts embedded, XMP metadata, no external content),
# tagged (a structure tree for screen readers and reflow), with title, author (the issuing body), subject.
PDF_OPTIONS = {"pdf_variant": "pdf/a-3b", "pdf_tags": True}


class _Serialised:
    """A PDF object already turned into bytes: pydyf stands in for the object it replaces (same number)."""

    def __init__(self, obj: Any) -> None:
        self.number, self.generation, self.free = obj.number, obj.generation, obj.free
        self.offset = 0
        self.compressible = obj.compressible
        self.data = obj.data
        self.reference = obj.reference

    @property
    def indirect(self) -> bytes:
        return f"{self.number} {self.generation} obj\n".encode() + self.data + b"\nendobj"


def _serialise_once(_document: Any, pdf: Any) -> None:
    """WeasyPrint's finisher hook, just before the file is written: serialise every object once.

    PDF/A needs the file identifier in the trailer, and pydyf computes it by serialising every object a
    second time (every content stream and font compressed again at zlib level 9) only to hash the bytes:
    a sixth of the writing time. The bytes written are the same, and so is the identifier."""
    pdf.objects = [obj if obj.free == "f" or obj.number is None else _Serialised(obj) for obj in pdf.objects]


def _write(documents: Sequence[Any], title: str, author: str = "", subject: str = "") -> bytes:
    """Join the pages of several laid-out documents into one PDF/A (tagged) with its metadata."""
    first = documents[0]
    pages = [page for doc in documents for page in doc.pages]
    combined = first.copy(pages)
    for doc in documents[1:]:
        # Each document keeps the fonts its pages use; the joined one must know them all.
        fonts_map = getattr(doc, "fonts", None)
        if fonts_map and getattr(combined, "fonts", None) is not None and combined.fonts is not fonts_map:
            combined.fonts.update(fonts_map)
    combined.metadata.title = nfc(title)
    combined.metadata.lang = "vi"
    combined.metadata.authors = [nfc(author)] if author else []
    combined.metadata.description = nfc(subject or title)
    combined.metadata.keywords = ["xã, phường, thị trấn phù hợp với trẻ em", "Quyết định 06/QĐ-TTg"]
    return combined.write_pdf(finisher=_serialise_once, **PDF_OPTIONS)


# --------------------------------------------------------------------------- shared context
def _number_ref(number: str | int | None, kind: str, abbrev: str) -> str:
    """'15/TTr-PLĐTBXH'; with no number the clerk's blank is left: '      /TTr-PLĐTBXH'."""
    num = str(number).strip() if number not in (None, "") else NBSP * 8
    return nfc(f"{num}/{kind}-{abbrev}")


def _number(number: str | int | None, kind: str, abbrev: str) -> str:
    """'Số: 15/TTr-PLĐTBXH' (the line under the issuing body)."""
    return "Số: " + _number_ref(number, kind, abbrev)


def _notice(criteria_set: CriteriaSet | None, results: Iterable[Result] = ()) -> str:
    """The provisional notice while the criteria set has provisional items (the engine's own wording)."""
    if criteria_set is not None:
        return nfc(criteria_set.provisional_notice or "")
    for r in results:
        text = r.provisional_notice
        if isinstance(text, str) and text:
            return nfc(text)
    return ""


def _legal_ref_text(ref: Any) -> str:
    """'Quyết định số 06/QĐ-TTg ngày 03/01/2019 của Thủ tướng Chính phủ quy định về ...'."""
    if isinstance(ref, str):
        return nfc(ref).rstrip(" ;.")
    parts = [nfc(attr(ref, "ref", "") or "")]
    date = attr(ref, "date")
    if date:
        from .fmt import parse_date

        d = parse_date(date)
        parts.append(f"ngày {d:%d/%m/%Y}" if d else "")
    if attr(ref, "issuer"):
        parts.append("của " + nfc(attr(ref, "issuer")))
    if attr(ref, "title"):
        parts.append(_lower_first(attr(ref, "title")))
    return " ".join(p for p in parts if p).rstrip(" ;.")


def _legal(criteria_set: CriteriaSet | None, cfg: ReportConfig) -> tuple[list[str], str]:
    """(every document the records cite: the criteria set's legal basis, then the configured local guidance
    not already in it; the decision alone, for short references)."""
    # A local text of the criteria set (a district's guidance) that does not apply to this unit's records.
    omit = {nfc(x) for x in cfg.legal_basis_omit}
    basis = [_legal_ref_text(b) for b in (attr(criteria_set, "legal_basis", []) or [])
             if nfc(attr(b, "ref", "") or "") not in omit]
    basis = [b for b in basis if b]
    if not basis:
        basis = ["Quyết định số 06/QĐ-TTg ngày 03/01/2019 của Thủ tướng Chính phủ quy định về tiêu chuẩn, "
                 "trình tự đánh giá và công nhận xã, phường, thị trấn phù hợp với trẻ em"]
    for g in cfg.guidance:
        g = nfc(g).rstrip(" ;.")
        key = " ".join(g.split()[:3])           # "Hướng dẫn số 150/HD-PLĐTBXH"
        if not any(b.startswith(key) for b in basis):
            basis.append(g)
    return basis, basis[0]


def _criteria_set_for(result: Result, criteria_set: CriteriaSet) -> CriteriaSet:
    """The set the caller scored the result under; reports never load a catalog of their own."""
    if not isinstance(criteria_set, CriteriaSet):
        raise TypeError("criteria_set: the CriteriaSet the result was scored under is required")
    if not isinstance(result, Result):
        raise TypeError(f"result: an engine Result is required, not {type(result).__name__}")
    return criteria_set


def _reviewing_body(cfg: ReportConfig) -> dict:
    rb = cfg.reviewing_body
    return {"parent": nfc(rb.parent).upper(), "lines": [nfc(rb.name).upper()]}


def _date(value: dt.date | str | None, default: dt.date | None = None) -> dt.date:
    from .fmt import parse_date

    return parse_date(value) or default or dt.date.today()


def _commune(assessment: Mapping[str, Any] | None, result: Result) -> dict:
    """The commune profile: the assessment's (with district, province), else what the result names."""
    c = dict(attr(assessment, "commune", {}) or {})
    c.setdefault("code", result.commune or "")
    c.setdefault("name", result.commune_name or "")
    c.setdefault("district", "")
    c.setdefault("province", "")
    return {k: nfc(v) if isinstance(v, str) else v for k, v in c.items()}


def _period(assessment: Mapping[str, Any] | None, result: Result) -> Any:
    return attr(assessment, "period", None) or result.period


def _verdict_upper(result: Result) -> str:
    return "ĐẠT" if result.recognised else "KHÔNG ĐẠT"


# --------------------------------------------------------------------------- proposal file
def _apply_corrections(values: Mapping[str, Any], corrections: Sequence[Correction]) -> dict:
    out = dict(values)
    for c in corrections:
        out[c.field] = c.verified_value
    return out


def _correction_rows(cs: CriteriaSet, corrections: Sequence[Correction], values_self: Mapping) -> list[dict]:
    """The corrections table of the biên bản: commune's value, team's value, reason, evidence."""
    from .views import _input_label

    rows = []
    for c in corrections:
        commune_value = c.commune_value if c.commune_value is not None else values_self.get(c.field)
        rows.append({"label": _input_label(cs, c.field), "commune_value": vn_number(commune_value),
                     "verified_value": vn_number(c.verified_value), "reason": c.reason,
                     "evidence": c.evidence})
    return rows


@dataclass
class _Proposal:
    context: dict
    notice: str
    demo: bool


def _proposal_context(result_self: Result, result_verified: Result, corrections: Iterable[Any] | None,
                      cfg: ReportConfig, cs: CriteriaSet, assessment: Mapping[str, Any] | None,
                      review_date: dt.date | str | None, document_date: dt.date | str | None,
                      numbers: Mapping[str, Any] | None) -> _Proposal:
    corrections = [Correction.coerce(c) for c in (corrections or [])]
    commune = _commune(assessment, result_verified)
    period = _period(assessment, result_verified)
    values_self = dict(result_self.values or attr(assessment, "values", {}) or {})
    values_verified = result_verified.values
    if values_verified is None:
        values_verified = _apply_corrections(values_self, corrections)
    rows = score_rows(cs, result_self, result_verified, values_self, dict(values_verified))
    ccfg = cfg.commune(commune.get("code"))
    commune_place = ccfg.place or bare_name(commune.get("name", ""))
    review_date = _date(review_date)
    document_date = _date(document_date, review_date)
    numbers = dict(numbers or {})
    basis, legal_short = _legal(cs, cfg)
    rb = cfg.reviewing_body
    members = [m.model_dump() for m in cfg.review_team.members]
    leader = members[0] if members else {"name": "", "title": "", "role": "Tổ trưởng"}
    ctx = {
        "commune": commune,
        "commune_text": in_text(commune.get("name", "")),
        "period": period,
        "cs_name": nfc(cs.name),
        "tier_label": nfc(result_verified.tier_label or ""),
        "threshold": result_verified.threshold,
        "result_self": result_self,
        "result_verified": result_verified,
        "recognised": bool(result_verified.recognised),
        "verdict_upper": _verdict_upper(result_verified),
        "failed": [nfc(f) for f in (result_verified.failed_conditions or [])],
        "rows": rows,
        "conditions": conditions(result_verified, rows, verified=True),
        "corrections": _correction_rows(cs, corrections, values_self),
        "body": _reviewing_body(cfg),
        "reviewing_full": nfc(rb.full_name),
        "addressee": nfc(cfg.recognising_authority.addressee),
        "recognising_body": nfc(cfg.recognising_authority.addressee),
        "legal_basis": basis,
        "legal_short": legal_short,
        "team_name": nfc(cfg.review_team.name),
        "members": members,
        "leader": leader,
        "other_members": members[1:],
        "chairman": nfc(ccfg.chairman or ""),
        "signer": signer_block(rb.signer.authority, rb.signer.title, rb.signer.name),
        "recipients": [nfc(r.replace("{commune}", in_text(commune.get("name", ""))))
                       for r in cfg.recipients.proposal],
        "review_date": review_date,
        "review_date_text": vn_date(review_date),
        "document_date": document_date,
        "commune_place": commune_place,
        "numbers": numbers,
    }
    return _Proposal(ctx, _notice(cs, [result_verified]), cfg.demo)


@dataclass
class Part:
    """One document of a file, laid out alone (its own first page and page numbering)."""

    template: str
    context: dict
    notice: str
    demo: bool
    title: str
    first_page: int = 1  # the number of its first page: 1, or more for a piece of a document (pieces())

    def render(self) -> Any:
        return _render(self.template, self.context, self.notice, self.demo, self.title, self.first_page)

    def piece_key(self) -> tuple | None:
        """What the page count of this document's first piece depends on, for a guess of it (None: this
        document has no pieces). The score annex is the longest document of a proposal; the annexes after
        it begin on a page of their own, so the two can be laid out apart and at once."""
        if self.template != "annex_scores.html" or self.context.get("sections", "all") != "all":
            return None
        if not self.context.get("extra_annexes"):
            return None
        rows = self.context.get("rows") or []
        return (self.template, bool(self.context.get("both")), len(rows),
                sum(len(getattr(r, "items", ()) or ()) for r in rows), self.notice != "" or self.demo)

    def pieces(self, first_pages: int) -> list[Part]:
        """This document as two, laid out apart: the score annex, then the annexes after it, numbered on as
        if the score annex had `first_pages` pages (the caller checks that it had, and lays the second piece
        out again when it did not). Their pages, joined, are the pages of this document."""
        if self.piece_key() is None:
            return [self]
        return [replace(self, context={**self.context, "sections": "scores"}),
                replace(self, context={**self.context, "sections": "extra"},
                                    first_page=first_pages + 1)]


@dataclass
class PdfFile:
    """The documents of one PDF file, in order, and the file's metadata."""

    parts: list[Part]
    title: str
    author: str = ""
    subject: str = ""


def render_parts(f: PdfFile) -> bytes:
    """Lay out every part here, one after the other, and join their pages into one PDF."""
    return _write([p.render() for p in f.parts], f.title, author=f.author, subject=f.subject)


def render_proposal(
    result_self: Result,
    result_verified: Result,
    corrections: Iterable[Any] | None = None,
    config: ReportConfig | str | Path | None = None,
    *,
    criteria_set: CriteriaSet,
    assessment: Mapping[str, Any] | None = None,
    review_date: dt.date | str | None = None,
    document_date: dt.date | str | None = None,
    numbers: Mapping[str, Any] | None = None,
    annexes: Sequence[AnnexSection] | None = None,
    include_to_trinh: bool | None = None,
    renderer: Callable[[PdfFile], bytes] | None = None,
) -> bytes:
    """The proposal file of one commune: Tờ trình, Biên bản thẩm định, Phụ lục bảng điểm (+ `annexes`).

    result_self / result_verified: engine results of the commune's figures and of the verified figures.
    corrections: the team's corrections (mappings or objects with field, commune_value, verified_value,
        reason, evidence); the verified values are the commune's values with these applied.
    criteria_set: the CriteriaSet the results were scored under (required: reports load no catalog).
    assessment: the commune's assessment ({"commune": {...}, "period": 2022, "values": {...}}), for the
        district and province; without it the commune code, name and period come from the result.
    review_date: day of the assessment (biên bản); document_date: date of the tờ trình (default: review_date).
    numbers: {"to_trinh": "15", "bien_ban": "14"}; blank numbers are left for the clerk.
    annexes: extra annex sections appended after the score annex. None (default): the NTM link annex
        ("Phụ lục II: liên hệ nông thôn mới", from result_verified.ntm) when the engine computed one;
        [] for none; a list replaces the default (add `reports.ntm_annex(result_verified)` to keep it).
    include_to_trinh: default True when the verified result is recognised, else the file holds the
        biên bản and annexes only (a commune that is not recognised is not proposed).
    renderer: what turns the file's parts into the PDF (default: render_parts, here, one after the other;
        the web app passes reports.pool's, which renders them at once in warm processes).
    """
    fonts.check_fonts()
    cfg = config if isinstance(config, ReportConfig) else load_config(config)
    criteria_set = _criteria_set_for(result_self, criteria_set)
    criteria_set = _criteria_set_for(result_verified, criteria_set)
    p = _proposal_context(result_self, result_verified, corrections, cfg, criteria_set, assessment,
                          review_date, document_date, numbers)
    ctx = p.context
    if include_to_trinh is None:
        include_to_trinh = ctx["recognised"]
    abbrev = cfg.reviewing_body.abbrev
    period = ctx["period"]
    docs: list[Part] = []
    to_trinh_number = _number(ctx["numbers"].get("to_trinh"), "TTr", abbrev)
    if include_to_trinh:
        docs.append(Part("to_trinh.html", {
            **ctx,
            "number": to_trinh_number,
            "place_date": place_date(cfg.reviewing_body.place, ctx["document_date"]),
            "summary": f"Về việc đề nghị công nhận {ctx['commune_text']} đạt tiêu chuẩn xã, phường, thị trấn "
                       f"phù hợp với trẻ em năm {period}",
        }, p.notice, p.demo, f"Tờ trình đề nghị công nhận {ctx['commune_text']} năm {period}"))
    bien_ban_number = _number(ctx["numbers"].get("bien_ban"), "BB", abbrev)
    docs.append(Part("bien_ban.html", {
        **ctx,
        "number": bien_ban_number,
        "place_date": place_date(ctx["commune_place"], ctx["review_date"]),
        "summary": f"Thẩm định kết quả đánh giá xã, phường, thị trấn phù hợp với trẻ em năm {period} "
                   f"của {ctx['commune_text']}",
    }, p.notice, p.demo, f"Biên bản thẩm định {ctx['commune_text']} năm {period}"))
    if include_to_trinh:
        attached = (f"(Kèm theo Tờ trình số {_number_ref(ctx['numbers'].get('to_trinh'), 'TTr', abbrev)} "
                    f"{vn_date(ctx['document_date'])} của {ctx['reviewing_full']})")
    else:
        attached = f"(Kèm theo Biên bản thẩm định {vn_date(ctx['review_date'])} của {ctx['team_name']})"
    if annexes is None:
        default = ntm_annex(result_verified)
        extra = [default] if default is not None else []
    else:
        extra = [a for a in annexes if a is not None]
    docs.append(Part("annex_scores.html", {
        **ctx,
        "both": True,
        "attached": attached,
        "any_provisional": any(i.provisional for r in ctx["rows"] for i in r.items),
        "extra_annexes": extra,
        "annex_numbers": ROMAN[: len(extra) + 1],
    }, p.notice, p.demo, f"Phụ lục bảng điểm {ctx['commune_text']} năm {period}"))
    return (renderer or render_parts)(PdfFile(
        docs, f"Hồ sơ đề nghị công nhận {ctx['commune_text']} năm {period}", author=ctx["reviewing_full"],
        subject=f"Tờ trình, biên bản thẩm định và phụ lục bảng điểm đánh giá xã, phường, thị trấn "
                f"phù hợp với trẻ em năm {period} của {ctx['commune_text']}"))


# --------------------------------------------------------------------------- self-assessment report
def render_self_assessment(
    result: Result,
    config: ReportConfig | str | Path | None = None,
    *,
    criteria_set: CriteriaSet,
    assessment: Mapping[str, Any] | None = None,
    document_date: dt.date | str | None = None,
    number: str | int | None = None,
) -> bytes:
    """The commune's self-assessment report (UBND xã -> reviewing body) with its score annex."""
    fonts.check_fonts()
    cfg = config if isinstance(config, ReportConfig) else load_config(config)
    criteria_set = _criteria_set_for(result, criteria_set)
    commune = _commune(assessment, result)
    period = _period(assessment, result)
    values = result.values or attr(assessment, "values", {}) or {}
    rows = score_rows(criteria_set, result, None, dict(values), None)
    ccfg = cfg.commune(commune.get("code"))
    date = _date(document_date)
    commune_text = in_text(commune.get("name", ""))
    basis, legal_short = _legal(criteria_set, cfg)
    notice = _notice(criteria_set, [result])
    number_text = _number(number, "BC", "UBND")
    ctx = {
        "commune": commune,
        "commune_text": commune_text,
        "period": period,
        "tier_label": nfc(result.tier_label or ""),
        "threshold": result.threshold,
        "result": result,
        "result_self": result,
        "result_verified": result,
        "recognised": bool(result.recognised),
        "verdict_upper": _verdict_upper(result),
        "rows": rows,
        "conditions": conditions(result, rows, verified=False),
        "body": {"parent": "", "lines": ["ỦY BAN NHÂN DÂN", nfc(commune.get("name", "")).upper()]},
        "number": number_text,
        "place_date": place_date(ccfg.place or bare_name(commune.get("name", "")), date),
        "summary": f"Kết quả tự đánh giá xã, phường, thị trấn phù hợp với trẻ em năm {period}",
        "addressee": nfc(cfg.reviewing_body.full_name),
        "reviewing_full": nfc(cfg.reviewing_body.full_name),
        "legal_short": legal_short,
        "legal_basis": basis,
        "recipients": [nfc(r.replace("{commune}", commune_text)) for r in cfg.recipients.self_assessment],
        "signer": signer_block("TM. Ủy ban nhân dân", "Chủ tịch", ccfg.chairman or ""),
    }
    report = _render("self_assessment.html", ctx, notice, cfg.demo,
                     f"Báo cáo tự đánh giá {commune_text} năm {period}")
    attached = (f"(Kèm theo Báo cáo số {_number_ref(number, 'BC', 'UBND')} {vn_date(date)} "
                f"của Ủy ban nhân dân {commune_text})")
    annex = _render("annex_scores.html", {
        **ctx,
        "both": False,
        "attached": attached,
        "any_provisional": any(i.provisional for r in rows for i in r.items),
        "extra_annexes": [],
        "annex_numbers": ROMAN[:1],
    }, notice, cfg.demo, f"Phụ lục bảng điểm {commune_text} năm {period}")
    return _write([report, annex], f"Báo cáo tự đánh giá {commune_text} năm {period}",
                  author=f"Ủy ban nhân dân {commune_text}",
                  subject=f"Kết quả tự đánh giá xã, phường, thị trấn phù hợp với trẻ em năm {period}")


# --------------------------------------------------------------------------- district summary
@dataclass
class SummaryEntry:
    """One commune of a period: its profile, its self-assessed and (when done) verified results, its state."""

    commune: Mapping[str, Any]
    result_self: Result
    result_verified: Result | None = None
    state: str | None = None
    period: Any = None

    @classmethod
    def coerce(cls, obj: Any) -> SummaryEntry:
        if isinstance(obj, SummaryEntry):
            return obj
        if isinstance(obj, Result):
            # A bare engine result: the commune's self-assessment, code and name from the result.
            return cls(commune={"code": obj.commune, "name": obj.commune_name}, result_self=obj,
                       period=obj.period)
        return cls(
            commune=attr(obj, "commune", {}) or {},
            result_self=attr(obj, "result_self") or attr(obj, "result"),
            result_verified=attr(obj, "result_verified"),
            state=attr(obj, "state"),
            period=attr(obj, "period"),
        )


def render_summary(
    results: Iterable[Result | SummaryEntry | Mapping[str, Any]],
    config: ReportConfig | str | Path | None = None,
    *,
    criteria_set: CriteriaSet | None = None,
    period: Any = None,
    document_date: dt.date | str | None = None,
    number: str | int | None = None,
) -> bytes:
    """The district summary of a period: every commune with totals, tier threshold, verdict and state.

    results: engine results (self-assessed), or SummaryEntry objects / mappings {commune, result_self (or
    result), result_verified?, state?, period?}; commune is {code, name} (default: the result's).
    The verdict is the verified result's when there is one, else the self-assessed one, marked so.
    """
    fonts.check_fonts()
    cfg = config if isinstance(config, ReportConfig) else load_config(config)
    entries = [SummaryEntry.coerce(r) for r in results]
    if period is None:
        period = next((e.period or e.result_self.period for e in entries
                       if e.period or e.result_self.period), "")
    rows = []
    stats = {"count": 0, "recognised": 0, "not_recognised": 0, "not_verified": 0}
    for e in entries:
        commune = _commune({"commune": e.commune}, e.result_self)
        final = e.result_verified if e.result_verified is not None else e.result_self
        recognised = bool(final.recognised)
        verdict = "Đạt" if recognised else "Không đạt"
        if e.result_verified is None:
            stats["not_verified"] += 1
        elif recognised:
            stats["recognised"] += 1
        else:
            stats["not_recognised"] += 1
        stats["count"] += 1
        rows.append({
            "name": commune.get("name", ""),
            "code": commune.get("code", ""),
            "total_self": e.result_self.total,
            "total_verified": e.result_verified.total if e.result_verified is not None else None,
            "threshold": final.threshold,
            "verdict": verdict,
            "verified": e.result_verified is not None,
            "state": state_label(e.state),
            "failed": ([nfc(f) for f in (final.failed_conditions or [])]
                       if not recognised else []),
        })
    basis, legal_short = _legal(criteria_set, cfg)
    notice = _notice(criteria_set, [e.result_self for e in entries] + [e.result_verified for e in entries
                                                                        if e.result_verified is not None])
    date = _date(document_date)
    rb = cfg.reviewing_body
    ctx = {
        "period": period,
        "entries": rows,
        "stats": stats,
        "any_failed": any(r["failed"] for r in rows),
        "body": _reviewing_body(cfg),
        "number": _number(number, "BC", rb.abbrev),
        "place_date": place_date(rb.place, date),
        "summary": f"Tổng hợp kết quả đánh giá xã, phường, thị trấn phù hợp với trẻ em năm {period}",
        "addressee": nfc(cfg.recognising_authority.body),
        "report_to": nfc(cfg.recognising_authority.body),
        "reviewing_full": nfc(rb.full_name),
        "legal_short": legal_short,
        "legal_basis": basis,
        "recipients": [nfc(r) for r in cfg.recipients.summary],
        "signer": signer_block(rb.signer.authority, rb.signer.title, rb.signer.name),
    }
    doc = _render("summary.html", ctx, notice, cfg.demo, f"Báo cáo tổng hợp năm {period}")
    return _write([doc], f"Báo cáo tổng hợp kết quả đánh giá năm {period}", author=ctx["reviewing_full"],
                  subject=ctx["summary"])


# --------------------------------------------------------------------------- download names
_FILENAMES = {
    "proposal": "ho-so-de-nghi-cong-nhan-{code}-{period}.pdf",
    "self_assessment": "bao-cao-tu-danh-gia-{code}-{period}.pdf",
    "summary": "bao-cao-tong-hop-{period}.pdf",
}


def pdf_filename(kind: str, result: Result | None = None, *, period: Any = None) -> str:
    """An ASCII file name for a download (Content-Disposition), e.g. 'ho-so-de-nghi-cong-nhan-23538-2022.pdf'.

    kind: "proposal", "self_assessment" or "summary"; result: the engine result (code and period).
    """
    code = "".join(ch for ch in (result.commune if result is not None else "") if ch.isalnum()) or "xa"
    if period is None:
        period = result.period if result is not None else ""
    period = "".join(ch for ch in str(period) if ch.isalnum()) or "ky"
    return _FILENAMES[kind].format(code=code, period=period)
