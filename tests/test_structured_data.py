"""What search engines and shared links read of the register: schema.org JSON-LD on
announcement, entity, standard and criterion pages, Open Graph and Twitter card tags and
one canonical address on every page.

Expectations are worked out here from the content files, with the content format's
rules (a certification's status as of the build date), not copied from the output.
"""

from __future__ import annotations

import calendar
import json
import re
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup

from browser import chromium_browser, static_server
from conftest import ASI_AS_OF, ASI_REGISTER, announcement

AS_OF = date.fromisoformat(ASI_AS_OF)
SCHEMA = "https://schema.org"


# ---- The register as the content format describes it, read here independently ----


def front_matter(path: Path) -> dict:
    return yaml.safe_load(path.read_text("utf-8").split("---\n")[1])


def site_settings(register: Path) -> dict:
    return yaml.safe_load((register / "site.yaml").read_text("utf-8"))


def standards_of(register: Path) -> dict[str, dict]:
    return {path.stem: yaml.safe_load(path.read_text("utf-8")) for path in sorted((register / "standards").glob("*.yaml"))}


def published(register: Path, as_of: date) -> dict[str, dict]:
    """Announcements by file stem: dated on or before the build date, and not drafts."""
    found = {}
    for path in sorted((register / "certifications").glob("*.md")):
        data = front_matter(path)
        if data["date"] <= as_of and not data.get("draft"):
            found[path.stem] = data
    return found


def last_valid_day(start: date, months: int) -> date:
    year, month = divmod(start.month - 1 + months, 12)
    year, month = start.year + year, month + 1
    days = calendar.monthrange(year, month)[1]
    return date(year, month, days) if start.day > days else date(year, month, start.day) - timedelta(days=1)


def expected_certifications(register: Path, as_of: date) -> dict[str, list[dict]]:
    """Per entity slug, each published certification with its anchor, end date and
    whether it is in force as of ``as_of`` (CONTENT_FORMAT.md's order of rules)."""
    announcements = published(register, as_of)
    standards = standards_of(register)
    items = []
    for stem, data in announcements.items():
        for position, certification in enumerate(data["certifications"], start=1):
            announced = certification.get("status", "certified")
            until = certification.get("valid_until")
            if until is None:
                months = standards[certification["standard"]].get("validity_months", {})
                months = months.get("provisional" if announced == "provisional" else "certified")
                until = last_valid_day(certification.get("valid_from") or data["date"], months) if months else None
            items.append(dict(stem=stem, data=data, position=position, certification=certification, announced=announced, until=until))
    result = defaultdict(list)
    for item in items:
        data = item["data"]
        superseded = any(
            other["data"]["date"] > data["date"]
            and other["data"]["entity_slug"] == data["entity_slug"]
            and other["certification"]["standard"] == item["certification"]["standard"]
            and set(other["data"].get("facilities", [])) == set(data.get("facilities", []))
            for other in items
        )
        if item["announced"] in ("suspended", "withdrawn") or superseded:
            in_force = False
        elif item["until"] is not None and item["until"] < as_of:
            in_force = False
        else:
            in_force = True
        result[data["entity_slug"]].append({**item, "in_force": in_force})
    return result


def json_ld(page: Path) -> list[dict]:
    soup = BeautifulSoup(page.read_text("utf-8"), "html.parser")
    return [json.loads(script.string) for script in soup.find_all("script", type="application/ld+json")]


# ---- The bundled ASI register ----


def test_every_announcement_is_a_news_article_published_by_the_register_about_its_company(asi_site):
    site = site_settings(ASI_REGISTER)
    announcements = published(ASI_REGISTER, AS_OF)
    assert announcements
    for stem, data in announcements.items():
        [article] = json_ld(asi_site.root / "certifications" / stem / "index.html")
        assert article["@context"] == SCHEMA and article["@type"] == "NewsArticle"
        assert article["headline"] == data["title"]
        assert article["datePublished"] == data["date"].isoformat()
        assert article["description"] == data["summary"]
        assert article["url"] == f"{site['base_url']}certifications/{stem}/"
        assert article["publisher"] == {"@type": "Organization", "name": site["title"], "url": site["base_url"]}
        about = article["about"]
        assert about["@type"] == "Organization" and about["name"] == data["entity"]
        assert about["url"] == f"{site['base_url']}entities/{data['entity_slug']}/"
        assert about["address"]["addressCountry"] == data["location"]["country"]
        assert about.get("parentOrganization", {}).get("name") == data.get("group")


def test_every_entity_is_an_organization_with_each_certification_and_its_status_as_of_the_build(asi_site):
    site = site_settings(ASI_REGISTER)
    standards = standards_of(ASI_REGISTER)
    expected = expected_certifications(ASI_REGISTER, AS_OF)
    assert any(not item["in_force"] for items in expected.values() for item in items), "the register should have an ended certification"
    for slug, items in expected.items():
        [organization] = json_ld(asi_site.root / "entities" / slug / "index.html")
        profile = yaml.safe_load((ASI_REGISTER / "entities" / f"{slug}.yaml").read_text("utf-8"))
        assert organization["@type"] == "Organization"
        assert organization["name"] == profile["name"]
        assert set(profile.get("aliases", [])) <= set(organization.get("alternateName", []))
        newest = max(items, key=lambda item: item["data"]["date"])["data"]
        assert organization["address"]["addressCountry"] == newest["location"]["country"]
        assert organization["address"].get("addressLocality") == newest["location"].get("city")
        group = profile.get("group") or newest.get("group")
        assert organization.get("parentOrganization", {}).get("name") == group

        by_anchor = {certification["url"]: certification for certification in organization["hasCertification"]}
        assert len(by_anchor) == len(items)
        for item in items:
            anchor = f"{site['base_url']}certifications/{item['stem']}/#certification-{item['position']}"
            certification = by_anchor[anchor]
            standard = standards[item["certification"]["standard"]]
            assert certification["@type"] == "Certification"
            assert certification["name"].startswith(standard["name"])
            assert certification["issuedBy"]["name"] == standard["owner"]
            status = "CertificationActive" if item["in_force"] else "CertificationInactive"
            assert certification["certificationStatus"] == f"{SCHEMA}/{status}", anchor
            assert certification.get("expires") == (item["until"].isoformat() if item["until"] else None)
            assert certification.get("certificationIdentification") == item["certification"].get("certificate")
            assert certification["about"] == {"@id": organization["@id"]}


def test_standards_are_term_sets_of_their_criteria_and_criteria_terms_in_their_set(asi_site):
    site = site_settings(ASI_REGISTER)
    for standard_id, standard in standards_of(ASI_REGISTER).items():
        [term_set] = json_ld(asi_site.root / "standards" / standard_id / "index.html")
        assert term_set["@type"] == "DefinedTermSet"
        assert term_set["name"] == f"{standard['name']} {standard['version']}"
        assert term_set["publisher"]["name"] == standard["owner"]
        criteria = [c for p in standard.get("principles", []) for c in p["criteria"]] + standard.get("criteria", [])
        assert sorted(term["termCode"] for term in term_set.get("hasDefinedTerm", [])) == sorted(c["number"] for c in criteria)
        for criterion in criteria:
            [term] = json_ld(asi_site.root / "criteria" / standard_id / criterion["number"] / "index.html")
            assert term["@type"] == "DefinedTerm"
            assert (term["termCode"], term["name"]) == (criterion["number"], criterion["title"])
            assert term["url"] == f"{site['base_url']}criteria/{standard_id}/{criterion['number']}/"
            assert term["inDefinedTermSet"]["@id"] == term_set["@id"]


def test_every_page_has_one_absolute_canonical_address_and_a_card_to_share(asi_site):
    base_url = site_settings(ASI_REGISTER)["base_url"]
    pages = sorted(p for p in asi_site.root.rglob("*.html") if "pagefind" not in p.parts)
    assert len(pages) > 20
    for page in pages:
        soup = BeautifulSoup(page.read_text("utf-8"), "html.parser")
        [canonical] = soup.find_all("link", rel="canonical")
        assert canonical["href"].startswith(base_url), page
        if soup.find("meta", attrs={"http-equiv": "refresh"}):
            continue  # a redirect page only names where the page is now
        relative = page.relative_to(asi_site.root).as_posix()
        if relative != "404.html":
            assert canonical["href"] == base_url + relative.removesuffix("index.html"), page

        def meta(attribute: str, name: str) -> str:
            [tag] = soup.find_all("meta", attrs={attribute: name})
            return tag["content"]

        description = meta("name", "description")
        assert description.strip() and len(description) <= 300, page
        assert meta("property", "og:description") == meta("name", "twitter:description") == description
        assert meta("property", "og:url") == canonical["href"]
        assert meta("property", "og:title") == meta("name", "twitter:title") != ""
        assert meta("property", "og:site_name") == site_settings(ASI_REGISTER)["title"]
        assert meta("property", "og:type") == ("article" if re.fullmatch(r"certifications/\d{4}-\d\d-\d\d-[^/]+/index\.html", relative) else "website")
        assert meta("property", "og:locale").startswith("en")
        assert meta("name", "twitter:card") == "summary"
        assert not soup.find("meta", attrs={"property": "og:image"})


def test_an_entity_card_says_what_it_is_certified_against_and_how_it_stands(asi_site):
    standards = standards_of(ASI_REGISTER)
    for slug, items in expected_certifications(ASI_REGISTER, AS_OF).items():
        soup = asi_site.soup(f"/entities/{slug}/")
        description = soup.find("meta", property="og:description")["content"]
        assert "23 November 2026" in description
        for item in items:
            assert standards[item["certification"]["standard"]]["name"] in description


# ---- A register written by strangers ----

HOSTILE = "</script><script>alert(1)</script>"


@pytest.fixture
def hostile_site(content, certsite, tmp_path):
    """A register with script in every field JSON-LD carries, and an embargoed and a draft
    renewal of the same company, built on 1 June 2024."""
    content.announce(
        "2024-01-10-acme-metals.md",
        announcement(
            **{
                "title: Acme Metals certified": f'title: "Acme {HOSTILE} certified"',
                "entity: Acme Metals Ltd.": f'entity: "Acme Metals Ltd. {HOSTILE}"\nentity_slug: acme-metals\ngroup: "Group <!-- & {HOSTILE}"\nsummary: "Summary {HOSTILE} & more"',
                "    auditor: Example Certification": f'    auditor: Example Certification\n    certificate: "TP-{HOSTILE}"',
            }
        ),
    )
    for name, extra, certificate in (("2024-09-01-acme-renewal.md", "", "EMBARGOED-77"), ("2024-03-01-acme-draft.md", "draft: true\n", "DRAFT-55")):
        content.announce(
            name,
            announcement(
                **{
                    "date: 2024-01-10": f"date: {name[:10]}\n{extra}",
                    "title: Acme Metals certified": f"title: Acme renewal {certificate}",
                    "entity: Acme Metals Ltd.": "entity: Acme Metals Ltd.\nentity_slug: acme-metals",
                    "    auditor: Example Certification": f"    auditor: Example Certification\n    certificate: {certificate}",
                }
            ),
        )
    output = tmp_path / "site"
    result = certsite("build", "--content", content.root, "--output", output, "--as-of", "2024-06-01", "--no-search")
    assert result.code == 0, result.err
    return output


def test_script_in_content_stays_text_inside_the_json(hostile_site):
    [article] = json_ld(hostile_site / "certifications/2024-01-10-acme-metals/index.html")
    assert article["headline"] == f"Acme {HOSTILE} certified"
    assert article["description"] == f"Summary {HOSTILE} & more"
    assert article["about"]["parentOrganization"]["name"] == f"Group <!-- & {HOSTILE}"
    [organization] = json_ld(hostile_site / "entities/acme-metals/index.html")
    assert [c["certificationIdentification"] for c in organization["hasCertification"]] == [f"TP-{HOSTILE}"]
    for page in ("certifications/2024-01-10-acme-metals/index.html", "entities/acme-metals/index.html"):
        soup = BeautifulSoup((hostile_site / page).read_text("utf-8"), "html.parser")
        # Only the page's own JSON-LD is a script element: the content opened none.
        assert [script.get("type") for script in soup.find_all("script")] == ["application/ld+json"]


def test_no_dialog_opens_in_chromium_on_pages_with_script_in_their_content(hostile_site):
    dialogs = []
    with static_server(hostile_site) as base, chromium_browser() as browser:
        page = browser.new_page()
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        for address in ("/certifications/2024-01-10-acme-metals/", "/entities/acme-metals/"):
            page.goto(base + address)
            page.wait_for_load_state("load")
            structured = page.evaluate("JSON.parse(document.querySelector('script[type=\"application/ld+json\"]').textContent)")
            assert HOSTILE in json.dumps(structured, ensure_ascii=False).replace("\\/", "/")
    assert dialogs == []


def test_embargoed_and_draft_announcements_appear_in_no_json_ld(hostile_site):
    structured = [json.dumps(data) for page in sorted(hostile_site.rglob("*.html")) for data in json_ld(page)]
    assert structured
    for hidden in ("EMBARGOED-77", "2024-09-01-acme-renewal", "DRAFT-55", "2024-03-01-acme-draft"):
        assert not any(hidden in text for text in structured), hidden
    # The embargoed renewal supersedes nothing before its day.
    [organization] = json_ld(hostile_site / "entities/acme-metals/index.html")
    assert [c["certificationStatus"] for c in organization["hasCertification"]] == [f"{SCHEMA}/CertificationActive"]
