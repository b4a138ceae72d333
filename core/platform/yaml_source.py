"""YAML read with its line numbers kept, so an error can name the key path and the line."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file: where (key path and line) and why."""

    path: str
    reason: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line else ""
        return f"{where}{self.path or '(top level)'}: {self.reason}"


class FileProblems(ValueError):
    """A file was rejected whole; `problems` lists every reason found."""

    def __init__(self, problems: list[Problem], *, source: str = "") -> None:
        self.problems = problems
        self.source = source
        heading = f"{source}: " if source else ""
        super().__init__(heading + "; ".join(map(str, problems)))


@dataclass(frozen=True)
class YamlDocument:
    """Parsed YAML as plain Python data plus the marked tree to look lines up in."""

    data: Any
    marked: Any

    def line_of(self, path: str) -> int | None:
        """1-based line of a `$.a[0].b`-style path, or of its nearest existing parent."""
        node, line = self.marked, None
        for part in _split_path(path):
            if isinstance(node, CommentedMap) and isinstance(part, str) and part in node:
                line = node.lc.key(part)[0] + 1
                node = node[part]
            elif isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node):
                line = node.lc.item(part)[0] + 1
                node = node[part]
            else:
                break
        return line

    def problem(self, path: str, reason: str) -> Problem:
        return Problem(path=path, reason=reason, line=self.line_of(path))


def _split_path(path: str) -> list[str | int]:
    parts: list[str | int] = []
    for name, index in re.findall(r"\.([^.\[\]]+)|\[(\d+)\]", path.removeprefix("$")):
        parts.append(int(index) if index else name)
    return parts


def _plain(node: Any) -> Any:
    """Ruamel's marked containers to dicts and lists; dates and times to ISO text."""
    if isinstance(node, dict):
        return {str(key): _plain(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_plain(item) for item in node]
    if isinstance(node, datetime | date):
        return node.isoformat()
    # Ruamel wraps scalars in subclasses (ScalarFloat, FoldedScalarString…); keep the plain values.
    for plain_type in (bool, int, float, str):
        if isinstance(node, plain_type):
            return plain_type(node)
    return node


def load_yaml(text: str, *, source: str = "") -> YamlDocument:
    yaml = YAML(typ="rt")
    try:
        marked = yaml.load(io.StringIO(text))
    except MarkedYAMLError as error:
        mark = error.problem_mark
        line = mark.line + 1 if mark is not None else None
        raise FileProblems([Problem(path="", reason=f"not valid YAML: {error.problem}", line=line)],
                           source=source) from None
    return YamlDocument(data=_plain(marked), marked=marked)


def dump_yaml(data: Any) -> str:
    yaml = YAML(typ="rt")
    yaml.default_flow_style = False
    yaml.allow_unicode = True
    yaml.width = 100
    yaml.indent(mapping=2, sequence=4, offset=2)
    stream = io.StringIO()
    yaml.dump(data, stream)
    return stream.getvalue()
