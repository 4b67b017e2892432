"""Pure view data for every page: which pages exist, and what each template is given.

Reads the catalog only, writes nothing and knows nothing of Jinja: statuses,
groupings, counts and search filters are computed here once, so templates only lay
them out. ``render`` turns these specs into bytes.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache, partial
from typing import Any, TypeVar

from certsite import figures, urls, verify
from certsite.catalog import Catalog, EntityPage, Finding, Standing
from certsite.charts import BarChart
from certsite.countries import country_name
from certsite.data_fields import CERTIFICATION_FIELDS, FINDING_CELL_KEYS, FORMULA_STARTS, LIST_SEPARATOR, NONCONFORMANCE_FIELDS, NONCONFORMANCE_ROW_FIELDS
from certsite.model import Announcement, Criterion, Standard

FEED_SIZE = 50
HOME_SIZE = 10
ARCHIVE_LATEST = 50
# Items on one page of a long list: a yearly archive's announcements, the entities under
# one initial of the A-Z index, a standard's entities, a criterion's findings. On the
# reference corpus an item takes 0.35 to 0.85 KB of HTML (an announcement with its
# standings and summary the most), so a page stays under 100 KB, half the 200 KB that
# any page may weigh, whatever the size of the register.
PAGE_SIZE = 100

# The sitemap protocol's limit of addresses in one file (sitemaps.org): past it,
# /sitemap.xml becomes an index of sitemaps that hold this many each.
SITEMAP_SIZE = 50_000

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class PageSpec:
    url: str
    template: str
    context: dict[str, Any]
    # Context entries worked out from one record of the catalog (``derived_from``) and from
    # what every page depends on (the standards, the build date, the site) alone, made by
    # ``derive`` when the page is rendered, by the process that renders it: the page cache
    # keys them by that record's digest and their names (see ``render``), so a page taken
    # from the cache never makes them.
    derived: tuple[str, ...] = ()
    derived_from: object = None
    derive: Callable[[], dict[str, Any]] | None = None
    # Pages that an edit changes together (an entity's page and its announcements'): the
    # search index keeps them in one part (see ``search``). "": the page's own address.
    group: str = ""


@dataclass(frozen=True, slots=True)
class Pager:
    """Where one page lies in a list split over pages: its number, every page's address, and
    which items it holds (1-based, of ``total``).

    Every page of a list carries every page's address, so that a reader, and a crawler,
    reach each page from any other in one step.
    """

    number: int
    urls: tuple[str, ...]
    first_item: int
    last_item: int
    total: int

    @property
    def url(self) -> str:
        return self.urls[self.number - 1]

    @property
    def count(self) -> int:
        return len(self.urls)

    @property
    def previous(self) -> str | None:
        return self.urls[self.number - 2] if self.number > 1 else None

    @property
    def next(self) -> str | None:
        return self.urls[self.number] if self.number < self.count else None


def paginate(items: Sequence[T], first_url: str, size: int = PAGE_SIZE) -> list[tuple[Sequence[T], Pager]]:
    """``items`` in pages of ``size``, each with its pager, in order; no items make one empty page.

    >>> [(list(chunk), pager.url, pager.previous, pager.next) for chunk, pager in paginate([1, 2, 3], "/x/", 2)]
    [([1, 2], '/x/', None, '/x/page-2/'), ([3], '/x/page-2/', '/x/', None)]
    >>> [(list(chunk), pager.count, pager.first_item, pager.last_item) for chunk, pager in paginate([], "/x/")]
    [([], 1, 0, 0)]
    """
    count = max(1, -(-len(items) // size))
    page_urls = tuple(urls.list_page_url(first_url, number) for number in range(1, count + 1))
    pages = []
    for number in range(1, count + 1):
        chunk = items[(number - 1) * size : number * size]
        first = (number - 1) * size + 1 if chunk else 0
        pages.append((chunk, Pager(number, page_urls, first, first + len(chunk) - 1 if chunk else 0, len(items))))
    return pages


def search_filters(entity: EntityPage, standards: dict[str, Standard], language: str = "en") -> list[tuple[str, str]]:
    """The (filter, value) pairs an entity page offers the search page's filters, each once.

    Only entity pages carry filters, so the counts beside each filter value are
    companies, not pages (an announcement would count its company a second time).
    Pagefind counts every occurrence of a value, so each pair is given once. Status
    and standard describe the entity's current certifications, not superseded ones.
    Countries are named in the page's language, as the search page shows them.
    """
    pairs: set[tuple[str, str]] = set()
    for a in entity.announcements:
        pairs.add(("year", str(a.date.year)))
        pairs.add(("country", country_name(a.location.country, language)))
        pairs.update(("activity", activity) for activity in a.activities)
    for standing in entity.current:
        standard = standards[standing.certification.standard_id]
        pairs.add(("standard", f"{standard.name} {standard.version}"))
        pairs.add(("auditor", standing.certification.auditor))
        pairs.add(("status", standing.status.value))
    return sorted(pairs)


def shared_context(catalog: Catalog) -> dict[str, Any]:
    """What any page may show and every page shares: the site's settings, the build date,
    the site's own pages (for the navigation) and the standards by id. The renderer gives
    it to every template once (see ``render``), beside each page's own context."""
    return {
        "site": catalog.site,
        "build_date": catalog.build_date,
        "nav_pages": catalog.pages,
        "standards": {standard.id: standard for standard in catalog.standards},
    }


def page_specs(catalog: Catalog) -> list[PageSpec]:
    """Every HTML page and feed of the site, with the data its template needs beyond
    ``shared_context``.

    Each page is given only what it shows: a page cache keys pages on their context, and a
    context that held the whole register (every announcement's standings, say) would change
    whenever anything does.
    """
    standards = {standard.id: standard for standard in catalog.standards}
    criteria = {(c.standard_id, c.number): c for s in catalog.standards for c in s.criteria}

    def spec(url: str, template: str, **context: Any) -> PageSpec:
        return PageSpec(url, template, {"url": url, **context})

    def listed(announcements: Sequence[Announcement]) -> list[tuple[Announcement, tuple[Standing, ...]]]:
        """Announcements as lists show them: each with the standings of its certifications."""
        return [(a, catalog.standings[a.slug]) for a in announcements]

    by_year: dict[int, list[Announcement]] = defaultdict(list)
    for announcement in catalog.announcements:  # newest first, so years come out descending
        by_year[announcement.date.year].append(announcement)
    years = [(year, len(items)) for year, items in by_year.items()]
    finding_counts = {key: len(items) for key, items in catalog.findings_by_criterion.items()}
    in_force = _in_force(catalog)
    specs = [
        spec(
            urls.HOME,
            "home.html",
            latest=listed(catalog.announcements[:HOME_SIZE]),
            counts={
                "announcements": len(catalog.announcements),
                "entities": len(catalog.entities),
                "standards": len(catalog.standards),
                "findings": sum(finding_counts.values()),
            },
            charts=(figures.certifications_per_year(catalog), figures.certifications_per_country(catalog)),
        ),
        spec(
            urls.ANNOUNCEMENTS,
            "announcements.html",
            latest=listed(catalog.announcements[:ARCHIVE_LATEST]),
            years=years,
            year=None,
            pager=None,
        ),
        *_entity_index(catalog, spec),
        spec(
            urls.CRITERIA,
            "criteria.html",
            finding_counts=finding_counts,
            charts={s.id: figures.criteria_index_chart(s, finding_counts) for s in catalog.standards},
        ),
        spec(
            urls.STANDARDS,
            "standards.html",
            entity_counts={standard_id: len(pairs) for standard_id, pairs in catalog.entities_by_standard.items()},
            in_force=in_force,
        ),
        spec(urls.SEARCH, "search.html"),
        spec(urls.NOT_FOUND, "404.html"),
        spec(
            urls.DATA,
            "data.html",
            certification_fields=CERTIFICATION_FIELDS,
            nonconformance_fields=NONCONFORMANCE_FIELDS,
            nonconformance_row_fields=NONCONFORMANCE_ROW_FIELDS,
            list_separator=LIST_SEPARATOR,
            finding_cell_keys=FINDING_CELL_KEYS,
            formula_starts=FORMULA_STARTS,
            counts={"certifications": sum(len(catalog.standings[a.slug]) for a in catalog.announcements), "findings": sum(finding_counts.values())},
        ),
    ]
    specs += [
        spec(pager.url, "announcements.html", latest=listed(chunk), years=years, year=year, pager=pager)
        for year, items in by_year.items()
        for chunk, pager in paginate(items, urls.year_url(year))
    ]
    specs += [
        dataclasses.replace(
            spec(
                urls.announcement_url(a),
                "announcement.html",
                announcement=a,
                standings=catalog.standings[a.slug],
                # Only the criteria its findings name, so that a criterion's new title reaches
                # the announcements that show it and no others.
                criteria={key: criteria[key] for key in _criteria_named(a)},
            ),
            group=urls.entity_url(a.entity_slug),
        )
        for a in catalog.announcements
    ]
    specs += [
        dataclasses.replace(
            spec(urls.entity_url(entity.slug), "entity.html", entity=entity),
            # Worked out from the entity, the standards, the site's language and the build
            # date alone; made for all entities up front, they took a second at 10,000
            # announcements, and walked, most of the time of keying every page.
            derived=("findings", "filters", "timeline"),
            derived_from=entity,
            derive=partial(_entity_derived, entity, criteria, standards, catalog.site.language, catalog.build_date),
            group=urls.entity_url(entity.slug),
        )
        for entity in catalog.entities
    ]
    specs += [
        spec(
            pager.url,
            "criterion.html",
            criterion=c,
            standard=standards[c.standard_id],
            findings=chunk,
            open_findings=open_findings,
            pager=pager,
        )
        for s in catalog.standards
        for c in s.criteria
        for findings in [catalog.findings(c)]
        for open_findings in [sum(f.is_open for f in findings)]  # once per criterion, not once per page of it
        for chunk, pager in paginate(findings, urls.criterion_url(c))
    ]
    specs += [
        spec(
            pager.url,
            "standard.html",
            standard=s,
            entities=chunk,
            in_force=in_force.get(s.id, 0),
            finding_counts=standard_counts,
            # Only on the first page, where the criteria and their counts are.
            charts=_standard_charts(s, standard_counts) if pager.number == 1 else (),
            pager=pager,
        )
        for s in catalog.standards
        for standard_counts in [{key: count for key, count in finding_counts.items() if key[0] == s.id}]
        for chunk, pager in paginate(catalog.entities_by_standard.get(s.id, ()), urls.standard_url(s))
    ]
    specs += [spec(urls.page_url(page), "page.html", page=page) for page in catalog.pages]
    lookup = verify.lookup_parts(catalog)
    specs.append(spec(urls.VERIFY, "verify.html", parts=len(lookup)))
    specs += [spec(alias, "redirect.html", target=urls.announcement_url(a)) for alias, a in catalog.redirects]
    html_urls = [s.url for s in specs if s.template not in ("404.html", "redirect.html")]
    specs += [
        *_feeds(catalog, standards, spec),
        *_sitemaps(html_urls, spec),
        *(spec(urls.certificates_url(number), "certificates.json", certificates=part) for number, part in enumerate(lookup)),
        spec(urls.ROBOTS, "robots.txt"),
        # Netlify answers these with a real 301; the redirect pages serve every other host.
        spec(urls.NETLIFY_REDIRECTS, "_redirects", redirects=[(alias, urls.announcement_url(a)) for alias, a in catalog.redirects]),
    ]
    return specs


def _feeds(catalog: Catalog, standards: dict[str, Standard], spec: Callable[..., PageSpec]) -> list[PageSpec]:
    """The site's Atom feed, and one per entity, standard and criterion to follow it alone:
    each the latest ``FEED_SIZE`` announcements that concern it, newest first.

    The site's feed carries each announcement's text; the others, of which a register has
    thousands, their summaries (50 texts would make a criterion's feed 300 KB, fetched by
    every reader that follows it), each a link away from the text.

    A feed is as new as its newest entry. One with no entries yet (a criterion without
    findings) takes the register's newest announcement, else the build date: a date from
    the content, so that an unchanged register gives an unchanged feed.
    """
    register_updated = catalog.announcements[0].date if catalog.announcements else catalog.build_date

    def feed(feed_url: str, page_url: str, title: str | None, announcements: Sequence[Announcement]) -> PageSpec:
        entries = tuple(announcements[:FEED_SIZE])
        updated = entries[0].date if entries else register_updated
        return spec(feed_url, "feed.xml", feed_title=title, page=page_url, entries=entries, updated=updated, full_text=title is None)

    by_standard: dict[str, list[Announcement]] = defaultdict(list)
    for announcement in catalog.announcements:  # newest first, so each standard's list is too
        for standard_id in dict.fromkeys(c.standard_id for c in announcement.certifications):
            by_standard[standard_id].append(announcement)
    feeds = [feed(urls.FEED, urls.HOME, None, catalog.announcements)]
    feeds += [feed(urls.feed_url(urls.entity_url(e.slug)), urls.entity_url(e.slug), e.name, e.announcements) for e in catalog.entities]
    feeds += [
        feed(urls.feed_url(urls.standard_url(s)), urls.standard_url(s), f"{s.name} {s.version}", by_standard.get(s.id, ()))
        for s in catalog.standards
    ]
    for s in catalog.standards:
        for c in s.criteria:
            # An announcement with two findings under one criterion is one entry.
            concerned = {finding.announcement.slug: finding.announcement for finding in catalog.findings(c)}
            title = f"criterion {c.number} {c.title} ({standards[c.standard_id].name} {standards[c.standard_id].version})"
            feeds.append(feed(urls.feed_url(urls.criterion_url(c)), urls.criterion_url(c), title, list(concerned.values())))
    return feeds


def _sitemaps(page_urls: list[str], spec: Callable[..., PageSpec]) -> list[PageSpec]:
    """The sitemap: one file while the site fits in one, else an index and its parts."""
    if len(page_urls) <= SITEMAP_SIZE:
        return [spec(urls.SITEMAP, "sitemap.xml", page_urls=page_urls)]
    parts = [page_urls[start : start + SITEMAP_SIZE] for start in range(0, len(page_urls), SITEMAP_SIZE)]
    part_urls = [urls.sitemap_part_url(number) for number in range(1, len(parts) + 1)]
    return [
        spec(urls.SITEMAP, "sitemap-index.xml", sitemap_urls=part_urls),
        *(spec(part_url, "sitemap.xml", page_urls=part) for part_url, part in zip(part_urls, parts)),
    ]


def _standard_charts(standard: Standard, finding_counts: dict[tuple[str, str], int]) -> tuple[BarChart, ...]:
    """A standard's findings in pictures: per principle (when it has principles), and its most frequent criteria."""
    per_principle = figures.findings_per_principle(standard, finding_counts)
    top = figures.most_frequent_criteria(standard, finding_counts)
    return tuple(chart for chart in (per_principle, top) if chart is not None and any(bar.value for bar in chart.bars))


def _criteria_named(announcement: Announcement) -> list[tuple[str, str]]:
    """The (standard id, criterion number) of every finding of the announcement, each once, in order."""
    named = (
        (certification.standard_id, nonconformance.ref.criterion)
        for certification in announcement.certifications
        for nonconformance in certification.nonconformances
    )
    return list(dict.fromkeys(named))


def _in_force(catalog: Catalog) -> dict[str, int]:
    """Per standard, how many entities hold a certificate against it that is in force."""
    return {
        standard_id: sum(any(standing.in_force for standing in current) for _, current in pairs)
        for standard_id, pairs in catalog.entities_by_standard.items()
    }


def _entity_index(catalog: Catalog, spec: Callable[..., PageSpec]) -> list[PageSpec]:
    """The A-Z index: one page while every entity fits on one, else split by initial.

    ``initials`` lists each initial with its count and the address of its entities
    (``None`` for a section of the same page). Split, /entities/ lists the initials with
    their counts, and each initial's entities are a list of their own at
    ``urls.initial_url``, paginated when long. Those pages name the other initials without
    their counts, so that a new entity changes the pages of its own initial (and the
    index), not every page of the A-Z.
    """
    groups = _by_initial(catalog)
    total = len(catalog.entities)
    if total <= PAGE_SIZE:
        initials = [(initial, len(entities), None) for initial, entities in groups]
        return [spec(urls.ENTITIES, "entities.html", groups=groups, initials=initials, total=total, initial=None, pager=None)]
    index = [(initial, len(entities), urls.initial_url(initial)) for initial, entities in groups]
    specs = [spec(urls.ENTITIES, "entities.html", groups=[], initials=index, total=total, initial=None, pager=None)]
    named = [(initial, None, address) for initial, _, address in index]
    specs += [
        spec(pager.url, "entities.html", groups=[(initial, chunk)], initials=named, total=None, initial=initial, pager=pager)
        for initial, entities in groups
        for chunk, pager in paginate(entities, urls.initial_url(initial))
    ]
    return specs


def _by_initial(catalog: Catalog) -> list[tuple[str, list[EntityPage]]]:
    groups: dict[str, list[EntityPage]] = defaultdict(list)
    for entity in catalog.entities:  # already A-Z, so each group stays sorted
        groups[entity.initial].append(entity)
    return list(groups.items())


def _entity_derived(
    entity: EntityPage, criteria: dict[tuple[str, str], Criterion], standards: dict[str, Standard], language: str, build_date: date
) -> dict[str, Any]:
    """What an entity's page shows beyond the entity: its findings by criterion, its search
    filters and its certifications' timeline (see ``PageSpec.derive``)."""
    return {
        "findings": _entity_findings(entity, criteria),
        "filters": search_filters(entity, standards, language),
        "timeline": figures.certification_timeline(entity, standards, build_date),
    }


def _entity_findings(entity: EntityPage, criteria: dict[tuple[str, str], Criterion]) -> list[tuple[Criterion, list[Finding]]]:
    """The entity's findings grouped by criterion, in standard and criterion order."""
    grouped: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for standing in entity.certifications:
        for nonconformance in standing.certification.nonconformances:
            grouped[(standing.certification.standard_id, nonconformance.ref.criterion)].append(Finding(standing, nonconformance))
    return [(criteria[key], grouped[key]) for key in sorted(grouped, key=lambda k: (k[0], _number_key(k[1])))]


@lru_cache(maxsize=4096)  # a register has a few hundred criteria, sorted on every entity page
def _number_key(number: str) -> tuple[int, ...]:
    """Criterion numbers in numeric order.

    >>> sorted(["5.10", "5.2", "10.1"], key=_number_key)
    ['5.2', '5.10', '10.1']
    """
    return tuple(int(part) for part in number.split("."))


def sorted_criteria(standard: Standard) -> list[Criterion]:
    return sorted(standard.criteria, key=lambda c: _number_key(c.number))
