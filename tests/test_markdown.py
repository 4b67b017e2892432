"""Markdown in announcement bodies renders as editors see it in GitHub's preview, and stays safe."""

from __future__ import annotations

from bs4 import BeautifulSoup, Tag
from hypothesis import given, settings
from hypothesis import strategies as st

from certsite.markdown_body import MAX_LIST_DEPTH, render_markdown


def rendered(text: str, top_heading: int = 2) -> BeautifulSoup:
    return BeautifulSoup(render_markdown(text, top_heading).html, "html.parser")


def outline(listing: Tag) -> list:
    """A list as a reader sees it: each item's own text, followed by a list of its nested items."""
    result: list = []
    for item in listing.find_all("li", recursive=False):
        own = [node for node in item.children if not (isinstance(node, Tag) and node.name in ("ul", "ol"))]
        text = " ".join(node.get_text(" ", strip=True) if isinstance(node, Tag) else node.strip() for node in own)
        result.append(" ".join(text.split()))
        result.extend(outline(nested) for nested in item.find_all(["ul", "ol"], recursive=False))
    return result


def top_level_lists(page: BeautifulSoup) -> list[Tag]:
    return page.find_all(["ul", "ol"], recursive=False)


def test_a_list_nested_by_two_spaces_is_nested_as_on_github():
    page = rendered("Findings:\n\n- Energy\n  - disclosure incomplete\n  - no target\n    - not even a draft\n- Water\n")
    (listing,) = top_level_lists(page)
    assert outline(listing) == ["Energy", ["disclosure incomplete", "no target", ["not even a draft"]], "Water"]


def test_a_list_nested_by_four_spaces_still_nests():
    page = rendered("- Energy\n    - disclosure incomplete\n        - not even a draft\n- Water\n")
    (listing,) = top_level_lists(page)
    assert outline(listing) == ["Energy", ["disclosure incomplete", ["not even a draft"]], "Water"]


def test_a_list_under_a_numbered_item_nests_when_indented_to_the_items_text():
    page = rendered("1. Energy\n   - disclosure incomplete\n2. Water\n")
    (listing,) = top_level_lists(page)
    assert listing.name == "ol"
    assert outline(listing) == ["Energy", ["disclosure incomplete"], "Water"]
    assert listing.li.ul is not None


def test_a_list_right_after_a_paragraph_line_is_a_list():
    page = rendered("Findings:\n- one\n- two\n\nSteps:\n1. first\n2. second\n")
    assert [p.get_text() for p in page.find_all("p")] == ["Findings:", "Steps:"]
    bullets, numbers = top_level_lists(page)
    assert (bullets.name, outline(bullets)) == ("ul", ["one", "two"])
    assert (numbers.name, outline(numbers)) == ("ol", ["first", "second"])


def test_a_line_starting_with_a_year_continues_its_paragraph_as_on_github():
    # Only a numbered list starting at 1 may interrupt a paragraph, so a year stays text.
    page = rendered("Certified in\n2024. The audit followed.\n\n- Scope:\n  2023. was the first year\n")
    assert page.p.get_text() == "Certified in\n2024. The audit followed."
    (listing,) = top_level_lists(page)
    assert outline(listing) == ["Scope: 2023. was the first year"]


def test_a_list_continues_after_a_nested_paragraph_and_sublist():
    page = rendered("- Energy\n\n  Findings:\n  - one\n  - two\n- Water\n")
    (listing,) = top_level_lists(page)
    assert outline(listing) == ["Energy Findings:", ["one", "two"], "Water"]


def test_a_table_is_a_table():
    page = rendered("Findings:\n\n| Criterion | Finding |\n|---|---|\n| 5.1 | Disclosure incomplete |\n")
    table = page.find("table")
    assert [th.get_text() for th in table.find_all("th")] == ["Criterion", "Finding"]
    assert [td.get_text() for td in table.find_all("td")] == ["5.1", "Disclosure incomplete"]


def test_bare_addresses_become_links():
    page = rendered("See https://example.org/report?id=7, www.example.org and write to audit@example.org.\n")
    links = [(a["href"], a.get_text()) for a in page.find_all("a")]
    assert links == [
        ("https://example.org/report?id=7", "https://example.org/report?id=7"),  # the comma is not part of it
        ("http://www.example.org", "www.example.org"),
        ("mailto:audit@example.org", "audit@example.org"),
    ]


def test_an_address_in_parentheses_or_in_code_is_linked_as_on_github():
    page = rendered("The standard (https://example.org/ps) applies; `https://example.org/raw` is code.\n")
    assert [a["href"] for a in page.find_all("a")] == ["https://example.org/ps"]
    assert page.code.get_text() == "https://example.org/raw"


def test_a_bare_javascript_address_is_not_a_link():
    page = rendered("javascript:alert(1) and JaVaScRiPt:alert(1)//www.example.org\n\n<javascript:alert(1)>\n")
    assert all(a["href"].startswith("http") for a in page.find_all("a", href=True))
    assert "javascript:alert(1)" in page.get_text()


def test_an_autolinked_address_of_another_scheme_keeps_its_text_but_loses_its_address():
    page = rendered("Files at ftp://files.example.org/report.pdf\n")
    assert [a.get("href") for a in page.find_all("a")] == [None]
    assert "ftp://files.example.org/report.pdf" in page.get_text()


def test_raw_html_stays_text_in_lists_and_after_paragraphs():
    page = rendered("Findings:\n- <script>alert('x')</script>\n  - <img src=x onerror=alert(1)>\n")
    assert page.find("script") is None and page.find("img") is None
    (listing,) = top_level_lists(page)
    assert outline(listing) == ["<script>alert('x')</script>", ["<img src=x onerror=alert(1)>"]]


def test_a_fenced_code_block_is_left_exactly_as_written():
    code = "Findings:\n- one\n  - two\n1. three\n    www.example.org\n"
    page = rendered(f"Example:\n\n```\n{code}```\n\nAfter.\n")
    assert page.pre.code.get_text() == code
    assert page.find("a") is None and page.find("ul") is None


def test_an_indented_code_block_after_a_blank_line_stays_code():
    page = rendered("Example:\n\n    - one\n      - two\n    https://example.org/\n\nAfter.\n")
    assert page.pre.code.get_text() == "- one\n  - two\nhttps://example.org/\n"
    assert page.find("ul") is None and page.find("a") is None


def test_headings_rank_under_the_page_and_the_first_paragraph_is_the_summary():
    assert render_markdown("# Scope\n\nSmelter and *casthouse*.\n", top_heading=3).first_paragraph == "Smelter and casthouse."
    assert rendered("# Scope\n\n### Detail\n", top_heading=3).find_all(["h3", "h5"])[0].name == "h3"
    assert rendered("# Scope\n\n### Detail\n").find_all(["h2", "h4"])[1].name == "h4"
    # Each call stands alone: nothing carries over from the text converted before.
    assert render_markdown("| only | a table |\n|---|---|\n").first_paragraph == ""
    assert render_markdown("").first_paragraph == "" and render_markdown("  \n").html == ""


def test_lists_nest_at_most_max_list_depth_levels_deep():
    text = "".join("  " * level + f"- level {level}\n" for level in range(MAX_LIST_DEPTH + 30))
    page = rendered(text)
    depth, listing = 1, top_level_lists(page)[0]
    while listing.li.find(["ul", "ol"]) is not None:
        depth, listing = depth + 1, listing.li.find(["ul", "ol"])
    assert depth == MAX_LIST_DEPTH
    assert "level 39" in listing.get_text()


def test_a_200_kb_body_of_pathological_characters_completes():
    # Untrusted input: nothing added to Python-Markdown may take time that grows faster than
    # the text (a 200 KB body of these used to take minutes, or crashed, in one form or another).
    size = 200_000
    bodies = [
        "".join(" " * (i % 23) + "- 1. * " + "\n" + "a\n" * (i % 3) for i in range(size // 30)),
        "".join("  " * level + "- a\n" for level in range(400)),  # deeper than the stack allows
        "".join("  " * level + "- a\n" for level in range(MAX_LIST_DEPTH)) + "lazy\n" * (size // 5),
        "Text\n" + "2. a\n" * (size // 5),
        "- Text\n" + "  2. a\n" * (size // 7),  # lines that look like items but continue a paragraph
        "www.a" + "." * size + "!",
        "https://example.org/" + "(" * size,
        "https://example.org/" + ")" * size,
        "a@" * (size // 2),
        "a.b" * (size // 3) + "@",
    ]
    for body in bodies:
        assert render_markdown(body).html


# --- The quick paths give Python-Markdown's own output -------------------------------------

# Text that sets off each of the inline patterns, alone and nested in one another.
EVERY_INLINE_PATTERN = [
    "Code `x < y` and ``a ` b`` and \\`not code\\`.",
    "Escapes: \\*not em\\*, \\[not a link\\], 5 \\& 6, C:\\\\path.",
    "A [link](https://example.org/ \"title\") and [a *styled* link](../about/) and [broken](.",
    "A [reference][ref] and a [short reference] and [ref].\n\n[ref]: https://example.org/r\n[short reference]: ../s/",
    "An ![image](/static/logo.svg) and ![ref image][img] and ![img].\n\n[img]: /static/i.png",
    "Addresses <https://example.org/a?b=1&c=2> and <ftp://files.example.org/x> and <mail@example.org>.",
    "A line ending in two spaces  \nbreaks there.",
    "Bare https://example.org/path?q=1, www.example.org, WwW.Example.org and http://x.y/z_w_v.",
    "Write to audit@example.org or first.last+tag@sub.example.co.uk; not @handle or a@b.",
    "Entities &amp; &#169; &#x2014; &copy; and a lone & and &notanentity",
    "*em* **strong** ***both*** _em_ __strong__ snake_case_name 2*3*4 * lone star",
    "**Bold [link with `code` and _em_](https://example.org/) and <https://e.org/>**",
    "| Criterion | Finding |\n|---|---|\n| 5.1a-b | *Minor*: see [report](https://e.org/r) & www.e.org |",
    "- item with `code`\n  - nested **strong** and https://e.org/\n\n1. one\n2. two_words_here",
    "> quoted *em* and <b>raw html</b> and <!-- comment --> stay text",
    "Placeholder-like text \x02klzzwxh:0000\x03 and a colon: 10:30 and www without dot",
]

# Blocks that set off each of the block processors, and blocks that hold what one looks
# for without being one.
EVERY_BLOCK_KIND = [
    "# Heading\n\nText with issue #5 and C# in it.\n\nA paragraph\n## ending in a heading ##",
    "Setext heading\n==============\n\nAnother\n---\n\nNot one\nbecause - the second line\n=not underlined either",
    "Rules:\n\n---\n\n- - -\n\n***\n\n_ _ _\n\nText\n  ---  \nmore\n\nwell-known, state-of-the-art, a--b",
    "> A quote\n> over lines\n\nText > with a sign\n> and a quote after it",
    "[ref]: https://example.org/r \"Title\"\n[other]:\n  ../o/\n\nUse [ref] and [other]; not a definition]: here",
    "| A | B |\n|---|---|\n| 1 | 2 |\n\nA | B\n--|--\n1 | 2\n\n| one |\n|-----|\n| cell |\n\nText with a | pipe",
    "A|B\n-|-\n1|2",
    "```\ncode ``` inside\n```\n\nInline ``` that fences nothing",
    "~~~python\nx = 1\n~~~",
    "    indented code\n\n- list\n\n1. numbered\n\n\n\nafter blank lines",
]


def stock_converter():
    """The same converter without the quick paths: Python-Markdown asks each of its
    processors about all of the text."""
    import markdown
    from pymdownx.magiclink import MagiclinkExtension

    from certsite.markdown_body import EXTENSIONS, _CertsiteMarkdown

    return markdown.Markdown(extensions=[*EXTENSIONS, MagiclinkExtension(), _CertsiteMarkdown(2)], output_format="html")


def stock_html(md, text: str) -> str:
    md.reset()
    return md.convert(text)


def test_every_inline_pattern_and_block_kind_renders_as_python_markdown_renders_it_without_the_quick_paths():
    md = stock_converter()
    for text in EVERY_INLINE_PATTERN + EVERY_BLOCK_KIND:
        assert render_markdown(text).html == stock_html(md, text), text


def test_generated_announcement_bodies_render_as_python_markdown_renders_them(tmp_path):
    from generated_register import write_register

    content = write_register(tmp_path / "content", announcements=200)
    md = stock_converter()
    bodies = [path.read_text("utf-8").split("\n---\n", 1)[1] for path in sorted((content / "certifications").glob("*.md"))]
    assert len(bodies) == 200
    for body in bodies:
        assert render_markdown(body).html == stock_html(md, body)


MARKDOWN_PIECES = ["`", "\\", "[", "]", "(", ")", "!", "<", ">", "&", ";", "*", "_", "@", ":", "/", ".", "#", "  \n", "\n", "\n\n", " ",
                   "- ", "1. ", "| ", "www", "https", "http://", "ftp", "amp", "#169", "a", "Zz", "5.1a-b", "é", "中",
                   "-", "=", "|", "]:", "```", "~~~", "    ", "\n---", "\n==", "\n> ", "\n# "]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(MARKDOWN_PIECES), max_size=60).map("".join))
def test_any_text_renders_as_python_markdown_renders_it_without_the_quick_paths(text):
    assert render_markdown(text).html == stock_html(STOCK, text)


STOCK = stock_converter()
