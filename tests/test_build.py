"""Building: embargo and drafts, all-or-nothing publishing, determinism, safe Markdown."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from conftest import ASI_REGISTER, PROJECT, announcement

EMBARGOED = "/certifications/2024-03-01-future-metals/"


def tree_digest(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*")) if p.is_file()}


def all_text(root: Path) -> str:
    return "\n".join(p.read_text("utf-8") for p in sorted(root.rglob("*")) if p.suffix in (".html", ".xml", ".txt"))


def add_future_and_draft(content) -> None:
    content.announce(
        "2024-03-01-future-metals.md",
        announcement(**{"date: 2024-01-10": "date: 2024-03-01", "entity: Acme Metals Ltd.": "entity: Future Metals", "title: Acme Metals certified": "title: Future Metals certified"}),
    )
    content.announce(
        "2024-01-05-draft-alloys.md",
        announcement(**{"date: 2024-01-10": "date: 2024-01-05\ndraft: true", "entity: Acme Metals Ltd.": "entity: Draft Alloys", "title: Acme Metals certified": "title: Draft Alloys certified"}),
    )


def test_embargoed_announcement_appears_nowhere_before_its_date(content, certsite, tmp_path):
    add_future_and_draft(content)
    site = tmp_path / "site"
    assert certsite("build", "--content", content.root, "--output", site, "--as-of", "2024-02-29").code == 0
    assert not (site / "certifications/2024-03-01-future-metals").exists()
    assert not (site / "entities/future-metals").exists()
    assert "Future Metals" not in all_text(site)  # no listing, feed, sitemap or criterion page
    home = BeautifulSoup((site / "index.html").read_text("utf-8"), "html.parser")
    assert "1 announcements" in home.find("ul", class_="counts").get_text(" ", strip=True)


def test_an_entity_page_does_not_reveal_its_embargoed_certification(content, certsite, tmp_path):
    content.announce("2024-03-01-acme-recertified.md", announcement(**{"date: 2024-01-10": "date: 2024-03-01", "title: Acme Metals certified": "title: Acme Metals recertified"}))
    site = tmp_path / "site"
    assert certsite("build", "--content", content.root, "--output", site, "--as-of", "2024-02-29", "--no-search").code == 0
    page = BeautifulSoup((site / "entities/acme-metals-ltd/index.html").read_text("utf-8"), "html.parser")
    assert len(page.select("table.history tbody tr")) == 1
    assert "recertified" not in all_text(site)


def test_embargoed_announcement_is_published_on_its_date(content, certsite, tmp_path):
    add_future_and_draft(content)
    site = tmp_path / "site"
    assert certsite("build", "--content", content.root, "--output", site, "--as-of", "2024-03-01", "--no-search").code == 0
    assert (site / "certifications/2024-03-01-future-metals/index.html").is_file()
    assert "Future Metals" in (site / "feed.xml").read_text("utf-8")
    assert "Future Metals" in (site / "criteria/test-ps/5.1/index.html").read_text("utf-8")


def test_drafts_are_built_only_when_asked_for(content, certsite, tmp_path):
    add_future_and_draft(content)
    production, preview = tmp_path / "production", tmp_path / "preview"
    assert certsite("build", "--content", content.root, "--output", production, "--as-of", "2024-06-01", "--no-search").code == 0
    assert certsite("build", "--content", content.root, "--output", preview, "--as-of", "2024-06-01", "--no-search", "--drafts").code == 0
    assert "Draft Alloys" not in all_text(production)
    page = BeautifulSoup((preview / "certifications/2024-01-05-draft-alloys/index.html").read_text("utf-8"), "html.parser")
    assert page.find(class_="draft").get_text() == "Draft"


def test_a_failed_build_leaves_the_previous_site_exactly_as_it_was(content, certsite, tmp_path):
    site = tmp_path / "site"
    assert certsite("build", "--content", content.root, "--output", site, "--as-of", "2024-06-01").code == 0
    before = tree_digest(site)
    content.announce("2024-01-10-acme-metals.md", announcement(**{'country: "NO"': "country: XX"}))
    content.announce("2024-02-01-new.md", announcement(**{"date: 2024-01-10": "date: 2024-02-01"}))
    run = certsite("build", "--content", content.root, "--output", site, "--as-of", "2024-06-01")
    assert run.code == 1 and "Nothing was published." in run.err
    assert tree_digest(site) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".site")] == []  # no staging left behind


def test_a_rebuild_replaces_the_previous_site(content, certsite, tmp_path):
    site = tmp_path / "site"
    assert certsite("build", "--content", content.root, "--output", site, "--as-of", "2024-06-01", "--no-search").code == 0
    (site / "stale.html").write_text("old")
    content.announce("2024-02-01-new.md", announcement(**{"date: 2024-01-10": "date: 2024-02-01", "entity: Acme Metals Ltd.": "entity: Newco"}))
    run = certsite("build", "--content", content.root, "--output", site, "--as-of", "2024-06-01", "--no-search")
    assert run.code == 0 and "Built " in run.out
    assert not (site / "stale.html").exists()
    assert (site / "entities/newco/index.html").is_file()


def test_markup_in_the_front_matter_shows_as_text_on_every_page_and_never_as_an_element(content, certsite, tmp_path):
    """An editor types HTML's five special characters into the title, the company's name,
    the city and the auditor: every page shows them as typed, in its text and its
    attributes, and none of it becomes an element or an attribute of its own."""
    hostile = """<img src=x onerror=alert(1)> & 'quoted' "double" </title>"""
    content.announce("2024-01-10-acme-metals.md", announcement(**{
        "title: Acme Metals certified": f"title: 'Title {hostile.replace(chr(39), chr(39) * 2)}'",
        "entity: Acme Metals Ltd.": f"entity: 'Acme {hostile.replace(chr(39), chr(39) * 2)}'\nentity_slug: acme",
        "city: Oslo": f"city: 'Oslo {hostile.replace(chr(39), chr(39) * 2)}'",
        "auditor: Example Certification": f"auditor: 'Auditor {hostile.replace(chr(39), chr(39) * 2)}'",
    }))
    site = tmp_path / "site"
    run = certsite("build", "--content", content.root, "--output", site, "--as-of", "2024-06-01", "--no-search")
    assert run.code == 0, run.err
    pages = {path: BeautifulSoup(path.read_text("utf-8"), "html.parser") for path in site.rglob("*.html")}
    for path, page in pages.items():
        assert page.find("img") is None and not page.find_all(attrs={"onerror": True}), path
    shown = {path: page.get_text() for path, page in pages.items()}
    for text in (f"Title {hostile}", f"Acme {hostile}", f"Auditor {hostile}"):
        assert any(text in page_text for page_text in shown.values()), text
    entity_page = pages[site / "entities/acme/index.html"]
    assert entity_page.find("h1").get_text().startswith(f"Acme {hostile}")
    assert entity_page.find("title").get_text().startswith(f"Acme {hostile}")
    announcement_page = pages[site / "certifications/2024-01-10-acme-metals/index.html"]
    assert announcement_page.find("h1").get_text() == f"Title {hostile}"
    assert announcement_page.find("meta", attrs={"property": "og:title"})["content"] == f"Title {hostile}"


def test_raw_html_and_script_links_in_markdown_never_reach_the_page(content, certsite, tmp_path):
    body = (
        "Certified.\n\n<script>alert('x')</script>\n\n<img src=x onerror=alert(1)>\n\n"
        "[click](javascript:alert(1)) [also](JaVaScRiPt&#58;alert(1)) [fine](https://example.org/) "
        "![tracker](https://tracker.example/pixel.png) ![sly](/\\tracker.example/pixel.png) ![odd](//[bad/x.png)\n"
    )
    content.announce("2024-01-10-acme-metals.md", announcement(**{"Acme Metals was certified against the test standard.\n": body}))
    site = tmp_path / "site"
    assert certsite("build", "--content", content.root, "--output", site, "--as-of", "2024-06-01", "--no-search").code == 0
    page = BeautifulSoup((site / "certifications/2024-01-10-acme-metals/index.html").read_text("utf-8"), "html.parser")
    body_html = page.find("section", class_="body")
    assert body_html.find("script") is None and body_html.find("img") is None
    assert "<script>alert('x')</script>" in body_html.get_text()  # shown as text, not run
    hrefs = [a.get("href") for a in body_html.find_all("a")]
    assert hrefs == [None, None, "https://example.org/"]


def test_entity_profile_gives_the_canonical_name_and_names_in_other_scripts_sort_after_latin(content, certsite, tmp_path):
    content.write("entities/acme-metals-ltd.yaml", "name: ACME Metals Limited\naliases: [Acme Metals Ltd.]\ndescription: Makes *ingots*.\n")
    content.announce(
        "2024-02-01-baotou.md",
        announcement(**{"date: 2024-01-10": "date: 2024-02-01", "entity: Acme Metals Ltd.": "entity: 包头铝业有限公司\nentity_slug: baotou-aluminium"}),
    )
    content.announce("2024-02-02-zeta.md", announcement(**{"date: 2024-01-10": "date: 2024-02-02", "entity: Acme Metals Ltd.": "entity: Älvsbyn Zeta AB"}))
    site = tmp_path / "site"
    assert certsite("build", "--content", content.root, "--output", site, "--as-of", "2024-06-01", "--no-search").code == 0
    index = BeautifulSoup((site / "entities/index.html").read_text("utf-8"), "html.parser")
    assert [a.get_text() for a in index.select("ul.entity-list a")] == ["ACME Metals Limited", "Älvsbyn Zeta AB", "包头铝业有限公司"]
    assert [h2.get_text() for h2 in index.find_all("h2")] == ["A", "包"]
    profile = BeautifulSoup((site / "entities/acme-metals-ltd/index.html").read_text("utf-8"), "html.parser")
    assert profile.h1.get_text() == "ACME Metals Limited"
    assert profile.find(class_="profile").em.get_text() == "ingots"


def test_certification_past_its_validity_shows_as_expired(content, certsite, tmp_path):
    cert = "    auditor: Example Certification\n"
    content.announce("2024-01-10-acme-metals.md", announcement(**{cert: cert + "    valid_from: 2024-01-10\n    valid_until: 2025-01-09\n"}))
    site = tmp_path / "site"
    for as_of, status in (("2025-01-09", "certified"), ("2025-01-10", "expired")):
        assert certsite("build", "--content", content.root, "--output", site, "--as-of", as_of, "--no-search").code == 0
        page = BeautifulSoup((site / "entities/acme-metals-ltd/index.html").read_text("utf-8"), "html.parser")
        assert page.select_one("table.current .status").get_text() == status.capitalize()


def test_aliases_redirect_to_the_announcement(content, certsite, tmp_path):
    content.announce("2024-01-10-acme-metals.md", announcement(**{"date: 2024-01-10": "date: 2024-01-10\naliases: [/news/acme/]"}))
    site = tmp_path / "site"
    assert certsite("build", "--content", content.root, "--output", site, "--as-of", "2024-06-01", "--no-search").code == 0
    page = BeautifulSoup((site / "news/acme/index.html").read_text("utf-8"), "html.parser")
    assert page.find("meta", attrs={"http-equiv": "refresh"})["content"] == "0; url=/certifications/2024-01-10-acme-metals/"
    assert "/news/acme/ /certifications/2024-01-10-acme-metals/ 301!" in (site / "_redirects").read_text("utf-8").splitlines()


def test_check_writes_nothing(content, certsite, tmp_path):
    before = sorted(p.name for p in tmp_path.iterdir())
    run = certsite("check", "--content", content.root)
    assert run.code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_build_refuses_an_output_folder_it_would_destroy(content, certsite, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "mine.txt").write_text("keep me")
    (tmp_path / "file.txt").write_text("keep me too")
    for output, reason in (
        (tmp_path, "it would replace"),  # the working folder
        (content.root, "it would replace"),
        (content.root / "site", "it lies inside"),
        (notes, "not built by certsite"),
        (tmp_path / "file.txt", "it is a file"),
        (tmp_path / ("a" * 300), "cannot use"),
    ):
        run = certsite("build", "--content", content.root, "--output", output, "--no-search", "--as-of", "2024-06-01")
        assert run.code == 1 and reason in run.err, (output, run.err)
    assert (notes / "mine.txt").read_text() == "keep me"
    assert (tmp_path / "file.txt").read_text() == "keep me too"
    assert (content.root / "certifications/2024-01-10-acme-metals.md").is_file()


def test_every_detail_of_a_certification_reaches_the_press_release_page(content, certsite, tmp_path):
    cert = "    auditor: Example Certification\n"
    details = (
        cert
        + "    certificate: ASI-2024-017\n    scope: Smelting\n    status: suspended\n"
        + "    valid_from: 2024-01-10\n    valid_until: 2027-01-09\n    report: https://reports.example.org/acme.pdf\n"
    )
    findings = 'minor: ["5.1a-b"]\n      major:\n        - criterion: "5.2"\n          closed: 2024-05-01\n          note: Closed at the follow-up audit.'
    content.announce("2024-01-10-acme-metals.md", announcement(**{cert: details, 'minor: ["5.1a-b"]': findings}))
    site = tmp_path / "site"
    assert certsite("build", "--content", content.root, "--output", site, "--as-of", "2024-06-01", "--no-search").code == 0
    page = BeautifulSoup((site / "certifications/2024-01-10-acme-metals/index.html").read_text("utf-8"), "html.parser")
    facts = {dt.get_text(" ", strip=True): dt.find_next_sibling("dd").get_text(" ", strip=True) for dt in page.select("section.certification dt")}
    assert facts["Certificate"] == "ASI-2024-017 verify certificate ASI-2024-017"  # with its link to /verify/
    assert facts["Scope"] == "Smelting"
    assert facts["Status as of 1 June 2024"] == "Suspended , end date 9 January 2027"
    assert facts["Valid"] == "from 10 January 2024 until 9 January 2027"
    assert page.find("a", href="https://reports.example.org/acme.pdf")
    rows = [[c.get_text(" ", strip=True) for c in tr.find_all(["th", "td"])] for tr in page.select("table.findings tbody tr")]
    assert rows == [
        ["5.1 Disclosure of GHG Emissions and Energy Use", "a, b", "minor", "Open"],
        ["5.2 Smelter GHG Emissions Intensity", "whole criterion", "major", "Closed 1 May 2024 : Closed at the follow-up audit."],
    ]
    summary = BeautifulSoup((site / "index.html").read_text("utf-8"), "html.parser").select_one("ol.listing article p:not(.meta)")
    assert summary.get_text() == "Acme Metals was certified against the test standard."  # from the body's first paragraph


def test_headings_in_a_body_rank_below_the_page_title(content, certsite, tmp_path):
    body = "Certified.\n\n# Background\n\n## Detail\n"
    content.announce("2024-01-10-acme-metals.md", announcement(**{"Acme Metals was certified against the test standard.\n": body}))
    site = tmp_path / "site"
    assert certsite("build", "--content", content.root, "--output", site, "--as-of", "2024-06-01", "--no-search").code == 0
    page = BeautifulSoup((site / "certifications/2024-01-10-acme-metals/index.html").read_text("utf-8"), "html.parser")
    assert len(page.find_all("h1")) == 1
    assert [h.get_text() for h in page.select("section.body h2")] == ["The announcement"]
    assert [h.name for h in page.select("section.body h3, section.body h4")] == ["h3", "h4"]


def test_output_does_not_depend_on_python_hash_seeds(tmp_path):
    digests = []
    for seed in ("1", "2"):
        output = tmp_path / f"seed-{seed}"
        subprocess.run(
            [sys.executable, "-m", "certsite", "build", "--content", str(ASI_REGISTER), "--output", str(output), "--as-of", "2026-11-23", "--no-search"],
            cwd=PROJECT, env={**os.environ, "PYTHONHASHSEED": seed}, check=True, capture_output=True,
        )
        digests.append(tree_digest(output))
    assert digests[0] == digests[1]


def test_a_withdrawn_certification_is_not_counted_as_in_force(content, certsite, tmp_path):
    cert = "    auditor: Example Certification\n"
    content.announce("2024-01-10-acme-metals.md", announcement(**{cert: cert + "    status: withdrawn\n"}))
    content.announce("2024-02-01-beta.md", announcement(**{"date: 2024-01-10": "date: 2024-02-01", "entity: Acme Metals Ltd.": "entity: Beta Alloys"}))
    site = tmp_path / "site"
    assert certsite("build", "--content", content.root, "--output", site, "--as-of", "2024-06-01", "--no-search").code == 0
    standard = BeautifulSoup((site / "standards/test-ps/index.html").read_text("utf-8"), "html.parser")
    statuses = {row.th.get_text(strip=True): row.td.get_text(strip=True) for row in standard.select("table.entities tbody tr")}
    assert statuses == {"Acme Metals Ltd.": "Withdrawn", "Beta Alloys": "Certified"}
    index = BeautifulSoup((site / "standards/index.html").read_text("utf-8"), "html.parser")
    assert [td.get_text(strip=True) for td in index.select("tbody tr td")][1:] == ["2", "1"]


def test_a_certificate_valid_from_a_later_day_says_so(content, certsite, tmp_path):
    cert = "    auditor: Example Certification\n"
    content.announce("2024-01-10-acme-metals.md", announcement(**{cert: cert + "    valid_from: 2024-09-01\n"}))
    site = tmp_path / "site"
    assert certsite("build", "--content", content.root, "--output", site, "--as-of", "2024-06-01", "--no-search").code == 0
    page = BeautifulSoup((site / "entities/acme-metals-ltd/index.html").read_text("utf-8"), "html.parser")
    assert page.find(class_="answer").get_text(" ", strip=True).startswith(
        "Test Performance Standard V1: certified, valid from 1 September 2024 until 31 August 2027 (derived)"
    )


def test_an_entity_page_names_every_place_it_was_certified(content, certsite, tmp_path):
    content.announce("2024-03-01-acme-bergen.md", announcement(**{"date: 2024-01-10": "date: 2024-03-01", "city: Oslo": "city: Bergen"}))
    site = tmp_path / "site"
    assert certsite("build", "--content", content.root, "--output", site, "--as-of", "2024-06-01", "--no-search").code == 0
    page = BeautifulSoup((site / "entities/acme-metals-ltd/index.html").read_text("utf-8"), "html.parser")
    places = page.find("dt", string="Locations").find_next_sibling("dd").get_text(" ", strip=True)
    assert places == "Bergen, Norway ; Oslo, Norway"


def test_a_register_overrides_any_template_and_static_file_with_its_own(content, certsite, tmp_path):
    """templates/ beside the content folder (as in Hugo and MkDocs) wins over certsite's own."""
    own = content.root.parent / "templates"
    (own / "static").mkdir(parents=True)
    (own / "404.html").write_text('{% extends "base.html" %}{% block title %}Lost{% endblock %}{% block main %}<h1>Nothing here</h1>{% endblock %}', encoding="utf-8")
    (own / "static/style.css").write_text("body { color: black; }\n", encoding="utf-8")
    site = tmp_path / "site"
    assert certsite("build", "--content", content.root, "--output", site, "--as-of", "2024-06-01", "--no-search").code == 0
    assert BeautifulSoup((site / "404.html").read_text("utf-8"), "html.parser").h1.get_text() == "Nothing here"
    assert (site / "static/style.css").read_text("utf-8") == "body { color: black; }\n"
    assert (site / "static/search.js").is_file()  # what the register does not replace comes from certsite
    assert "Acme Metals Ltd." in (site / "entities/acme-metals-ltd/index.html").read_text("utf-8")


def own_404_page(content, certsite, tmp_path: Path, template: str) -> BeautifulSoup:
    """The 404 page of a build with the register's own 404.html template."""
    own = content.root.parent / "templates"
    own.mkdir()
    (own / "404.html").write_text(template, encoding="utf-8")
    site = tmp_path / "site"
    assert certsite("build", "--content", content.root, "--output", site, "--as-of", "2024-06-01", "--no-search").code == 0
    return BeautifulSoup((site / "404.html").read_text("utf-8"), "html.parser")


def test_a_register_template_written_for_macros_still_imports_the_pieces_now_in_python(content, certsite, tmp_path):
    """Dates, badges and status words were macros of _macros.html; a register's own template
    that imports them from there keeps working, and shows them as certsite's pages do."""
    page = own_404_page(
        content, certsite, tmp_path,
        '{% extends "base.html" %}{% from "_macros.html" import day, status_badge, standard_name %}'
        '{% block title %}Lost{% endblock %}{% block main %}<h1>Nothing here</h1>'
        '<p id="as-of">{{ day(build_date) }} {{ status_badge("suspended") }} {{ standard_name(standards | first) }}</p>{% endblock %}',
    )
    shown = page.find(id="as-of")
    assert shown.time["datetime"] == "2024-06-01" and shown.time.get_text() == "1 June 2024"
    assert shown.find(class_="status-suspended").get_text() == "Suspended"
    assert "Test Performance Standard V1" in shown.get_text()


def test_a_register_template_may_call_each_piece_as_a_function_or_as_a_filter(content, certsite, tmp_path):
    """The README gives the pieces both ways: {{ day(d) }} and {{ d | day }} show the same."""
    page = own_404_page(
        content, certsite, tmp_path,
        '{% extends "base.html" %}{% block title %}Lost{% endblock %}{% block main %}<h1>Nothing here</h1>'
        '<p id="called">{{ day(build_date) }} {{ status_badge("suspended") }} {{ entity_url("acme-metals") | href }}</p>'
        '<p id="filtered">{{ build_date | day }} {{ "suspended" | status_badge }} {{ "acme-metals" | entity_url | href }}</p>{% endblock %}',
    )
    called, filtered = page.find(id="called"), page.find(id="filtered")
    assert called.time.get_text() == "1 June 2024" and called.find(class_="status-suspended") is not None
    assert called.decode_contents() == filtered.decode_contents()


def test_macros_html_exports_every_piece_templates_are_given():
    """Each Python piece has its name in _macros.html too, so no older import of one breaks."""
    from certsite.fragments import Fragments
    from certsite.urls import Addresses

    names = sorted(Fragments(Addresses("https://example.org/"), "en", {}).globals())
    source = (PROJECT / "certsite/templates/_macros.html").read_text("utf-8")
    assert [name for name in names if f"{{% set {name} = {name} %}}" not in source] == []


@pytest.mark.parametrize(
    ("line", "what"),
    [
        ("<p>{{ 1 / 0 }}</p>", "ZeroDivisionError: division by zero"),
        ("<p>{{ no_such_value.title }}</p>", "'no_such_value' is undefined"),
        ("<p>{{ build_date | day(1, 2) }}</p>", "TypeError"),  # a piece given what it does not take
    ],
)
def test_a_register_template_failing_as_it_renders_names_its_file_and_line(content, certsite, tmp_path, line, what):
    """The register owner is told which of their template's lines failed, as for any other error."""
    own = content.root.parent / "templates"
    own.mkdir()
    template = own / "404.html"
    template.write_text('{% extends "base.html" %}\n{% block title %}Lost{% endblock %}\n{% block main %}<h1>Nothing here</h1>\n' + line + "\n{% endblock %}\n", encoding="utf-8")
    site = tmp_path / "site"
    run = certsite("build", "--content", content.root, "--output", site, "--as-of", "2024-06-01", "--no-search")
    assert run.code == 1 and not site.exists()
    assert f"{template.resolve()}:4: template 404.html failed for /404.html: " in run.err and what in run.err, run.err


def test_a_cache_that_cannot_be_written_is_said_and_the_site_still_builds(content, certsite, tmp_path):
    """A register owner whose cache folder cannot be written (here a file stands in its
    way; elsewhere, permissions) is told so, rather than finding every build cold."""
    in_the_way = tmp_path / "cache"
    in_the_way.write_text("not a folder", encoding="utf-8")
    site = tmp_path / "site"
    run = certsite("build", "--content", content.root, "--output", site, "--as-of", "2024-06-01", "--no-search", "--cache", in_the_way)
    assert run.code == 0 and (site / "index.html").is_file()
    assert f"note: the cache {in_the_way}/ could not be written (Not a directory)" in run.err
    writable = certsite("build", "--content", content.root, "--output", site, "--as-of", "2024-06-01", "--no-search", "--cache", tmp_path / "cache-2")
    assert writable.code == 0 and "could not be written" not in writable.err


def test_a_register_template_giving_a_macro_of_certsite_the_wrong_value_names_its_own_line_first(content, certsite, tmp_path):
    own = content.root.parent / "templates"
    own.mkdir()
    template = own / "404.html"
    template.write_text(
        '{% extends "base.html" %}\n{% import "_charts.html" as charts %}\n{% block title %}Lost{% endblock %}\n{% block main %}<h1>Nothing here</h1>\n'
        "{{ charts.timeline_figure(5) }}\n{% endblock %}\n",
        encoding="utf-8",
    )
    run = certsite("build", "--content", content.root, "--output", tmp_path / "site", "--as-of", "2024-06-01", "--no-search")
    assert run.code == 1
    assert f"{template.resolve()}:5: template 404.html failed for /404.html (in {PROJECT / 'certsite/templates/_charts.html'}:" in run.err, run.err


def test_templates_named_on_the_command_line_win_and_a_missing_folder_is_an_error(content, certsite, tmp_path):
    custom = tmp_path / "theme"
    custom.mkdir()
    (custom / "404.html").write_text('{% extends "base.html" %}{% block title %}Gone{% endblock %}{% block main %}<h1>Gone</h1>{% endblock %}', encoding="utf-8")
    site = tmp_path / "site"
    assert certsite("build", "--content", content.root, "--templates", custom, "--output", site, "--as-of", "2024-06-01", "--no-search").code == 0
    assert BeautifulSoup((site / "404.html").read_text("utf-8"), "html.parser").h1.get_text() == "Gone"
    missing = certsite("check", "--content", content.root, "--templates", tmp_path / "nope")
    assert missing.code == 1 and "the templates folder" in missing.err and "does not exist" in missing.err


def test_two_outputs_at_one_address_or_a_file_where_another_needs_a_folder_are_refused():
    from certsite.errors import BuildError
    from certsite.render import check_paths
    from certsite.views import PageSpec

    def pages(*addresses: str) -> list[PageSpec]:
        return [PageSpec(address, "page.html", {}) for address in addresses]

    check_paths(pages("/", "/entities/", "/entities/a/", "/entities/a/feed.xml", "/robots.txt"))
    with pytest.raises(BuildError, match="two pages claim entities/a/index.html: /entities/a/ and /entities/a/index.html"):
        check_paths(pages("/entities/a/", "/entities/a/index.html"))
    with pytest.raises(BuildError, match="/robots.txt is a file, but /robots.txt/x/ needs it to be a folder"):
        check_paths(pages("/robots.txt", "/robots.txt/x/"))
    with pytest.raises(BuildError, match="/data/certifications.csv is a file, but /data/certifications.csv/a/b/ needs it to be a folder"):
        check_paths(pages("/data/certifications.csv/a/b/"))
