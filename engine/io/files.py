"""Reading assessment files (YAML or JSON), the public input format shared by the CLI, web and sheets.

Files may come from anywhere, so reading is bounded: at most 1 MB, nesting at most MAX_DEPTH levels, no YAML
aliases (engine/yamlsource.py). Any file that breaks a bound, or is not YAML/JSON at all, gives one error on
the whole file and never an exception.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from engine.assessment import FieldError
from engine.io.load import read_text
from engine.yamlsource import MAX_DEPTH, TOO_DEEP, YamlSyntaxError, parse_yaml

FORMAT_ERROR = "Tệp không đúng định dạng YAML/JSON"


def _too_deep(data: Any) -> bool:
    # JSON has no aliases, and orjson stops at 1,024 levels; the engine's own bound is much lower.
    stack = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            return True
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)
    return False


def parse_assessment(text: str | bytes, name: str, as_json: bool) -> tuple[Any, list[FieldError]]:
    """The parsed document, or the reason it cannot be read (as a field error on the whole file)."""
    if as_json:
        try:
            data = orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            return None, [FieldError("", f"{FORMAT_ERROR}: {exc}")]
        if _too_deep(data):
            return None, [FieldError("", TOO_DEEP)]
        return data, []
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            return None, [FieldError("", f"Không đọc được tệp: {exc}")]
    try:
        return parse_yaml(text, name)[0], []
    except YamlSyntaxError as exc:
        message = exc.message.removeprefix("YAML không hợp lệ: ")
        if message != exc.message:
            message = f"{FORMAT_ERROR}: {message}"
        if exc.line:
            message += f" (dòng {exc.line})"
        return None, [FieldError("", message)]


def read_assessment(path: str | Path) -> tuple[Any, list[FieldError]]:
    """The parsed document, or the reason it cannot be read (as a field error on the whole file)."""
    path = Path(path)
    try:
        text = read_text(path)
    except YamlSyntaxError as exc:
        return None, [FieldError("", exc.message)]
    return parse_assessment(text, str(path), path.suffix.lower() == ".json")
