"""YAML loading that remembers where every value stood, so errors can name the file and line."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class SourceMap:
    """Maps a path inside the document (('criteria', 3, 'items', 1)) to its 1-based line."""

    file: str
    lines: dict[Loc, int]

    def line_of(self, loc: Loc) -> int | None:
        # Walk up to the nearest ancestor that has a line (a missing key has none of its own).
        for end in range(len(loc), -1, -1):
            line = self.lines.get(tuple(loc[:end]))
            if line is not None:
                return line
        return None


def format_loc(loc: Loc) -> str:
    """('criteria', 3, 'items', 1, 'points') -> 'criteria[3].items[1].points'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


class YamlSyntaxError(ValueError):
    def __init__(self, file: str, line: int | None, message: str) -> None:
        self.file, self.line, self.message = file, line, message
        super().__init__(f"{file}:{line or '?'}: {message}")


def _walk(node: yaml.Node, loc: Loc, lines: dict[Loc, int]) -> None:
    lines[loc] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            lines[(*loc, key)] = key_node.start_mark.line + 1
            _walk(value_node, (*loc, key), lines)
            # The key's own line is more useful than the value's when the value is a block.
            lines[(*loc, key)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, child in enumerate(node.value):
            _walk(child, (*loc, index), lines)


def load_yaml_text(text: str, file: str) -> tuple[Any, SourceMap]:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise YamlSyntaxError(file, line, f"YAML không hợp lệ: {exc.problem or exc}") from exc
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(file, None, f"YAML không hợp lệ: {exc}") from exc
    lines: dict[Loc, int] = {}
    if node is not None:
        _walk(node, (), lines)
    return data, SourceMap(file, lines)


def read_bytes(path: str | Path) -> bytes:
    """The file's verbatim bytes (what a content hash is taken of)."""
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise YamlSyntaxError(str(path), None, f"Không đọc được tệp: {exc}") from exc


def load_yaml_bytes(data: bytes, file: str) -> tuple[Any, SourceMap]:
    """Parse UTF-8 YAML bytes (a file's content or an upload): the one way a criteria document is read."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise YamlSyntaxError(file, None, f"Không đọc được tệp: không phải UTF-8 ({exc})") from exc
    return load_yaml_text(text, file)


def load_yaml_file(path: str | Path) -> tuple[Any, SourceMap]:
    return load_yaml_bytes(read_bytes(path), str(path))
