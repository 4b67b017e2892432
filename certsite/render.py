"""Every output of the site, rendered in memory as ``{output path: bytes}``.

Writes nothing: ``publish`` is the only writer. Templates get explicit view data
(the catalog's records plus a few lookups built once here), never the corpus.
Two outputs claiming one path is an error rather than a silent overwrite.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path, PurePosixPath
from typing import Any

import jinja2
from babel.dates import format_date

from certsite import urls
from certsite.catalog import Catalog, EntityPage, Finding
from certsite.countries import babel_locale, country_name
from certsite.errors import BuildError
from certsite.json_schema import announcement_schema_json
from certsite.model import Criterion, Standard

Outputs = dict[PurePosixPath, bytes]

FEED_SIZE = 50
HOME_SIZE = 10
ARCHIVE_LATEST = 50


@dataclass(frozen=True, slots=True)
class PageSpec:
    url: str
    template: str
    context: dict[str, Any]


def make_environment(template_dirs: tuple[Path, ...], addresses: urls.Addresses, language: str) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(template_dirs),  # the first folder that has a template wins
        autoescape=jinja2.select_autoescape(["html", "xml"], default=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals.update(
        announcement_url=urls.announcement_url,
        entity_url=urls.entity_url,
        criterion_url=urls.criterion_url,
        standard_url=urls.standard_url,
        page_url=urls.page_url,
        urls=urls,
        # Country names and dates in the register's language (site.language), from CLDR.
        country_name=lambda code: country_name(code, language),
        sorted_criteria=sorted_criteria,
    )
    # Every address a page shows goes through one of these two, so that a site under a
    # sub-path (base_url https://example.org/register/) links within itself.
    env.filters["href"] = addresses.href
    env.filters["absolute"] = addresses.absolute
    env.filters["long_date"] = lambda value: long_date(value, language)
    env.filters["search_suffixes"] = search_suffixes
    env.filters["script_language"] = script_language
    return env


def long_date(value: date, language: str = "en") -> str:
    """A date as readers of the page's language write it: CLDR's long format, through Babel.

    >>> long_date(date(2024, 1, 10))
    '10 January 2024'
    >>> long_date(date(2024, 1, 10), "zh-CN"), long_date(date(2024, 1, 10), "nb")
    ('2024年1月10日', '10. januar 2024')
    """
    return format_date(value, format="long", locale=babel_locale(language))


_UNSPACED_SCRIPTS = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]")


def script_language(text: str) -> str:
    """A language for text in Chinese, Japanese or Korean script, so that screen readers
    switch voice; "" for anything else (the page's language applies).

    >>> script_language("包头铝业"), script_language("トヨタ"), script_language("현대"), script_language("Baotou")
    ('zh', 'ja', 'ko', '')
    """
    if re.search("[\u3040-\u30ff]", text):
        return "ja"
    if re.search("[\uac00-\ud7af]", text):
        return "ko"
    if re.search("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]", text):
        return "zh"
    return ""


def search_suffixes(name: str) -> str:
    """The later parts of words written without spaces, so that search finds them by any part.

    Pagefind matches the start of a word, and a Chinese or Japanese name is one long
    word to it on an English page: indexing every suffix lets "铝业" find "包头铝业".

    >>> search_suffixes("包头铝业")
    '头铝业 铝业'
    >>> search_suffixes("Baotou 包头铝业 Aluminium")
    '头铝业 铝业'
    >>> search_suffixes("Baotou Aluminium")
    ''
    """
    parts = [
        word[start:]
        for word in name.split()
        if _UNSPACED_SCRIPTS.search(word)
        for start in range(1, len(word) - 1)
    ]
    return " ".join(parts)


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


def render_site(catalog: Catalog, template_dirs: tuple[Path, ...]) -> Outputs:
    """Render every page in memory; raise ``BuildError`` for a template bug or a path claimed twice."""
    specs = page_specs(catalog)
    # Published with the site so that the schema's $id is a real address.
    schema_path = urls.output_path(urls.ANNOUNCEMENT_SCHEMA)
    claimed_by: dict[PurePosixPath, str] = {schema_path: urls.ANNOUNCEMENT_SCHEMA}
    for page in specs:
        path = urls.output_path(page.url)
        if path in claimed_by:
            raise BuildError(f"two pages claim {path}: {claimed_by[path]} and {page.url}")
        claimed_by[path] = page.url
    # A file where another page needs a folder (robots.txt and robots.txt/index.html).
    for path, url in claimed_by.items():
        for parent in path.parents:
            if parent in claimed_by:
                raise BuildError(f"{claimed_by[parent]} is a file, but {url} needs it to be a folder")
    outputs = render_pages(specs, template_dirs, urls.Addresses(catalog.site.base_url), catalog.site.language)
    outputs[schema_path] = announcement_schema_json().encode("utf-8")
    return outputs


def render_pages(specs: list[PageSpec], template_dirs: tuple[Path, ...], addresses: urls.Addresses, language: str) -> Outputs:
    """Render the given pages (pure apart from reading templates)."""
    env = make_environment(template_dirs, addresses, language)
    outputs: Outputs = {}
    for page in specs:
        try:
            text = env.get_template(page.template).render(page.context)
        except jinja2.TemplateError as error:
            where = f"{error.filename}:{error.lineno}: " if isinstance(error, jinja2.TemplateSyntaxError) else ""
            raise BuildError(f"{where}template {page.template} failed for {page.url}: {error}") from error
        outputs[urls.output_path(page.url)] = text.encode("utf-8")
    return outputs


def sorted_criteria(standard: Standard) -> list[Criterion]:
    return sorted(standard.criteria, key=lambda c: _number_key(c.number))
