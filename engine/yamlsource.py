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


_BASE: Any = _loader()

# The tag a plain scalar resolves to depends only on its text (SafeLoader has no path resolvers), and most
# scalars of an assessment recur from file to file (every key, most small figures): the libyaml composer
# asks the pure-Python resolver, which runs a regular expression per scalar, so its answers are kept. The
# cache is bounded by clearing it, so that a hostile file of a million distinct scalars costs no memory.
_RESOLVED: dict[tuple[Any, str, tuple[bool, bool]], str] = {}
_RESOLVED_MAX = 4096
_RESOLVED_LEN = 40  # longer scalars are rare (names, help texts) and not worth keeping


class _Loader(_BASE):
    def resolve(self, kind: Any, value: str, implicit: tuple[bool, bool]) -> str:
        if kind is not yaml.ScalarNode or len(value) > _RESOLVED_LEN:
            return super().resolve(kind, value, implicit)
        key = (kind, value, implicit)
        tag = _RESOLVED.get(key)
        if tag is None:
            if len(_RESOLVED) >= _RESOLVED_MAX:
                _RESOLVED.clear()
            tag = _RESOLVED[key] = super().resolve(kind, value, implicit)
        return tag


_LOADER = _Loader if not _BASE.yaml_path_resolvers else _BASE


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


class _Unusual(Exception):
    """Raised by the quick construction for anything it does not build itself (see _quick)."""


_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
_BOOLS = yaml.constructor.SafeConstructor.bool_values
_ScalarNode, _SequenceNode, _MappingNode = yaml.ScalarNode, yaml.SequenceNode, yaml.MappingNode


def _scalar(node: yaml.Node) -> Any:
    if type(node) is not _ScalarNode:
        raise _Unusual
    tag, value = node.tag, node.value
    if tag == _STR:
        return value
    if tag == _INT:
        # Plain decimal digits only; signs, underscores, octal, hex and base 60 go the long way.
        if value.isascii() and value.isdigit() and (value[0] != "0" or value == "0"):
            return int(value)  # a too long number raises ValueError: the long way reports it
        raise _Unusual
    if tag == _BOOL:
        return _BOOLS[value.lower()]  # KeyError (`!!bool maybe`): the long way reports it
    if tag == _NULL:
        return None
    raise _Unusual  # floats, dates and every explicit tag


def _quick(node: yaml.Node, depth: int) -> Any:
    """What SafeConstructor builds from an alias-free document of plain strings, whole numbers, booleans,
    nulls, lists and mappings, built directly (the generic constructor costs more than libyaml's parsing).
    Anything else (another tag, a merge key `<<`, a non-scalar key, nesting past MAX_DEPTH, any value the
    constructor would refuse) raises _Unusual or the constructor's own error, and the document is then
    checked and built the long way, so that what is accepted and every message stay the same."""
    kind = type(node)
    if kind is _MappingNode:
        if node.tag != _MAP or depth >= MAX_DEPTH:  # its keys and values would be too deep
            raise _Unusual
        out = {}
        for key_node, value_node in node.value:
            if type(key_node) is not _ScalarNode or key_node.tag == "tag:yaml.org,2002:merge":
                raise _Unusual
            out[_scalar(key_node)] = (_scalar(value_node) if type(value_node) is _ScalarNode
                                      else _quick(value_node, depth + 1))
        return out
    if kind is _SequenceNode:
        if node.tag != _SEQ or depth >= MAX_DEPTH:
            raise _Unusual
        return [_scalar(item) if type(item) is _ScalarNode else _quick(item, depth + 1)
                for item in node.value]
    return _scalar(node)


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
        # Without a `*` there can be no alias, so the quick construction (which also bounds the depth)
        # needs no check of its own; line numbers are wanted only for criteria files.
        if not with_lines and "*" not in text:
            try:
                return _quick(node, 0), lines
            except (_Unusual, LookupError, ValueError, TypeError):
                pass
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
    except (ValueError, LookupError, TypeError, RecursionError, OverflowError) as exc:
        # A value the constructor cannot build: an integer of thousands of digits, a date out of range,
        # `!!bool maybe` (KeyError), `!!int ""` (IndexError).
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

