"""Scoring engine for "xã, phường, thị trấn phù hợp với trẻ em": criteria as data, rules, explanations."""

from engine.assessment import FieldError, InvalidAssessment
from engine.criteria import CriteriaError, CriteriaSet, load_criteria_set
from engine.io.catalog import Catalog
from engine.result import Result
from engine.scoring import Engine

__all__ = [
    "Catalog",
    "CriteriaError",
    "CriteriaSet",
    "Engine",
    "FieldError",
    "InvalidAssessment",
    "Result",
    "load_criteria_set",
]
