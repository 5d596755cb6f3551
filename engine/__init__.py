"""Scoring engine for "xã, phường, thị trấn phù hợp với trẻ em": criteria as data, rules, explanations.

This package's own modules are the pure core (no file, no spreadsheet, no command line): loading from disk,
the catalog of a folder and the engine cache are in engine/io/, the `cfc` command in engine/cli/.
"""

from engine.assessment import FieldError, InvalidAssessment
from engine.criteria import CriteriaError, CriteriaSet, load_criteria_bytes
from engine.result import Result
from engine.scoring import Engine

__all__ = [
    "CriteriaError",
    "CriteriaSet",
    "Engine",
    "FieldError",
    "InvalidAssessment",
    "Result",
    "load_criteria_bytes",
]
