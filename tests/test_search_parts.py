"""A large register's search index comes in parts, so that an edit indexes again only the
parts of the pages it changed; a reader searching it sees what one index would show."""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import pytest

from browser import chromium_browser, static_server
from certsite.build import BuildOptions, build
from generated import write_generated_register

AS_OF = date(2026, 11, 24)
PAGES_PER_PART = 60  # about 400 searchable pages: 7 parts
SORT_DATE = re.compile(r'data-pagefind-sort="date:([0-9-]+)"')


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    return write_generated_register(tmp_path_factory.mktemp("parts") / "content", 300)


def index_files(site: Path) -> dict[str, bytes]:
    return {path.relative_to(site).as_posix(): path.read_bytes() for path in sorted((site / "pagefind").rglob("*")) if path.is_file()}


def test_an_edit_indexes_again_only_its_parts_and_gives_the_index_of_a_cold_build(generated, tmp_path):
    content = tmp_path / "content"
    shutil.copytree(generated, content)
    options = BuildOptions(content, AS_OF, jobs=2, cache_dir=tmp_path / "cache", search_part_pages=PAGES_PER_PART)
    first = build(options, tmp_path / "site", tmp_path, with_search=True)
    assert first.search.parts >= 5 and first.search_parts_indexed == first.search.parts

    announcement = sorted((content / "certifications").glob("*.md"))[40]
    text = announcement.read_text("utf-8")
    old_title = next(line for line in text.splitlines() if line.startswith("title:"))
    announcement.write_text(text.replace(old_title, "title: Quixotic Alloys renamed this announcement", 1), encoding="utf-8")
    edited = build(options, tmp_path / "site", tmp_path, with_search=True)
    # The announcement's page, its entity's page and the pages of the entity's other
    # announcements (which show its standings) are in one part.
    assert edited.search_parts_indexed == 1

    cold = BuildOptions(content, AS_OF, jobs=1, search_part_pages=PAGES_PER_PART)
    build(cold, tmp_path / "cold" / "site", tmp_path, with_search=True)
    assert index_files(tmp_path / "site") == index_files(tmp_path / "cold" / "site")
    assert edited.search.pages == first.search.pages


@pytest.fixture(scope="module")
def sites(generated, tmp_path_factory):
    """The generated register with its index in one part and in parts, each served."""
    root = tmp_path_factory.mktemp("served")
    built = {}
    for name, per_part in (("one", 100_000), ("parts", PAGES_PER_PART)):
        report = build(BuildOptions(generated, AS_OF, jobs=2, search_part_pages=per_part), root / name, root, with_search=True)
        built[name] = (root / name, report.search.parts)
    assert built["one"][1] == 1 and built["parts"][1] >= 5
    with static_server(built["one"][0]) as one, static_server(built["parts"][0]) as parts:
        yield {"one": (one, built["one"][0]), "parts": (parts, built["parts"][0])}


@pytest.fixture(scope="module")
def browser():
    with chromium_browser() as browser:
        yield browser


def every_result(browser, url: str, query: str) -> tuple[list[str], str, list[str]]:
    """Every result's address in the order shown ("Show more" until there is no more), the
    count line, and the filter labels with their counts."""
    page = browser.new_page()
    try:
        page.goto(f"{url}/search/?{query}")
        page.wait_for_function("document.getElementById('search-count').textContent.includes('result')")
        while page.locator("#search-more").is_visible():
            shown = page.locator(".search-result").count()
            page.locator("#search-more").click()
            page.wait_for_function(f"document.querySelectorAll('.search-result').length > {shown}")
        links = [link.get_attribute("href") for link in page.locator(".search-result h2 a").all()]
        return links, page.locator("#search-count").text_content(), page.locator("#search-filters label").all_text_contents()
    finally:
        page.close()


def sort_date(site: Path, href: str) -> str:
    return SORT_DATE.search((site / href.strip("/") / "index.html").read_text("utf-8")).group(1)


def test_a_part_that_cannot_be_loaded_is_said_rather_than_leaving_results_out(sites, browser):
    page = browser.new_page()
    try:
        page.route("**/pagefind/part-2/**", lambda route: route.fulfill(status=404, body="gone"))
        page.goto(f"{sites['parts'][0]}/search/?q=aluminium")
        page.wait_for_function("document.getElementById('search-count').textContent.length > 0")
        assert "not available" in page.locator("#search-count").text_content()
        assert page.locator(".search-result").count() == 0
    finally:
        page.close()


@pytest.mark.parametrize("query", ["q=aluminium", "q=aluminium&country=China", "standard=ASI+Performance+Standard+V3"])
def test_a_search_finds_in_parts_what_it_finds_in_one_index(sites, browser, query):
    one, one_count, one_filters = every_result(browser, sites["one"][0], query)
    parts, parts_count, parts_filters = every_result(browser, sites["parts"][0], query)
    assert len(one) > 10 and sorted(one) == sorted(parts)
    assert parts_count == one_count and parts_filters == one_filters


@pytest.mark.parametrize("order", ["newest", "oldest"])
def test_results_in_parts_come_in_date_order_as_from_one_index(sites, browser, order):
    one, _, _ = every_result(browser, sites["one"][0], f"q=aluminium&sort={order}")
    parts, _, _ = every_result(browser, sites["parts"][0], f"q=aluminium&sort={order}")
    dates = [sort_date(sites["parts"][1], href) for href in parts]
    assert len(dates) > 20 and dates == sorted(dates, reverse=order == "newest")
    assert parts == one  # pages of the same date too come in the same order
