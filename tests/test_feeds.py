"""Following the register: the site's Atom feed, and one feed per entity, standard and
criterion, each announced on its page; parsed as a feed reader would, checked against
the content files."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup

from conftest import OTHER_STANDARD_YAML, BuiltSite
from site_checks import html_pages

ATOM = "{http://www.w3.org/2005/Atom}"
AS_OF = "2024-06-01"
BASE = "https://register.example.org/"
# RFC 3339 date-times (RFC 4287, 3.3): a full date, a time, and an offset or Z.
RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)")
FEED_SIZE = 50  # the most entries a feed lists, as the site's own feed always has


def announcement_file(*, title: str, day: str, entity: str, slug: str, standards: dict[str, list[str]], draft: bool = False) -> str:
    """An announcement certifying ``entity`` against each standard, with minor findings under the criteria given."""
    certifications = "".join(
        f"  - standard: {standard}\n    auditor: Example Certification\n"
        + (f"    nonconformances:\n      minor: [{', '.join(repr(c) for c in criteria)}]\n" if criteria else "")
        for standard, criteria in standards.items()
    )
    return (
        f"---\ntitle: {title}\ndate: {day}\nentity: {entity}\nentity_slug: {slug}\n"
        + ("draft: true\n" if draft else "")
        + f'location:\n  country: "NO"\ncertifications:\n{certifications}---\n{title}, said the register.\n'
    )


@pytest.fixture(scope="module")
def register(tmp_path_factory) -> Path:
    """Two companies, two standards; one company with more announcements than a feed lists;
    an embargoed and a draft announcement that no feed may show."""
    from conftest import SITE_YAML, STANDARD_YAML

    root = tmp_path_factory.mktemp("feeds") / "content"
    (root / "standards").mkdir(parents=True)
    (root / "certifications").mkdir()
    (root / "site.yaml").write_text(SITE_YAML, "utf-8")
    (root / "standards/test-ps.yaml").write_text(STANDARD_YAML, "utf-8")
    (root / "standards/other-cs.yaml").write_text(OTHER_STANDARD_YAML, "utf-8")

    def write(day: str, name: str, **fields) -> None:
        (root / f"certifications/{day}-{name}.md").write_text(announcement_file(day=day, **fields), "utf-8")

    write("2023-05-02", "acme", title="Acme Metals certified", entity="Acme Metals", slug="acme", standards={"test-ps": ["5.1a"], "other-cs": []})
    write("2024-02-01", "acme-chain", title="Acme Metals chain certified", entity="Acme Metals", slug="acme", standards={"other-cs": ["1.1"]})
    write("2024-05-31", "acme-future", title="Acme Metals secret renewal", entity="Acme Metals", slug="acme", standards={"test-ps": ["5.2"]}, draft=True)
    write("2024-06-02", "acme-embargoed", title="Acme Metals embargoed renewal", entity="Acme Metals", slug="acme", standards={"test-ps": ["5.1", "5.10"]})
    for n in range(FEED_SIZE + 3):  # one announcement a day, from 1 January 2023
        day = date.fromordinal(date(2023, 1, 1).toordinal() + n).isoformat()
        write(day, f"busy-{n}", title=f"Busy Foundry update {n}", entity="Busy Foundry", slug="busy", standards={"test-ps": ["5.1b", "5.2"] if n % 2 else []})
    return root


@pytest.fixture(scope="module")
def site(register, tmp_path_factory) -> BuiltSite:
    from certsite.cli import main

    output = tmp_path_factory.mktemp("feeds-site") / "site"
    assert main(["build", "--content", str(register), "--output", str(output), "--as-of", AS_OF, "--no-search", "--no-cache"]) == 0
    return BuiltSite(output)


def published(register: Path) -> list[dict]:
    """Every announcement a reader may see as of AS_OF, newest first, read from its file."""
    items = []
    for path in sorted((register / "certifications").glob("*.md")):
        front = yaml.safe_load(path.read_text("utf-8").split("---\n")[1])
        if front["date"] <= date.fromisoformat(AS_OF) and not front.get("draft"):
            items.append({**front, "address": f"{BASE}certifications/{path.stem}/"})
    return sorted(items, key=lambda a: (-a["date"].toordinal(), a["address"]))


def expected_feed(announcements: list[dict]) -> list[str]:
    return [a["address"] for a in announcements[:FEED_SIZE]]


def feed_paths(root: Path) -> list[Path]:
    return sorted(root.rglob("feed.xml"))


def atom_problems(path: Path) -> list[str]:
    """What keeps a file from being a valid Atom feed (RFC 4287, 4.1.1 and 4.1.2)."""
    feed = ET.parse(path).getroot()
    if feed.tag != f"{ATOM}feed":
        return [f"{path}: the root is {feed.tag}, not an Atom feed"]
    problems = []

    def one(element: ET.Element, name: str, where: str) -> ET.Element | None:
        found = element.findall(f"{ATOM}{name}")
        if len(found) != 1:
            problems.append(f"{path}: {where} has {len(found)} {name} elements, not one")
        return found[0] if found else None

    for name in ("id", "title", "updated"):
        one(feed, name, "the feed")
    has_author = feed.find(f"{ATOM}author/{ATOM}name") is not None
    ids = []
    for index, entry in enumerate(feed.findall(f"{ATOM}entry")):
        where = f"entry {index + 1}"
        for name in ("id", "title", "updated"):
            one(entry, name, where)
        ids.append(entry.findtext(f"{ATOM}id"))
        if not any(link.get("rel", "alternate") == "alternate" for link in entry.findall(f"{ATOM}link")):
            problems.append(f"{path}: {where} has no alternate link")
        if not has_author and entry.find(f"{ATOM}author/{ATOM}name") is None:
            problems.append(f"{path}: {where} has no author, and neither has the feed")
    if len(set(ids)) != len(ids):
        problems.append(f"{path}: entry ids repeat")
    for element in feed.iter():
        if element.tag in (f"{ATOM}updated", f"{ATOM}published") and not RFC3339.fullmatch(element.text or ""):
            problems.append(f"{path}: {element.text!r} is not an RFC 3339 date-time")
    return problems


def entries(path: Path) -> list[str]:
    return [entry.findtext(f"{ATOM}id") for entry in ET.parse(path).getroot().findall(f"{ATOM}entry")]


def link(path: Path, rel: str) -> str:
    return next(link.get("href") for link in ET.parse(path).getroot().findall(f"{ATOM}link") if link.get("rel") == rel)


def test_every_feed_of_the_site_is_valid_atom(site):
    paths = feed_paths(site.root)
    # The site's, 2 companies', 2 standards' and 4 criteria's.
    assert len(paths) == 1 + 2 + 2 + 4
    assert [problem for path in paths for problem in atom_problems(path)] == []


def test_every_feed_of_the_bundled_register_is_valid_atom(asi_site):
    paths = feed_paths(asi_site.root)
    assert len(paths) > len(list((asi_site.root / "entities").glob("*/index.html")))
    assert [problem for path in paths for problem in atom_problems(path)] == []


def test_a_companys_feed_lists_its_latest_announcements_newest_first(site, register):
    announcements = published(register)
    acme = [a for a in announcements if a["entity_slug"] == "acme"]
    busy = [a for a in announcements if a["entity_slug"] == "busy"]
    assert entries(site.root / "entities/acme/feed.xml") == expected_feed(acme)
    assert len(busy) > FEED_SIZE
    assert entries(site.root / "entities/busy/feed.xml") == expected_feed(busy)
    feed = ET.parse(site.root / "entities/acme/feed.xml").getroot()
    assert "Acme Metals" in feed.findtext(f"{ATOM}title")
    # Updated as of its newest announcement, not the day it was built.
    assert feed.findtext(f"{ATOM}updated") == f"{acme[0]['date'].isoformat()}T00:00:00Z"
    assert link(site.root / "entities/acme/feed.xml", "self") == f"{BASE}entities/acme/feed.xml"
    assert link(site.root / "entities/acme/feed.xml", "alternate") == f"{BASE}entities/acme/"


def test_a_standards_and_a_criterions_feeds_list_the_announcements_that_concern_them(site, register):
    announcements = published(register)
    for standard in ("test-ps", "other-cs"):
        concerned = [a for a in announcements if any(c["standard"] == standard for c in a["certifications"])]
        assert entries(site.root / f"standards/{standard}/feed.xml") == expected_feed(concerned)
    for standard, criterion in (("test-ps", "5.1"), ("test-ps", "5.2"), ("test-ps", "5.10"), ("other-cs", "1.1")):
        concerned = [
            a
            for a in announcements
            if any(
                c["standard"] == standard and any(re.match(rf"{re.escape(criterion)}(?![0-9])", ref) for ref in c.get("nonconformances", {}).get("minor", []))
                for c in a["certifications"]
            )
        ]
        assert entries(site.root / f"criteria/{standard}/{criterion}/feed.xml") == expected_feed(concerned), criterion
    # 5.10's only finding is embargoed: its feed is valid and empty, and as new as the register.
    empty = ET.parse(site.root / "criteria/test-ps/5.10/feed.xml").getroot()
    assert empty.findall(f"{ATOM}entry") == []
    assert empty.findtext(f"{ATOM}updated") == f"{announcements[0]['date'].isoformat()}T00:00:00Z"


def test_the_site_feed_still_lists_the_latest_announcements_of_the_whole_register(site, register):
    assert entries(site.root / "feed.xml") == expected_feed(published(register))


def test_no_feed_shows_an_embargoed_or_draft_announcement(site):
    for path in feed_paths(site.root):
        text = path.read_text("utf-8")
        assert "embargoed renewal" not in text and "acme-embargoed" not in text, path
        assert "secret renewal" not in text and "acme-future" not in text, path


def alternate_feeds(page: Path) -> list[str]:
    soup = BeautifulSoup(page.read_text("utf-8"), "html.parser")
    return [link["href"] for link in soup.select('head link[rel="alternate"][type="application/atom+xml"]')]


@pytest.mark.parametrize("page, feed", [
    ("entities/acme/index.html", "/entities/acme/feed.xml"),
    ("standards/test-ps/index.html", "/standards/test-ps/feed.xml"),
    ("criteria/test-ps/5.1/index.html", "/criteria/test-ps/5.1/feed.xml"),
])  # fmt: skip
def test_a_page_announces_its_own_feed_beside_the_sites(site, page, feed):
    assert alternate_feeds(site.root / page) == ["/feed.xml", feed]
    # The feed names the page as what it follows.
    assert link(site.root / feed.lstrip("/"), "alternate") == BASE + page.removesuffix("index.html")


def test_every_feed_a_page_announces_exists(site, asi_site):
    for root in (site.root, asi_site.root):
        announced = {href for page in html_pages(root) for href in alternate_feeds(page)}
        assert len(announced) > 3
        assert [href for href in sorted(announced) if not (root / href.lstrip("/")).is_file()] == []


def test_a_topic_feed_gives_each_announcements_summary_and_the_site_feed_its_text(site, register):
    newest_busy = f"Busy Foundry update {FEED_SIZE + 2}"  # the last of the daily announcements
    entry = ET.parse(site.root / "entities/busy/feed.xml").getroot().find(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title") == newest_busy
    assert entry.findtext(f"{ATOM}summary") == f"{newest_busy}, said the register."  # the body's first paragraph
    assert entry.find(f"{ATOM}content") is None
    newest = ET.parse(site.root / "feed.xml").getroot().find(f"{ATOM}entry")
    assert newest.findtext(f"{ATOM}title") == published(register)[0]["title"]
    assert "said the register." in newest.findtext(f"{ATOM}content")
