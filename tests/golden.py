"""The 5,000-assessment property run and the example files as `cfc score` inputs, shared by the golden
output test and the script that recorded its expected outputs (tests/data/score_golden/, recorded with
the code before the CLI was made faster, commit 06cb27a)."""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

import yaml

from engine.io.load import load_criteria_set

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "data" / "score_golden"
PROPERTY_RUN = 5000
TEXT_CHUNK = 500  # lines of the text output per digest


def property_files(folder: Path) -> list[str]:
    """Writes the seeded property run (as tests/test_property.py draws it) as files, every third one YAML
    and a few with validation errors; returns their names relative to `folder`."""
    from tests.strategies import random_assessment

    cs = load_criteria_set(ROOT / "criteria" / "qd06-2019.yaml")
    rng = random.Random(6)
    names = []
    for n in range(PROPERTY_RUN):
        doc = random_assessment(cs, rng, missing=True)
        if n % 97 == 5:  # a validation error now and then: the error lines must not change either
            doc["values"]["c3_abused"] = "2"
        if n % 3 == 0:
            name = f"p{n:04d}.yaml"
            (folder / name).write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False),
                                       encoding="utf-8")
        else:
            import json

            name = f"p{n:04d}.json"
            (folder / name).write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
        names.append(name)
    return names


def digest_lines(text: str, per: int = 1) -> list[str]:
    """The sha256 of every `per` lines of an output (one per JSON result; the text tables in chunks)."""
    lines = text.split("\n")
    chunks = ["\n".join(lines[i : i + per]) for i in range(0, len(lines), per)]
    return [hashlib.sha256(chunk.encode("utf-8")).hexdigest() for chunk in chunks]
