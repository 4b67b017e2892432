"""Benchmark: build a synthetic register of N announcements and print where the time goes.

    python bench/bench.py [--announcements 10000] [--search]

Announcements are generated from the bundled standards (every criterion gets
findings) with a fixed random seed, so runs are comparable. Prints figures only;
no timing goal is asserted anywhere.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from certsite.build import PACKAGE_TEMPLATES  # noqa: E402
from certsite.catalog import build_catalog  # noqa: E402
from certsite.load import load  # noqa: E402
from certsite.publish import publish  # noqa: E402
from certsite.render import render_site  # noqa: E402

COUNTRIES = ["CN", "NO", "DE", "AU", "BR", "CA", "IN", "AE", "IS", "GN"]
ACTIVITIES = ["aluminium smelting", "casting", "extrusion", "rolling", "alumina refining", "bauxite mining", "recycling"]


def write_register(root: Path, count: int) -> Path:
    content = root / "content"
    shutil.copytree(PROJECT / "content", content, ignore=shutil.ignore_patterns("certifications", "entities"))
    (content / "certifications").mkdir()
    criteria = {
        "asi-ps-v3": ["1.3a-e", "2.1a-f", "3.2", "4.1a", "5.1a-b", "5.2b", "5.3a-e", "6.5a-c", "9.1a-d", "9.7a-h", "11.1b-e"],
        "asi-coc-v2": ["1.5", "1.6", "8.8a", "10.3"],
    }
    rng = random.Random(20261123)
    start = date(2015, 1, 1)
    for number in range(count):
        day = start + timedelta(days=rng.randrange(4000))
        entity = f"Entity {number // 2:05d} Aluminium Co., Ltd."  # two announcements per entity
        slug = f"{day.isoformat()}-entity-{number:05d}"
        certs = []
        for standard in rng.sample(sorted(criteria), rng.randint(1, 2)):
            findings = ", ".join(f'"{c}"' for c in rng.sample(criteria[standard], rng.randint(0, 4)))
            certs.append(f"  - standard: {standard}\n    auditor: Auditor {rng.randrange(12)}\n    nonconformances:\n      minor: [{findings}]\n")
        (content / "certifications" / f"{slug}.md").write_text(
            f"---\ntitle: {entity} certified\ndate: {day.isoformat()}\nentity: {entity}\n"
            f"location:\n  city: City {rng.randrange(300)}\n  country: {rng.choice(COUNTRIES)}\n"
            f"activities: [{rng.choice(ACTIVITIES)}]\ncertifications:\n{''.join(certs)}---\n"
            f"{entity} was certified after an independent audit.\n\nThe findings are listed above.\n",
            encoding="utf-8",
        )
    return content


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--announcements", type=int, default=10000)
    parser.add_argument("--search", action="store_true", help="also run Pagefind")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        content = write_register(root, args.announcements)
        figures = []

        def timed(label, action):
            started = time.perf_counter()
            result = action()
            figures.append((label, time.perf_counter() - started))
            return result

        corpus = timed("load (read, parse, validate)", lambda: load(content))
        catalog = timed("catalog", lambda: build_catalog(corpus, date(2026, 11, 23)))
        outputs = timed("render (in memory)", lambda: render_site(catalog, (PACKAGE_TEMPLATES,)))
        timed("publish" + (" with Pagefind" if args.search else ""), lambda: publish(outputs, (PACKAGE_TEMPLATES / "static",), root / "site", args.search, sources=[content], workdir=root))
        size = sum(len(b) for b in outputs.values())
        print(f"{args.announcements} announcements, {len(catalog.entities)} entities -> {len(outputs)} outputs, {size / 1e6:.1f} MB")
        for label, seconds in figures:
            print(f"  {label:32} {seconds:7.2f} s")
        print(f"  {'total':32} {sum(s for _, s in figures):7.2f} s")


if __name__ == "__main__":
    main()
