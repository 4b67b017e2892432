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
from functools import lru_cache
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
# Open data: every published certification as JSON and CSV, described at DATA.
DATA = "/data/"
DATA_JSON = "/data/certifications.json"
DATA_SCHEMA = "/data/certifications.schema.json"
DATA_CSV = "/data/certifications.csv"
NONCONFORMANCES_CSV = "/data/nonconformances.csv"
STYLESHEET = "/static/style.css"
SEARCH_SCRIPT = "/static/search.js"
FAVICON = "/static/favicon.svg"
VERIFY = "/verify/"
VERIFY_SCRIPT = "/static/verify.js"


def announcement_url(announcement: Announcement) -> str:
    return f"/certifications/{announcement.slug}/"


def year_url(year: int) -> str:
    return f"/certifications/{year}/"


def entity_url(entity_slug: str) -> str:
    return f"/entities/{entity_slug}/"


def initial_url(initial: str) -> str:
    """The first page of the A–Z index's entities filed under one initial, when the index is
    split by initial (see ``catalog.index_initial`` for what an initial is).

    Entity pages take every ``/entities/<slug>/``, and a slug has only lowercase letters,
    digits and single hyphens: the underscore keeps these addresses out of their way, and
    a letter in lower case, a file system that ignores case from mixing them up. "#"
    (names that start with a digit or a sign) and initials in other scripts are named in
    ASCII, so that no host has to serve a file name in another script.

    >>> initial_url("B"), initial_url("#"), initial_url("包"), initial_url("Ж")
    ('/entities/letter_b/', '/entities/letter_0-9/', '/entities/letter_u5305/', '/entities/letter_u0416/')
    """
    if initial == "#":
        token = "0-9"
    elif initial.isascii() and initial.isalpha():
        token = initial.lower()
    else:
        token = "".join(f"u{ord(char):04x}" for char in initial)
    return f"/entities/letter_{token}/"


def list_page_url(first: str, number: int) -> str:
    """The address of page ``number`` of a list split over pages whose first page is ``first``.

    Later pages lie inside the first page's folder, where nothing else is published (an
    announcement's address is /certifications/<date>-<slug>/, one level up, and aliases
    cannot enter a generated section), and "page-" keeps /certifications/2024/page-2/
    from reading as February.

    >>> list_page_url("/certifications/2024/", 1), list_page_url("/certifications/2024/", 2)
    ('/certifications/2024/', '/certifications/2024/page-2/')
    >>> list_page_url("/criteria/asi-ps-v3/5.1/", 3)
    '/criteria/asi-ps-v3/5.1/page-3/'
    """
    return first if number == 1 else f"{first}page-{number}/"


def criterion_url(criterion: Criterion) -> str:
    return f"/criteria/{criterion.standard_id}/{criterion.number}/"


def standard_url(standard: Standard | str) -> str:
    standard_id = standard if isinstance(standard, str) else standard.id
    return f"/standards/{standard_id}/"


def page_url(page: Page) -> str:
    return f"/{page.slug}/"


def feed_url(page_url: str) -> str:
    """The Atom feed that follows one entity, standard or criterion: beside its page.

    >>> feed_url("/entities/baotou/"), feed_url("/criteria/asi-ps-v3/5.1/")
    ('/entities/baotou/feed.xml', '/criteria/asi-ps-v3/5.1/feed.xml')
    """
    return f"{page_url}feed.xml"


def certificates_url(shard: int) -> str:
    """One part of the verify page's lookup data: the certificates whose normalised number
    hashes to ``shard`` (see ``verify``).

    >>> certificates_url(0)
    '/verify/certificates-0.json'
    """
    return f"{VERIFY}certificates-{shard}.json"


def sitemap_part_url(number: int) -> str:
    """One part of a sitemap too long for one file; /sitemap.xml is then the index of the parts.

    >>> sitemap_part_url(2)
    '/sitemap-2.xml'
    """
    return f"/sitemap-{number}.xml"


@lru_cache(maxsize=1 << 16)  # asked for each page by several stages; a path costs more to make than to look up
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
