"""Reading assessment files (YAML or JSON), the public input format shared by the CLI, web and sheets."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from engine.assessment import FieldError


def read_assessment(path: str | Path) -> tuple[Any, list[FieldError]]:
    """The parsed document, or the reason it cannot be read (as a field error on the whole file)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [FieldError("", f"Không đọc được tệp: {exc}")]
    try:
        if path.suffix.lower() == ".json":
            return json.loads(text), []
        return yaml.safe_load(text), []
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        return None, [FieldError("", f"Tệp không đúng định dạng YAML/JSON: {exc}")]
