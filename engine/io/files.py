"""Reading assessment files (YAML or JSON), the public input format shared by the CLI, web and sheets.

Files may come from anywhere, so reading is bounded: at most 1 MB, nesting at most MAX_DEPTH levels, no YAML
aliases (engine/yamlsource.py). Any file that breaks a bound, or is not YAML/JSON at all, gives one error on
the whole file and never an exception.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import orjson

from engine.assessment import FieldError
from engine.io.load import read_bytes
from engine.yamlsource import MAX_DEPTH, TOO_DEEP, YamlSyntaxError, parse_yaml

FORMAT_ERROR = "Tệp không đúng định dạng YAML/JSON"


def _too_deep(data: Any, raw: bytes | None = None) -> bool:
    # JSON has no aliases, and orjson stops at 1,024 levels; the engine's own bound is much lower. A value
    # is too deep when it lies below MAX_DEPTH levels, that is when a list or mapping that deep is not empty;
    # only containers are visited (an assessment is a few mappings of scalars).
    if raw is not None and raw.count(b"{") + raw.count(b"[") <= MAX_DEPTH:
        return False  # fewer containers than levels (brackets inside strings only count too many)
    stack = [(data, 0)] if type(data) in (dict, list) else []
    while stack:
        value, depth = stack.pop()
        children = value.values() if type(value) is dict else value
        if depth >= MAX_DEPTH and children:
            return True
        stack.extend((v, depth + 1) for v in children if type(v) in (dict, list))
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
    name = os.fspath(path)  # plain strings: a Path per file cost as much as reading a small one
    as_json = os.path.splitext(name)[1].lower() == ".json"
    try:
        data = read_bytes(path)
    except YamlSyntaxError as exc:
        return None, [FieldError("", exc.message)]
    if as_json:
        # orjson reads the bytes (and checks their UTF-8) itself; a file it refuses goes the long way, which
        # says why in the same words as before (an encoding error, or the JSON error).
        try:
            doc = orjson.loads(data)
        except orjson.JSONDecodeError:
            pass
        else:
            return (doc, []) if not _too_deep(doc, data) else (None, [FieldError("", TOO_DEEP)])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, [FieldError("", f"Không đọc được tệp: {exc}")]
    return parse_assessment(text, name, as_json)
