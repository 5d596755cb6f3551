"""YAML loading that remembers where every value stood, so errors can name the file and line."""

from __future__ import annotations

import os
from dataclasses import dataclass
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


# Bounds for files from anywhere (an officer's upload, a folder given to `cfc batch`). A real assessment
# is about 2 KB and 3 levels deep, a criteria file 25 KB and 7 levels deep.
MAX_BYTES = 1024 * 1024
MAX_DEPTH = 32
TOO_BIG = "Tệp quá lớn (tối đa 1 MB)."
TOO_DEEP = f"Tệp lồng quá sâu (tối đa {MAX_DEPTH} cấp)."
NO_ALIASES = "Tệp dùng bí danh YAML (&tên / *tên); hãy ghi đầy đủ từng giá trị."


def _loader() -> type:
    # libyaml (C) reads much faster than PyYAML's pure-Python reader and produces the same nodes;
    # CFC_PURE_YAML=1 selects the old reader, only so that `make bench` can show the difference.
    if os.environ.get("CFC_PURE_YAML") or not getattr(yaml, "__with_libyaml__", False):
        return yaml.SafeLoader
    return yaml.CSafeLoader


_LOADER = _loader()


def _check(root: yaml.Node, file: str, lines: dict[Loc, int] | None) -> None:
    """One pass over the composed nodes: no alias (a node reached twice, which is how an alias or a cycle
    looks once composed: an alias bomb is a few hundred bytes that expand to gigabytes), no nesting deeper
    than MAX_DEPTH, and, when `lines` is given, the line of every value. Iterative, so that no depth of
    input can exhaust the interpreter's stack."""
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, Loc | None, int]] = [(root, (), 0)]  # a key's own nodes have no Loc
    while stack:
        node, loc, depth = stack.pop()
        if id(node) in seen:
            raise YamlSyntaxError(file, node.start_mark.line + 1, NO_ALIASES)
        seen.add(id(node))
        if depth > MAX_DEPTH:
            raise YamlSyntaxError(file, node.start_mark.line + 1, TOO_DEEP)
        if lines is not None and loc is not None and loc not in lines:
            lines[loc] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                # A key is composed like any value (a key may be a whole mapping).
                stack.append((key_node, None, depth + 1))
                key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
                child = (*loc, key) if key is not None and loc is not None else None
                if lines is not None and child is not None:
                    # The key's own line is more useful than the value's when the value is a block.
                    lines[child] = key_node.start_mark.line + 1
                stack.append((value_node, child, depth + 1))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                stack.append((item, (*loc, index) if loc is not None else None, depth + 1))


def parse_yaml(text: str, file: str, with_lines: bool = False) -> tuple[Any, dict[Loc, int]]:
    """The document (parsed once), and the line of every value when `with_lines`. Raises YamlSyntaxError
    for anything that is not one bounded, alias-free YAML document."""
    if len(text) > MAX_BYTES:
        raise YamlSyntaxError(file, None, TOO_BIG)
    lines: dict[Loc, int] = {}
    loader = _LOADER(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, lines
        _check(node, file, lines if with_lines else None)
        return loader.construct_document(node), lines
    except YamlSyntaxError:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise YamlSyntaxError(file, line, f"YAML không hợp lệ: {exc.problem or exc}") from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(file, None, f"YAML không hợp lệ: {exc}") from None
    except (ValueError, RecursionError, OverflowError) as exc:
        # A value the constructor cannot build: an integer of thousands of digits, a date out of range.
        raise YamlSyntaxError(file, None, f"YAML không hợp lệ: {str(exc)[:200]}") from None
    finally:
        loader.dispose()


def load_yaml_text(text: str, file: str) -> tuple[Any, SourceMap]:
    data, lines = parse_yaml(text, file, with_lines=True)
    return data, SourceMap(file, lines)


def load_yaml_bytes(data: bytes, file: str) -> tuple[Any, SourceMap]:
    """Parse UTF-8 YAML bytes (a file's content or an upload): the one way a criteria document is read."""
    if len(data) > MAX_BYTES:
        raise YamlSyntaxError(file, None, TOO_BIG)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise YamlSyntaxError(file, None, f"Không đọc được tệp: không phải UTF-8 ({exc})") from exc
    return load_yaml_text(text, file)

