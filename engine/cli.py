"""`cfc`: score assessment files and check criteria files from the command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from engine.catalog import Catalog
from engine.criteria import CriteriaError, CriteriaSet, load_criteria_set
from engine.files import read_assessment
from engine.report_text import render_text
from engine.scoring import Engine


class Engines:
    """One engine per criteria set, built on first use (a CLI run may span periods)."""

    def __init__(self, fixed: CriteriaSet | None, criteria_dir: Path | None = None) -> None:
        self.fixed = fixed
        self._catalog: Catalog | None = None
        self._dir = criteria_dir
        self._engines: dict[str, Engine] = {}

    def for_document(self, doc: object) -> Engine:
        cs = self.fixed
        if cs is None:
            catalog = self._catalog = self._catalog or Catalog.load(*(x for x in [self._dir] if x))
            period = doc.get("period") if isinstance(doc, dict) else None
            try:
                cs = catalog.for_period(period) if type(period) is int else catalog.sets[-1]
            except LookupError:
                cs = catalog.sets[-1]  # the validator then says what is wrong with the period
        if cs.id not in self._engines:
            self._engines[cs.id] = Engine(cs)
        return self._engines[cs.id]


@click.group(help="Đánh giá xã, phường, thị trấn phù hợp với trẻ em.")
def main() -> None:
    pass


@main.command("score", help="Chấm điểm các tệp tự đánh giá (YAML hoặc JSON).")
@click.option("--json", "as_json", is_flag=True, help="Một dòng JSON cho mỗi tệp, theo thứ tự đầu vào.")
@click.option("--criteria", "criteria_file", type=click.Path(exists=True, dir_okay=False),
              help="Bộ tiêu chí dùng để chấm (mặc định: bộ có hiệu lực trong năm đánh giá).")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
def score(as_json: bool, criteria_file: str | None, files: tuple[str, ...]) -> None:
    try:
        fixed = load_criteria_set(criteria_file) if criteria_file else None
        engines = Engines(fixed)
    except CriteriaError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    failed = False
    for name in files:
        doc, errors = read_assessment(name)
        result = None
        if not errors:
            engine = engines.for_document(doc)
            errors = engine.validate(doc)
            if not errors:
                result = engine.score(doc).model_copy(update={"file": name})
        if result is None:
            failed = True
            if as_json:
                click.echo(json.dumps({"file": name, "errors": [e.as_dict() for e in errors]},
                                      ensure_ascii=False))
            else:
                click.echo(f"{name}: không chấm được", err=False)
                for e in errors:
                    click.echo(f"  - {e.field or '(tệp)'}: {e.message}")
                click.echo("")
            continue
        if as_json:
            click.echo(json.dumps(result.as_dict(), ensure_ascii=False))
        else:
            click.echo(render_text(result))
    sys.exit(2 if failed else 0)


@main.group("criteria", help="Bộ tiêu chí.")
def criteria() -> None:
    pass


@criteria.command("check", help="Kiểm tra một tệp bộ tiêu chí; mỗi lỗi một dòng.")
@click.argument("file", type=click.Path(dir_okay=False))
def criteria_check(file: str) -> None:
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


def _attach_optional_groups() -> None:
    # Report commands live with the reports package; the engine works without it.
    try:
        from reports.cli import report
    except ImportError:
        return
    main.add_command(report)


_attach_optional_groups()
