"""A buyer checks a certificate number on /verify/, in Debian's Chromium against a built
register served over HTTP: who holds it, against what, its status as of the data date,
and where it was announced; or that the register has no such certificate."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from urllib.parse import quote

import pytest
import yaml

from browser import chromium_browser, static_server
from conftest import OTHER_STANDARD_YAML, SITE_YAML, STANDARD_YAML, BuiltSite

AS_OF = date(2024, 6, 1)

HOSTILE = '<img src=x onerror="window.pwned = 1">'


def announcement_file(day: str, entity: str, slug: str, certifications: list[dict], draft: bool = False) -> str:
    front = {
        "title": f"{entity} certified",
        "date": date.fromisoformat(day),
        "entity": entity,
        "entity_slug": slug,
        "location": {"country": "NO"},
        "certifications": [{"auditor": "Example Certification", **c} for c in certifications],
    }
    if draft:
        front["draft"] = True
    return "---\n" + yaml.safe_dump(front, allow_unicode=True, sort_keys=False) + "---\nAnnounced.\n"


# The register's announcements: (file stem, entity, slug, certifications, draft).
ANNOUNCEMENTS = [
    ("2024-01-10-acme", "Acme Metals Ltd.", "acme", [{"standard": "test-ps", "certificate": "ASI-CERT/2024.0042", "valid_until": date(2026, 12, 31)}], False),
    # Another standard's certificate whose number differs only in separators: both answer.
    ("2024-02-01-busy", "Busy Foundry", "busy", [{"standard": "other-cs", "certificate": "asi cert 2024 0042", "edition": "V2 (2023)"}], False),
    ("2021-03-01-orca", "Orca Rolling", "orca", [{"standard": "test-ps", "certificate": "OR-7781", "valid_until": date(2024, 2, 29)}], False),
    ("2024-05-01-hostile", f"Evil {HOSTILE} Corp", "evil", [{"standard": "test-ps", "certificate": f"EV-1{HOSTILE}"}], False),
    ("2024-05-20-drafty", "Drafty Metals", "drafty", [{"standard": "test-ps", "certificate": "DR-1"}], True),
    ("2024-06-02-future", "Future Metals", "future", [{"standard": "test-ps", "certificate": "FU-1"}], False),
]
STANDARD_NAMES = {"test-ps": "Test Performance Standard V1", "other-cs": "Other Chain Standard V2"}


def long_date(value: date) -> str:
    return f"{value.day} {value:%B %Y}"


def expected_status(certification: dict) -> str:
    """The status as of AS_OF in words, from the content alone (none of these is superseded)."""
    until = certification.get("valid_until")
    if until is None:
        return "Certified"  # derived end date three years on: still valid in this register
    return f"Expired, was valid until {long_date(until)}" if until < AS_OF else f"Certified, valid until {long_date(until)}"


def published(number_key: str) -> list[tuple[str, str, dict]]:
    """(file stem, entity, certification) of every published certification whose number,
    without case and separators, is ``number_key``."""
    return [
        (stem, entity, c)
        for stem, entity, _, certifications, draft in ANNOUNCEMENTS
        for c in certifications
        if not draft and date.fromisoformat(stem[:10]) <= AS_OF and re.sub(r"[\W_]", "", c["certificate"]).upper() == number_key
    ]


def write_register(root: Path, announcements) -> None:
    (root / "standards").mkdir(parents=True)
    (root / "certifications").mkdir()
    (root / "site.yaml").write_text(SITE_YAML, "utf-8")
    (root / "standards/test-ps.yaml").write_text(STANDARD_YAML, "utf-8")
    (root / "standards/other-cs.yaml").write_text(OTHER_STANDARD_YAML, "utf-8")
    for stem, entity, slug, certifications, draft in announcements:
        (root / f"certifications/{stem}.md").write_text(announcement_file(stem[:10], entity, slug, certifications, draft), "utf-8")


def build(root: Path, output: Path) -> BuiltSite:
    from certsite.cli import main

    assert main(["build", "--content", str(root), "--output", str(output), "--as-of", AS_OF.isoformat(), "--no-search", "--no-cache"]) == 0
    return BuiltSite(output)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> BuiltSite:
    root = tmp_path_factory.mktemp("verify") / "content"
    write_register(root, ANNOUNCEMENTS)
    return build(root, root.parent / "site")


@pytest.fixture(scope="module")
def browser():
    with chromium_browser() as browser:
        yield browser


@pytest.fixture(scope="module")
def server(site):
    with static_server(site.root) as base:
        yield base


@pytest.fixture
def page(browser):
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("dialog", lambda dialog: (errors.append(f"dialog: {dialog.message}"), dialog.dismiss()))
    yield page
    page.close()
    assert errors == []


def ask(page, server: str, number: str) -> str:
    """Type ``number`` into the verify page's field and submit; the answer's text."""
    page.goto(f"{server}/verify/")
    page.get_by_label("Certificate number").fill(number)
    page.get_by_role("button", name="Verify").click()
    page.locator("#verify-answer h2").wait_for()
    return page.locator("#verify-answer").inner_text()


def test_a_number_typed_with_other_case_spaces_and_dashes_finds_every_certificate_with_it(page, server, site):
    answer = ask(page, server, "  asi-cert 2024-0042 ")
    matches = published("ASICERT20240042")
    assert len(matches) == 2  # Acme's and Busy Foundry's, under different standards
    assert page.locator("#verify-answer section").count() == len(matches)
    for (stem, entity, certification), section in zip(sorted(matches, reverse=True), page.locator("#verify-answer section").all()):
        text = section.inner_text()
        assert entity in text and certification["certificate"] in text
        assert STANDARD_NAMES[certification["standard"]] in text
        assert expected_status(certification) in text
        assert section.get_by_role("link", name=entity).get_attribute("href") == f"/entities/{stem[11:]}/"
        assert section.get_by_role("link", name=re.compile("Announcement of")).get_attribute("href") == f"/certifications/{stem}/#certification-1"
    assert "edition V2 (2023)" in answer
    assert f"Status as of {long_date(AS_OF)}" in answer
    # The address now names the number, to share or cite.
    assert page.url.endswith("/verify/?id=asi-cert+2024-0042")


def test_the_answer_leads_to_the_certification_on_its_announcement(page, server):
    ask(page, server, "asicert20240042")
    page.get_by_role("link", name=re.compile("Announcement of")).first.click()
    page.wait_for_url("**/certifications/2024-02-01-busy/#certification-1")
    assert "asi cert 2024 0042" in page.locator("#certification-1").inner_text()


def test_an_expired_certificate_says_so_with_its_end_date(page, server):
    answer = ask(page, server, "or7781")
    (_, _, certification), = published("OR7781")
    assert expected_status(certification).startswith("Expired")
    assert expected_status(certification) in answer


def test_a_derived_end_date_is_marked_as_derived(page, server):
    answer = ask(page, server, f"EV-1{HOSTILE}")  # announced on 1 May 2024 without an end date
    assert "derived: the announcement gives no end date" in answer
    assert "until 30 April 2027" in answer  # 36 months from 1 May 2024, the day before


def test_content_is_shown_as_text_and_never_runs(page, server):
    answer = ask(page, server, f"ev 1 {HOSTILE}")
    assert f"Evil {HOSTILE} Corp" in answer
    assert page.locator("#verify-answer img").count() == 0
    assert page.evaluate("window.pwned") is None


def test_a_wrong_number_says_the_register_has_no_such_certificate(page, server):
    answer = ask(page, server, "ZZ-0000")
    assert f"No certificate numbered ZZ-0000 is in the register as of {long_date(AS_OF)}." in answer
    assert page.get_by_role("link", name="contact the register").get_attribute("href") == "mailto:fix@example.org"
    assert page.get_by_role("link", name="search the register").get_attribute("href") == "/search/?q=ZZ-0000"


@pytest.mark.parametrize("number", ["DR-1", "FU-1"], ids=["draft", "embargoed"])
def test_draft_and_embargoed_certificates_are_not_in_the_register(page, server, site, number):
    assert published(number.replace("-", "")) == []
    answer = ask(page, server, number)
    assert f"No certificate numbered {number} is in the register" in answer
    lookup = "".join(path.read_text("utf-8") for path in (site.root / "verify").glob("*.json"))
    assert number not in lookup and "Drafty" not in lookup and "Future Metals" not in lookup



def test_a_number_of_only_signs_is_told_what_a_number_looks_like(page, server):
    page.goto(f"{server}/verify/?id={quote('- - -')}")
    page.locator("#verify-answer p").wait_for()
    assert "has letters or digits" in page.locator("#verify-answer").inner_text()

def test_a_shared_address_answers_on_load(page, server):
    page.goto(f"{server}/verify/?id={quote('or 7781')}")
    assert page.get_by_label("Certificate number").input_value() == "or 7781"
    page.locator("#verify-answer h2").wait_for()
    assert "Orca Rolling" in page.locator("#verify-answer").inner_text()
    assert page.locator("#verify-answer").get_attribute("aria-live") == "polite"


def test_announcement_and_entity_pages_link_each_certificate_number_to_its_verification(page, server):
    for address in ("/certifications/2024-01-10-acme/", "/entities/acme/"):
        page.goto(server + address)
        link = page.get_by_role("link", name="verify certificate ASI-CERT/2024.0042").first
        assert link.get_attribute("href") == "/verify/?id=ASI-CERT/2024.0042"
        link.click()
        page.locator("#verify-answer h2").wait_for()
        assert "Acme Metals Ltd." in page.locator("#verify-answer").inner_text()


def test_without_javascript_the_page_explains_and_links_to_search(browser, server):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{server}/verify/?id=OR-7781")
        assert "needs JavaScript" in page.locator("main").inner_text()
        assert page.get_by_role("link", name="search the register").get_attribute("href") == "/search/"
    finally:
        context.close()


def test_the_lookup_holds_only_what_a_verification_shows(site):
    parts = sorted((site.root / "verify").glob("certificates-*.json"))
    assert len(parts) == 1  # a small register's lookup is one small file
    lookup = json.loads(parts[0].read_text("utf-8"))
    assert sorted(match["certificate"] for matches in lookup.values() for match in matches) == sorted(
        c["certificate"] for stem, _, _, certifications, draft in ANNOUNCEMENTS for c in certifications if not draft and date.fromisoformat(stem[:10]) <= AS_OF
    )
    assert "Announced." not in parts[0].read_text("utf-8")  # no announcement's text
    # Content goes into the JSON with <, > and & escaped, so it can never close a script element.
    assert "<" not in parts[0].read_text("utf-8") and ">" not in parts[0].read_text("utf-8")


def test_a_large_registers_lookup_is_split_and_every_part_is_found(browser, tmp_path):
    """At 450 certificates the lookup is published in parts, and the page finds each
    number in the part it hashes to (the build and the page must hash alike)."""
    announcements = [
        (f"2024-01-10-company-{n}", f"Company {n}", f"company-{n}", [{"standard": "test-ps", "certificate": f"C-{n:05d}/X"}], False) for n in range(450)
    ]
    write_register(tmp_path / "content", announcements)
    big = build(tmp_path / "content", tmp_path / "site")
    parts = list((big.root / "verify").glob("certificates-*.json"))
    assert len(parts) >= 2
    assert max(part.stat().st_size for part in parts) < 200_000
    with static_server(big.root) as base:
        page = browser.new_page()
        for n in range(0, 450, 23):
            ask(page, base, f"c{n:05d}x")
            assert page.locator("#verify-answer h3").all_inner_texts() == [f"Company {n}"]
        page.close()


def test_a_page_cannot_take_the_verify_address(content, certsite):
    content.write("pages/verify.md", "---\ntitle: Verify\n---\nOur own verification page.\n")
    run = certsite("check", "--content", content.root)
    assert run.code == 1
    assert f"{content.root}/pages/verify.md" in run.err and "/verify/ clashes with a generated section" in run.err
