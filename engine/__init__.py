"""Scoring engine for "xã, phường, thị trấn phù hợp với trẻ em": criteria as data, rules, explanations.

This package's own modules are the pure core (no file, no spreadsheet, no command line): loading from disk,
the catalog of a folder and the engine cache are in engine/io/, the `cfc` command in engine/cli/.

The names below are imported when first used, not with the package: `import engine.yamlsource` (or `cfc
--help`) then does not build every model and load the rule engine.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.assessment import FieldError, InvalidAssessment
    from engine.criteria import CriteriaError, CriteriaSet, load_criteria_bytes
    from engine.result import Result
    from engine.scoring import Engine

_WHERE = {
    "CriteriaError": "engine.criteria",
    "CriteriaSet": "engine.criteria",
    "Engine": "engine.scoring",
    "FieldError": "engine.assessment",
    "InvalidAssessment": "engine.assessment",
    "Result": "engine.result",
    "load_criteria_bytes": "engine.criteria",
}

__all__ = [
    "CriteriaError",
    "CriteriaSet",
    "Engine",
    "FieldError",
    "InvalidAssessment",
    "Result",
    "load_criteria_bytes",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'engine' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value  # once: later lookups are plain attribute reads
    return value
