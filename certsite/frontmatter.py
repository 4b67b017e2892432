"""Split content files into YAML data and Markdown body, remembering where every key stood.

The YAML is composed into nodes first, so that each key path keeps its line
(``Diagnostic`` needs it) and each scalar keeps its source text: where the format
expects text, ``validate`` reads what the editor typed rather than what YAML 1.1
made of it (``NO`` stays a country code, ``5.10`` stays a criterion).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from certsite.errors import Diagnostic

KeyPath = tuple[str | int, ...]

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    """Safe loader with YAML 1.2-like booleans and no implicit dates.

    Only ``true``/``false`` are booleans (``NO`` is Norway, ``on`` is a word), and
    dates stay text so that ``validate`` can reject ``2022-13-45`` with a message
    instead of PyYAML raising ``ValueError`` while constructing it.
    """


_DROPPED_TAGS = {"tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp"}
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in _DROPPED_TAGS]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)

# Line ends were normalised to "\n" on reading, so any "\r" left is a stray one. The C1
# controls (U+0080-U+009F) too: YAML's reader refuses them with an error that has no line.
_INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0d\x0e-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]")

_STR = "tag:yaml.org,2002:str"
_SCALAR_TAGS = {
    _STR,
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
}


@dataclass(frozen=True, slots=True)
class RawDocument:
    """A parsed content file before validation.

    ``lines`` maps each key path (``("certifications", 0, "standard")``) to the
    line of its key, or of the item for list entries; ``texts`` maps each scalar's
    key path to its source text. ``body`` is the Markdown after the front matter,
    starting at line ``body_line``.
    """

    path: Path
    data: dict[str, Any]
    lines: dict[KeyPath, int]
    texts: dict[KeyPath, str] = field(default_factory=dict)
    body: str = ""
    body_line: int = 1

    def line(self, key_path: KeyPath) -> int | None:
        """The line of ``key_path``, or of its nearest ancestor that has one."""
        while key_path:
            if key_path in self.lines:
                return self.lines[key_path]
            key_path = key_path[:-1]
        return self.lines.get((), 1)


class _Builder:
    """Turns a composed node tree into plain data plus line and text maps."""

    def __init__(self, loader: Any, first_line: int):
        self.loader = loader
        self.first_line = first_line
        self.lines: dict[KeyPath, int] = {}
        self.texts: dict[KeyPath, str] = {}
        self.problems: list[tuple[int, str, str | None]] = []
        self.collections_seen: set[int] = set()

    def line_of(self, node: yaml.Node) -> int:
        return node.start_mark.line + self.first_line

    def build(self, node: yaml.Node, path: KeyPath) -> Any:
        if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
            # An alias (*name) makes the composer reuse a node; expanding reused lists and
            # mappings could recurse forever or grow exponentially ("billion laughs").
            if id(node) in self.collections_seen:
                self.problems.append((self.line_of(node), "anchors and aliases (& and *) are not supported here", "write the value out in full"))
                return None
            self.collections_seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            result: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    self.problems.append((self.line_of(key_node), "a key must be a plain name", None))
                    continue
                key = str(key_node.value)
                if key in result:
                    self.problems.append(
                        (self.line_of(key_node), f"duplicate key '{key}'", "each key may appear only once; remove one of them")
                    )
                    continue
                self.lines[path + (key,)] = self.line_of(key_node)
                result[key] = self.build(value_node, path + (key,))
            return result
        if isinstance(node, yaml.SequenceNode):
            items = []
            for index, item_node in enumerate(node.value):
                self.lines[path + (index,)] = self.line_of(item_node)
                items.append(self.build(item_node, path + (index,)))
            return items
        self.texts[path] = node.value
        if node.tag not in _SCALAR_TAGS:
            self.problems.append(
                (self.line_of(node), f"unsupported YAML tag {node.tag}", "write a plain value without a '!' tag")
            )
            return node.value
        if node.tag == _STR:
            return node.value  # what the constructor would return, without its bookkeeping
        try:
            return self.loader.construct_object(node, deep=True)
        except (ValueError, KeyError, OverflowError):  # e.g. "!!int abc", or 5,000 digits
            kind = node.tag.rsplit(":", 1)[-1]
            self.problems.append((self.line_of(node), f"'{node.value[:40]}' cannot be read as {kind}", "write it as plain text, without a '!!' tag"))
            return node.value


# Content files need a handful of levels. The limit is checked before anything is
# composed, on the parser's events when a cheap bound (``nesting_bound``) does not rule
# it out already: libyaml parses without recursion, but composing a document nested
# thousands of levels deep overflows the C stack and kills the process.
MAX_NESTING = 32


# Where a line's block collections can begin: after its indentation, and after each of
# the indicators that may open another on the same line ("- ", "? ", ": ", and "--- ",
# which begins the document), each followed by blanks.
_LINE_START = re.compile(r"^(?:---(?=[ \t]|$)[ \t]*)?[ ]*(?:[-?:](?=[ \t]|$)[ \t]*)*", re.MULTILINE)
_LINE_START_PART = re.compile(r"---[ \t]*|[ ]+|[-?:][ \t]*")
_OTHER_LINE_BREAKS = re.compile("[\r\x85\u2028\u2029]")  # line breaks to YAML, not to re's "^"


def nesting_bound(text: str) -> int:
    r"""A number that ``text`` cannot nest deeper than, read in one pass over it, so that
    the parser's exact count (``_too_deep``) runs only for texts that might exceed the limit.

    A block collection nested in another begins at a column further right, except a list
    that is a mapping's value, which may begin at its mapping's column: so block nesting is
    at most twice the number of columns where one can begin (see ``_LINE_START``). A flow
    collection opens with "[" or "{", or is a single "key: value" pair inside "[...]": at
    most two levels for each bracket. ``tests/test_properties.py`` checks the bound
    against the parser on generated documents.

    >>> nesting_bound("title: x\nlocation:\n  city: Oslo\ncertifications:\n  - standard: a\n    minor: [5.1]\n")
    8
    >>> nesting_bound("- " * 40 + "x") > 40
    True
    """
    if _OTHER_LINE_BREAKS.search(text):
        return len(text)  # lines this reading cannot see (parse_yaml refuses them before)
    columns = {0}
    for start in set(_LINE_START.findall(text)):  # a document repeats a few line starts
        columns.update(part.end() for part in _LINE_START_PART.finditer(start))
    return 2 * len(columns) + 2 * (text.count("[") + text.count("{"))


def _too_deep(text: str, first_line: int) -> int | None:
    """The line where ``text`` nests deeper than ``MAX_NESTING``, or None; a YAML error
    found on the way is left for the composer to report."""
    if nesting_bound(text) <= MAX_NESTING:
        return None
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_NESTING:
                    return event.start_mark.line + first_line
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
    except yaml.MarkedYAMLError as error:
        # PyYAML 6.0.4 and later stop at 1,000 levels themselves: the same mistake.
        if "nesting depth" in (error.problem or "") and error.problem_mark is not None:
            return error.problem_mark.line + first_line
        return None
    except yaml.YAMLError:
        return None
    return None


def parse_yaml(path: Path, text: str, first_line: int = 1) -> RawDocument | list[Diagnostic]:
    """Parse a YAML mapping; ``first_line`` is the file line where ``text`` begins."""
    invisible = _INVISIBLE.search(text)
    if invisible:
        # YAML rejects these, or counts them as line breaks where an editor sees none.
        line = text.count("\n", 0, invisible.start()) + first_line
        code = f"U+{ord(invisible.group()):04X}"
        return [Diagnostic(path, line, f"the line contains the invisible character {code}", "delete it (it is often pasted in from a word processor or PDF) and retype the space or line break")]
    too_deep = _too_deep(text, first_line)
    if isinstance(too_deep, int):
        return [Diagnostic(path, too_deep, f"the YAML is nested more than {MAX_NESTING} levels deep", "content files need only a few levels of lists and mappings")]
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return [Diagnostic(path, first_line, "the YAML is empty", "write the fields as 'key: value' lines")]
        if not isinstance(node, yaml.MappingNode):
            return [
                Diagnostic(path, node.start_mark.line + first_line, "expected a mapping of fields", "write the fields as 'key: value' lines")
            ]
        builder = _Builder(loader, first_line)
        data = builder.build(node, ())
    except yaml.MarkedYAMLError as error:
        return [_yaml_error(path, error, first_line, text)]
    except RecursionError:
        return [Diagnostic(path, first_line, "the YAML is nested too deeply", "content files need only a few levels of indentation")]
    finally:
        loader.dispose()
    if builder.problems:
        return [Diagnostic(path, line, message, hint) for line, message, hint in builder.problems]
    builder.lines[()] = node.start_mark.line + first_line
    return RawDocument(path, data, builder.lines, builder.texts)


def parse_front_matter(path: Path, text: str) -> RawDocument | list[Diagnostic]:
    """Split a Markdown file into its ``---`` front matter and its body, and parse the former."""
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != "---":
        return [
            Diagnostic(path, 1, "missing front matter", "start the file with a line '---', then the fields, then another '---'")
        ]
    closing = next((i for i in range(1, len(lines)) if lines[i].rstrip() == "---"), None)
    if closing is None:
        return [
            Diagnostic(path, 1, "the front matter is not closed", "add a line '---' after the last field")
        ]
    parsed = parse_yaml(path, "\n".join(lines[1:closing]), first_line=2)
    if isinstance(parsed, list):
        return parsed
    body = "\n".join(lines[closing + 1 :])
    return RawDocument(parsed.path, parsed.data, parsed.lines, parsed.texts, body, closing + 2)


def _yaml_error(path: Path, error: yaml.MarkedYAMLError, first_line: int, text: str) -> Diagnostic:
    mark = error.problem_mark or error.context_mark
    problem = error.problem or error.context or "the YAML cannot be read"
    started = error.context_mark
    # Only an open bracket or quote is worth pointing back to; "while parsing a block
    # mapping" would point at the first key of the file.
    opened = error.context and ("flow" in error.context or "quoted" in error.context)
    if mark is not None and started is not None and opened and started.line < mark.line:
        # An unclosed bracket or quote is noticed lines later; the mistake is where it began.
        problem = f"{error.context} that starts here: {problem} (line {mark.line + first_line})"
        mark = started
    line = mark.line + first_line if mark is not None else first_line
    lines = text.split("\n")
    offending = lines[mark.line] if mark is not None and mark.line < len(lines) else ""
    hint = None
    if "mapping values are not allowed" in problem:
        hint = "a value that contains ': ' must be quoted, e.g. title: \"Scope: smelting\""
    elif "\t" in offending or "tab" in problem:
        hint = "indent with spaces, not tabs"
    elif "did not find expected key" in problem:
        hint = "check the lines above for a quote or bracket that is opened but not closed, or a wrong indentation"
    elif "could not find expected ':'" in problem:
        hint = "each field needs 'key: value'; check the line above for a missing colon or quote"
    return Diagnostic(path, line, f"invalid YAML: {problem}", hint)
