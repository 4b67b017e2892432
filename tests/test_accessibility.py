"""A reader on a screen reader, a keyboard, a phone or in dark mode can use every kind of
page the register publishes.

For each frozen register (tests/registers/asi and tests/registers/status), the largest
page of each page type is opened in Debian's Chromium, on a desktop (1280 px) and a
phone (360 px) screen, in light and dark mode. axe-core (from the axe-playwright-python
wheel, no network) checks it with its default rules, and Chromium's accessibility tree
is read for landmarks that a screen reader's landmark list could not tell apart.
"""

from __future__ import annotations

import re

import pytest

from certsite.cli import main
from conftest import ASI_AS_OF, PROJECT, BuiltSite
from site_checks import BrowserAudit, browser_audit, page_addresses

STATUS_REGISTER = PROJECT / "tests/registers/status"
STATUS_AS_OF = "2026-06-01"

# Every page type a register publishes, matched on its address; the first pattern wins.
PAGE_TYPES = {
    "home": r"/",
    "announcements archive": r"/certifications/",
    "yearly archive": r"/certifications/\d{4}/",
    "announcement": r"/certifications/\d{4}-\d\d-\d\d-[^/]+/",
    "entities A–Z": r"/entities/",
    "entity": r"/entities/[^/]+/",
    "criteria index": r"/criteria/",
    "criterion": r"/criteria/[^/]+/[^/]+/",
    "standards": r"/standards/",
    "standard": r"/standards/[^/]+/",
    "search, before a query": r"/search/",
    "search, results shown": r"/search/\?q=.+",
    "not found (404)": r"/404\.html",
    "open data": r"/data/",
    "verify, before a query": r"/verify/",
    "verify, answer shown": r"/verify/\?id=.+",
    "plain page": r"/[^/]+/",
}


def one_page_of_each_type(site: BuiltSite) -> dict[str, str]:
    """The largest page of each type: the one with the most to get wrong."""
    chosen: dict[str, tuple[int, str]] = {}
    for address in page_addresses(site.root):
        kind = next((kind for kind, pattern in PAGE_TYPES.items() if re.fullmatch(pattern, address)), None)
        assert kind is not None, f"{address} is of no known page type: add it to PAGE_TYPES"
        path = site.root / (address.lstrip("/").partition("?")[0] or "index.html")
        size = (path / "index.html" if path.is_dir() else path).stat().st_size
        if kind not in chosen or size > chosen[kind][0]:
            chosen[kind] = (size, address)
    return {kind: address for kind, (_, address) in chosen.items()}


@pytest.fixture(scope="module")
def status_site(tmp_path_factory) -> BuiltSite:
    output = tmp_path_factory.mktemp("status-a11y") / "site"
    assert main(["build", "--content", str(STATUS_REGISTER), "--output", str(output), "--as-of", STATUS_AS_OF]) == 0
    return BuiltSite(output)


@pytest.fixture(scope="module", params=["asi", "status"])
def register(request) -> tuple[str, BuiltSite]:
    name = request.param
    return name, request.getfixturevalue("asi_site" if name == "asi" else "status_site")


@pytest.fixture(scope="module")
def audit(register) -> BrowserAudit:
    name, site = register
    return browser_audit(site.root, list(one_page_of_each_type(site).values()))


def test_the_audit_covers_every_page_type(register):
    name, site = register
    pages = one_page_of_each_type(site)
    print("\n".join(f"{kind}: {address}" for kind, address in pages.items()))
    expected = set(PAGE_TYPES) - ({"plain page"} if name == "status" else set())  # the status register has no pages/
    assert set(pages) == expected


def test_every_page_type_passes_axe_with_no_violation(audit):
    print(audit.summary())
    assert len(audit.rules) > 30, "axe applied fewer rules than expected: did it run?"
    assert audit.violations == [], "\n".join(audit.violations)


def test_every_landmark_can_be_told_apart_by_its_name(audit):
    """Two search forms on one page (the masthead's and the home or search page's own) need
    different names, or a screen reader's landmark list offers "search" twice."""
    print(audit.summary())
    assert audit.landmark_problems == [], "\n".join(audit.landmark_problems)
