"""`cfc criteria diff OLD NEW [FILE...] [--json]`: a changed table beside the old one, before adopting it.

A thin command over engine/diff.py. Both versions are loaded and the files scored exactly as
`cfc score --json --criteria` does (the same loader and the same engine cache,
`engine.io.engines.Engines.score_documents`, a chunk of files at a time, each file read once), so the
totals printed here are the ones `cfc score` gives under each version.
"""

from __future__ import annotations

import json
import sys

import click

CHUNK = 200  # files scored together under each version


@click.command("diff", help="So sánh hai phiên bản bộ tiêu chí; với tệp tự đánh giá: điểm theo từng phiên "
                            "bản. Mã thoát 0: không thay đổi, 1: có thay đổi, 2: tệp lỗi.")
@click.option("--json", "as_json", is_flag=True, help="Một dòng JSON cho mỗi tệp tự đánh giá.")
@click.argument("old_file", metavar="OLD", type=click.Path(dir_okay=False))
@click.argument("new_file", metavar="NEW", type=click.Path(dir_okay=False))
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
def criteria_diff(as_json: bool, old_file: str, new_file: str, files: tuple[str, ...]) -> None:
    from engine.criteria import CriteriaError
    from engine.diff import compare_results, diff_tables, impact_lines
    from engine.io.engines import Engines
    from engine.io.files import read_assessment
    from engine.io.load import load_criteria_set

    try:
        old, new = load_criteria_set(old_file), load_criteria_set(new_file)
    except CriteriaError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        sys.exit(2)
    changes = diff_tables(old, new)
    if not files:
        if as_json:
            click.echo(json.dumps({"old": old_file, "new": new_file, "old_hash": old.content_hash,
                                   "new_hash": new.content_hash,
                                   "changes": [c.as_dict() for c in changes]}, ensure_ascii=False))
        else:
            click.echo(f"{old_file} ({old.id}, {old.short_hash}) → {new_file} ({new.id}, {new.short_hash})")
            for change in changes:
                click.echo(f"  - {change.text()}")
            click.echo(f"{len(changes)} thay đổi." if changes else "Hai phiên bản giống nhau.")
        sys.exit(1 if changes else 0)

    old_engines, new_engines = Engines(fixed=old), Engines(fixed=new)
    bad = changed = False
    if not as_json:
        click.echo(f"{old_file} ({old.short_hash}) → {new_file} ({new.short_hash}): "
                   f"{len(changes)} thay đổi trong bảng điểm.")
    for start in range(0, len(files), CHUNK):
        chunk = files[start:start + CHUNK]
        read = [(*read_assessment(name), name) for name in chunk]
        olds, stop = old_engines.score_documents(read)
        # Only what the old version scores is scored under the new one (else the old errors are shown).
        again = [i for i, (result, _) in enumerate(olds) if result is not None]
        news, new_stop = new_engines.score_documents([read[i] for i in again]) if stop is None else ([], None)
        stop = stop or new_stop
        if stop is not None:  # the criteria folder (link tables) is broken
            click.echo(str(stop), err=True)
            sys.exit(2)
        by_place = dict(zip(again, news, strict=True))
        for place, (name, (old_result, errors)) in enumerate(zip(chunk, olds, strict=True)):
            new_result, new_errors = by_place.get(place, (None, []))
            if old_result is None or new_result is None:
                bad = True
                errors = errors or new_errors
                if as_json:
                    click.echo(json.dumps({"file": name, "errors": [e.as_dict() for e in errors]},
                                          ensure_ascii=False))
                else:
                    click.echo(f"{name}: không chấm được")
                    for e in errors:
                        click.echo(f"  - {e.field or '(tệp)'}: {e.message}")
                continue
            impact = compare_results(old_result, new_result, name)
            changed = changed or impact.changed
            if as_json:
                click.echo(json.dumps(impact.as_dict(), ensure_ascii=False))
            else:
                for line in impact_lines(impact):
                    click.echo(line)
    sys.exit(2 if bad else 1 if (changed or changes) else 0)
