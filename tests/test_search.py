"""A reader searches the register in a real browser, against a real Pagefind index."""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path, PurePosixPath
from urllib.parse import parse_qs, urlsplit

import pytest

from browser import chromium_browser, static_server
from conftest import ASI_AS_OF, ASI_REGISTER, PROJECT, announcement
from processes import pagefind_children
from certsite.cli import main
from certsite.errors import BuildError
from certsite.search import INDEX_DIR, _Service, index_pages, page_url, search_html, site_pages

NORDIC = """\
---
title: Nordic Aluminium certified
date: 2025-09-01
entity: Nordic Aluminium AS
location: {city: Årdal, country: NO}
activities: [extrusion]
certifications:
  - standard: asi-ps-v3
    auditor: Nordic Audit AS
---
Nordic Aluminium's extrusion plant at Årdal was certified. It processes land and
and sand alloys at home.
"""

# A company known only by its Chinese name: no profile, no alias.
HONGDA = """\
---
title: 宏达铝业有限公司 certified
date: 2025-10-01
entity: 宏达铝业有限公司
entity_slug: hongda-aluminium
facilities: [宏达铝业包头工厂]
location: {country: CN}
certifications:
  - standard: asi-ps-v3
    auditor: Example Audit
---
A smelter known by its Chinese name was certified.
"""


NORWAY = re.compile(r"^\s*Norway \(\d+\)$")


@pytest.fixture(scope="module")
def site_url(tmp_path_factory):
    """The bundled register plus one Norwegian entity, built with search and served locally."""
    root = tmp_path_factory.mktemp("search")
    content = root / "content"
    shutil.copytree(ASI_REGISTER, content)
    (content / "certifications/2025-09-01-nordic-aluminium.md").write_text(NORDIC, encoding="utf-8")
    (content / "certifications/2025-10-01-hongda-aluminium.md").write_text(HONGDA, encoding="utf-8")
    assert main(["build", "--content", str(content), "--output", str(root / "site"), "--as-of", ASI_AS_OF]) == 0
    with static_server(root / "site") as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with chromium_browser() as browser:
        yield browser


@pytest.fixture
def page(browser, site_url):
    context = browser.new_context(base_url=site_url)
    page = context.new_page()
    page.requests = []
    page.on("request", lambda request: page.requests.append(request.url))
    yield page
    context.close()


def results(page) -> list[str]:
    page.wait_for_function("document.getElementById('search-count').textContent.length > 0")
    return [link.get_attribute("href") for link in page.locator(".search-result h2 a").all()]


def wait_for_results(page, previous_count_text: str = "") -> list[str]:
    page.wait_for_function(
        "previous => { const t = document.getElementById('search-count').textContent; return t.length > 0 && t !== previous; }",
        arg=previous_count_text,
    )
    return results(page)


def test_header_search_leads_to_the_entity(page):
    page.goto("/")
    page.fill("#header-q", "Baotou")
    page.press("#header-q", "Enter")
    page.wait_for_url("**/search/?q=Baotou")
    found = results(page)
    assert found[0] in ("/entities/baotou-aluminium-co-ltd/", "/certifications/2024-01-10-baotou-aluminium/")
    assert "/entities/baotou-aluminium-co-ltd/" in found
    page.click("a[href='/entities/baotou-aluminium-co-ltd/']")
    assert page.locator("h1").inner_text() == "Baotou Aluminium Co., Ltd."


def test_country_filter_narrows_the_results_and_is_kept_in_the_address(page):
    page.goto("/search/?q=aluminium")
    everything = results(page)
    assert "/entities/nordic-aluminium-as/" in everything and "/entities/baotou-aluminium-co-ltd/" in everything
    before = page.locator("#search-count").inner_text()
    page.get_by_text("Filter by companies or announcements").click()
    page.get_by_label(NORWAY).check()
    narrowed = wait_for_results(page, before)
    assert narrowed == ["/entities/nordic-aluminium-as/"]  # filters describe companies, so they leave entity pages
    assert parse_qs(urlsplit(page.url).query) == {"q": ["aluminium"], "country": ["Norway"]}
    page.reload()  # a shared or bookmarked address restores the same search
    assert page.get_by_label(NORWAY).is_checked()
    assert results(page) == narrowed


def test_criterion_title_finds_the_announcements_with_that_finding(page):
    page.goto("/search/?q=Records%20Management")
    assert "/certifications/2024-05-15-qinghai-baihe-aluminium/" in results(page)


def test_a_query_without_match_says_so(page):
    page.goto("/search/?q=Norsk%20Hydro")
    assert results(page) == []
    assert page.locator("#search-count").inner_text() == "No certified company, place or criterion matches “Norsk Hydro”."
    assert page.locator(".search-empty a").get_attribute("href") == "/entities/"


@pytest.mark.parametrize(("query", "entity"), [("包头铝业", "baotou-aluminium-co-ltd"), ("百河铝业", "qinghai-baihe-aluminium-co-ltd"), ("四通", "lizhong-sitong-light-alloys-group-co-ltd")])
def test_chinese_names_are_found_by_whole_name_or_part(page, query, entity):
    page.goto(f"/search/?q={query}")
    found = results(page)
    assert f"/entities/{entity}/" in found
    words = page.locator(f".search-result:has(a[href='/entities/{entity}/']) .excerpt").inner_text().split()
    name_parts = [w for w, following in zip(words, words[1:]) if following.rstrip(".") == w[1:].rstrip(".")]
    assert name_parts == []  # the indexed list of name parts is not shown to readers


@pytest.mark.parametrize("query", ["宏达铝业有限公司", "铝业有限公司", "有限公司", "包头工厂"])
def test_a_company_known_only_by_its_chinese_name_is_found_by_any_part_of_name_or_facility(page, query):
    found = results(page_at(page, query))
    assert "/entities/hongda-aluminium/" in found and "/certifications/2025-10-01-hongda-aluminium/" in found


def test_excerpts_quote_the_page_as_written(page):
    page.goto("/search/?q=sand")
    results(page)
    excerpt = page.locator(".search-result:has(a[href='/certifications/2025-09-01-nordic-aluminium/']) .excerpt").inner_text()
    assert "processes land and and sand alloys at home" in excerpt


def page_at(page, query: str):
    page.goto(f"/search/?q={query}")
    return page


def test_names_are_found_without_their_diacritics(page):
    page.goto("/search/?q=Ardal")
    assert "/entities/nordic-aluminium-as/" in results(page)


def test_search_works_by_keyboard_alone(page):
    page.goto("/search/")
    page.keyboard.press("Tab")  # skip link
    page.keyboard.press("Tab")  # site title
    page.keyboard.press("Tab")  # header search box
    page.keyboard.type("Sitong")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search/?q=Sitong")
    assert "/entities/lizhong-sitong-light-alloys-group-co-ltd/" in results(page)


def test_sorting_by_date_puts_the_newest_first(page):
    page.goto("/search/?q=certified&sort=newest")
    found = [url for url in results(page) if url.startswith("/certifications/")]
    dates = [url.split("/")[2][:10] for url in found]
    assert len(dates) >= 4 and dates == sorted(dates, reverse=True)


def test_results_that_fail_to_load_are_said_rather_than_a_blank_page(page):
    """The index changed under the open page (a deploy while a reader searches): the
    results' files are gone. The page says search is not available and offers the A-Z list."""
    page.route("**/pagefind/fragment/**", lambda route: route.fulfill(status=404, body="gone"))
    page.goto("/search/?q=aluminium")
    page.wait_for_function("document.getElementById('search-count').textContent.length > 0")
    assert "not available right now" in page.locator("#search-count").text_content()
    assert page.locator("#search-results a").get_attribute("href").endswith("/entities/")


def test_a_register_updated_while_the_page_is_open_is_said_rather_than_false_results(page):
    """A deploy replaces the index while a reader has the search page open: the files the
    page was about to load are gone, and Pagefind would answer without them ("no
    results"). The page says the register was updated and asks for a reload instead."""
    page.goto("/search/?q=aluminium")
    assert results(page)
    page.route("**/pagefind/version.txt", lambda route: route.fulfill(status=200, body="a later index"))
    page.route("**/pagefind/index/**", lambda route: route.fulfill(status=404, body="gone"))
    previous = page.locator("#search-count").text_content()
    page.locator("#search-q").fill("Norway")
    page.wait_for_function("previous => document.getElementById('search-count').textContent !== previous", arg=previous)
    assert "updated while this page was open" in page.locator("#search-count").text_content()
    assert page.locator(".search-result").count() == 0


def test_search_loads_nothing_from_other_hosts(page, site_url):
    page.goto("/search/?q=Baotou")
    results(page)
    page.wait_for_load_state("networkidle")
    assert any("/pagefind/" in url for url in page.requests)
    assert all(url.startswith(site_url) for url in page.requests), page.requests


def test_the_readme_states_what_a_first_search_transfers_on_the_asi_site(asi_site, browser):
    """Measured here so that the README's figure cannot drift from the truth."""
    stated = int(re.search(r"first\s+search transfers about \*\*(\d+) KB\*\*", (PROJECT / "README.md").read_text("utf-8")).group(1))
    with static_server(asi_site.root) as url:
        page = browser.new_page()
        sizes: dict[str, int] = {}
        page.on("response", lambda response: sizes.__setitem__(response.url, len(response.body())) if response.ok else None)
        page.goto(f"{url}/search/?q=Baotou")
        results(page)
        page.wait_for_load_state("networkidle")
        page.close()
    transferred = sum(size for address, size in sizes.items() if "/pagefind/" in address or address.endswith("/static/search.js")) / 1024
    print(f"\nfirst search on the bundled site: {transferred:.0f} KB")
    assert abs(transferred - stated) <= stated * 0.1, f"README says {stated} KB, measured {transferred:.0f} KB"


CHINESE_BODY = """\
---
title: Hongda certified
date: 2025-10-01
entity: Hongda Aluminium
location: {country: CN}
certifications:
  - standard: asi-ps-v3
    auditor: Example Audit
---
宏达公司是一家位于内蒙古的电解铝冶炼企业，已通过认证。
"""


def test_a_chinese_language_register_finds_words_inside_sentences(tmp_path, browser):
    """Pagefind's extended build segments Chinese text; the standard build would index
    the sentence as one word, and "冶炼" from its middle would find nothing."""
    content = tmp_path / "content"
    shutil.copytree(ASI_REGISTER, content)
    site_yaml = content / "site.yaml"
    site_yaml.write_text(site_yaml.read_text("utf-8").replace("language: en", "language: zh-CN"), encoding="utf-8")
    (content / "certifications/2025-10-01-hongda.md").write_text(CHINESE_BODY, encoding="utf-8")
    assert main(["build", "--content", str(content), "--output", str(tmp_path / "site"), "--as-of", ASI_AS_OF]) == 0
    with static_server(tmp_path / "site") as url:
        page = browser.new_page()
        for word in ("冶炼", "电解铝", "内蒙古"):
            page.goto(f"{url}/search/?q={word}")
            assert results(page) == ["/certifications/2025-10-01-hongda/"], word
        page.close()


@pytest.mark.parametrize(("key", "value"), [("auditor", "Bureau Veritas Certification"), ("status", "certified"), ("year", "2024")])
def test_a_filters_count_is_the_number_of_results_it_gives(page, key, value):
    page.goto(f"/search/?{key}={value.replace(' ', '+')}")
    found = results(page)
    label = page.locator(f"input[name='{key}'][value='{value}'] + label").inner_text()
    assert label.strip() == f"{value} ({len(found)})"


def test_excerpts_keep_words_of_neighbouring_fields_apart(page):
    page.goto("/search/?q=tonnes")
    results(page)
    text = page.locator("#search-results").inner_text()
    assert re.search(r"Capacity (about|1\.3)", text), text
    assert not re.search(r"Capacity(about|1\.3)", text)


# ---- What search indexes, and how (Pagefind without a browser) ----


def indexed(files: dict[PurePosixPath, bytes]) -> dict[str, dict]:
    """Each indexed page as Pagefind stored it (its text, meta and filters), by address."""
    pages = {}
    for path, content in files.items():
        if path.parent.name == "fragment":
            data = gzip.decompress(content)
            page = json.loads(data[data.index(b"{") :])
            pages[page["url"]] = page
    return pages


def written_index(site: Path) -> dict[PurePosixPath, bytes]:
    return {PurePosixPath(path.relative_to(site).as_posix()): path.read_bytes() for path in (site / INDEX_DIR).rglob("*") if path.is_file()}


def test_a_page_cut_down_for_search_gives_the_index_the_whole_page_gives(asi_site):
    """So that whoever renders pages may hand search only what ``search_html`` keeps."""
    whole = [(page_url(PurePosixPath(path.relative_to(asi_site.root).as_posix())), path.read_text("utf-8")) for path in sorted(asi_site.root.rglob("*.html"))]
    searchable = [(url, html) for url, html in whole if search_html(html) is not None]
    cut = list(site_pages(asi_site.root))
    assert [url for url, _ in cut] == [url for url, _ in searchable] and len(cut) == 8
    assert sum(len(html) for _, html in cut) < sum(len(html) for _, html in searchable) / 2
    assert all(search_html(html) == html for _, html in cut)  # cutting again changes nothing
    files = index_pages(cut)
    assert files == index_pages(searchable)
    assert indexed(files) == indexed(written_index(asi_site.root))  # the pages as the build indexed them


@pytest.mark.skipif(not Path("/dev/shm").is_dir(), reason="needs a tmpfs at /dev/shm beside the tests' own folder")
def test_the_index_is_the_same_built_on_another_file_system(asi_site, tmp_path):
    """Pagefind numbered the pages in the order the file system listed each folder (ext4
    by a hash, tmpfs by creation); certsite gives them in the order of their paths."""
    other = Path(tempfile.mkdtemp(dir="/dev/shm")) / "site"
    try:
        assert main(["build", "--content", str(ASI_REGISTER), "--output", str(other), "--as-of", ASI_AS_OF, "--no-cache"]) == 0
        assert written_index(other) == written_index(asi_site.root)
    finally:
        shutil.rmtree(other.parent)


STORY = """\
Acme Metals was certified against the test standard.

The quokka-shaped casthouse was praised by the auditors.
"""


def test_an_announcement_is_indexed_by_its_facts_and_summary_not_its_whole_text(content, tmp_path):
    """Indexing every word of every announcement took Pagefind 3 GB and 35 s of processor
    time at 10,000 announcements; the facts a searcher looks for take a third of the memory
    and half the time (see certsite/search.py)."""
    content.announce("2024-01-10-acme-metals.md", announcement(**{"Acme Metals was certified against the test standard.\n": STORY}))
    assert main(["build", "--content", str(content.root), "--output", str(tmp_path / "site"), "--as-of", "2024-06-01"]) == 0
    text = indexed(written_index(tmp_path / "site"))["/certifications/2024-01-10-acme-metals/"]["content"]
    for fact in ("Acme Metals certified", "Acme Metals was certified against the test standard.", "Acme Metals Ltd.", "Oslo", "Test Performance Standard", "Example Certification", "5.1 Disclosure of GHG Emissions and Energy Use minor"):
        assert fact in text, fact
    for left_out in ("quokka", "Status as of", "valid until", "Non-conformances found", "a, b", "Open"):
        assert left_out not in text, left_out


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_pages_reach_pagefind_while_the_next_ones_are_made(asi_site):
    pages = list(site_pages(asi_site.root))
    running_while_made = []

    def made():
        for number, page in enumerate(pages):
            if number > 0:
                running_while_made.append(bool(pagefind_children(os.getpid())))
            yield page

    index_pages(made())
    assert running_while_made == [True] * (len(pages) - 1)
    assert pagefind_children(os.getpid()) == []  # and it has ended


def test_without_the_pagefind_binary_the_build_fails_and_says_so(monkeypatch):
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", "/nonexistent/pagefind_extended")  # where the pagefind package looks first
    with pytest.raises(BuildError, match="the Pagefind binary is missing"):
        index_pages([])


# A stand-in for Pagefind's service: it creates an index, then refuses every page.
REFUSING_SERVICE = r"""
import base64, json, sys
pending = b""
while chunk := sys.stdin.buffer.read1(65536):
    pending += chunk
    while b"," in pending:
        raw, pending = pending.split(b",", 1)
        message = json.loads(base64.b64decode(raw))
        if message["payload"]["type"] == "NewIndex":
            payload = {"type": "NewIndex", "index_id": 0}
        else:
            payload = {"type": "Error", "message": "the page is not HTML", "original_message": None}
        sys.stdout.buffer.write(base64.b64encode(json.dumps({"message_id": message["message_id"], "payload": payload}).encode()) + b",")
        sys.stdout.buffer.flush()
"""


def test_a_page_pagefind_refuses_fails_the_build_naming_the_page():
    with pytest.raises(BuildError, match="Pagefind could not index /entities/acme/: the page is not HTML"), _Service([sys.executable, "-c", REFUSING_SERVICE]) as service:
        service.add_page("/entities/acme/", "<html><body><main data-pagefind-body>Acme</main></body></html>")
        service.files()


def test_pagefind_ending_halfway_fails_the_build_with_what_it_said():
    dying = "import sys; sys.stdin.buffer.read(8); sys.stderr.write('memory allocation failed'); sys.exit(3)"
    with pytest.raises(BuildError, match=r"Pagefind stopped before the index was done \(exit 3\):\nmemory allocation failed"), _Service([sys.executable, "-c", dying]):
        pass
