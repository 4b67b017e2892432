"""Local names in local form: country names and dates follow the register's language.

Names and date formats come from the Unicode CLDR through Babel, so a reader of a
Chinese register sees 中国 and 2024年1月10日, a reader of an English one "China" and
"10 January 2024", and nobody sees a time-zone label such as "Caribbean NL".
"""

from __future__ import annotations

from datetime import date

import pytest
from bs4 import BeautifulSoup

from certsite.countries import COUNTRY_CODES, COUNTRY_NAMES, babel_locale, country_name
from certsite.render import long_date
from conftest import SITE_YAML, announcement

ANNOUNCEMENT_PAGE = "certifications/2024-01-10-acme-metals/index.html"
ENTITY_PAGE = "entities/acme-metals-ltd/index.html"

# What the old table (made from the tz database's zone labels) said, and what CLDR says.
FORMER_LABELS = {
    "BQ": ("Caribbean NL", "Caribbean Netherlands"),
    "VC": ("St Vincent", "St Vincent & the Grenadines"),
    "CF": ("Central African Rep.", "Central African Republic"),
    "TF": ("French S. Terr.", "French Southern Territories"),
    "MF": ("St Martin (French)", "St Martin"),
    "SX": ("St Maarten (Dutch)", "Sint Maarten"),
    "SZ": ("Eswatini (Swaziland)", "Eswatini"),
    "UM": ("US minor outlying islands", "US Outlying Islands"),
}


JANUARY_10 = date(2024, 1, 10)


def build(content, certsite, tmp_path, language: str, country: str = "NO", city: str = "Oslo"):
    """A one-announcement register in the given language, built; Acme Metals sits in the given place."""
    content.write("site.yaml", SITE_YAML.replace("language: en", f"language: {language}"))
    content.announce("2024-01-10-acme-metals.md", announcement(**{'country: "NO"': f'country: "{country}"', "city: Oslo": f"city: {city}"}))
    site = tmp_path / "site"
    run = certsite("build", "--content", content.root, "--output", site, "--as-of", "2024-06-01", "--no-search")
    assert run.code == 0, run.err
    return site


def page(site, path: str) -> BeautifulSoup:
    return BeautifulSoup((site / path).read_text("utf-8"), "html.parser")


def announced(soup: BeautifulSoup) -> set[str]:
    """How the page writes the announcement's date, wherever it shows it."""
    return {time.get_text(strip=True) for time in soup.find_all("time", datetime="2024-01-10")}


def place(soup: BeautifulSoup) -> str:
    return soup.find(attrs={"data-pagefind-meta": "location"}).get_text(" ", strip=True)


def country_filters(soup: BeautifulSoup) -> list[str]:
    return [tag["data-pagefind-filter"] for tag in soup.find_all(attrs={"data-pagefind-filter": True}) if tag["data-pagefind-filter"].startswith("country:")]


def test_an_english_register_writes_dates_and_countries_as_english_readers_do(content, certsite, tmp_path):
    site = build(content, certsite, tmp_path, "en")
    for path in (ANNOUNCEMENT_PAGE, ENTITY_PAGE):
        soup = page(site, path)
        assert announced(soup) == {"10 January 2024"}
        assert place(soup) == "Oslo, Norway"
    assert country_filters(page(site, ENTITY_PAGE)) == ["country:Norway"]


def test_a_chinese_register_writes_dates_and_countries_in_chinese(content, certsite, tmp_path):
    site = build(content, certsite, tmp_path, "zh-CN", country="CN", city="Baotou")
    for path in (ANNOUNCEMENT_PAGE, ENTITY_PAGE):
        soup = page(site, path)
        assert soup.html["lang"] == "zh-CN"
        assert announced(soup) == {"2024年1月10日"}
        assert place(soup) == "Baotou, 中国"
    # The search page shows the filter's values, so they are in the page's language too.
    assert country_filters(page(site, ENTITY_PAGE)) == ["country:中国"]


@pytest.mark.parametrize("language", ["zh", "zh-Hans", "zh-Hans-CN", "zh_CN"])
def test_any_spelling_of_simplified_chinese_gives_the_same_forms(language):
    assert (long_date(JANUARY_10, language), country_name("CN", language)) == ("2024年1月10日", "中国")


def test_a_norwegian_register_writes_norwegian(content, certsite, tmp_path):
    site = build(content, certsite, tmp_path, "nb-NO")
    soup = page(site, ANNOUNCEMENT_PAGE)
    assert announced(soup) == {"10. januar 2024"}
    assert place(soup) == "Oslo, Norge"


def test_a_language_babel_does_not_know_falls_back_to_english(content, certsite, tmp_path):
    site = build(content, certsite, tmp_path, "tlh-x-klingon")
    soup = page(site, ANNOUNCEMENT_PAGE)
    assert announced(soup) == {"10 January 2024"}
    assert place(soup) == "Oslo, Norway"


@pytest.mark.parametrize("language", ["", "und", "x-private", "en_", "-", "zh-Hans-CN-u-nu-hanidec", "12345", "i-klingon"])
def test_no_language_tag_breaks_dates_or_country_names(language):
    assert long_date(JANUARY_10, language)
    assert country_name("NO", language)


def test_english_with_a_region_follows_that_region():
    assert long_date(JANUARY_10, "en-GB") == "10 January 2024"
    assert long_date(JANUARY_10, "en-US") == "January 10, 2024"
    assert str(babel_locale("en")) == "en_001"  # plain English is international English, not US English


def test_pages_of_an_english_register_show_no_time_zone_labels(content, certsite, tmp_path):
    for code, (old, new) in FORMER_LABELS.items():
        site = build(content, certsite, tmp_path / code, "en", country=code)
        for path in (ANNOUNCEMENT_PAGE, ENTITY_PAGE):
            soup = page(site, path)
            assert place(soup) == f"Oslo, {new}"
            if old not in new:  # "St Vincent" is the start of its full name
                assert old not in soup.get_text(), (code, path)
        assert country_name(code) == new


def test_every_accepted_code_has_a_plain_english_name():
    assert len(COUNTRY_CODES) == len(set(COUNTRY_CODES)) == 249
    assert set(COUNTRY_NAMES) == set(COUNTRY_CODES)
    for code, name in COUNTRY_NAMES.items():
        assert name != code
        assert "." not in name, f"{code}: {name}"  # no "Rep.", "S. Terr." or "St." abbreviations
    # Short forms readers expect where CLDR's standard name is qualified; words, not "US" or "UK".
    assert [COUNTRY_NAMES[c] for c in ("HK", "MO", "PS", "US", "GB", "CN", "NO")] == [
        "Hong Kong", "Macao", "Palestine", "United States", "United Kingdom", "China", "Norway",
    ]


def test_every_accepted_code_has_a_chinese_name():
    for code in COUNTRY_CODES:
        assert country_name(code, "zh-CN") not in (code, COUNTRY_NAMES[code]), code


def test_validation_still_accepts_iso_codes_only(content, certsite):
    """CLDR names regions that are not ISO 3166-1 countries (EU, XK, 001); editors cannot use them."""
    content.announce("2024-01-10-acme-metals.md", announcement(**{'country: "NO"': "country: EU"}))
    run = certsite("check", "--content", content.root, "--as-of", "2024-06-01")
    assert run.code == 1
    assert "'EU' is not an ISO 3166-1 alpha-2 country code" in run.err
