"""The one place that knows where each thing is published.

Addresses are site-absolute paths ending in ``/``; ``output_path`` maps one to the
file that serves it. Templates and feeds ask here rather than building paths.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from certsite.model import Announcement, Criterion, Page, Standard

HOME = "/"
ANNOUNCEMENTS = "/certifications/"
ENTITIES = "/entities/"
CRITERIA = "/criteria/"
STANDARDS = "/standards/"
SEARCH = "/search/"
FEED = "/feed.xml"
SITEMAP = "/sitemap.xml"
ROBOTS = "/robots.txt"
NOT_FOUND = "/404.html"
NETLIFY_REDIRECTS = "/_redirects"
STYLESHEET = "/static/style.css"


def announcement_url(announcement: Announcement) -> str:
    return f"/certifications/{announcement.slug}/"


def year_url(year: int) -> str:
    return f"/certifications/{year}/"


def entity_url(entity_slug: str) -> str:
    return f"/entities/{entity_slug}/"


def criterion_url(criterion: Criterion) -> str:
    return f"/criteria/{criterion.standard_id}/{criterion.number}/"


def standard_url(standard: Standard | str) -> str:
    standard_id = standard if isinstance(standard, str) else standard.id
    return f"/standards/{standard_id}/"


def page_url(page: Page) -> str:
    return f"/{page.slug}/"


def output_path(url: str) -> PurePosixPath:
    """The file under the output root that serves ``url``.

    >>> output_path("/entities/baotou/"), output_path("/feed.xml"), output_path("/")
    (PurePosixPath('entities/baotou/index.html'), PurePosixPath('feed.xml'), PurePosixPath('index.html'))
    """
    relative = url.lstrip("/")
    return PurePosixPath(relative + "index.html" if url.endswith("/") else relative)
