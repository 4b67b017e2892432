"""A generated register for tests that need size: a few hundred announcements with
front matter like a real register's, written to a folder.

    write_register(root, announcements=420) -> root / "content"

Deterministic (same arguments, same files), valid as of ``AS_OF``, and shaped so that
every long list of the site has more than one page's worth of items: one year holds
more than half of the announcements, many company names start with S, most entities
hold a certificate against the performance standard, and most certifications have a
finding under criterion 5.1. Three announcements are dated after ``AS_OF`` (embargoed),
and some companies are named in Chinese or start with a digit, so that the A-Z index
has initials of every kind.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

AS_OF = "2026-06-01"

SITE_YAML = """\
title: Generated Register
base_url: https://example.org/register/
description: A register generated for tests, a few hundred announcements long.
language: en
corrections: mailto:fix@example.org
"""

PS_YAML = """\
id: test-ps
name: Test Performance Standard
version: V3
owner: Test Standards Body
url: https://standards.example.org/ps/
validity_months:
  certified: 36
  provisional: 12
principles:
  - number: 1
    title: Business Integrity
    criteria:
      - number: "1.1"
        title: Legal Compliance
      - number: "1.2"
        title: Anti-Corruption
  - number: 5
    title: Greenhouse Gas Emissions
    criteria:
      - number: "5.1"
        title: Disclosure of GHG Emissions and Energy Use
      - number: "5.2"
        title: Smelter GHG Emissions Intensity
      - number: "5.10"
        title: Energy Efficiency
"""

COC_YAML = """\
id: test-coc
name: Test Chain of Custody Standard
version: V2
owner: Test Standards Body
validity_months:
  certified: 36
  provisional: 12
criteria:
  - number: "1.5"
    title: Record Keeping
  - number: "2.1"
    title: Material Accounting System
"""

# Brand words by initial: S is heavy, so that the S entities need several pages.
BRANDS = {
    "A": ["Alta", "Arctic", "Aurora", "Atlas"],
    "B": ["Boreal", "Baltic", "Bergen"],
    "C": ["Cobalt", "Coral", "Cascade"],
    "H": ["Hansa", "Highland", "Harbour"],
    "K": ["Kimberley", "Kestrel"],
    "N": ["Nordic", "Narmada", "Northstar"],
    "P": ["Pilbara", "Pacific", "Pelican"],
    "R": ["Rhein", "Ridge", "Riverside"],
    "S": ["Saguenay", "Sahyadri", "Serra", "Solway", "Sunndal", "Summit", "Sierra", "Stellar", "Sorland", "Silverline"],
    "T": ["Tasman", "Taurus", "Tidewater"],
    "V": ["Vestland", "Vindhya", "Vale"],
    "Ø": ["Østfold"],  # files under O
}
KINDS = ["Aluminium", "Extrusions", "Rolling", "Foil", "Castings", "Smelting", "Recycling", "Alloys", "Metals", "Profiles"]
SUFFIXES = ["Ltd.", "AS", "GmbH", "S.A.", "Inc.", "Pty Ltd"]
PLACES = [("Oslo", "Oslo", "NO"), ("Neuss", "Nordrhein-Westfalen", "DE"), ("Gladstone", "Queensland", "AU"),
          ("Saguenay", "Québec", "CA"), ("Barcarena", "Pará", "BR"), ("Angul", "Odisha", "IN"), ("Lyon", None, "FR")]
CHINESE = [("包头铝业有限公司", "baotou-lvye", "Baotou", "Inner Mongolia"), ("宏达铝业有限公司", "hongda-lvye", "Zouping", "Shandong"),
           ("云南铝业股份有限公司", "yunnan-lvye", "Wenshan", "Yunnan")]
DIGITS = ["3B Aluminium Ltd.", "4M Metals GmbH"]
AUDITORS = ["Bureau Veritas Certification", "DNV Business Assurance", "TÜV SÜD", "SGS United Kingdom Ltd"]
ACTIVITIES = ["aluminium smelting", "casting", "extrusion", "rolling", "recycling", "foil production"]
PRODUCTS = ["aluminium ingot", "billets", "sheet", "foil", "profiles", "slabs"]
CLAUSES = ["", "a", "b", "a-c", "a,c-d", "b-e"]


def _entities(rng: random.Random, count: int) -> list[dict[str, str]]:
    """``count`` distinct companies: name, slug and home."""
    entities: list[dict[str, str]] = []
    seen: set[str] = set()
    for name, slug, city, region in CHINESE:
        entities.append({"name": name, "slug": slug, "city": city, "region": region, "country": "CN"})
        seen.add(slug)
    for name in DIGITS:
        entities.append(_latin(name, rng))
        seen.add(entities[-1]["slug"])
    initials = list(BRANDS)
    weights = [24 if initial == "S" else 2 for initial in initials]
    while len(entities) < count:
        brand = rng.choice(BRANDS[rng.choices(initials, weights)[0]])
        name = f"{brand} {rng.choice(KINDS)} {rng.choice(SUFFIXES)}"
        entity = _latin(name, rng)
        if entity["slug"] not in seen:
            seen.add(entity["slug"])
            entities.append(entity)
    return entities


def _latin(name: str, rng: random.Random) -> dict[str, str]:
    city, region, country = rng.choice(PLACES)
    slug = "".join(c if c.isascii() and c.isalnum() else "-" for c in name.lower().replace("ø", "o").replace("ü", "u"))
    slug = "-".join(part for part in slug.split("-") if part)
    return {"name": name, "slug": slug, "city": city, "region": region or "", "country": country}


def _findings(rng: random.Random, criteria: list[str], heavy: str | None) -> list[str]:
    """Minor findings of one certification, at most one per criterion: ``heavy`` most of the time."""
    chosen = [heavy] if heavy and rng.random() < 0.75 else []
    chosen += [c for c in rng.sample(criteria, rng.randint(0, 2)) if c not in chosen]
    return [f"{c}{rng.choice(CLAUSES)}" for c in chosen]


def _announcement(entity: dict[str, str], day: date, rng: random.Random) -> str:
    standards = [("test-ps", "V3 (2022)", ["1.1", "1.2", "5.2", "5.10"], "5.1")]
    if rng.random() < 0.4:
        standards.append(("test-coc", "V2 (2022)", ["1.5", "2.1"], None))
    if rng.random() < 0.15:
        standards = standards[1:] or standards
    lines = [
        "---",
        f"title: {entity['name']} certified against the Test Standards",
        f"date: {day.isoformat()}",
        f"entity: {entity['name']}",
    ]
    lines += [f"entity_slug: {entity['slug']}", "location:", f"  city: {entity['city']}"]
    if entity["region"]:
        lines.append(f"  region: {entity['region']}")
    lines += [
        f'  country: "{entity["country"]}"',
        f"facilities: [{entity['city']} plant]",
        f"activities: [{', '.join(rng.sample(ACTIVITIES, 2))}]",
        f"products: [{', '.join(rng.sample(PRODUCTS, 2))}]",
        "certifications:",
    ]
    for standard, edition, criteria, heavy in standards:
        lines += [f"  - standard: {standard}", f"    edition: {edition}", f"    auditor: {rng.choice(AUDITORS)}",
                  f"    scope: {entity['city']} operations"]
        if rng.random() < 0.05:
            lines.append("    status: provisional")
        minor = _findings(rng, criteria, heavy)
        if minor:
            lines += ["    nonconformances:", "      minor: [" + ", ".join(f'"{ref}"' for ref in minor) + "]"]
    lines += [
        "---",
        f"{entity['name']} was certified against the Test Performance Standard after an audit of its "
        f"{entity['city']} plant. The auditor recorded its findings in the summary report.",
        "",
        "## About the site",
        "",
        f"The plant employs {rng.randint(80, 2400)} people and ships to customers in Europe and Asia.",
        "",
    ]
    return "\n".join(lines)


def write_register(root: Path, announcements: int = 420, seed: int = 12) -> Path:
    """Write the register's content folder under ``root``; returns it."""
    rng = random.Random(seed)
    content = root / "content"
    (content / "standards").mkdir(parents=True)
    (content / "certifications").mkdir()
    (content / "site.yaml").write_text(SITE_YAML, encoding="utf-8")
    (content / "standards/test-ps.yaml").write_text(PS_YAML, encoding="utf-8")
    (content / "standards/test-coc.yaml").write_text(COC_YAML, encoding="utf-8")
    entities = _entities(rng, announcements * 3 // 5)
    as_of = date.fromisoformat(AS_OF)
    written: set[str] = set()
    embargoed = 0
    while len(written) < announcements:
        # Every entity once, then more announcements for some of them.
        entity = entities[len(written)] if len(written) < len(entities) else rng.choice(entities)
        # Most announcements fall in 2024; a few lie after AS_OF, under embargo.
        if len(written) >= len(entities) and embargoed < 3:
            embargoed += 1
            day = as_of + timedelta(days=rng.randint(1, 90))
        else:
            year = rng.choices([2023, 2024, 2025], [2, 6, 2])[0]
            day = date(year, 1, 1) + timedelta(days=rng.randint(0, 364))
        name = f"{day.isoformat()}-{entity['slug']}"
        if name in written:
            continue
        written.add(name)
        (content / "certifications" / f"{name}.md").write_text(_announcement(entity, day, rng), encoding="utf-8")
    return content
