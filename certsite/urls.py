"""The one place that knows where each thing is published.

Pages are named by their *site path*, relative to the site's root and ending in
``/`` ("/entities/baotou/"); ``output_path`` maps one to the file that serves it.
What a browser follows comes from ``Addresses``, made for one site: ``href`` puts
the path of ``base_url`` in front (``https://example.org/register/`` publishes
"/entities/baotou/" at "/register/entities/baotou/"), and ``absolute`` gives the
full address for feeds, sitemaps and canonical links. Templates, feeds, redirects
and the search page ask here rather than building addresses.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import urlsplit

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
ANNOUNCEMENT_SCHEMA = "/schema/announcement.schema.json"
STYLESHEET = "/static/style.css"
SEARCH_SCRIPT = "/static/search.js"
FAVICON = "/static/favicon.svg"


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


@dataclass(frozen=True, slots=True)
class Addresses:
    """Site paths as a browser follows them, for a site published at ``base_url``.

    >>> register = Addresses("https://example.org/register/")
    >>> register.href("/entities/baotou/"), register.href("/"), register.absolute("/feed.xml")
    ('/register/entities/baotou/', '/register/', 'https://example.org/register/feed.xml')
    >>> Addresses("https://example.org/").href("/entities/baotou/")
    '/entities/baotou/'
    """

    base_url: str  # always ends with "/"

    @property
    def root(self) -> str:
        return urlsplit(self.base_url).path or "/"

    def href(self, site_path: str) -> str:
        return self.root + site_path.lstrip("/")

    def absolute(self, site_path: str) -> str:
        return self.base_url + site_path.lstrip("/")
