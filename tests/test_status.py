"""A buyer asks every page one question: is this company certified now, against what,
until when, with which findings still open?

The frozen register in tests/registers/status holds one company for each answer, as
of 1 June 2026:

- Vestera Metall: three certifications against one standard under two spellings of
  its name; the older two are superseded, the newest is certified until 2028.
- Kestrel Alloys (also known as Kestrel Metals): no valid_until, so its end date is
  derived from the standard's 36 months: expired on 9 May 2025.
- Orca Rolling: suspended; its chain-of-custody certificate has no end date at all.
- Pelican Extrusions: provisional for one year, which has passed; a later certificate
  for its plant in another country is in force.
- 宏达铝业有限公司: known only by its Chinese name.
"""

from __future__ import annotations

import shutil
import pytest

from browser import chromium_browser, static_server
from conftest import PROJECT, BuiltSite, announcement
from certsite.cli import main
from site_checks import broken_links, html5_problems, nu_problems

REGISTER = PROJECT / "tests/registers/status"
AS_OF = "2026-06-01"

VESTERA = "/entities/vestera-metall/"
KESTREL = "/entities/kestrel-alloys-ltd/"
ORCA = "/entities/orca-rolling-gmbh/"
PELICAN = "/entities/pelican-extrusions-sa/"
HONGDA = "/entities/hongda-aluminium/"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> BuiltSite:
    output = tmp_path_factory.mktemp("status") / "site"
    assert main(["build", "--content", str(REGISTER), "--output", str(output), "--as-of", AS_OF]) == 0
    return BuiltSite(output)


def rows(table) -> list[list[str]]:
    return [[cell.get_text(" ", strip=True) for cell in row.find_all(["th", "td"])] for row in table.find("tbody").find_all("tr")]


def test_check_warns_about_what_may_mislead_a_reader_and_still_passes(certsite):
    run = certsite("check", "--content", REGISTER, "--as-of", AS_OF)
    assert run.code == 0, run.err
    assert "valid; 5 warnings" in run.out
    certifications = REGISTER / "certifications"
    assert f"{certifications}/2025-01-15-orca-rolling.md:11: warning: certification 2 (test-coc) has no end date" in run.err
    assert f"{certifications}/2021-02-01-vestera-metall.md:4: warning: entity 'Vesterå Metall AS' shares the entity page 'vestera-metall'" in run.err
    assert f"{certifications}/2024-09-01-pelican-extrusions.md:5: warning: the entity page 'pelican-extrusions-sa' is used by announcements in BE, FR" in run.err
    assert "error" not in run.err


def test_strict_turns_the_warnings_into_a_failure(certsite, tmp_path):
    run = certsite("build", "--content", REGISTER, "--as-of", AS_OF, "--strict", "--output", tmp_path / "site", "--no-search")
    assert run.code == 1
    assert run.err.splitlines()[-1] == "5 warnings in 5 files. Nothing was published."
    assert not (tmp_path / "site").exists()


def test_an_entity_page_opens_with_the_answer_then_the_history(site):
    page = site.soup(VESTERA)
    assert page.h1.get_text(strip=True) == "Vestera Metall A/S"
    assert "Vesterå Metall AS" in page.find(class_="aliases").get_text()  # two spellings, one company
    assert page.find(class_="answer").get_text(" ", strip=True) == (
        "Test Performance Standard V1: certified, valid until 31 March 2028 (certificate VM-2025), 1 open finding."
    )
    assert rows(page.find("table", class_="current")) == [
        # Each certificate number links to its verification, named for screen readers.
        ["Test Performance Standard V1", "Certified", "31 March 2028", "VM-2025 verify certificate VM-2025", "1", "1 April 2025"]
    ]
    history = rows(page.find("table", class_="history"))
    assert [(row[1], row[2], row[3]) for row in history] == [
        ("1 April 2025", "VM-2025 verify certificate VM-2025", "Certified , valid until 31 March 2028"),
        ("1 March 2023", "VM-2023 verify certificate VM-2023", "Superseded by the announcement of 1 April 2025"),
        ("1 February 2021", "VM-2021 verify certificate VM-2021", "Superseded by the announcement of 1 March 2023"),
    ]
    superseded = page.find("table", class_="history").find_all("tr")[2]
    assert superseded.find("a", string="announcement of 1 April 2025")["href"] == "/certifications/2025-04-01-vestera-metall/"
    assert [row[5] for row in history] == ["1 open of 1", "1 (history)", "1 (history)"]


def test_findings_of_a_superseded_certificate_are_history_not_open(site):
    page = site.soup("/certifications/2021-02-01-vestera-metall/")
    section = page.find("section", id="certification-1")
    assert section.find("caption").get_text(strip=True) == "Non-conformances found in the audit (1, now history)"
    follow_up = rows(section.find("table", class_="findings"))[0][-1]
    assert follow_up == "History: not recorded as closed before the certificate was superseded"
    entity = site.soup(VESTERA).find("table", class_="findings").get_text(" ", strip=True)
    assert "announced 1 April 2025 : Open" in entity and entity.count("History") == 2


def test_a_certificate_without_an_end_date_expires_when_the_standard_says(site):
    page = site.soup("/certifications/2022-05-10-kestrel-alloys/")
    facts = {dt.get_text(" ", strip=True): dt.find_next_sibling("dd").get_text(" ", strip=True) for dt in page.select("section.certification dt")}
    assert facts["Status as of 1 June 2026"] == "Expired , was valid until 9 May 2025 (derived) (announced as certified)"
    assert facts["Valid"] == (
        "until 9 May 2025 (derived: the announcement gives no end date, and certificates under this standard last 36 months from the announcement date)"
    )
    assert rows(page.find("table", class_="findings"))[0][-1].startswith("History")
    current = rows(site.soup(KESTREL).find("table", class_="current"))
    assert current == [["Test Performance Standard V1", "Expired", "9 May 2025 (derived)", "not announced", "history", "10 May 2022"]]


def test_a_provisional_certificate_lasts_its_year(site):
    page = site.soup("/certifications/2024-09-01-pelican-extrusions/")
    status = page.find("section", id="certification-1").find("dd").get_text(" ", strip=True)
    assert status == "Expired , was valid until 31 August 2025 (derived) (announced as provisional)"
    current = {row[0]: row[1:3] for row in rows(site.soup(PELICAN).find("table", class_="current"))}
    assert current == {
        "Test Chain of Custody Standard V1": ["Certified", "31 January 2028"],
        "Test Performance Standard V1": ["Expired", "31 August 2025 (derived)"],
    }


def test_suspension_outranks_the_end_date_and_a_missing_end_date_is_said(site):
    current = {row[0]: row[1:3] for row in rows(site.soup(ORCA).find("table", class_="current"))}
    assert current == {
        "Test Chain of Custody Standard V1": ["Certified", "no end date announced"],
        "Test Performance Standard V1": ["Suspended", "31 December 2027"],
    }


EXPECTED_BY_ENTITY = {
    "Vestera Metall A/S": "Certified",
    "Kestrel Alloys Ltd": "Expired",
    "Orca Rolling GmbH": "Suspended",
    "Pelican Extrusions SA": "Expired",
    "宏达铝业有限公司": "Certified",
}


def test_the_standard_page_gives_each_entitys_status_and_validity(site):
    table = rows(site.soup("/standards/test-ps/").find("table", class_="entities"))
    assert {row[0]: row[1] for row in table} == EXPECTED_BY_ENTITY
    assert {row[0]: row[2] for row in table}["宏达铝业有限公司"] == "30 September 2028 (derived)"


def test_the_entity_index_gives_each_companys_current_status(site):
    page = site.soup("/entities/")
    for name, status in EXPECTED_BY_ENTITY.items():
        item = page.find("a", string=name).find_parent("li").get_text(" ", strip=True)
        assert f"Test Performance Standard V1: {status}" in item, item


def test_a_criterion_page_tells_open_findings_from_history(site):
    page = site.soup("/criteria/test-ps/5.1/")
    table = rows(page.find("table", class_="findings"))
    assert [(row[0], row[1].rsplit(", ", 1)[-1], row[4], row[5].split(" ,")[0].split(" by")[0]) for row in table] == [
        ("Vestera Metall A/S", "1 April 2025", "Open", "Certified"),
        ("Pelican Extrusions SA", "1 September 2024", "History: not recorded as closed before the certificate expired", "Expired"),
        ("Vesterå Metall AS", "1 February 2021", "History: not recorded as closed before the certificate was superseded", "Superseded"),
    ]
    assert "1 is open as of 1 June 2026" in page.find("main").get_text(" ", strip=True)
    # Each finding names its announcement by title, linking to it.
    for row in page.find("table", class_="findings").select("tbody tr"):
        link = row.find("td").find("a")
        announcement = site.soup(link["href"].split("#")[0])
        assert link.get_text(strip=True) == announcement.find("h1").get_text(strip=True)


@pytest.mark.parametrize(
    ("url", "title", "status"),
    [
        ("/certifications/2021/", "Vesterå Metall certified against the Test Performance Standard", "Superseded by the announcement of 1 March 2023"),
        ("/certifications/2022/", "Kestrel Alloys certified against the Test Performance Standard", "Expired , was valid until 9 May 2025 (derived)"),
        ("/", "Orca Rolling's certification suspended", "Suspended , end date 31 December 2027"),
    ],
)
def test_archives_and_the_home_page_carry_the_status_as_of_the_data_date(site, url, title, status):
    item = site.soup(url).find("a", string=title).find_parent("article").find("ul", class_="standings").get_text(" ", strip=True)
    assert item.startswith(f"Test Performance Standard V1: {status}")


def test_every_page_of_the_status_register_is_sound(site):
    assert html5_problems(site.root) == []
    assert broken_links(site.root) == []
    assert nu_problems(site.root) == ""


# ---- In a real browser, against the real Pagefind index ----


@pytest.fixture(scope="module")
def browser():
    with chromium_browser() as browser:
        yield browser


@pytest.fixture(scope="module")
def served(site):
    with static_server(site.root) as url:
        yield url


@pytest.fixture
def page(browser, served):
    context = browser.new_context(base_url=served)
    yield context.new_page()
    context.close()


def search(page, address: str) -> list[dict[str, str]]:
    """Every result of a search, after pressing "Show more" until there is no more."""
    page.goto(address)
    page.wait_for_function("/result|No /.test(document.getElementById('search-count').textContent)")
    more = page.locator("#search-more")
    while more.is_visible():
        before = page.locator(".search-result").count()
        more.click()
        page.wait_for_function(f"document.querySelectorAll('.search-result').length > {before}")
    return [
        {
            "url": item.locator("h2 a").get_attribute("href"),
            "title": item.locator("h2 a").inner_text(),
            "meta": item.locator(".meta").inner_text(),
            "status": item.locator(".result-status").inner_text() if item.locator(".result-status").count() else "",
        }
        for item in page.locator(".search-result").all()
    ]


@pytest.mark.parametrize(
    ("query", "entity"),
    [
        ("Vestera Metall A/S", VESTERA),
        ("Vesterå Metall AS", VESTERA),  # the earlier spelling
        ("Kestrel Alloys Ltd", KESTREL),
        ("Kestrel Metals", KESTREL),  # an alias from the profile
        ("Orca Rolling GmbH", ORCA),
        ("Pelican Extrusions SA", PELICAN),
        ("宏达铝业有限公司", HONGDA),  # named only in Chinese
    ],
)
def test_a_companys_exact_name_finds_its_entity_page_first(page, query, entity):
    found = search(page, f"/search/?q={query}")
    assert found[0]["url"] == entity, [r["url"] for r in found]


def test_search_results_carry_the_status_and_a_chinese_name_as_title(page):
    found = {r["url"]: r for r in search(page, "/search/?q=宏达铝业有限公司")}
    assert found[HONGDA]["title"] == "宏达铝业有限公司"
    assert found[HONGDA]["status"] == "Status as of 1 June 2026: Test Performance Standard V1: certified, valid until 30 September 2028 (derived)"
    announcement = found["/certifications/2025-10-01-hongda-aluminium/"]
    assert "宏达铝业有限公司" in announcement["meta"] and "达铝业有限公司 铝业" not in announcement["meta"]
    kestrel = {r["url"]: r for r in search(page, "/search/?q=Kestrel")}
    assert kestrel[KESTREL]["status"].endswith("expired, was valid until 9 May 2025 (derived)")
    assert kestrel["/certifications/2022-05-10-kestrel-alloys/"]["status"].endswith("expired, was valid until 9 May 2025 (derived)")


def test_excerpts_read_as_sentences(page):
    page.goto("/search/?q=Orca")
    page.wait_for_function("document.querySelectorAll('.search-result .excerpt').length > 0")
    excerpts = page.locator("#search-results").inner_text()
    assert "StandardStatus" not in excerpts and "Valid untilCertificate" not in excerpts
    assert "Orca Rolling GmbH. Status as of 1 June 2026." in excerpts


def test_a_chinese_name_stays_in_the_excerpt_and_its_indexed_parts_do_not(page):
    page.goto("/search/?q=China")
    page.wait_for_function("document.querySelectorAll('.search-result .excerpt').length > 0")
    excerpts = page.locator(".search-result .excerpt").all_inner_texts()
    assert any("宏达铝业有限公司" in text for text in excerpts), excerpts
    assert not any("达铝业有限公司 铝业" in text or "有限公司 限公司" in text for text in excerpts), excerpts


def label_counts(page, key: str) -> dict[str, int]:
    counts = {}
    for box in page.locator(f"input[name='{key}']").all():
        label = page.locator(f"label[for='{box.get_attribute('id')}']").text_content().strip()
        counts[box.get_attribute("value")] = int(label.rsplit("(", 1)[1].rstrip(")"))
    return counts


def test_filter_counts_are_the_companies_among_the_current_results(page):
    found = search(page, "/search/?q=Test+Performance+Standard")
    companies = [r for r in found if r["url"].startswith("/entities/")]
    assert label_counts(page, "kind") == {"Entity": len(companies), "Announcement": len(found) - len(companies)}
    statuses = label_counts(page, "status")
    for status in ("certified", "expired", "suspended"):
        # Counted here from what the reader sees: each company's current certifications.
        assert statuses[status] == sum(f": {status}" in r["status"] for r in companies), status
    assert "superseded" not in statuses  # only current certifications describe a company
    narrower = search(page, "/search/?q=Kestrel")
    assert label_counts(page, "kind")["Entity"] == 1 and label_counts(page, "status")["certified"] == 0
    assert len(narrower) == 2


def test_the_status_filter_shows_only_companies_certified_now(page):
    found = search(page, "/search/?status=certified")
    assert sorted(r["url"] for r in found) == sorted([VESTERA, ORCA, PELICAN, HONGDA])
    assert all(": certified" in r["status"] for r in found)


def test_a_count_beside_an_unticked_value_is_what_ticking_it_adds(page):
    """Values of one group combine with "any": ticking a second status widens the search."""
    search(page, "/search/?status=certified")
    counts = label_counts(page, "status")
    for status in ("expired", "suspended"):
        assert counts[status] == len(search(page, f"/search/?status={status}")), status


SIMILAR = ["Nordic Aluminium Rolling AS", "Nordic Rolling Aluminium AS", "Nordic Aluminium Profiles AS", "Nordic Profiles Aluminium AS",
           "Aluminium Nordic Rolling AS", "Nordic Aluminium AS", "Nordic Aluminium Rolling Holding AS", "Rolling Nordic AS"]


@pytest.fixture(scope="module")
def crowded(tmp_path_factory):
    """The status register plus companies with similar names and 45 smelters: more than a page of results."""
    root = tmp_path_factory.mktemp("crowded")
    content = root / "content"
    shutil.copytree(REGISTER, content)
    companies = [*SIMILAR, *(f"Smelter {n} Ltd" for n in range(45))]
    for n, name in enumerate(companies):
        day = f"2025-06-{n % 28 + 1:02d}"
        (content / f"certifications/{day}-company-{n}.md").write_text(
            f"---\ntitle: {name} certified\ndate: {day}\nentity: {name}\n"
            "location: {country: GB}\ncertifications:\n  - standard: test-ps\n    auditor: Albion Certification\n---\n"
            f"{name}, a smelter and rolling mill, was certified.\n",
            encoding="utf-8",
        )
    assert main(["build", "--content", str(content), "--output", str(root / "site"), "--as-of", AS_OF]) == 0
    with static_server(root / "site") as url:
        yield url


@pytest.fixture
def crowded_page(browser, crowded):
    context = browser.new_context(base_url=crowded)
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("name", SIMILAR)
def test_an_exact_name_wins_among_similar_names(crowded_page, name):
    found = search(crowded_page, f"/search/?q={name}")
    assert found[0]["title"] == name, [r["title"] for r in found[:5]]


def test_every_result_is_reachable(crowded_page):
    found = search(crowded_page, "/search/?q=smelter")
    total = int(crowded_page.locator("#search-count").inner_text().split()[0])
    urls = [r["url"] for r in found]
    assert total > 60 and len(urls) == total and len(set(urls)) == total
    assert {f"/entities/smelter-{n}-ltd/" for n in range(45)} <= set(urls)


def test_show_more_after_typing_a_query_adds_the_next_results(crowded_page):
    crowded_page.goto("/search/")
    crowded_page.wait_for_function("document.getElementById('search-count').textContent.startsWith('Type')")  # ready
    crowded_page.fill("#search-q", "smelter")
    crowded_page.wait_for_function("document.querySelectorAll('.search-result').length === 20")
    crowded_page.locator("#search-more").click()  # leaving the field fires "change" too
    crowded_page.wait_for_function("document.querySelectorAll('.search-result').length === 40")
    crowded_page.wait_for_timeout(600)  # longer than the form's pause before it searches again
    assert crowded_page.locator(".search-result").count() == 40
    assert crowded_page.evaluate("document.activeElement.closest('.search-result') === document.querySelectorAll('.search-result')[20]")


def test_a_finding_closed_after_the_data_date_is_open_until_that_day(content, certsite, tmp_path):
    """An editor records a closure dated ahead: until that day the register says the finding is open."""
    content.announce("2024-01-10-acme-metals.md", announcement(**{'      minor: ["5.1a-b"]': '      minor: [{criterion: "5.1a-b", closed: 2024-09-01}]'}))
    for as_of, expected in (("2024-06-01", "Open"), ("2024-09-01", "Closed 1 September 2024")):
        output = tmp_path / as_of
        assert certsite("build", "--content", content.root, "--output", output, "--no-search", "--no-cache", "--as-of", as_of).code == 0
        row = BuiltSite(output).soup("/entities/acme-metals-ltd/").select_one("table.findings tbody tr li")
        assert row.get_text().strip().endswith(expected), row.get_text()
        data = (output / "data/certifications.csv").read_text("utf-8-sig")
        assert ("2024-09-01" in data) == (expected != "Open")
