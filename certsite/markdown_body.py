"""Markdown to safe HTML for announcement bodies, entity profiles and plain pages.

Content is semi-trusted: editors are not attackers, but a pasted snippet must never
run in a reader's browser. So raw HTML is shown as text (its processors are removed,
not sanitised after the fact), links keep only http, https, mailto and relative
addresses, and images load only from this site, never from a third party.

Editors preview their pull requests on GitHub, so the common cases render as GitHub
renders them: a list nested by two spaces (or four), a list right after a paragraph
line, tables, and bare addresses (https://…, www.…, e-mail) turned into links by
pymdown-extensions' MagicLink. Bodies come from pull requests, so what this module adds
to Python-Markdown runs in time linear in a body's length.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as etree
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from html.parser import HTMLParser
from urllib.parse import SplitResult, urlsplit

import markdown
from markdown import util
from markdown.extensions import Extension
from markdown.extensions.sane_lists import SaneOListProcessor, SaneUListProcessor
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import InlineProcessor, Treeprocessor
from pymdownx.magiclink import MagiclinkExtension

_SAFE_LINK_SCHEMES = {"http", "https", "mailto"}
# Browsers ignore ASCII control characters and spaces around and inside a scheme.
_IGNORED_BY_BROWSERS = re.compile(r"[\x00-\x20\x7f]")

# Lists work as with "sane_lists" (a numbered list and a bulleted one never merge), whose
# processors _CertsiteMarkdown registers in a linear-time form.
EXTENSIONS = ("tables", "fenced_code")
# Lists nest at most this deep, the limit the editor's guide gives; deeper items join the
# deepest level (Python-Markdown recurses once per level, and a pull request must not be
# able to exhaust the stack).
MAX_LIST_DEPTH = 20


@dataclass(frozen=True, slots=True)
class RenderedMarkdown:
    html: str
    first_paragraph: str  # plain text of the first paragraph, "" if there is none


def is_safe_link(address: str) -> bool:
    """Whether a link target may be published.

    >>> is_safe_link("https://aluminium-stewardship.org/")
    True
    >>> is_safe_link("../about/")
    True
    >>> is_safe_link("java\\tscript:alert(1)")
    False
    >>> is_safe_link("&#106;avascript:alert(1)")
    False
    """
    parts = _as_browsers_read(address)
    if parts is None:
        return False
    if parts.scheme:
        return parts.scheme.lower() in _SAFE_LINK_SCHEMES
    # No scheme: a relative address, unless a colon before any slash would make one.
    return ":" not in parts.path.split("/", 1)[0]


def is_local(address: str) -> bool:
    r"""Whether an address stays on this site, as a browser reads it.

    >>> is_local("/static/logo.png"), is_local("logo.png")
    (True, True)
    >>> is_local("//evil.example/x.png"), is_local("/\\evil.example/x.png"), is_local("https://e.org/x.png")
    (False, False, False)
    """
    parts = _as_browsers_read(address)
    return parts is not None and not parts.scheme and not parts.netloc and is_safe_link(address)


def _as_browsers_read(address: str) -> SplitResult | None:
    """The address split as a browser would: entities decoded, ignored characters dropped,
    and backslashes read as slashes (so "/\\host/x" names another host)."""
    candidate = _IGNORED_BY_BROWSERS.sub("", html.unescape(address)).replace("\\", "/")
    try:
        return urlsplit(candidate)
    except ValueError:  # e.g. an unclosed IPv6 bracket: "https://[x"
        return None


_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")


class _SafeTree(Treeprocessor):
    """Drops unsafe link targets and third-party images, and ranks headings under the
    page's own.

    A page has one h1, its title; so the body's highest heading becomes the level the
    page asks for (h2, or h3 under a heading of its own) whether the editor wrote it
    with # or ###, and the others keep their distance from it.
    """

    def __init__(self, md: markdown.Markdown, top_heading: int) -> None:
        super().__init__(md)
        self.top_heading = top_heading  # fixed for the converter's lifetime

    def run(self, root: etree.Element) -> None:
        headings = [element for element in root.iter() if element.tag in _HEADINGS]
        if headings:
            shift = self.top_heading - min(int(h.tag[1]) for h in headings)
            for heading in headings:
                heading.tag = f"h{min(6, int(heading.tag[1]) + shift)}"
        for parent in root.iter():
            for index, element in enumerate(list(parent)):
                # Mail links arrive with "&" stashed (as entities); judge them as a browser reads them.
                if element.tag == "a" and not is_safe_link(element.get("href", "").replace(util.AMP_SUBSTITUTE, "&")):
                    element.attrib.pop("href", None)
                elif element.tag == "img" and not is_local(element.get("src", "")):
                    replacement = etree.Element("span")
                    replacement.text = element.get("alt", "")
                    replacement.tail = element.tail
                    parent.remove(element)
                    parent.insert(index, replacement)


# A list item's marker, looked for after the line's indentation: "-", "+", "*" or "1."
# (Python-Markdown's markers; it has no "1)"), then at least one space.
_MARKER = re.compile(r"([-+*]|(\d{1,9})\.)( +)")
_FENCES = ("```", "~~~")
_BLANK, _TEXT, _OTHER = "blank", "text", "other"  # what the previous line was


def _is_rule(stripped: str) -> bool:
    """Whether a line (without its indentation) is a horizontal rule such as "***" or "- - -"."""
    marks = stripped.replace(" ", "")
    return len(marks) >= 3 and marks[0] in "-*_" and marks.count(marks[0]) == len(marks)


def _text_only(stripped: str) -> int:
    """How far to indent a paragraph line inside a list item beyond the item's text: four
    spaces if it looks like a list item ("2024. we", or "- x" lazily continuing a line),
    which GitHub reads as text but Python-Markdown would read as a nested list unless it
    is indented by eight or more. (Extra spaces in a paragraph show as one.)"""
    return 4 if _MARKER.match(stripped) else 0


@dataclass(slots=True)
class _Item:
    column: int  # where the item's text starts in the editor's line; its lines are indented this far
    ordered: bool
    line: int  # where its marker line was written out


class _GitHubLists(Preprocessor):
    """Re-indents lists the way GitHub reads them into the way Python-Markdown does.

    GitHub nests a list item under the one above when it is indented as far as that
    item's text ("- a" then "  - b"; "1. a" then "   - b"), and lets a list start right
    after a paragraph line. Python-Markdown nests by four spaces only and needs a blank
    line before a list. So this reads the lines as GitHub does and writes each list
    level four spaces deeper than its parent, with a blank line before a list that
    follows a paragraph. Four-space nesting reads the same either way.

    It runs after fenced code blocks have been put aside (so their lines are never
    touched), and leaves indented code blocks as they are. One pass over the lines, with
    at most MAX_LIST_DEPTH open items: linear in the length of the text.
    """

    def run(self, lines: list[str]) -> list[str]:
        out: list[str] = []
        items: list[_Item] = []  # the open list items, outermost first
        previous = _BLANK
        last_blank = -1  # where the last blank line was written out (the editor's or one added)
        code: tuple[int, int] | None = None  # in an indented code block: (its container's column, depth)
        for line in lines:
            stripped = line.lstrip(" ")
            if not stripped:
                previous, last_blank = _BLANK, len(out)
                out.append("")
                continue
            indent = len(line) - len(stripped)
            if code is not None:
                column, depth = code
                if indent >= column + 4:
                    out.append(" " * (4 * depth + indent - column) + stripped)
                    continue
                code = None
            # The open items this line is indented into (their columns grow with depth).
            depth = len(items)
            while depth and items[depth - 1].column > indent:
                depth -= 1
            column = items[depth - 1].column if depth else 0
            rule = _is_rule(stripped)
            marker = None if rule or indent - column >= 4 else _MARKER.match(line, indent)
            if marker is not None:
                ordered = marker.group(2) is not None
                empty = marker.end() == len(line)
                level = min(depth, MAX_LIST_DEPTH - 1)  # the new item's depth
                sibling = level < len(items) and items[level].ordered == ordered
                if depth == len(items) and previous is _TEXT and (empty or (ordered and int(marker.group(2)) != 1)):
                    # As on GitHub, a list interrupts a paragraph only with a first item that has
                    # text and, if numbered, starts at 1: "In\n2024. we" is one paragraph.
                    marker = None
            if marker is not None:
                # Python-Markdown reads a list from blank line to blank line: a list needs one
                # before it, and so does an item after a blank line inside the item before it.
                # None right under the parent item's own lines, where one would make it loose.
                if sibling:
                    blank_first = items[level].line < last_blank
                else:
                    blank_first = level < len(items) or level == 0 or items[level - 1].line < last_blank
                if blank_first and previous is not _BLANK:
                    last_blank = len(out)
                    out.append("")
                del items[level:]
                spaces = len(marker.group(3))
                text_column = marker.end() if spaces <= 4 and not empty else marker.start(3) + 1
                items.append(_Item(text_column, ordered, len(out)))
                out.append(" " * (4 * level) + stripped)
                previous = _OTHER if empty else _TEXT
                continue
            block_start = rule or stripped.startswith(("#", ">", util.STX, *_FENCES))
            if depth < len(items):
                if previous is _TEXT and not block_start:
                    # A lazy line: it continues the paragraph of the innermost item.
                    out.append(" " * (4 * len(items) + _text_only(stripped)) + stripped)
                    continue
                if previous is not _BLANK:
                    last_blank = len(out)
                    out.append("")  # ends the list for Python-Markdown too
                del items[depth:]
            relative = indent - column
            if relative >= 4 and previous is not _TEXT:
                code = (column, depth)
            elif depth and not block_start:
                relative = max(relative, _text_only(stripped))
            out.append(" " * (4 * depth + relative) + stripped)
            previous = _OTHER if block_start or code is not None else _TEXT
            if rule and depth == 0:
                # A rule is a block of its own; Python-Markdown would read "---" on the next
                # line as underlining it into a heading.
                previous, last_blank = _BLANK, len(out)
                out.append("")
        return out


class _LinearItems:
    """Python-Markdown's own splitting of a list into items, with each item's lines joined
    once at the end: its version joins them one at a time, in time quadratic in an item's
    length (and the lines of a deeply nested item grow by the indentation written above)."""

    def get_items(self, block: str) -> list[str]:
        items: list[list[str]] = []
        indent = " " * self.tab_length
        for line in block.split("\n"):
            child = self.CHILD_RE.match(line)
            if child:
                if not items and self.TAG == "ol":
                    self.STARTSWITH = child.group(1).rstrip(".")  # where the numbering starts
                items.append([child.group(3)])
            elif self.INDENT_RE.match(line) and not items[-1][0].startswith(indent):
                items.append([line])  # an indented (nested) item
            else:
                items[-1].append(line)  # another line of the item before
        return ["\n".join(lines) for lines in items]


class _OrderedList(_LinearItems, SaneOListProcessor):
    pass


class _BulletList(_LinearItems, SaneUListProcessor):
    pass


_WWW = re.compile(r"(?i)www\.")
# For each of Python-Markdown's inline patterns (and MagicLink's), by registered name, a
# test that the text holds what any match of the pattern's expression must contain.
# Python-Markdown tries each of its 15 patterns on every piece of text, in Python, and a
# paragraph of prose holds the marks of two or three: skipping the others halves the
# time of converting a body (about 6 s of CPU at 10,000 announcements), and the output
# is the same, since a pattern skipped could not have matched (tests/test_markdown.py
# compares the two on generated bodies and on any text). A pattern not named here, as a
# later version or extension may add, is always tried.
_COULD_MATCH = {
    "backtick": lambda text: "`" in text,
    "escape": lambda text: "\\" in text,
    "reference": lambda text: "[" in text,
    "link": lambda text: "[" in text,
    "short_reference": lambda text: "[" in text,
    "image_link": lambda text: "![" in text,
    "image_reference": lambda text: "![" in text,
    "short_image_ref": lambda text: "![" in text,
    "autolink": lambda text: "<" in text,
    "automail": lambda text: "<" in text,
    "linebreak": lambda text: "  \n" in text,
    "magic-link": lambda text: "://" in text or _WWW.search(text) is not None,
    "magic-mail": lambda text: "@" in text,
    "entity": lambda text: "&" in text,
    "em_strong": lambda text: "*" in text or "_" in text,
}


class _QuickInline(InlineProcessor):
    """Python-Markdown's inline processor, passing over the patterns that cannot match
    the text at hand (see ``_COULD_MATCH``).

    Its loop over the patterns is Python-Markdown's own ``__handleInline``, which this
    replaces under its private name (the one ``__applyPattern`` calls, for nested text
    too), with the one test added; ``tests/test_markdown.py`` notices if an upgrade
    makes the two differ.
    """

    could_match: list[Callable[[str], bool] | None] | None = None  # by pattern index, made at the first run

    def run(self, tree, ancestors=None):  # type: ignore[no-untyped-def]
        if self.could_match is None:  # the converter's patterns are all registered by then, and stay
            self.could_match = [None] * len(self.inlinePatterns)
            for name, could_match in _COULD_MATCH.items():
                if name in self.inlinePatterns:
                    self.could_match[self.inlinePatterns.get_index_for_name(name)] = could_match
        return super().run(tree, ancestors)

    def _InlineProcessor__handleInline(self, data: str, patternIndex: int = 0) -> str:  # noqa: N802, N803 - Python-Markdown's names
        if not isinstance(data, util.AtomicString):
            start = 0
            count = len(self.inlinePatterns)
            while patternIndex < count:
                could_match = self.could_match[patternIndex]
                if could_match is not None and not could_match(data):
                    patternIndex += 1
                    start = 0  # as after a pattern that did not match
                    continue
                data, matched, start = self._InlineProcessor__applyPattern(self.inlinePatterns[patternIndex], data, patternIndex, start)  # type: ignore[attr-defined]
                if not matched:
                    patternIndex += 1
        return data


class _CertsiteMarkdown(Extension):
    def __init__(self, top_heading: int) -> None:
        super().__init__()
        self.top_heading = top_heading

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        # Without these two, Python-Markdown passes raw HTML through; removed, it is escaped as text.
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        # After "fenced_code_block" (25), so that fenced code is already put aside.
        md.preprocessors.register(_GitHubLists(md), "github_lists", 24)
        # The "sane_lists" extension's processors, at their names and priorities.
        md.parser.blockprocessors.register(_OrderedList(md.parser), "olist", 40)
        md.parser.blockprocessors.register(_BulletList(md.parser), "ulist", 30)
        # After "inline" (priority 20), so that links and images exist as elements.
        md.treeprocessors.register(_SafeTree(md, self.top_heading), "safe_tree", 5)


def _first_line_underlined(block: str) -> bool:
    """Whether the block's first line break is followed by "=" or "-", as any match of
    the Setext heading's "^.*?\\n(?:=+|-+)" is ("." is any character but a line break)."""
    end = block.find("\n")
    return end >= 0 and block[end + 1 : end + 2] in ("=", "-")


# For each of Python-Markdown's block processors that looks for something anywhere in a
# block (and the tables extension's), by registered name, a test that the block holds
# what any match must contain. Python-Markdown asks every processor in turn about every
# block, most of them with a regular expression searched through the whole block: a
# quarter of the time of converting a body (about 1.7 s of CPU at 10,000 announcements)
# went to asking about paragraphs of prose whether they are headings, rules, link
# definitions or tables. The processors the block start alone decides on (lists, code,
# empty blocks) are quick already. Quotes are always asked: their test stops nesting
# when the stack nears Python's limit, and one more frame around it would stop it one
# level sooner.
_BLOCK_COULD_MATCH: dict[str, Callable[[str], bool]] = {
    "hashheader": lambda block: "#" in block,
    "setextheader": _first_line_underlined,
    # Three of one of "-", "_" or "*" on a line, with spaces between.
    "hr": lambda block: block.count("-") >= 3 or block.count("*") >= 3 or block.count("_") >= 3,
    "reference": lambda block: "]:" in block,  # "[label]: address"; its test says yes to any block
    "table": lambda block: "|" in block,  # a header row of two cells, or of one with a border
}


class _OnlyWhereItCouldMatch(Extension):
    """Python-Markdown's own processors, each passed over for the text that holds nothing
    it looks for: the inline patterns (``_QuickInline``), the block processors named in
    ``_BLOCK_COULD_MATCH`` and the fenced code preprocessor. The output is Python-Markdown's
    own, since a processor passed over could not have matched (tests/test_markdown.py
    compares the two on every kind of block, on generated bodies and on any text); one a
    later version or extension adds is always asked."""

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.treeprocessors.register(_QuickInline(md), "inline", 20)  # in place of Python-Markdown's own
        for name, could_match in _BLOCK_COULD_MATCH.items():
            if name in md.parser.blockprocessors:
                processor = md.parser.blockprocessors[name]
                processor.test = _asked_only_if(could_match, processor.test)  # type: ignore[method-assign]
        if "fenced_code_block" in md.preprocessors:
            fenced = md.preprocessors["fenced_code_block"]
            fenced.run = _fences_only_if_present(fenced.run)  # type: ignore[method-assign]  # fenced code starts with ``` or ~~~


def _asked_only_if(could_match: Callable[[str], bool], test: Callable[[etree.Element, str], bool]) -> Callable[[etree.Element, str], bool]:
    def quick_test(parent: etree.Element, block: str) -> bool:
        return could_match(block) and test(parent, block)

    return quick_test


def _fences_only_if_present(run: Callable[[list[str]], list[str]]) -> Callable[[list[str]], list[str]]:
    def quick_run(lines: list[str]) -> list[str]:
        text = "\n".join(lines)
        # Without a fence, Python-Markdown's preprocessor gives back the lines joined and split again.
        return run(lines) if any(fence in text for fence in _FENCES) else text.split("\n")

    return quick_run


class _FirstParagraph(HTMLParser):
    """The text of the first top-level paragraph of finished HTML, entities decoded.

    Read from the output, not the tree: in the tree, escapes, entities and e-mail
    addresses are still Python-Markdown's placeholders (control characters that would
    reach the feed and every listing).
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0  # open elements around the current point
        self.inside = False
        self.done = False
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "p" and self.depth == 0 and not self.done:
            self.inside = True
        if tag not in _VOID_ELEMENTS:
            self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag not in _VOID_ELEMENTS:
            self.depth -= 1
        if tag == "p" and self.inside and self.depth == 0:
            self.inside, self.done = False, True

    def handle_data(self, data: str) -> None:
        if self.inside:
            self.parts.append(data)

    @classmethod
    def of(cls, html_text: str) -> str:
        r"""The first top-level paragraph's text, whitespace collapsed.

        >>> _FirstParagraph.of("<h2>A</h2>\n<ul><li><p>in a list</p></li></ul>\n<p>R&amp;D <em>and</em> *</p>\n<p>next</p>")
        'R&D and *'
        """
        parser = cls()
        # Up to each "</p>" in turn, stopping once the first top-level paragraph has
        # ended: it is almost always the first block, and a body is many blocks long.
        start = 0
        while not parser.done and start < len(html_text):
            end = html_text.find("</p>", start)
            end = len(html_text) if end < 0 else end + len("</p>")
            parser.feed(html_text[start:end])
            start = end
        parser.close()
        return " ".join("".join(parser.parts).split())


_VOID_ELEMENTS = frozenset({"br", "hr", "img", "input", "meta", "link", "wbr", "area", "base", "col", "embed", "source", "track"})


@lru_cache(maxsize=6)
def _converter(top_heading: int) -> markdown.Markdown:
    # Building a converter costs far more than converting a short body, so one per heading
    # level is built once per process and reused.
    md = markdown.Markdown(
        # MagicLink: bare https://…, www.… and e-mail addresses become links, as on GitHub.
        extensions=[*EXTENSIONS, MagiclinkExtension(), _CertsiteMarkdown(top_heading), _OnlyWhereItCouldMatch()],
        output_format="html",
    )
    return md


def render_markdown(text: str, top_heading: int = 2) -> RenderedMarkdown:
    """Convert Markdown to safe HTML and extract the first paragraph's text.

    The body's highest heading becomes ``h<top_heading>``.
    """
    if not text.strip():
        return RenderedMarkdown("", "")  # convert() would skip the tree processors
    converter = _converter(top_heading)
    converter.reset()
    try:
        body = converter.convert(text)
    except RecursionError:
        # reset() does not empty the block parser's state stack that the error left
        # full: this converter would garble every later text, so it is thrown away.
        _converter.cache_clear()
        raise
    return RenderedMarkdown(body, _FirstParagraph.of(body))
