"""A register published under a sub-path (base_url https://example.org/register/) links
within itself: pages, stylesheet, scripts, feed, sitemap, redirects and search."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET

import pytest
from bs4 import BeautifulSoup

from browser import chromium_browser, static_server
from conftest import PROJECT
from certsite.cli import main
from site_checks import broken_links

REGISTER = PROJECT / "tests/registers/status"
AS_OF = "2026-06-01"


@pytest.fixture(scope="module")
def www(tmp_path_factory):
    """The status register built for https://example.org/register/ and placed at /register/ of a web root."""
    root = tmp_path_factory.mktemp("subpath")
    content = root / "content"
    shutil.copytree(REGISTER, content)
    site_yaml = content / "site.yaml"
    site_yaml.write_text(site_yaml.read_text("utf-8").replace("https://status.example.org/", "https://example.org/register/"), encoding="utf-8")
    (content / "certifications/2022-05-10-kestrel-alloys.md").write_text(
        (content / "certifications/2022-05-10-kestrel-alloys.md").read_text("utf-8").replace("date: 2022-05-10\n", "date: 2022-05-10\naliases: [/news/kestrel/]\n"),
        encoding="utf-8",
    )
    assert main(["build", "--content", str(content), "--output", str(root / "www/register"), "--as-of", AS_OF]) == 0
    return root / "www"


def test_every_link_stays_under_the_sub_path(www):
    # Served from the web root, a link that forgot the sub-path would lead to no file.
    assert broken_links(www) == []
    page = BeautifulSoup((www / "register/entities/kestrel-alloys-ltd/index.html").read_text("utf-8"), "html.parser")
    assert page.find("link", rel="stylesheet")["href"] == "/register/static/style.css"
    assert page.find("link", rel="canonical")["href"] == "https://example.org/register/entities/kestrel-alloys-ltd/"
    assert page.find("a", class_="brand")["href"] == "/register/"


def test_feed_sitemap_robots_and_redirects_name_the_sub_path(www):
    site = www / "register"
    atom = "{http://www.w3.org/2005/Atom}"
    feed = ET.parse(site / "feed.xml").getroot()
    assert {link.get("href") for link in feed.iter(f"{atom}link")} >= {"https://example.org/register/feed.xml", "https://example.org/register/"}
    assert all(entry.find(f"{atom}id").text.startswith("https://example.org/register/certifications/") for entry in feed.iter(f"{atom}entry"))
    locs = [loc.text for loc in ET.parse(site / "sitemap.xml").getroot().iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert locs and all(loc.startswith("https://example.org/register/") for loc in locs)
    assert "Sitemap: https://example.org/register/sitemap.xml" in (site / "robots.txt").read_text("utf-8")
    assert "/register/news/kestrel/ /register/certifications/2022-05-10-kestrel-alloys/ 301!" in (site / "_redirects").read_text("utf-8")
    redirect = BeautifulSoup((site / "news/kestrel/index.html").read_text("utf-8"), "html.parser")
    assert redirect.find("meta", attrs={"http-equiv": "refresh"})["content"] == "0; url=/register/certifications/2022-05-10-kestrel-alloys/"


def test_the_published_schema_is_identified_by_its_own_address(www, certsite):
    schema = json.loads((www / "register/schema/announcement.schema.json").read_text("utf-8"))
    assert schema["$id"] == "https://example.org/register/schema/announcement.schema.json"
    printed = certsite("schema", "--content", www.parent / "content")
    assert printed.code == 0 and json.loads(printed.out) == schema


def test_a_reader_browses_and_searches_under_the_sub_path(www):
    with static_server(www) as url, chromium_browser() as browser:
        page = browser.new_page(base_url=url)
        failed = []
        page.on("response", lambda response: failed.append(response.url) if response.status >= 400 else None)
        page.goto("/register/")
        page.get_by_role("link", name="Entities A–Z").click()
        page.get_by_role("link", name="Kestrel Alloys Ltd").click()
        page.wait_for_url("**/register/entities/kestrel-alloys-ltd/")
        page.fill("#header-q", "Kestrel Metals")
        page.press("#header-q", "Enter")
        page.wait_for_url("**/register/search/?q=Kestrel+Metals")
        page.wait_for_function("document.querySelectorAll('.search-result').length > 0")
        first = page.locator(".search-result h2 a").first
        assert first.get_attribute("href") == "/register/entities/kestrel-alloys-ltd/"
        first.click()
        page.wait_for_url("**/register/entities/kestrel-alloys-ltd/")
        assert page.locator("h1").inner_text() == "Kestrel Alloys Ltd"
        assert failed == []
