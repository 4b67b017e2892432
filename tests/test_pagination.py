"""A reader, or a crawler, pages through every long list of a large register and meets
every item exactly once, on pages that stay light however large the register grows.

The register is generated (tests/generated_register.py: 420 announcements, 3 of them
embargoed, about 250 companies, most of them under S), published under a sub-path
(https://example.org/register/), and read back only as HTML, by following plain links:
the yearly archives, the A-Z index by initial, a standard's entities and a criterion's
findings. What each list should hold is counted here from the content files themselves,
not from certsite.
"""

from __future__ import annotations

import re
import shutil
import unicodedata
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path, PurePosixPath

import pytest
import yaml
from bs4 import BeautifulSoup

from certsite import urls, views
from certsite.build import BuildOptions, check
from certsite.cli import main
from certsite.schema import SLUG_PATTERN
from conftest import BuiltSite, announcement
from generated_register import AS_OF, write_register
from site_checks import browser_audit, html5_problems, html_pages, nu_problems

ROOT = "/register/"  # the path of base_url: every link a page shows starts with it
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}loc"
# No HTML page may weigh more than 200 KB at 30,000 announcements. A page of a list holds
# as many items here as it would there, so a page of this register may take half of that:
# the other half is the margin for the longer names and summaries of a real register.
BUDGET = 200 * 1024
PAGE_BUDGET = BUDGET // 2


@dataclass
class Announced:
    """One published announcement as its file states it."""

    stem: str
    day: date
    entity: str
    entity_slug: str
    certifications: list[dict]


@dataclass
class Register:
    content: Path
    www: Path  # the web root; the site lies in www/register/
    announced: list[Announced]
    pages_seen: dict[str, BeautifulSoup] = field(default_factory=dict)

    def soup(self, href: str) -> BeautifulSoup:
        assert href.startswith(ROOT), f"{href} leaves the site's sub-path"
        if href not in self.pages_seen:
            path = self.www / href.split("#")[0].lstrip("/") / "index.html"
            self.pages_seen[href] = BeautifulSoup(path.read_text("utf-8"), "html.parser")
        return self.pages_seen[href]

    def follow(self, first: str, rel: str = "next") -> list[str]:
        """The pages reached from ``first`` by following <a rel=...> links, ``first`` included."""
        pages = [first]
        while (link := self.soup(pages[-1]).find("a", rel=rel)) is not None:
            assert link["href"] not in pages, f"{link['href']} comes round again after {pages}"
            pages.append(link["href"])
        return pages


def read_announcements(content: Path) -> list[Announced]:
    """Every announcement file dated on or before the build date, from its front matter."""
    found = []
    for path in sorted((content / "certifications").glob("*.md")):
        front = yaml.safe_load(path.read_text("utf-8").split("---\n")[1])
        if front["date"] <= date.fromisoformat(AS_OF):
            found.append(Announced(path.stem, front["date"], front["entity"], front["entity_slug"], front["certifications"]))
    return found


@pytest.fixture(scope="module")
def register(tmp_path_factory) -> Register:
    root = tmp_path_factory.mktemp("paginated")
    content = write_register(root)
    www = root / "www"
    assert main(["build", "--content", str(content), "--output", str(www / "register"), "--as-of", AS_OF, "--no-search"]) == 0
    announced = read_announcements(content)
    assert len(announced) == 417  # 420 files, 3 embargoed
    return Register(content, www, announced)


def href(site_path: str) -> str:
    return ROOT + site_path.lstrip("/")


def check_chain(register: Register, first: str) -> list[str]:
    """The pages of one list: reached by rel=next from the first, and back by rel=prev from the
    last; each says which page it is, links to every page, and names its neighbours in <head>."""
    pages = register.follow(first)
    assert register.follow(pages[-1], rel="prev") == pages[::-1]
    for number, page_href in enumerate(pages, start=1):
        page = register.soup(page_href)
        head = {rel: page.head.find("link", rel=rel) for rel in ("prev", "next")}
        body = {rel: page.body.find("a", rel=rel) for rel in ("prev", "next")}
        for rel in ("prev", "next"):
            assert (head[rel] and head[rel]["href"]) == (body[rel] and body[rel]["href"]), f"{page_href}: <link rel={rel}> and <a rel={rel}> differ"
        if len(pages) > 1:
            assert page.title.get_text().split(" · ")[0].endswith(f", page {number} of {len(pages)}"), page.title
            assert page.find(class_="pager-status").get_text().startswith(f"Page {number} of {len(pages)}:")
            pager = page.find("nav", class_="pager")
            assert [a["href"] for a in pager.find_all("a", attrs={"aria-label": True})] == pages
            assert pager.find("a", attrs={"aria-current": "page"})["href"] == page_href
        else:
            assert page.find("nav", class_="pager") is None and "page 1 of" not in page.title.get_text()
    return pages


def initial(name: str) -> str:
    """The heading a name files under in an A-Z index: its first letter without accents."""
    first = unicodedata.normalize("NFKD", name.replace("Ø", "O"))[0].upper()
    if first.isascii():
        return first if first.isalpha() else "#"
    return first


def test_every_yearly_archive_pages_through_every_announcement_of_its_year_once(register):
    expected = Counter(a.day.year for a in register.announced)
    assert max(expected.values()) > 200  # the busiest year needs three pages
    years = register.soup(href(urls.ANNOUNCEMENTS)).find("nav", attrs={"aria-label": "Years"}).find_all("a")
    assert [int(a.get_text()) for a in years] == sorted(expected, reverse=True)
    for link in years:
        year = int(link.get_text())
        pages = check_chain(register, link["href"])
        assert pages[0] == href(f"/certifications/{year}/")
        listed = [a["href"] for page in pages for a in register.soup(page).select("ol.listing h3 a")]
        wanted = [href(f"/certifications/{a.stem}/") for a in register.announced if a.day.year == year]
        assert len(listed) == len(set(listed)) and set(listed) == set(wanted)
        # Newest first, across pages; and the first page counts the whole year.
        days = [date.fromisoformat(register.soup(page).select_one("ol.listing").find_all("time")[0]["datetime"]) for page in pages]
        assert days == sorted(days, reverse=True)
        assert f"All {expected[year]} announcements of the year" in register.soup(pages[0]).h2.get_text()


def test_the_a_to_z_index_splits_by_initial_and_pages_through_every_entity_once(register):
    names = {a.entity_slug: a.entity for a in register.announced}
    by_initial = Counter(initial(name) for name in names.values())
    assert by_initial["S"] > 100 and {"#", "O", "包"} <= set(by_initial)
    index = register.soup(href(urls.ENTITIES))
    assert f"{len(names)} entities with published certifications" in index.find("main").get_text()
    letters = index.find("nav", attrs={"aria-label": "Initials"}).find_all("a")
    assert {a.get_text(): int(a.find_next_sibling("span").get_text().strip("()")) for a in letters} == dict(by_initial)
    seen = []
    for link in letters:
        pages = check_chain(register, link["href"])
        for page in pages:
            soup = register.soup(page)
            assert soup.h1.get_text().endswith(f": {link.get_text()}")
            for a in soup.select("ul.entity-list > li > a"):
                assert initial(a.get_text()) == link.get_text(), f"{a.get_text()} filed under {link.get_text()}"
                seen.append(a["href"])
    assert len(seen) == len(set(seen)) and set(seen) == {href(f"/entities/{slug}/") for slug in names}


def test_a_standard_pages_through_every_entity_certified_against_it_once(register):
    certified = {a.entity_slug for a in register.announced for c in a.certifications if c["standard"] == "test-ps"}
    assert len(certified) > 200
    pages = check_chain(register, href("/standards/test-ps/"))
    rows = [a["href"] for page in pages for a in register.soup(page).select("table.entities tbody th a")]
    assert len(rows) == len(set(rows)) and set(rows) == {href(f"/entities/{slug}/") for slug in certified}
    first = register.soup(pages[0])
    assert first.h1.get_text() == "Test Performance Standard V3"
    assert f"{len(certified)} entities have been certified against this standard" in first.get_text()
    assert first.find(id="criteria") and first.find("table", class_="criteria")
    for page in pages[1:]:  # the criteria are on the first page, and the others lead there
        later = register.soup(page)
        assert later.h1.get_text() == "Test Performance Standard V3" and later.find("table", class_="criteria") is None
        assert later.find("a", href=f"{pages[0]}#criteria")


def test_a_criterion_pages_through_every_finding_under_it_once(register):
    expected = Counter(
        href(f"/certifications/{a.stem}/") + f"#certification-{position}"
        for a in register.announced
        for position, c in enumerate(a.certifications, start=1)
        for ref in c.get("nonconformances", {}).get("minor", [])
        if c["standard"] == "test-ps" and re.match(r"[0-9]+\.[0-9]+", ref).group() == "5.1"
    )
    assert sum(expected.values()) > 300
    pages = check_chain(register, href("/criteria/test-ps/5.1/"))
    rows = Counter(row.find_all("td")[0].a["href"] for page in pages for row in register.soup(page).select("table.findings tbody tr"))
    assert rows == expected
    total = sum(expected.values())
    assert register.soup(pages[0]).find("main").find("p", class_=False).get_text().startswith(f"{total} non-conformances under this criterion")


def test_every_page_of_every_list_is_in_the_sitemap_and_reached_by_a_link(register):
    site = register.www / "register"
    locations = {loc.text for loc in ET.parse(site / "sitemap.xml").getroot().iter(SITEMAP)}
    list_pages = {
        "/" + path.parent.relative_to(site).as_posix() + "/"
        for path in site.rglob("index.html")
        if "page-" in path.parent.name or path.parent.name.startswith("letter_")
    }
    assert len(list_pages) > 20
    reached = set()
    for first in [a["href"] for a in register.soup(href(urls.ANNOUNCEMENTS)).find("nav", attrs={"aria-label": "Years"}).find_all("a")]:
        reached.update(register.follow(first))
    for first in [a["href"] for a in register.soup(href(urls.ENTITIES)).find("nav", attrs={"aria-label": "Initials"}).find_all("a")]:
        reached.update(register.follow(first))
    for first in (href("/standards/test-ps/"), href("/standards/test-coc/"), href("/criteria/test-ps/5.1/"), href("/criteria/test-ps/5.2/")):
        reached.update(register.follow(first))
    assert {href(page) for page in list_pages} <= reached
    assert {f"https://example.org{page}" for page in reached} <= locations


def test_a_sitemap_too_long_for_one_file_becomes_an_index_of_its_parts(register, monkeypatch):
    """The sitemap protocol allows 50,000 addresses in one file: a register with more pages
    than that publishes /sitemap.xml as an index of parts. Here a part holds 200."""
    whole = [loc.text for loc in ET.parse(register.www / "register/sitemap.xml").getroot().iter(SITEMAP)]
    assert len(whole) > 600
    monkeypatch.setattr(views, "SITEMAP_SIZE", 200)
    outputs = check(BuildOptions(register.content, date.fromisoformat(AS_OF))).outputs
    index = ET.fromstring(outputs[PurePosixPath("sitemap.xml")])
    assert index.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}sitemapindex"
    parts = [loc.text for loc in index.iter(SITEMAP)]
    assert parts == [f"https://example.org/register/sitemap-{number}.xml" for number in range(1, -(-len(whole) // 200) + 1)]
    listed = []
    for part in parts:
        locations = [loc.text for loc in ET.fromstring(outputs[PurePosixPath(part.rpartition("/")[2])]).iter(SITEMAP)]
        assert 0 < len(locations) <= 200
        listed += locations
    assert listed == whole


def test_pagination_addresses_are_none_an_entity_could_take():
    """An entity's address is /entities/<slug>/; an initial's list can never be one."""
    for letter in ("A", "S", "#", "包", "Ж"):
        segment = urls.initial_url(letter).split("/")[2]
        assert re.fullmatch(SLUG_PATTERN, segment) is None, segment


def test_no_page_is_heavier_than_its_share_of_the_budget(register):
    sizes = {path: path.stat().st_size for path in html_pages(register.www)}
    heavy = {str(path.relative_to(register.www)): size for path, size in sizes.items() if size > PAGE_BUDGET}
    assert heavy == {}
    # The budget is met by splitting, not by having little to show: full pages are there.
    assert max(sizes.values()) > PAGE_BUDGET // 3


LIST_GLOBS = (
    "certifications/index.html", "certifications/[0-9][0-9][0-9][0-9]/index.html", "certifications/*/page-*/index.html",
    "entities/index.html", "entities/letter_*/index.html", "entities/letter_*/page-*/index.html",
    "standards/*/index.html", "standards/*/page-*/index.html", "criteria/*/*/index.html", "criteria/*/*/page-*/index.html",
)


def list_pages(register: Register) -> list[Path]:
    """Every page of a list that may be split, and the indexes that lead to them, as files."""
    site = register.www / "register"
    return sorted(path for pattern in LIST_GLOBS for path in site.glob(pattern))


@pytest.fixture(scope="module")
def list_copy(register, tmp_path_factory) -> Path:
    """A copy of the list pages alone, for the checkers that read every page of a folder."""
    copy = tmp_path_factory.mktemp("list-pages")
    for path in list_pages(register):
        target = copy / path.relative_to(register.www)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, target)
    return copy


def test_paginated_pages_are_valid_html_and_every_link_stays_under_the_sub_path(register, list_copy):
    assert len(html_pages(list_copy)) > 30
    assert html5_problems(list_copy) == []
    # Served from the web root, a link that forgot /register/ would lead to no file.
    problems = []
    for path in list_pages(register):
        for element in BeautifulSoup(path.read_text("utf-8"), "html.parser").find_all(["a", "link"], href=True):
            address, _, fragment = element["href"].partition("#")
            if address.startswith(("https:", "mailto:")) or not address:
                continue
            target = register.www / address.lstrip("/") / ("index.html" if address.endswith("/") else "")
            if not address.startswith(ROOT) or not target.is_file():
                problems.append(f"{path}: {element['href']} leads to no file")
            elif fragment and f'id="{fragment}"' not in target.read_text("utf-8"):
                problems.append(f"{path}: {element['href']} has no element with id {fragment}")
    assert problems == []


def test_paginated_pages_pass_the_nu_html_checker(list_copy):
    assert nu_problems(list_copy) == ""


def test_paginated_pages_pass_axe_in_chromium(register):
    """The index of initials, and the pager below a long list (one macro on every list)."""
    pages = ["/entities/", "/entities/letter_s/page-2/", "/certifications/2024/page-2/"]
    audit = browser_audit(register.www, [href(page) for page in pages])
    assert audit.violations == [] and audit.landmark_problems == []


def test_a_company_audited_many_times_keeps_a_light_page_with_its_latest_findings(content, certsite, tmp_path):
    """Fourteen yearly audits, each with a finding under criterion 5.1: the entity page
    lists the latest ten under that criterion and says how many earlier ones there are."""
    years = range(2000, 2014)
    for year in years:
        content.announce(f"{year}-01-10-acme-metals.md", announcement(**{"date: 2024-01-10": f"date: {year}-01-10"}))
    content.remove("certifications/2024-01-10-acme-metals.md")
    assert certsite("build", "--content", content.root, "--output", tmp_path / "site", "--no-search", "--no-cache", "--as-of", "2024-06-01").code == 0
    page = BuiltSite(tmp_path / "site").soup("/entities/acme-metals-ltd/")
    row = page.select_one("table.findings tbody tr")
    findings = [item for item in row.select("li") if "announced" in item.get_text()]
    assert [item.select_one("a").get_text() for item in findings] == [f"announced 10 January {year}" for year in sorted(years, reverse=True)[:10]]
    assert "and 4 earlier" in row.get_text()
