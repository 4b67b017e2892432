"""A reader who would rather look than read sees the register in pictures, and every picture
says what the pages count.

Each chart's numbers are read from the page twice, from the SVG and from the table behind
its disclosure, and compared with counts made here from the content files themselves
(front matter read with PyYAML's BaseLoader, so every value stays the text the editor
wrote): embargoed and draft announcements left out, statuses worked out by the content
format's rules. Then Chromium draws them in light and dark mode.
"""

from __future__ import annotations

import calendar
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml
from babel import Locale

from browser import chromium_browser, static_server
from certsite.cli import main
from conftest import ASI_AS_OF, ASI_REGISTER, STANDARD_YAML, BuiltSite, announcement
from generated import write_generated_register
from site_checks import browser_audit

GENERATED_AS_OF = "2026-06-01"  # the generated register runs to December 2026: some of it is embargoed


# ---- The register as its files say, counted without certsite ----


@dataclass
class Cert:
    announcement: str  # file stem
    day: date
    country: str
    facilities: frozenset[str]
    position: int
    fields: dict


@dataclass
class Register:
    root: Path
    as_of: date
    standards: dict[str, dict]
    certs: list[Cert]  # published only, newest announcement first, then in file order

    def findings(self) -> Counter[tuple[str, str]]:
        counts: Counter[tuple[str, str]] = Counter()
        for cert in self.certs:
            for severity in ("minor", "major"):
                for item in (cert.fields.get("nonconformances") or {}).get(severity) or []:
                    ref = item["criterion"] if isinstance(item, dict) else item
                    counts[(cert.fields["standard"], re.match(r"\d+(\.\d+)*", ref).group())] += 1
        return counts


def front_matter(path: Path) -> dict:
    return yaml.load(path.read_text("utf-8").split("---\n")[1], Loader=yaml.BaseLoader)


def read_register(root: Path, as_of: str) -> Register:
    day_of_build = date.fromisoformat(as_of)
    certs = []
    for path in sorted((root / "certifications").glob("*.md")):
        data = front_matter(path)
        day = date.fromisoformat(data["date"])
        if day > day_of_build or data.get("draft") == "true":
            continue
        for position, fields in enumerate(data["certifications"], start=1):
            certs.append(Cert(path.stem, day, data["location"]["country"], frozenset(data.get("facilities") or []), position, fields))
    certs.sort(key=lambda c: (-c.day.toordinal(), c.announcement, c.position))
    standards = {p.stem: yaml.load(p.read_text("utf-8"), Loader=yaml.BaseLoader) for p in sorted((root / "standards").glob("*.yaml"))}
    return Register(root, day_of_build, standards, certs)


def last_day(start: date, months: int) -> date:
    """The day before the same day ``months`` later, or that month's last day when it has none."""
    year, month = start.year + (start.month - 1 + months) // 12, (start.month - 1 + months) % 12 + 1
    days_in_month = calendar.monthrange(year, month)[1]
    return date(year, month, days_in_month) if start.day > days_in_month else date(year, month, start.day) - timedelta(days=1)


def timeline_rows(register: Register, announcements: set[str]) -> list[tuple[date, date | None, str]]:
    """(from, until, status as of the build date) of each certification of these announcements, as the content format rules."""
    rows = []
    for cert in (c for c in register.certs if c.announcement in announcements):
        fields = cert.fields
        announced = fields.get("status", "certified")
        start = date.fromisoformat(fields["valid_from"]) if "valid_from" in fields else cert.day
        if "valid_until" in fields:
            until = date.fromisoformat(fields["valid_until"])
        else:
            months = register.standards[fields["standard"]].get("validity_months", {}).get("provisional" if announced == "provisional" else "certified")
            until = last_day(start, int(months)) if months else None
        later = any(
            other.day > cert.day and other.fields["standard"] == fields["standard"] and other.facilities == cert.facilities
            for other in register.certs
            if other.announcement in announcements
        )
        if announced in ("suspended", "withdrawn"):
            status = announced
        elif later:
            status = "superseded"
        elif until is not None and until < register.as_of:
            status = "expired"
        else:
            status = announced
        rows.append((start, until, status))
    return rows


# ---- The charts as the pages show them ----


@dataclass
class ShownChart:
    title: str
    description: str
    bars: list[tuple[str, int, float]]  # label as drawn, value, bar width
    table: list[tuple[str, int]]


def bar_charts(site: BuiltSite, url: str) -> dict[str, ShownChart]:
    charts = {}
    for svg in site.soup(url).select("svg.chart"):
        if svg.select_one("rect.chart-span"):
            continue  # a timeline
        title, desc = svg.find("title"), svg.find("desc")
        assert svg["role"] == "img" and svg["aria-labelledby"] == title["id"] and svg["aria-describedby"] == desc["id"]
        bars = [(g.select_one(".chart-label").text, int(g.select_one(".chart-value").text), float(g.select_one("rect")["width"])) for g in svg.select("g.chart-row")]
        table = svg.find_parent("figure").select_one(f'details table[data-chart="{svg["id"]}"]')
        rows = [(tr.th.get_text(strip=True), int(tr.td.get_text(strip=True))) for tr in table.tbody.find_all("tr")]
        charts[svg["id"]] = ShownChart(title.text, desc.text, bars, rows)
    return charts


def assert_picture_matches_table(chart: ShownChart) -> None:
    assert [value for _, value, _ in chart.bars] == [value for _, value in chart.table]
    for (drawn, _, _), (label, _) in zip(chart.bars, chart.table):
        assert label.startswith(drawn.rstrip("…")), (drawn, label)
    largest = max(value for _, value, _ in chart.bars)
    longest = max(width for _, _, width in chart.bars)
    for _, value, width in chart.bars:  # bars in proportion to their values
        assert width == pytest.approx(longest * value / largest, abs=0.1)
    for label, value in chart.table:  # and the picture in words, for screen readers
        assert f"{label}, {value}" in chart.description


# ---- The sites ----


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> tuple[Register, BuiltSite]:
    content = write_generated_register(tmp_path_factory.mktemp("charts") / "content", 300)
    output = content.parent / "site"
    assert main(["build", "--content", str(content), "--output", str(output), "--as-of", GENERATED_AS_OF, "--no-search", "--no-cache"]) == 0
    return read_register(content, GENERATED_AS_OF), BuiltSite(output)


@pytest.fixture(scope="module", params=["asi", "generated"])
def register(request) -> tuple[Register, BuiltSite]:
    if request.param == "asi":
        return read_register(ASI_REGISTER, ASI_AS_OF), request.getfixturevalue("asi_site")
    return request.getfixturevalue("generated")


def test_the_home_page_shows_certifications_per_year_and_per_country(register):
    content, site = register
    charts = bar_charts(site, "/")
    per_year = Counter(cert.day.year for cert in content.certs)
    years = sorted(per_year)
    expected_years = [(str(year), per_year[year]) for year in years[-15:]]
    if len(years) > 15:
        expected_years.insert(0, (f"{years[0]}–{years[-16]}", sum(per_year[y] for y in years[:-15])))
    assert charts["chart-years"].table == expected_years
    assert sum(value for _, value in charts["chart-years"].table) == len(content.certs)

    names = Locale.parse("en").territories
    per_country = Counter(names[cert.country] for cert in content.certs)
    ranked = sorted(per_country.items(), key=lambda item: (-item[1], item[0]))
    expected_countries = ranked[:10] + ([(f"Other countries ({len(ranked) - 10})", sum(n for _, n in ranked[10:]))] if len(ranked) > 10 else [])
    assert charts["chart-countries"].table == expected_countries
    for chart in charts.values():
        assert_picture_matches_table(chart)


def test_each_standard_page_shows_findings_per_principle_and_its_most_frequent_criteria(register):
    content, site = register
    findings = content.findings()
    for standard_id, standard in content.standards.items():
        charts = bar_charts(site, f"/standards/{standard_id}/")
        if not any(key[0] == standard_id for key in findings):
            assert charts == {}, "a standard without findings has nothing to draw"
            continue
        if standard.get("principles"):
            expected = [
                (f"Principle {p['number']}: {p['title']}", sum(findings[(standard_id, c["number"])] for c in p.get("criteria") or []))
                for p in standard["principles"]
            ]
            assert charts["chart-principles"].table == expected
        top = top_criteria(standard, standard_id, findings, 10)
        assert charts["chart-top-criteria"].table == top
        for chart in charts.values():
            assert_picture_matches_table(chart)


def top_criteria(standard: dict, standard_id: str, findings: Counter, shown: int) -> list[tuple[str, int]]:
    criteria = [c for p in standard.get("principles") or [] for c in p.get("criteria") or []] + (standard.get("criteria") or [])
    numbered = sorted(criteria, key=lambda c: [int(part) for part in c["number"].split(".")])
    ranked = sorted((c for c in numbered if findings[(standard_id, c["number"])]), key=lambda c: -findings[(standard_id, c["number"])])
    return [(f"{c['number']} {c['title']}", findings[(standard_id, c["number"])]) for c in ranked[:shown]]


def test_the_criteria_index_draws_the_finding_counts_its_tables_give(register):
    content, site = register
    findings = content.findings()
    charts = bar_charts(site, "/criteria/")
    soup = site.soup("/criteria/")
    for standard_id, standard in content.standards.items():
        expected = top_criteria(standard, standard_id, findings, 20)
        chart = charts.get(f"chart-criteria-{standard_id}")
        if not expected:
            assert chart is None
            continue
        assert chart.table == expected
        assert_picture_matches_table(chart)
        # The same numbers as the index's own tables of every criterion.
        section = soup.find("section", attrs={"aria-labelledby": f"std-{standard_id}"})
        listed = {tr.th.get_text(" ", strip=True): int(tr.td.text) for table in section.select("table.criteria") for tr in table.tbody.find_all("tr")}
        assert all(listed[label] == value for label, value in chart.table)


def test_each_entity_page_draws_its_certifications_on_a_timeline_as_of_the_build_date(register):
    content, site = register
    entity_pages = sorted(p.parent.name for p in (site.root / "entities").glob("*/index.html") if not p.parent.name.startswith("letter_"))
    assert entity_pages
    for slug in entity_pages:
        soup = site.soup(f"/entities/{slug}/")
        # Which announcements are this entity's, from the page's own list of them.
        announcements = {a["href"].rstrip("/").rsplit("/", 1)[-1] for a in soup.find("h2", string="Announcements").find_next("ul").find_all("a")}
        expected = timeline_rows(content, announcements)[:20]
        svg = soup.select_one("svg#chart-timeline")
        assert svg["role"] == "img" and svg.title.text and "as of " + content.as_of.isoformat() in svg.desc.text
        table = soup.select_one('table[data-chart="chart-timeline"]')
        shown = []
        for tr in table.tbody.find_all("tr"):
            start, until, status = tr.find_all("td")
            until_time = until.find("time")
            shown.append((date.fromisoformat(start.time["datetime"]), date.fromisoformat(until_time["datetime"]) if until_time else None, status.text.lower()))
        assert shown == expected, slug
        spans = svg.select("rect.chart-span")
        assert [next(c for c in span["class"] if c not in ("chart-span", "chart-open")) for span in spans] == [f"chart-{status}" for _, _, status in expected]
        assert all(("chart-open" in span["class"]) == (until is None) for span, (_, until, _) in zip(spans, expected))
        assert all(float(span["width"]) > 0 for span in spans)
        assert svg.select_one("line.chart-today") is not None


def test_every_status_has_its_own_look_on_a_timeline(content, tmp_path):
    statuses = {
        "certified": ("2025-01-10", ""),
        "provisional": ("2025-02-01", "    status: provisional\n"),
        "suspended": ("2025-03-01", "    status: suspended\n"),
        "withdrawn": ("2025-04-01", "    status: withdrawn\n"),
        "expired": ("2024-02-01", "    valid_until: 2025-01-31\n"),
    }
    for status, (day, line) in statuses.items():
        content.announce(
            f"{day}-{status}-metals.md",
            announcement(**{"date: 2024-01-10": f"date: {day}", "entity: Acme Metals Ltd.": f"entity: {status.title()} Metals", "    auditor: Example Certification\n": f"    auditor: Example Certification\n{line}"}),
        )
    content.announce("2025-01-20-acme-metals.md", announcement(**{"date: 2024-01-10": "date: 2025-01-20"}))  # supersedes the 2024 one
    output = tmp_path / "site"
    assert main(["build", "--content", str(content.root), "--output", str(output), "--as-of", "2025-06-01", "--no-search", "--no-cache"]) == 0
    site = BuiltSite(output)
    looks = {}
    for status in statuses:
        svg = site.soup(f"/entities/{status}-metals/").select_one("svg#chart-timeline")
        looks[status] = svg.select_one("rect.chart-span")["class"]
        assert svg.select_one(".chart-note").text.startswith(status)  # in words too, not by colour alone
    looks["superseded"] = site.soup("/entities/acme-metals-ltd/").select("svg#chart-timeline rect.chart-span")[1]["class"]
    assert {status: f"chart-{status}" in kinds for status, kinds in looks.items()} == {status: True for status in looks}
    css = (Path(__file__).parent.parent / "certsite/templates/static/style.css").read_text("utf-8")
    assert all(f".chart .chart-{status} {{" in css for status in looks)


def test_a_label_from_content_is_text_in_the_picture_never_markup(content, tmp_path):
    content.write(
        "standards/test-ps.yaml",
        STANDARD_YAML.replace("name: Test Performance Standard", 'name: "Evil <script>alert(1)</script> Standard"')
        .replace("title: Disclosure of GHG Emissions and Energy Use", 'title: "<script>alert(2)</script> & <b>bold</b>"'),
    )
    output = tmp_path / "site"
    assert main(["build", "--content", str(content.root), "--output", str(output), "--as-of", "2024-06-01", "--no-search", "--no-cache"]) == 0
    for address in ("criteria/index.html", "standards/test-ps/index.html", "entities/acme-metals-ltd/index.html", "index.html"):
        html = (output / address).read_text("utf-8")
        assert "<script>alert" not in html and "<b>bold" not in html, address
    criteria = (output / "criteria/index.html").read_text("utf-8")
    assert "&lt;script&gt;alert(2)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in criteria
    timeline = BuiltSite(output).soup("/entities/acme-metals-ltd/").select_one("svg#chart-timeline")
    assert "<script>alert(1)</script>" in timeline.select_one(".chart-label").text  # shown as the text it is


def test_charts_are_drawn_visibly_in_light_and_dark_mode(generated):
    content, site = generated
    entity = sorted(p.parent.name for p in (site.root / "entities").glob("*/index.html") if not p.parent.name.startswith("letter_"))[0]
    pages = ["/", "/standards/asi-ps-v3/", "/criteria/", f"/entities/{entity}/"]
    with static_server(site.root) as base, chromium_browser() as browser:
        for scheme in ("light", "dark"):
            page = browser.new_page(color_scheme=scheme, viewport={"width": 1280, "height": 900})
            for address in pages:
                page.goto(base + address)
                background = page.evaluate("getComputedStyle(document.body).backgroundColor")
                shapes = page.query_selector_all("svg.chart rect.chart-bar, svg.chart rect.chart-span")
                assert shapes, address
                for shape in shapes:
                    if shape.get_attribute("width") == "0":
                        continue  # a bar of nothing
                    box = shape.bounding_box()
                    assert box and box["width"] > 0 and box["height"] > 0, (scheme, address)
                    fill = shape.evaluate("el => getComputedStyle(el).fill")
                    assert fill not in ("none", background, "rgb(0, 0, 0)" if scheme == "dark" else "rgb(255, 255, 255)"), (scheme, address, fill)
                text = page.query_selector("svg.chart text")
                assert text.evaluate("el => getComputedStyle(el).fill") != background
            page.close()


def test_pages_with_charts_pass_axe_in_light_and_dark_mode(generated):
    content, site = generated
    entity = sorted(p.parent.name for p in (site.root / "entities").glob("*/index.html") if not p.parent.name.startswith("letter_"))[0]
    audit = browser_audit(site.root, ["/", "/standards/asi-ps-v3/", "/criteria/", f"/entities/{entity}/"])
    assert audit.violations == [], "\n".join(audit.violations)
