"""Pure view data for every page: which pages exist, and what each template is given.

Reads the catalog only, writes nothing and knows nothing of Jinja: statuses,
groupings, counts and search filters are computed here once, so templates only lay
them out. ``render`` turns these specs into bytes.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from certsite import urls
from certsite.catalog import Catalog, EntityPage, Finding
from certsite.countries import country_name
from certsite.model import Announcement, Criterion, Standard

FEED_SIZE = 50
HOME_SIZE = 10
ARCHIVE_LATEST = 50


@dataclass(frozen=True, slots=True)
class PageSpec:
    url: str
    template: str
    context: dict[str, Any]


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


def page_specs(catalog: Catalog) -> list[PageSpec]:
    """Every HTML page and feed of the site, with the data its template needs."""
    standards = {standard.id: standard for standard in catalog.standards}
    criteria = {(c.standard_id, c.number): c for s in catalog.standards for c in s.criteria}
    shared = {
        "site": catalog.site,
        "build_date": catalog.build_date,
        "nav_pages": catalog.pages,
        "standards": standards,
        "criteria": criteria,
        "standings": catalog.standings,
    }

    def spec(url: str, template: str, **context: Any) -> PageSpec:
        return PageSpec(url, template, {**shared, "url": url, **context})

    by_year: dict[int, list[Announcement]] = defaultdict(list)
    for announcement in catalog.announcements:  # newest first, so years come out descending
        by_year[announcement.date.year].append(announcement)
    years = [(year, len(items)) for year, items in by_year.items()]
    finding_counts = {key: len(items) for key, items in catalog.findings_by_criterion.items()}
    specs = [
        spec(
            urls.HOME,
            "home.html",
            latest=catalog.announcements[:HOME_SIZE],
            counts={
                "announcements": len(catalog.announcements),
                "entities": len(catalog.entities),
                "standards": len(catalog.standards),
                "findings": sum(finding_counts.values()),
            },
        ),
        spec(urls.ANNOUNCEMENTS, "announcements.html", latest=catalog.announcements[:ARCHIVE_LATEST], years=years, year=None),
        spec(urls.ENTITIES, "entities.html", groups=_by_initial(catalog)),
        spec(urls.CRITERIA, "criteria.html", finding_counts=finding_counts),
        spec(
            urls.STANDARDS,
            "standards.html",
            entities_by_standard=catalog.entities_by_standard,
            in_force={
                standard_id: sum(any(standing.in_force for standing in current) for _, current in pairs)
                for standard_id, pairs in catalog.entities_by_standard.items()
            },
        ),
        spec(urls.SEARCH, "search.html"),
        spec(urls.NOT_FOUND, "404.html"),
    ]
    specs += [
        spec(urls.year_url(year), "announcements.html", latest=items, years=years, year=year)
        for year, items in by_year.items()
    ]
    specs += [
        spec(urls.announcement_url(a), "announcement.html", announcement=a)
        for a in catalog.announcements
    ]
    specs += [
        spec(
            urls.entity_url(entity.slug),
            "entity.html",
            entity=entity,
            findings=_entity_findings(entity, criteria),
            filters=search_filters(entity, standards, catalog.site.language),
        )
        for entity in catalog.entities
    ]
    specs += [
        spec(urls.criterion_url(c), "criterion.html", criterion=c, standard=standards[c.standard_id], findings=catalog.findings(c))
        for s in catalog.standards
        for c in s.criteria
    ]
    specs += [
        spec(urls.standard_url(s), "standard.html", standard=s, entities=catalog.entities_by_standard.get(s.id, ()), finding_counts=finding_counts)
        for s in catalog.standards
    ]
    specs += [spec(urls.page_url(page), "page.html", page=page) for page in catalog.pages]
    specs += [spec(alias, "redirect.html", target=urls.announcement_url(a)) for alias, a in catalog.redirects]
    html_urls = [s.url for s in specs if s.template not in ("404.html", "redirect.html")]
    specs += [
        spec(urls.FEED, "feed.xml", entries=catalog.announcements[:FEED_SIZE]),
        spec(urls.SITEMAP, "sitemap.xml", page_urls=html_urls),
        spec(urls.ROBOTS, "robots.txt"),
        # Netlify answers these with a real 301; the redirect pages serve every other host.
        spec(urls.NETLIFY_REDIRECTS, "_redirects", redirects=[(alias, urls.announcement_url(a)) for alias, a in catalog.redirects]),
    ]
    return specs


def _by_initial(catalog: Catalog) -> list[tuple[str, list[EntityPage]]]:
    groups: dict[str, list[EntityPage]] = defaultdict(list)
    for entity in catalog.entities:  # already A-Z, so each group stays sorted
        groups[entity.initial].append(entity)
    return list(groups.items())


def _entity_findings(entity: EntityPage, criteria: dict[tuple[str, str], Criterion]) -> list[tuple[Criterion, list[Finding]]]:
    """The entity's findings grouped by criterion, in standard and criterion order."""
    grouped: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for standing in entity.certifications:
        for nonconformance in standing.certification.nonconformances:
            grouped[(standing.certification.standard_id, nonconformance.ref.criterion)].append(Finding(standing, nonconformance))
    return [(criteria[key], grouped[key]) for key in sorted(grouped, key=lambda k: (k[0], _number_key(k[1])))]


def _number_key(number: str) -> tuple[int, ...]:
    """Criterion numbers in numeric order.

    >>> sorted(["5.10", "5.2", "10.1"], key=_number_key)
    ['5.2', '5.10', '10.1']
    """
    return tuple(int(part) for part in number.split("."))


def sorted_criteria(standard: Standard) -> list[Criterion]:
    return sorted(standard.criteria, key=lambda c: _number_key(c.number))
