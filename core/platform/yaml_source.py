"""YAML read with its line numbers kept, so an error can name the key path and the line.

A file is bounded before it is expanded: its size, how deeply it nests and how many values its
aliases would make (a "billion laughs" file is a few hundred bytes that expand to 10^9 values).
Ruamel composes an alias as a reference to the anchored node, so the check walks a graph as large
as the file; only `_plain` copies, and it runs once the expansion is known to be small.

Ruamel is imported by the functions that read or write YAML: a tenth of a second that neither a web
worker nor `giuria --help` should pay to start.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

MAX_TEXT_CHARS = 5_000_000
MAX_DEPTH = 50
MAX_VALUES = 200_000  # after aliases are expanded; the largest real competition file has a few thousand
MAX_ALIASES = 5_000


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
        from ruamel.yaml.comments import CommentedMap, CommentedSeq  # loaded with the marked tree

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


def decode_text(data: bytes, *, source: str = "") -> str:
    """UTF-8 text, with or without a byte-order mark; another encoding is a problem on the line it starts."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise FileProblems([Problem(path="", reason="not UTF-8 text (save the file as UTF-8)", line=line)],
                           source=source) from None


# What can hide a bracket from the parser (comments, quoted text), and the brackets themselves. A quote
# opens a scalar only after a space or an indicator, so the apostrophe in a plain "it's" is text.
_FLOW_TOKENS = re.compile(r"(?<![^\s])#[^\n]*"             # a comment
                          r"|(?<![^\s\[{,:])'(?:[^']|'')*'"  # a single-quoted scalar
                          r'|(?<![^\s\[{,:])"(?:[^"\\]|\\.)*"'  # a double-quoted scalar
                          r"|[\[\]{}]")


def _flow_depth_problem(text: str) -> Problem | None:
    """Brackets nested beyond MAX_DEPTH, found by a scan before the parser recurses into them."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return None
    depth = 0
    for token in _FLOW_TOKENS.finditer(text):
        char = token.group()
        if char in ("[", "{"):
            depth += 1
            if depth > MAX_DEPTH:
                line = text.count("\n", 0, token.start()) + 1
                return Problem(path="", reason=f"nested more than {MAX_DEPTH} levels deep", line=line)
        elif char in ("]", "}"):
            depth = max(0, depth - 1)
    return None


def _impossible_date_line(text: str) -> int | None:
    """The line of the first date-shaped scalar that is not a date (YAML would read it as one)."""
    for number, line in enumerate(text.splitlines(), start=1):
        for year, month, day in re.findall(r"(?<![\w.-])(\d{4})-(\d{1,2})-(\d{1,2})(?![\w.-]*\d{3})", line):
            try:
                date(int(year), int(month), int(day))
            except ValueError:
                return number
    return None


def _deepest_line(text: str) -> int | None:
    """The most indented line: where a parser that ran out of stack most likely was."""
    best, best_line = -1, None
    for number, line in enumerate(text.splitlines(), start=1):
        indent = len(line) - len(line.lstrip(" -"))
        if line.strip() and indent > best:
            best, best_line = indent, number
    return best_line


def _path_of(path: str, key: Any) -> str:
    return f"{path}[{key}]" if isinstance(key, int) else f"{path}.{key}"


def _expansion_problem(root: Any) -> Problem | None:
    """Depth, alias count and expanded size of the composed tree, each bounded, naming the key path.

    Sizes are memoised per node, so the walk costs what the file costs, however far aliases multiply it.
    """
    sizes: dict[int, int] = {}
    aliases = 0
    open_nodes: set[int] = set()

    def children(node: Any) -> list[tuple[Any, Any]]:
        if isinstance(node, dict):
            return list(node.items())
        if isinstance(node, list):
            return list(enumerate(node))
        return []

    def size(node: Any, path: str, depth: int) -> int:
        nonlocal aliases
        if not isinstance(node, dict | list):
            return 1
        if depth > MAX_DEPTH:
            raise _Refused(path, f"nested more than {MAX_DEPTH} levels deep")
        key = id(node)
        if key in open_nodes:
            raise _Refused(path, "an alias refers to the value that contains it")
        if key in sizes:
            aliases += 1
            if aliases > MAX_ALIASES:
                raise _Refused(path, f"more than {MAX_ALIASES} aliases")
            return sizes[key]
        open_nodes.add(key)
        total = 1
        for name, child in children(node):
            total += size(child, _path_of(path, name), depth + 1)
            if total > MAX_VALUES * 1000:
                break  # already far past the limit; the exact figure does not matter
        open_nodes.discard(key)
        sizes[key] = total
        return total

    try:
        if size(root, "$", 0) <= MAX_VALUES:
            return None
    except _Refused as refused:
        return Problem(path=refused.path, reason=refused.reason)
    # Name the smallest key path that is too large on its own: descend into the first child over the limit.
    node, path = root, "$"
    while True:
        over = next(((name, child) for name, child in children(node)
                     if isinstance(child, dict | list) and sizes.get(id(child), 0) > MAX_VALUES), None)
        if over is None:
            break
        path, node = _path_of(path, over[0]), over[1]
    return Problem(path=path, reason=f"expands to more than {MAX_VALUES:,} values through aliases "
                                     "(anchors & and aliases * repeat parts of the file)")


class _Refused(Exception):
    def __init__(self, path: str, reason: str) -> None:
        self.path, self.reason = path, reason


def load_yaml(text: str, *, source: str = "") -> YamlDocument:
    """Parse `text`, refusing a file too large, too deep or expanding too far before anything is copied."""
    def refuse(problem: Problem) -> FileProblems:
        return FileProblems([problem], source=source)

    if len(text) > MAX_TEXT_CHARS:
        raise refuse(Problem(path="", reason=f"the file is larger than {MAX_TEXT_CHARS:,} characters"))
    deep = _flow_depth_problem(text)
    if deep is not None:
        raise refuse(deep)
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    yaml = YAML(typ="rt")
    try:
        marked = yaml.load(io.StringIO(text))
    except MarkedYAMLError as error:
        mark = error.problem_mark
        line = mark.line + 1 if mark is not None else None
        raise refuse(Problem(path="", reason=f"not valid YAML: {error.problem}", line=line)) from None
    except YAMLError as error:  # the reader's faults (a control character, say) carry no mark
        raise refuse(Problem(path="", reason="not valid YAML: " + " ".join(str(error).split()))) from None
    except ValueError as error:  # a scalar that reads as a date which does not exist, such as 2026-13-45
        raise refuse(Problem(path="", reason=f"not valid YAML: {error}", line=_impossible_date_line(text))) from None
    except RecursionError:
        raise refuse(Problem(path="", reason=f"nested more than {MAX_DEPTH} levels deep",
                             line=_deepest_line(text))) from None
    document = YamlDocument(data=None, marked=marked)
    problem = _expansion_problem(marked)
    if problem is not None:
        raise refuse(document.problem(problem.path, problem.reason))
    return YamlDocument(data=_plain(marked), marked=marked)


def dump_yaml(data: Any) -> str:
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.default_flow_style = False
    yaml.allow_unicode = True
    yaml.width = 100
    yaml.indent(mapping=2, sequence=4, offset=2)
    stream = io.StringIO()
    yaml.dump(data, stream)
    return stream.getvalue()
