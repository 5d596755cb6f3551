"""`cfc report ...`: print the PDF records from assessment files (attached to `cfc` through the
entry-point group "cfc.commands" of pyproject.toml; the engine never imports this package).

An assessment file is the engine's format (examples/*.yaml). A proposal file may carry the district
team's review in an optional top-level `review:` section, which the engine never sees:

    review:
      date: 2022-11-25            # day of the assessment (biên bản); default: today
      document_date: 2022-11-28   # date of the tờ trình; default: review date
      state: proposed             # state shown in the district summary
      numbers: {to_trinh: "15", bien_ban: "14"}   # optional; blank numbers are left for the clerk
      corrections:                # the team's corrections; the verified figures are these applied
        - field: c2_registered_on_time
          value: 48
          reason: "..."
          evidence: "..."
"""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from engine.criteria import CriteriaSet
    from engine.result import Result

    from .config import ReportConfig

# The engine and the configuration are imported when a command runs: `cfc --help` imports this module to
# list `report`, and should not build the engine's models for that.

EXIT_INVALID = 2
EXIT_SETUP = 3


class _Fail(click.ClickException):
    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.exit_code = code  # type: ignore[misc]  # click reads it per instance; its stubs say class


class _Scorer:
    """Scores a command's documents through the engine cache (engine/io/engines.py): one engine per criteria
    set, with the NTM link tables, so that results carry `ntm` (printed as the proposal's second annex)."""

    def __init__(self, criteria_dir: str | None) -> None:
        from engine.io.engines import Engines

        self.engines = Engines(criteria_dir)

    def score(self, doc: dict, what: str) -> tuple[Result, CriteriaSet]:
        """(the result, the criteria set it was scored under), or _Fail listing the invalid figures."""
        cs = self.engines.set_for_document(doc)
        eng = self.engines.engine_for(cs)
        errors = eng.validate(doc)
        if errors:
            lines = [f"{what}: số liệu không hợp lệ"]
            lines += [f"  - {e.field or '(tệp)'}: {e.message}" for e in errors]
            raise _Fail("\n".join(lines), EXIT_INVALID)
        return eng.score(doc), cs


def _read(path: str) -> tuple[dict, dict]:
    """(the assessment as the engine takes it, the review section or {})."""
    from engine.io.files import read_assessment

    doc, errors = read_assessment(path)
    if errors:
        raise _Fail(f"{path}: " + "; ".join(e.message for e in errors), EXIT_INVALID)
    if not isinstance(doc, dict):
        raise _Fail(f"{path}: tệp phải là một bảng (mapping) YAML/JSON", EXIT_INVALID)
    doc = dict(doc)
    review = doc.pop("review", None) or {}
    if not isinstance(review, dict):
        raise _Fail(f"{path}: mục 'review' phải là một bảng (mapping)", EXIT_INVALID)
    return doc, review


def _verified(doc: dict, review: dict, path: str) -> dict:
    """The assessment with the team's corrections applied (the commune's file is not changed)."""
    verified = copy.deepcopy(doc)
    values = verified.setdefault("values", {})
    for i, c in enumerate(review.get("corrections") or [], 1):
        if not isinstance(c, dict) or "field" not in c or "value" not in c:
            raise _Fail(f"{path}: điều chỉnh thứ {i} phải có 'field' và 'value'", EXIT_INVALID)
        # A value the commune left empty may be filled in by the team; the engine validates every value.
        values[str(c["field"]).removeprefix("values.")] = c["value"]
    return verified


def _corrections(doc: dict, review: dict) -> list[dict]:
    out = []
    for c in review.get("corrections") or []:
        field = str(c["field"]).removeprefix("values.")
        out.append({
            "field": field,
            "commune_value": c.get("commune_value", (doc.get("values") or {}).get(field)),
            "verified_value": c["value"],
            "reason": c.get("reason", ""),
            "evidence": c.get("evidence", ""),
        })
    return out


def _parse_date(text: str | None) -> dt.date | None:
    from .fmt import parse_date

    try:
        return parse_date(text)
    except ValueError as exc:
        raise _Fail(f"Ngày không hợp lệ: {text!r} (cần dạng YYYY-MM-DD, ví dụ 2022-11-25)",
                    EXIT_INVALID) from exc


def _write(out: str, pdf: bytes) -> None:
    path = Path(out)
    if path.parent and not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pdf)


def _setup(config_path: str | None) -> ReportConfig:
    from .config import ConfigError, load_config
    from .fonts import FontMissingError, check_fonts

    try:
        check_fonts()
        return load_config(config_path)
    except FontMissingError as exc:
        raise _Fail(str(exc), EXIT_SETUP) from exc
    except ConfigError as exc:
        raise _Fail(str(exc), EXIT_SETUP) from exc


_config_option = click.option(
    "--config", "config_path", type=click.Path(dir_okay=False),
    help="Tệp cấu hình văn bản (tên cơ quan, người ký, địa danh); mặc định: biến CFC_REPORT_CONFIG "
         "hoặc reports/config/ia-hdrai-2022.yaml.")
_criteria_option = click.option(
    "--criteria-dir", type=click.Path(file_okay=False, exists=True),
    help="Thư mục bộ tiêu chí (mặc định: criteria/).")
_output_option = click.option("-o", "--output", "out", required=True, type=click.Path(dir_okay=False),
                              help="Tệp PDF cần ghi.")


@click.group("report", help="In văn bản PDF: tờ trình, biên bản, phụ lục bảng điểm, báo cáo tổng hợp.")
def report() -> None:
    pass


@report.command("proposal", help="Hồ sơ đề nghị công nhận của một xã: tờ trình, biên bản thẩm định, phụ lục.")
@click.argument("file", type=click.Path(dir_okay=False, exists=True))
@_output_option
@_config_option
@_criteria_option
def proposal(file: str, out: str, config_path: str | None, criteria_dir: str | None) -> None:
    from .render import render_proposal

    cfg = _setup(config_path)
    doc, review = _read(file)
    scorer = _Scorer(criteria_dir)
    result_self, cs = scorer.score(doc, f"{file} (xã tự đánh giá)")
    result_verified, _ = scorer.score(_verified(doc, review, file), f"{file} (sau thẩm định)")
    pdf = render_proposal(
        result_self, result_verified, _corrections(doc, review), cfg,
        criteria_set=cs, assessment=doc,
        review_date=review.get("date"), document_date=review.get("document_date"),
        numbers=review.get("numbers"),
    )
    _write(out, pdf)
    if not result_verified.recognised:
        click.echo(f"{file}: kết quả thẩm định không đạt — hồ sơ chỉ gồm biên bản và phụ lục, "
                   "không có tờ trình đề nghị công nhận.", err=True)
    click.echo(f"Đã ghi {out} ({result_verified.commune_name}: {result_verified.total}/"
               f"{result_verified.max_total} điểm, {result_verified.verdict}).")


@report.command("self", help="Báo cáo tự đánh giá của xã, kèm phụ lục bảng điểm.")
@click.argument("file", type=click.Path(dir_okay=False, exists=True))
@_output_option
@_config_option
@_criteria_option
@click.option("--date", "document_date", help="Ngày báo cáo (YYYY-MM-DD); mặc định: hôm nay.")
def self_assessment(file: str, out: str, config_path: str | None, criteria_dir: str | None,
                    document_date: str | None) -> None:
    from .render import render_self_assessment

    cfg = _setup(config_path)
    doc, _review = _read(file)
    result, cs = _Scorer(criteria_dir).score(doc, file)
    pdf = render_self_assessment(result, cfg, criteria_set=cs, assessment=doc,
                                 document_date=_parse_date(document_date))
    _write(out, pdf)
    click.echo(f"Đã ghi {out} ({result.commune_name}: {result.total}/{result.max_total} điểm).")


@report.command("summary",
                help="Báo cáo tổng hợp một kỳ: mọi xã, tổng điểm, điểm chuẩn, kết quả, trạng thái.")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, exists=True))
@_output_option
@_config_option
@_criteria_option
@click.option("--date", "document_date", help="Ngày báo cáo (YYYY-MM-DD); mặc định: hôm nay.")
def summary(files: tuple[str, ...], out: str, config_path: str | None, criteria_dir: str | None,
            document_date: str | None) -> None:
    from .render import SummaryEntry, render_summary

    cfg = _setup(config_path)
    scorer = _Scorer(criteria_dir)
    entries: list[SummaryEntry] = []
    periods: set = set()
    cs: CriteriaSet | None = None
    seen: dict[str, str] = {}
    for file in files:
        doc, review = _read(file)
        code = str((doc.get("commune") or {}).get("code", ""))
        if code in seen:
            raise _Fail(f"Xã mã {code} có hai tệp: {seen[code]} và {file}; mỗi xã chỉ một tệp trong một kỳ.",
                        EXIT_INVALID)
        seen[code] = file
        result_self, cs = scorer.score(doc, f"{file} (xã tự đánh giá)")
        result_verified = None
        if review:
            result_verified, _ = scorer.score(_verified(doc, review, file), f"{file} (sau thẩm định)")
        state = review.get("state") or doc.get("state") or ("verified" if review else "submitted")
        entries.append(SummaryEntry(commune=doc.get("commune") or {}, result_self=result_self,
                                    result_verified=result_verified, state=state, period=doc.get("period")))
        periods.add(doc.get("period"))
    if len(periods) > 1:
        raise _Fail("Các tệp thuộc nhiều kỳ đánh giá khác nhau: " + ", ".join(sorted(map(str, periods))),
                    EXIT_INVALID)
    try:
        pdf = render_summary(entries, cfg, criteria_set=cs, document_date=_parse_date(document_date))
    except ValueError as exc:
        raise _Fail(str(exc), EXIT_INVALID) from exc
    _write(out, pdf)
    click.echo(f"Đã ghi {out} ({len(entries)} xã).")


def main() -> None:  # `python -m reports ...`
    report(prog_name="python -m reports")


if __name__ == "__main__":
    main()
