"""A buyer prints a press release or a company's page to file it: on A4, in black on
white even from a browser in dark mode, with the record and none of the screen's
navigation, and with the addresses of external links written out.

Chromium prints each page to a real A4 PDF, whose text is read back with pypdf: the
record is on paper, the screen's navigation is not. Colours and styles are read in
Chromium's print emulation. That a table row never splits across sheets is checked as
the rule that makes it so (every row ``break-inside: avoid``, headers repeated on each
sheet): where a PDF's sheets break inside a table is not something its text tells.
"""

from __future__ import annotations

import io
import unicodedata

import pytest
from pypdf import PdfReader

from browser import chromium_browser, static_server
from conftest import announcement

CERTIFICATE = "ASI-CERT-0042"
EXTERNAL = "https://aluminium-stewardship.org/certification/"
# A4 in PostScript points (210 x 297 mm), as a PDF's MediaBox states it.
A4_POINTS = (595, 842)
SCREEN_ONLY = {".skip": "skip link", ".site-nav": "navigation", ".header-search": "search box"}


@pytest.fixture(scope="module")
def printed_site(tmp_path_factory):
    """A register whose announcement has a certificate number, findings, an external link
    and a text long enough to fill more than one sheet."""
    from conftest import SITE_YAML, STANDARD_YAML, ContentFolder
    from certsite.cli import main

    root = tmp_path_factory.mktemp("print")
    content = ContentFolder(root / "content")
    content.write("site.yaml", SITE_YAML)
    content.write("standards/test-ps.yaml", STANDARD_YAML)
    paragraphs = "\n\n".join(f"Paragraph {n}: the audit covered the smelter, the casthouse and the port terminal." for n in range(60))
    content.announce(
        "2024-01-10-acme-metals.md",
        announcement(
            **{
                "    auditor: Example Certification": f"    auditor: Example Certification\n    certificate: {CERTIFICATE}",
                '      minor: ["5.1a-b"]': '      minor: ["5.1a-b", "5.2"]\n      major: ["5.10"]',
                "Acme Metals was certified against the test standard.": f"Acme Metals was certified against the [test standard]({EXTERNAL}).\n\n{paragraphs}",
            }
        ),
    )
    output = root / "site"
    assert main(["build", "--content", str(content.root), "--output", str(output), "--as-of", "2024-06-01", "--no-search"]) == 0
    return output


@pytest.fixture(scope="module")
def browser():
    with chromium_browser() as opened:
        yield opened


PAGES = {"announcement": "/certifications/2024-01-10-acme-metals/", "entity": "/entities/acme-metals-ltd/"}


@pytest.mark.parametrize("kind", sorted(PAGES))
def test_a_printed_page_is_the_record_without_the_screens_navigation(printed_site, browser, kind):
    with static_server(printed_site) as base:
        page = browser.new_page()
        page.goto(base + PAGES[kind])
        for selector in SCREEN_ONLY:
            assert page.locator(selector).first.evaluate("e => getComputedStyle(e).display") != "none", "shown on screen"
        page.emulate_media(media="print", color_scheme="dark")
        for selector, what in SCREEN_ONLY.items():
            assert page.locator(selector).first.evaluate("e => getComputedStyle(e).display") == "none", f"the {what} is printed"
        printed = page.evaluate("document.body.innerText")
        for screen_text in ("Skip to content", "Entities A–Z", "Search the register", "Atom feed"):
            assert screen_text not in printed
        assert "Acme Metals Ltd." in printed and CERTIFICATE in printed
        assert "Data as of" in printed  # the date the record speaks for stays on paper
        colours = page.evaluate("[getComputedStyle(document.body).color, getComputedStyle(document.body).backgroundColor]")
        assert colours == ["rgb(0, 0, 0)", "rgb(255, 255, 255)"], "dark mode is printed"
        heading_colour = page.evaluate("getComputedStyle(document.querySelector('.masthead')).backgroundColor")
        assert heading_colour in ("rgba(0, 0, 0, 0)", "rgb(255, 255, 255)")

        rows = page.evaluate("[...document.querySelectorAll('main tr')].map(r => getComputedStyle(r).breakInside)")
        assert rows and set(rows) == {"avoid"}, "a table row may be cut between sheets"
        headers = page.evaluate("[...document.querySelectorAll('main thead')].map(h => getComputedStyle(h).display)")
        assert headers and set(headers) == {"table-header-group"}, "table headers are not repeated on each sheet"

        sheets = PdfReader(io.BytesIO(page.pdf(format="A4", print_background=False))).pages
        sizes = [(float(sheet.mediabox.width), float(sheet.mediabox.height)) for sheet in sheets]
        assert sizes and all(abs(width - A4_POINTS[0]) < 2 and abs(height - A4_POINTS[1]) < 2 for width, height in sizes), sizes
        # NFKC: the PDF's fonts set "fi" as one ligature glyph.
        on_paper = unicodedata.normalize("NFKC", "\n".join(sheet.extract_text() for sheet in sheets))
        assert "Acme Metals" in on_paper and CERTIFICATE in on_paper
        for screen_text in ("Skip to content", "Entities A–Z", "Search the register", "Atom feed"):
            assert screen_text not in on_paper, f"{screen_text!r} is printed"
        if kind == "announcement":
            assert len(sheets) >= 2, "the long announcement should fill more than one sheet"
            assert EXTERNAL in on_paper.replace("\n", ""), "an external link's address is not on paper"
        page.close()


def test_a_printed_external_link_shows_its_address(printed_site, browser):
    with static_server(printed_site) as base:
        page = browser.new_page()
        page.goto(base + PAGES["announcement"])
        link = page.locator(f'.body a[href="{EXTERNAL}"]')
        assert link.evaluate("a => getComputedStyle(a, '::after').content") in ("none", "normal", '""'), "only on paper"
        page.emulate_media(media="print")
        assert link.evaluate("a => getComputedStyle(a, '::after').content") == f'" (" attr(href) ")"' or EXTERNAL in link.evaluate(
            "a => getComputedStyle(a, '::after').content"
        )
        # An internal link is the register's own: no address after it.
        entity_link = page.locator('main a[href="/entities/acme-metals-ltd/"]').first
        assert entity_link.evaluate("a => getComputedStyle(a, '::after').content") in ("none", "normal")
        page.close()
