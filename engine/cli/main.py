"""`cfc`: score assessment files and check criteria files from the command line."""

from __future__ import annotations

import gc
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

if TYPE_CHECKING:
    from importlib.metadata import EntryPoint

    from engine.criteria import CriteriaSet

# Each command imports what it needs when it runs (pydantic models, the rule engine, spreadsheets), so that
# `cfc --help` and every command load no more than they use (tests/test_cli_startup.py).

criteria_option = click.option(
    "--criteria", "criteria_file", type=click.Path(exists=True, dir_okay=False),
    help="Bộ tiêu chí dùng để chấm (mặc định: bộ có hiệu lực trong năm đánh giá).")


# Commands of other packages (`cfc report`, from reports/) are declared in the entry-point group
# "cfc.commands" (pyproject.toml), so that the engine never imports them: the dependencies point one way,
# reports -> engine. A group is imported only when its command runs or `cfc --help` lists it, so that
# `cfc score` loads no PDF, template or spreadsheet library (tests/test_cli_startup.py).
COMMAND_GROUP = "cfc.commands"


class _PluginGroup(click.Group):
    _declared: dict[str, EntryPoint] | None = None

    def _plugins(self) -> dict[str, EntryPoint]:
        # Read from the installed packages' metadata once per run, and only when a name is not built in.
        if self._declared is None:
            from importlib.metadata import entry_points

            self._declared = {ep.name: ep for ep in entry_points(group=COMMAND_GROUP)}
        return {name: ep for name, ep in self._declared.items() if name not in self.commands}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self._plugins()])

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in self.commands:
            ep = self._plugins().get(name)
            if ep is not None:
                try:
                    self.add_command(ep.load(), name)
                except ImportError:  # the engine works without the package that declared the command
                    return None
        return super().get_command(ctx, name)


@click.group(cls=_PluginGroup, help="Đánh giá xã, phường, thị trấn phù hợp với trẻ em.")
def main() -> None:
    pass


@main.command("score", help="Chấm điểm các tệp tự đánh giá (YAML hoặc JSON).")
@click.option("--json", "as_json", is_flag=True, help="Một dòng JSON cho mỗi tệp, theo thứ tự đầu vào.")
@criteria_option
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
def score(as_json: bool, criteria_file: str | None, files: tuple[str, ...]) -> None:
    # No garbage collection while modules and models are built (they are never garbage); score_files turns
    # it back on once the engines are compiled.
    gc.disable()
    from engine.cli.score import score_files
    from engine.criteria import CriteriaError
    from engine.io.engines import Engines

    try:
        engines = Engines(fixed=_fixed(criteria_file))
    except CriteriaError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    # Written to directly, a chunk of files at a time: click.echo checks the stream and flushes for every
    # line, which cost more than scoring on thousands of files.
    # A reader that stops early (`| head`) ends the run quietly: click handles the broken pipe.
    failed, error = score_files(engines, files, as_json, sys.stdout)
    sys.stdout.flush()
    if error is not None:
        click.echo(error, err=True)
    sys.exit(2 if failed or error is not None else 0)


def _fixed(criteria_file: str | None) -> CriteriaSet | None:
    """The set given by --criteria, if any (CriteriaError when it is not a sound criteria file)."""
    if not criteria_file:
        return None
    from engine.io.load import load_criteria_set

    return load_criteria_set(criteria_file)


@main.command("ntm", help="Liên hệ nông thôn mới: theo từng chỉ tiêu, các xã chưa đạt hoặc cần xem xét.")
@click.option("--json", "as_json", is_flag=True, help="In bảng tổng hợp dạng JSON.")
@criteria_option
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
def ntm(as_json: bool, criteria_file: str | None, files: tuple[str, ...]) -> None:
    import json

    from engine.criteria import CriteriaError
    from engine.io.engines import Engines
    from engine.ntm.models import district_view
    from engine.ntm.text import render_district_view
    from engine.result import Result

    try:
        engines = Engines(fixed=_fixed(criteria_file))
    except CriteriaError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    results: list[Result] = []
    # A chunk of files at a time, their valid assessments scored together as `cfc score` does (many facts per
    # durable_rules session); the messages of the files that cannot be scored keep their place in the input.
    for start in range(0, len(files), NTM_CHUNK):
        chunk = files[start:start + NTM_CHUNK]
        scored, stop = engines.score_files(chunk)
        for name, (result, errors) in zip(chunk, scored, strict=False):
            if result is None:
                click.echo(f"{name}: không chấm được", err=True)
                for e in errors:
                    click.echo(f"  - {e.field or '(tệp)'}: {e.message}", err=True)
            else:
                results.append(result)
        if stop is not None:  # the criteria folder is broken: nothing can be said about the district
            click.echo(str(stop), err=True)
            sys.exit(2)
    view = district_view(results)
    if as_json:
        click.echo(json.dumps([v.model_dump(mode="json") for v in view], ensure_ascii=False))
    else:
        click.echo(render_district_view(view, [r.period for r in results]), nl=False)
    sys.exit(2 if len(results) < len(files) else 0)


NTM_CHUNK = 200  # files scored together by `cfc ntm`


@main.command("batch", help="Chấm điểm nhiều xã: một tệp Excel theo mẫu, hoặc một thư mục tệp YAML/JSON.")
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Tệp kết quả .xlsx (hoặc .csv).")
@criteria_option
def batch(source: Path, output: Path, criteria_file: str | None) -> None:
    import contextlib

    from engine.criteria import CriteriaError
    from engine.flags import declared_flags
    from engine.io.batch import collect, summary_lines
    from engine.io.engines import Engines
    from engine.io.sheets import results_csv_bytes, results_workbook
    from engine.result import Result

    try:
        engines = Engines(fixed=_fixed(criteria_file))
        entries = collect(source, engines.latest(), declared_flags(engines.ntm_tables))
    except CriteriaError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    results: list[Result] = []
    invalid: list[tuple[str, list]] = []
    with click.progressbar(length=len(entries), label="Đang chấm điểm", file=sys.stderr,
                           show_pos=True, width=30) as bar:
        # 200 entries at a time, scored together (many facts per durable_rules session).
        for start in range(0, len(entries), 200):
            chunk = entries[start:start + 200]
            scored, stop = engines.score_documents([(e.document, e.errors, e.name) for e in chunk])
            if stop is not None:
                click.echo(str(stop), err=True)
                sys.exit(2)
            for entry, (result, errors) in zip(chunk, scored, strict=True):
                if result is None:
                    invalid.append((entry.name, errors))
                else:
                    results.append(result)
            bar.update(len(chunk))
    # The sets the results were scored with: the file names each by its Vietnamese name, and the missing
    # figures by their labels, as the web export does (the codes are for machines, not for officers).
    sets = {}
    for set_id in {r.criteria_set for r in results}:
        with contextlib.suppress(KeyError):  # a set given by --criteria outside the folder: its codes
            sets[set_id] = engines.criteria_set(set_id)
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
    from engine.criteria import CriteriaError
    from engine.io.catalog import Catalog
    from engine.io.load import load_criteria_set
    from engine.io.sheets import template_workbook

    try:
        # The commune flag columns come from the link tables of the criteria folder, as for scoring.
        catalog = Catalog.load()
        cs = load_criteria_set(criteria_file) if criteria_file else (
            catalog.for_period(period) if period else catalog.sets[-1])
    except (CriteriaError, LookupError) as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    template_workbook(cs, period, flags=catalog.commune_flags()).save(output)
    click.echo(f"Đã tạo mẫu {output} (bộ tiêu chí {cs.id}).")


@main.group("criteria", help="Bộ tiêu chí.")
def criteria() -> None:
    pass


@criteria.command("check", help="Kiểm tra một tệp bộ tiêu chí; mỗi lỗi một dòng.")
@click.argument("file", type=click.Path(dir_okay=False))
def criteria_check(file: str) -> None:
    from engine.criteria import CriteriaError, Problem
    from engine.io.load import kind_of, load_criteria_set
    from engine.yamlsource import YamlSyntaxError

    try:
        kind = kind_of(file)
    except YamlSyntaxError as exc:  # missing, unreadable, not UTF-8, too big, or a broken `kind:` line
        _refuse([Problem(exc.file, exc.line, "", exc.message)])
    if kind == "ntm_link":
        _ntm_check(file)
        return
    try:
        cs = load_criteria_set(file)
    except CriteriaError as exc:
        _refuse(exc.problems)
    items = len(cs.items)
    click.echo(
        f"{file}: hợp lệ — {cs.id}, {len(cs.criteria)} tiêu chí, {items} mục, tổng {cs.total} điểm, "
        f"{items - cs.provisional_count} mục đã xác nhận, {cs.provisional_count} mục tạm tính."
    )


def _refuse(problems: list[Any]) -> NoReturn:
    for problem in problems:
        click.echo(str(problem), err=True)
    click.echo(f"{len(problems)} lỗi.", err=True)
    sys.exit(2)


def _ntm_check(file: str) -> None:
    from engine.criteria import CriteriaError, Problem
    from engine.io.load import kind_of, load_criteria_set, load_ntm_table
    from engine.yamlsource import YamlSyntaxError

    # A link file is checked against the criteria sets beside it (the folder it will be loaded from).
    try:
        sets = [load_criteria_set(p) for p in sorted(Path(file).parent.glob("*.yaml"))
                if kind_of(p) == "child_friendly_criteria"]
        table = load_ntm_table(file, sets)
    except CriteriaError as exc:
        _refuse(exc.problems)
    except YamlSyntaxError as exc:  # a file beside it that cannot be read
        _refuse([Problem(exc.file, exc.line, "", exc.message)])
    click.echo(
        f"{file}: hợp lệ — {table.id}, liên hệ với bộ tiêu chí {table.criteria_set}, "
        f"{len(table.indicators)} chỉ tiêu, {table.unverified_count} chỉ tiêu chưa xác minh."
    )


def _attach_commands() -> None:
    # `criteria diff` lives in its own module (engine/cli/diff.py), beside the pure comparison.
    from engine.cli.diff import criteria_diff

    criteria.add_command(criteria_diff)


_attach_commands()

