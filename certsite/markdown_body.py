"""Markdown to safe HTML for announcement bodies, entity profiles and plain pages.

Content is semi-trusted: editors are not attackers, but a pasted snippet must never
run in a reader's browser. So raw HTML is shown as text (its processors are removed,
not sanitised after the fact), links keep only http, https, mailto and relative
addresses, and images load only from this site, never from a third party.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as etree
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import SplitResult, urlsplit

import markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

_SAFE_LINK_SCHEMES = {"http", "https", "mailto"}
# Browsers ignore ASCII control characters and spaces around and inside a scheme.
_IGNORED_BY_BROWSERS = re.compile(r"[\x00-\x20\x7f]")

EXTENSIONS = ("tables", "sane_lists", "fenced_code")


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
    """Drops unsafe link targets and third-party images, ranks headings under the page's
    own, and records the first paragraph.

    A page has one h1, its title; so the body's highest heading becomes the level the
    page asks for (h2, or h3 under a heading of its own) whether the editor wrote it
    with # or ###, and the others keep their distance from it.
    """

    def run(self, root: etree.Element) -> None:
        first = root.find("p")
        self.md.first_paragraph = "".join(first.itertext()).strip() if first is not None else ""
        headings = [element for element in root.iter() if element.tag in _HEADINGS]
        if headings:
            shift = self.md.top_heading - min(int(h.tag[1]) for h in headings)
            for heading in headings:
                heading.tag = f"h{min(6, int(heading.tag[1]) + shift)}"
        for parent in root.iter():
            for index, element in enumerate(list(parent)):
                if element.tag == "a" and not is_safe_link(element.get("href", "")):
                    element.attrib.pop("href", None)
                elif element.tag == "img" and not is_local(element.get("src", "")):
                    replacement = etree.Element("span")
                    replacement.text = element.get("alt", "")
                    replacement.tail = element.tail
                    parent.remove(element)
                    parent.insert(index, replacement)


class _NoRawHtml(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:
        # Without these two, Python-Markdown passes raw HTML through; removed, it is escaped as text.
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        # After "inline" (priority 20), so that links and images exist as elements.
        md.treeprocessors.register(_SafeTree(md), "safe_tree", 5)


@lru_cache(maxsize=1)
def _converter() -> markdown.Markdown:
    # Building a converter costs far more than converting a short body; one per process is reused.
    return markdown.Markdown(extensions=[*EXTENSIONS, _NoRawHtml()], output_format="html")


def render_markdown(text: str, top_heading: int = 2) -> RenderedMarkdown:
    """Convert Markdown to safe HTML and extract the first paragraph's text.

    The body's highest heading becomes ``h<top_heading>``.
    """
    converter = _converter()
    converter.reset()
    converter.top_heading = top_heading
    converter.first_paragraph = ""  # convert() skips the tree processors for an empty text
    body = converter.convert(text)
    return RenderedMarkdown(body, getattr(converter, "first_paragraph", ""))
