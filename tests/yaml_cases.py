"""pytest plugin: every `*.cases.yaml` file is a list of scoring cases, each case one test item.

The format (name / period / commune / values / expect) is described in criteria/tests/README.md. Like
OpenFisca's YAML tests, a case is an assessment and what the real engine must say about it; this module
builds the assessment, scores it through the engine cache the CLI uses, and compares key by key.
A failure names the case file and line, the case, and every expected value next to what came back.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from engine.assessment import FieldError
from engine.ntm.messages import STATUS_TEXT
from engine.ntm.models import NtmTable, table_for_period
from engine.result import Result

ROOT = Path(__file__).resolve().parent.parent
SUFFIX = ".cases.yaml"

FILE_KEYS = {"criteria", "defaults", "cases"}
INPUT_KEYS = {"from", "period", "commune", "values"}
CASE_KEYS = INPUT_KEYS | {"name", "replace_values", "expect"}
ITEM_KEYS = {"points", "assessed", "explanation", "contains"}
NTM_KEYS = {"status", "explanation", "contains"}


class CaseFileError(Exception):
    """A case file that does not follow the format: reported as a collection error, never skipped."""


# --- the engine: the one place that says how a case is scored -------------------------------------------

_ENGINES: Any = None


def _engines() -> Any:
    # The same cache `cfc score` uses, so a case scores exactly as the command line would. Re-point this
    # import (and only this) when the engine cache moves.
    global _ENGINES
    if _ENGINES is None:
        from engine.io.engines import Engines

        _ENGINES = Engines()
    return _ENGINES


def ntm_table(doc: dict) -> NtmTable | None:
    """The NTM link table in force for the document's period, as the engine picks it."""
    period = doc.get("period")
    return table_for_period(_engines().ntm_tables, period) if type(period) is int else None


def score(doc: dict, name: str) -> tuple[Result | None, list[FieldError], set[str]]:
    """Score like `cfc score`; also return the ids of the criteria set and link table the case ran under."""
    engines = _engines()
    result, errors = engines.score_document(doc, name)
    table = ntm_table(doc)
    used = {engines.for_document(doc).cs.id, *([table.id] if table is not None else [])}
    return result, errors, used


# --- reading a case file ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    name: str
    line: int  # 1-based line of the case in its file
    doc: dict  # the assessment to score
    expect: dict
    criteria: str | None


def _check_keys(where: str, data: object, allowed: set[str] | None = None) -> dict:
    """`data` as a mapping whose keys are all in `allowed` (any keys when None)."""
    if not isinstance(data, dict):
        raise CaseFileError(f"{where}: must be a mapping (key: value), got {data!r}")
    unknown = sorted(set(data) - allowed) if allowed is not None else []
    if unknown:
        raise CaseFileError(f"{where}: unknown key(s) {unknown}; allowed: {sorted(allowed)}")
    return data


def _merge_values(into: dict, values: object, where: str) -> None:
    if values is None:
        return
    for key, value in _check_keys(where, values).items():
        if value is None:  # null removes the figure
            into.pop(key, None)
        else:
            into[key] = value


def _apply(doc: dict, layer: dict, where: str, replace_values: bool = False) -> None:
    if "from" in layer:
        base = yaml.safe_load((ROOT / layer["from"]).read_text(encoding="utf-8"))
        doc.clear()
        doc.update(copy.deepcopy(base))
        doc.setdefault("commune", {})
        doc.setdefault("values", {})
    if "period" in layer:
        doc["period"] = layer["period"]
    if "commune" in layer:
        doc["commune"].update(_check_keys(f"{where}.commune", layer["commune"]))
    if replace_values:
        doc["values"] = {}
    _merge_values(doc["values"], layer.get("values"), f"{where}.values")


def _case_lines(text: str) -> list[int]:
    root = yaml.compose(text, Loader=yaml.CSafeLoader)
    for key, value in root.value if isinstance(root, yaml.MappingNode) else []:
        if key.value == "cases" and isinstance(value, yaml.SequenceNode):
            return [node.start_mark.line + 1 for node in value.value]
    return []


def _read(path: Path) -> tuple[str, dict, dict]:
    text = path.read_text(encoding="utf-8")
    spec = _check_keys(path.name, yaml.load(text, Loader=yaml.CSafeLoader), FILE_KEYS)
    defaults = _check_keys(f"{path.name}: defaults", spec.get("defaults") or {}, INPUT_KEYS)
    return text, spec, defaults


def base_document(path: Path) -> dict:
    """The assessment a case of this file starts from (its `defaults` applied), a fresh copy."""
    _, _, defaults = _read(path)
    doc: dict = {"commune": {}, "values": {}}
    _apply(doc, defaults, f"{path.name}: defaults")
    return doc


def load_cases(path: Path) -> list[Case]:
    """Every case of one file with the assessment it scores; CaseFileError when the file is malformed."""
    text, spec, defaults = _read(path)
    raw = spec.get("cases")
    if not isinstance(raw, list) or not raw:
        raise CaseFileError(f"{path.name}: `cases` must be a non-empty list")
    lines = _case_lines(text)
    out: list[Case] = []
    seen: set[str] = set()
    for n, case in enumerate(raw):
        where = f"{path.name}: cases[{n}]"
        _check_keys(where, case, CASE_KEYS)
        name = case.get("name")
        if not isinstance(name, str) or not name.strip():
            raise CaseFileError(f"{where}: every case needs a `name`")
        if name in seen:
            raise CaseFileError(f"{where}: two cases named {name!r}")
        seen.add(name)
        expect = case.get("expect")
        if not isinstance(expect, dict) or not expect:
            raise CaseFileError(f"{where} ({name}): `expect` must state at least one result")
        unknown = sorted(set(expect) - set(CHECKS))
        if unknown:
            raise CaseFileError(f"{where} ({name}): unknown expect key(s) {unknown}; "
                                f"allowed: {sorted(CHECKS)}")
        doc: dict = {"commune": {}, "values": {}}
        _apply(doc, defaults, f"{path.name}: defaults")
        _apply(doc, case, where, replace_values=bool(case.get("replace_values")))
        out.append(Case(name, lines[n] if n < len(lines) else 0, doc, expect, spec.get("criteria")))
    return out


# --- the checks: one function per `expect` key, each adding "what: expected …, got …" lines -------------

Mismatches = list[str]


def _eq(out: Mismatches, what: str, want: object, got: object) -> None:
    if type(want) is not type(got) or want != got:
        out.append(f"{what}: expected {want!r}, got {got!r}")


def _contains(out: Mismatches, what: str, want: object, got: str) -> None:
    for part in want if isinstance(want, list) else [want]:
        if part not in got:
            out.append(f"{what}: expected to contain {part!r}, got {got!r}")


def _check_scalar(attr: str) -> Callable[[Mismatches, Result, object], None]:
    def check(out: Mismatches, result: Result, want: object) -> None:
        _eq(out, attr, want, getattr(result, attr))
    return check


def _check_failed(out: Mismatches, result: Result, want: object) -> None:
    failed = [c.id for c in result.conditions if not c.holds]
    _eq(out, "failed", want, failed)
    if isinstance(want, list) and len(result.failed_conditions) < len(want):
        out.append(f"failed: {len(want)} conditions fail but only {len(result.failed_conditions)} "
                   f"are spelled out: {result.failed_conditions!r}")


def _check_explanation(out: Mismatches, what: str, spec: dict[str, Any], explanation: str) -> None:
    """`explanation` (exact) and `contains` (parts) of an item or NTM indicator; a mismatch elsewhere in
    `what` quotes the engine's explanation, so that the case can be corrected from the failure alone."""
    if "explanation" in spec:
        _eq(out, f"{what}.explanation", spec["explanation"], explanation)
    if "contains" in spec:
        _contains(out, f"{what}.explanation", spec["contains"], explanation)
    if out and out[-1].startswith(what) and "explanation" not in spec:
        out.append(f"{what}: the engine explains {explanation!r}")


def _check_items(out: Mismatches, result: Result, want: object) -> None:
    for item_id, spec in _check_keys("expect.items", want).items():
        spec = _check_keys(f"expect.items[{item_id}]", spec, ITEM_KEYS)
        try:
            item = result.item(str(item_id))
        except (KeyError, LookupError):
            out.append(f"items[{item_id}]: no such item in {result.criteria_set}")
            continue
        what = f"items[{item_id}]"
        # `points` alone means "assessed and scores this": a missing figure scores 0 too, and must not pass.
        if "assessed" in spec or "points" in spec:
            _eq(out, f"{what}.assessed", spec.get("assessed", True), item.assessed)
        if "points" in spec:
            _eq(out, f"{what}.points", spec["points"], item.points)
        _check_explanation(out, what, spec, item.explanation)


def _check_ntm(out: Mismatches, result: Result, want: object) -> None:
    got = {s.indicator: s for s in result.ntm}
    for indicator, spec in _check_keys("expect.ntm", want).items():
        spec = _check_keys(f"expect.ntm[{indicator}]", spec, NTM_KEYS)
        what = f"ntm[{indicator}]"
        if indicator not in got:
            out.append(f"{what}: no such indicator in {sorted(got)}")
            continue
        status = got[indicator]
        if "status" in spec:
            _eq(out, f"{what}.status", spec["status"], status.status)
            _eq(out, f"{what}.status_text", STATUS_TEXT.get(spec["status"]), status.status_text)
        _check_explanation(out, what, spec, status.explanation)


CHECKS: dict[str, Callable[[Mismatches, Result, Any], None]] = {
    "total": _check_scalar("total"),
    "threshold": _check_scalar("threshold"),  # the points of the commune type's tier
    "tier": _check_scalar("tier"),
    "recognised": _check_scalar("recognised"),
    "verdict": _check_scalar("verdict"),
    "failed": _check_failed,
    "missing_inputs": _check_scalar("missing_inputs"),
    "items": _check_items,
    "ntm": _check_ntm,
    "errors": lambda out, result, want: None,  # compared before scoring, see run_case
}


def run_case(case: Case, label: str) -> Mismatches:
    """Score one case and return what differs from `expect` (empty when the case passes)."""
    result, errors, used = score(copy.deepcopy(case.doc), label)
    out: Mismatches = []
    if case.criteria is not None and case.criteria not in used:
        out.append(f"criteria: the file tests {case.criteria!r} but the case ran under {sorted(used)}")
    got_errors = [e.as_dict() for e in errors]
    if "errors" in case.expect:
        _eq(out, "errors", case.expect["errors"], got_errors)
    elif got_errors:
        out.append(f"errors: expected a valid assessment, got {got_errors!r}")
    if result is None:
        rest = sorted(set(case.expect) - {"errors"})
        if rest:
            out.append(f"{', '.join(rest)}: nothing scored (the assessment was refused)")
        return out
    for key, want in case.expect.items():
        if key != "errors":
            CHECKS[key](out, result, want)
    return out


# --- pytest collection ----------------------------------------------------------------------------------


class CaseFailed(Exception):
    def __init__(self, lines: Mismatches) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


class CaseItem(pytest.Item):
    def __init__(self, *, case: Case, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.case = case

    def runtest(self) -> None:
        mismatches = run_case(self.case, str(self.path))
        if mismatches:
            raise CaseFailed(mismatches)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, CaseFailed):
            head = f"{self._rel()}:{self.case.line}: case {self.case.name!r}"
            return "\n".join([head, *(f"  {line}" for line in excinfo.value.lines)])
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.case.line - 1, f"case: {self.case.name}"

    def _rel(self) -> str:
        try:
            return str(self.path.relative_to(ROOT))
        except ValueError:
            return str(self.path)


class CaseFile(pytest.File):
    def collect(self) -> Iterator[CaseItem]:
        try:
            cases = load_cases(self.path)
        except (CaseFileError, yaml.YAMLError, OSError) as exc:
            raise self.CollectError(f"{self.path}: {exc}") from exc
        for case in cases:
            yield CaseItem.from_parent(self, name=case.name, case=case)


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> CaseFile | None:
    if file_path.name.endswith(SUFFIX):
        return CaseFile.from_parent(parent, path=file_path)
    return None
