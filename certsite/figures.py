"""The numbers behind the charts, counted from the catalog the pages count from.

Pure: catalog records in, ``charts`` data out. Each chart counts what its page's
tables count (the criteria index's finding counts, the entity page's standings), so
a bar never disagrees with the number beside it. Each is bounded, whatever the size
of the register: top N and the rest summed, so a page stays light.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

from certsite.catalog import Catalog, EntityPage
from certsite.charts import Bar, BarChart, Span, Timeline
from certsite.countries import country_name
from certsite.model import Criterion, Standard

YEARS_SHOWN = 15  # the latest years as bars; earlier ones summed into one
COUNTRIES_SHOWN = 10
TOP_CRITERIA = 10  # on a standard's page
INDEX_CRITERIA = 20  # per standard on the criteria index, whose tables list them all
SPANS_SHOWN = 20  # an entity's latest certifications on its timeline


def certifications_per_year(catalog: Catalog) -> BarChart:
    """Published certifications by the year they were announced, oldest year first."""
    counts = Counter(a.date.year for a in catalog.announcements for _ in a.certifications)
    years = sorted(counts)
    bars = [Bar(str(year), counts[year]) for year in years[-YEARS_SHOWN:]]
    if len(years) > YEARS_SHOWN:
        earlier = years[:-YEARS_SHOWN]
        bars.insert(0, Bar(f"{earlier[0]}–{earlier[-1]}", sum(counts[year] for year in earlier)))
    return BarChart("chart-years", "Certifications announced per year", "Year", "Certifications", tuple(bars))


def certifications_per_country(catalog: Catalog) -> BarChart:
    """Published certifications by the certified entity's country: the most first, the rest summed."""
    counts = Counter(a.location.country for a in catalog.announcements for _ in a.certifications)
    language = catalog.site.language
    ranked = sorted(counts.items(), key=lambda item: (-item[1], country_name(item[0], language), item[0]))
    bars = [Bar(country_name(code, language), count) for code, count in ranked[:COUNTRIES_SHOWN]]
    rest = ranked[COUNTRIES_SHOWN:]
    if rest:
        bars.append(Bar(f"Other countries ({len(rest)})", sum(count for _, count in rest)))
    return BarChart("chart-countries", "Certifications per country", "Country", "Certifications", tuple(bars))


def findings_per_principle(standard: Standard, finding_counts: dict[tuple[str, str], int]) -> BarChart | None:
    """The standard's findings summed by principle, in the standard's order; None without principles."""
    if not standard.principles:
        return None
    by_principle = Counter[int | None]()
    for criterion in standard.criteria:
        by_principle[criterion.principle] += finding_counts.get((criterion.standard_id, criterion.number), 0)
    bars = [Bar(f"Principle {p.number}: {p.title}", by_principle[p.number]) for p in standard.principles]
    if any(c.principle is None for c in standard.criteria):
        bars.append(Bar("Other criteria", by_principle[None]))
    return BarChart("chart-principles", "Findings per principle", "Principle", "Findings", tuple(bars))


def most_frequent_criteria(standard: Standard, finding_counts: dict[tuple[str, str], int], shown: int = TOP_CRITERIA, chart_id: str = "chart-top-criteria") -> BarChart:
    """The standard's criteria with the most findings (ties in criterion order), those with none left out."""
    counted = [(c, finding_counts.get((c.standard_id, c.number), 0)) for c in _in_number_order(standard.criteria)]
    ranked = sorted(((c, n) for c, n in counted if n), key=lambda item: -item[1])  # stable: ties keep number order
    bars = tuple(Bar(f"{c.number} {c.title}", n) for c, n in ranked[:shown])
    title = f"The {len(bars)} criteria with the most findings" if len(bars) > 1 else "Criteria with findings"
    return BarChart(chart_id, title, "Criterion", "Findings", bars)


def criteria_index_chart(standard: Standard, finding_counts: dict[tuple[str, str], int]) -> BarChart:
    return most_frequent_criteria(standard, finding_counts, INDEX_CRITERIA, f"chart-criteria-{standard.id}")


def certification_timeline(entity: EntityPage, standards: dict[str, Standard], as_of: date) -> Timeline:
    """The entity's certifications, newest first as its history table lists them, each
    from ``valid_from`` (else its announcement) to its end date, with its status."""
    spans = []
    for standing in entity.certifications[:SPANS_SHOWN]:
        certification = standing.certification
        standard = standards[certification.standard_id]
        start = certification.valid_from or standing.announcement.date
        spans.append(Span(f"{standard.name} {standard.version}", start, standing.valid_until, standing.until_derived, standing.status.value))
    omitted = max(0, len(entity.certifications) - SPANS_SHOWN)
    return Timeline("chart-timeline", "Certifications over time", tuple(spans), as_of, omitted)


def _in_number_order(criteria: tuple[Criterion, ...]) -> list[Criterion]:
    return sorted(criteria, key=lambda c: tuple(int(part) for part in c.number.split(".")))
