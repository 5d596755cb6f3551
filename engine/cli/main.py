"""`cfc`: score assessment files and check criteria files from the command line."""

from __future__ import annotations

import importlib
import importlib.util
import json
import sys
from pathlib import Path

import click

from engine.assessment import FieldError
from engine.criteria import CriteriaError, CriteriaSet, load_criteria_set
from engine.io.catalog import Catalog, _kind_of
from engine.io.files import read_assessment
from engine.io.jsonout import result_json
from engine.io.report_text import render_text
from engine.ntm.models import NtmTable, district_view, load_ntm_table
from engine.ntm.text import render_district_view
from engine.result import Result
from engine.scoring import Engine


class Engines:
    """One engine per criteria set, built on first use (a CLI run may span periods)."""

    def __init__(self, fixed: CriteriaSet | None, criteria_dir: Path | None = None) -> None:
        self.fixed = fixed
        self._catalog: Catalog | None = None
        self._dir = criteria_dir
        self._engines: dict[str, Engine] = {}
        self._ntm: tuple[NtmTable, ...] | None = None

    def ntm_tables(self) -> tuple[NtmTable, ...]:
        # With a fixed criteria file the link tables still come from the criteria folder; the engine keeps
        # those that link to the fixed set's id and checks them against it.
        if self._ntm is None:
            self._catalog = self._catalog or Catalog.load(*(x for x in [self._dir] if x))
            self._ntm = self._catalog.ntm_tables
        return self._ntm

    def for_document(self, doc: object) -> Engine:
        cs = self.fixed
        if cs is None:
            catalog = self._catalog = self._catalog or Catalog.load(*(x for x in [self._dir] if x))
            period = doc.get("period") if isinstance(doc, dict) else None
            try:
                cs = catalog.for_period(period) if type(period) is int else catalog.sets[-1]
            except (LookupError, ValueError, OverflowError):  # no set in force, or no such year at all
                cs = catalog.sets[-1]  # the validator then says what is wrong with the period
        if cs.id not in self._engines:
            self._engines[cs.id] = Engine(cs, self.ntm_tables())
        return self._engines[cs.id]

    def criteria_sets(self) -> dict[str, CriteriaSet]:
        """The criteria sets scored with so far, by id."""
        return {set_id: engine.cs for set_id, engine in self._engines.items()}

    def score_file(self, name: str) -> tuple[Result | None, list[FieldError]]:
        doc, errors = read_assessment(name)
        if errors:
            return None, errors
        return self.score_document(doc, name)

    def score_document(self, doc: object, name: str) -> tuple[Result | None, list[FieldError]]:
        engine = self.for_document(doc)
        valid, errors = engine.validator.validate(doc)
        if valid is None:
            return None, errors
        result = engine.score_valid(valid)
        result.file = name  # a new result, not yet seen by anyone
        return result, []

    def latest(self) -> CriteriaSet:
        if self.fixed is not None:
            return self.fixed
        self._catalog = self._catalog or Catalog.load(*(x for x in [self._dir] if x))
        return self._catalog.sets[-1]


criteria_option = click.option(
    "--criteria", "criteria_file", type=click.Path(exists=True, dir_okay=False),
    help="Bộ tiêu chí dùng để chấm (mặc định: bộ có hiệu lực trong năm đánh giá).")


# Commands that live in other packages, imported only when run: `reports` pulls in WeasyPrint, Jinja and
# openpyxl, which no scoring command needs. The help line is kept here so that `cfc --help` stays cheap
# (tests/test_cli_startup.py checks it against the command's own).
_LAZY = {
    "report": ("reports.cli", "report",
               "In văn bản PDF: tờ trình, biên bản, phụ lục bảng điểm, báo cáo tổng hợp."),
}


class _LazyGroup(click.Group):
    def _lazy_names(self) -> list[str]:
        return [name for name, (module, _, _) in _LAZY.items()
                if name not in self.commands and importlib.util.find_spec(module.split(".")[0]) is not None]

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self._lazy_names()])

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in _LAZY and name not in self.commands:
            module, attr, _ = _LAZY[name]
            try:
                self.add_command(getattr(importlib.import_module(module), attr), name)
            except ImportError:  # the engine works without the reports package
                return None
        return super().get_command(ctx, name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # As click.Group.format_commands, without importing the lazy commands for their help line.
        lazy = set(self._lazy_names())
        names = self.list_commands(ctx)
        if not names:
            return
        limit = formatter.width - 6 - max(len(n) for n in names)
        rows = []
        for name in names:
            if name in lazy:
                stand_in = click.Command(name, help=_LAZY[name][2])
                rows.append((name, stand_in.get_short_help_str(limit)))
                continue
            cmd = self.get_command(ctx, name)
            if cmd is not None and not cmd.hidden:
                rows.append((name, cmd.get_short_help_str(limit)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=_LazyGroup, help="Đánh giá xã, phường, thị trấn phù hợp với trẻ em.")
def main() -> None:
    pass


@main.command("score", help="Chấm điểm các tệp tự đánh giá (YAML hoặc JSON).")
@click.option("--json", "as_json", is_flag=True, help="Một dòng JSON cho mỗi tệp, theo thứ tự đầu vào.")
@criteria_option
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
def score(as_json: bool, criteria_file: str | None, files: tuple[str, ...]) -> None:
    try:
        fixed = load_criteria_set(criteria_file) if criteria_file else None
        engines = Engines(fixed)
    except CriteriaError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    failed = False
    # Written to directly: click.echo checks the stream and flushes for every line, which cost more than
    # scoring on thousands of files.
    out = sys.stdout

    def write(line: str) -> None:
        out.write(line + "\n")

    for name in files:
        try:
            result, errors = engines.score_file(name)
        except CriteriaError as exc:
            click.echo(str(exc), err=True)
            sys.exit(2)
        if result is None:
            failed = True
            if as_json:
                write(json.dumps({"file": name, "errors": [e.as_dict() for e in errors]}, ensure_ascii=False))
            else:
                write(f"{name}: không chấm được")
                for e in errors:
                    write(f"  - {e.field or '(tệp)'}: {e.message}")
                write("")
            continue
        if as_json:
            write(result_json(result))
        else:
            write(render_text(result))
    out.flush()
    sys.exit(2 if failed else 0)


@main.command("ntm", help="Liên hệ nông thôn mới: theo từng chỉ tiêu, các xã chưa đạt hoặc cần xem xét.")
@click.option("--json", "as_json", is_flag=True, help="In bảng tổng hợp dạng JSON.")
@criteria_option
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
def ntm(as_json: bool, criteria_file: str | None, files: tuple[str, ...]) -> None:
    try:
        engines = Engines(load_criteria_set(criteria_file) if criteria_file else None)
        scored = [(name, *engines.score_file(name)) for name in files]
    except CriteriaError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    results = []
    for name, result, errors in scored:
        if result is None:
            click.echo(f"{name}: không chấm được", err=True)
            for e in errors:
                click.echo(f"  - {e.field or '(tệp)'}: {e.message}", err=True)
        else:
            results.append(result)
    view = district_view(results)
    if as_json:
        click.echo(json.dumps([v.model_dump(mode="json") for v in view], ensure_ascii=False))
    else:
        click.echo(render_district_view(view, [r.period for r in results]), nl=False)
    sys.exit(2 if len(results) < len(files) else 0)


@main.command("batch", help="Chấm điểm nhiều xã: một tệp Excel theo mẫu, hoặc một thư mục tệp YAML/JSON.")
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Tệp kết quả .xlsx (hoặc .csv).")
@criteria_option
def batch(source: Path, output: Path, criteria_file: str | None) -> None:
    from engine.io.batch import collect, summary_lines
    from engine.io.sheets import results_csv_bytes, results_workbook

    try:
        engines = Engines(load_criteria_set(criteria_file) if criteria_file else None)
        entries = collect(source, engines.latest())
    except CriteriaError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    results: list[Result] = []
    invalid: list[tuple[str, list]] = []
    with click.progressbar(entries, label="Đang chấm điểm", file=sys.stderr,
                           show_pos=True, width=30) as bar:
        for entry in bar:
            if entry.errors:
                invalid.append((entry.name, entry.errors))
                continue
            result, errors = engines.score_document(entry.document, entry.name)
            if result is None:
                invalid.append((entry.name, errors))
            else:
                results.append(result)
    # The sets the results were scored with: the file names each by its Vietnamese name, and the missing
    # figures by their labels, as the web export does (the codes are for machines, not for officers).
    sets = engines.criteria_sets()
    if output.suffix.lower() == ".csv":
        output.write_bytes(results_csv_bytes(results, sets=sets))
    else:
        results_workbook(results, invalid, sets=sets).save(output)
    for line in summary_lines(results, invalid, output):
        click.echo(line)
    sys.exit(2 if invalid else 0)


@main.command("template", help="Tạo mẫu Excel tự đánh giá (mỗi dòng một xã) từ bộ tiêu chí.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--period", type=int, help="Năm đánh giá (chọn bộ tiêu chí có hiệu lực và điền sẵn năm).")
@click.option("--criteria", "criteria_file", type=click.Path(exists=True, dir_okay=False))
def template(output: Path, period: int | None, criteria_file: str | None) -> None:
    from engine.io.sheets import template_workbook

    try:
        if criteria_file:
            cs = load_criteria_set(criteria_file)
        else:
            catalog = Catalog.load()
            cs = catalog.for_period(period) if period else catalog.sets[-1]
    except (CriteriaError, LookupError) as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    template_workbook(cs, period).save(output)
    click.echo(f"Đã tạo mẫu {output} (bộ tiêu chí {cs.id}).")


@main.group("criteria", help="Bộ tiêu chí.")
def criteria() -> None:
    pass


@criteria.command("check", help="Kiểm tra một tệp bộ tiêu chí; mỗi lỗi một dòng.")
@click.argument("file", type=click.Path(dir_okay=False))
def criteria_check(file: str) -> None:
    if _kind_of(Path(file)) == "ntm_link":
        _ntm_check(file)
        return
    try:
        cs = load_criteria_set(file)
    except CriteriaError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        click.echo(f"{len(exc.problems)} lỗi.", err=True)
        sys.exit(2)
    items = len(cs.items)
    click.echo(
        f"{file}: hợp lệ — {cs.id}, {len(cs.criteria)} tiêu chí, {items} mục, tổng {cs.total} điểm, "
        f"{items - cs.provisional_count} mục đã xác nhận, {cs.provisional_count} mục tạm tính."
    )


def _ntm_check(file: str) -> None:
    # A link file is checked against the criteria sets beside it (the folder it will be loaded from).
    try:
        sets = [load_criteria_set(p) for p in sorted(Path(file).parent.glob("*.yaml"))
                if _kind_of(p) == "child_friendly_criteria"]
        table = load_ntm_table(file, sets)
    except CriteriaError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        click.echo(f"{len(exc.problems)} lỗi.", err=True)
        sys.exit(2)
    click.echo(
        f"{file}: hợp lệ — {table.id}, liên hệ với bộ tiêu chí {table.criteria_set}, "
        f"{len(table.indicators)} chỉ tiêu, {table.unverified_count} chỉ tiêu chưa xác minh."
    )


def _attach_commands() -> None:
    # `criteria diff` lives in its own module (engine/cli/diff.py), beside the pure comparison.
    from engine.cli.diff import criteria_diff

    criteria.add_command(criteria_diff)


_attach_commands()

