"""Index a written site with the Pagefind binary shipped in the pagefind-bin-extended wheel.

The extended build is the one that splits Chinese, Japanese and Korean text into
words on pages in those languages, so a register written in Chinese is searchable
word by word. On pages in other languages Pagefind keeps such a name as one word;
``render.search_suffixes`` then makes it findable by any part.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

from pagefind_bin_extended import get_executable

from certsite.errors import BuildError

INDEX_DIR = "pagefind"


@dataclass(frozen=True, slots=True)
class SearchIndex:
    pages: int
    bytes: int


def index_site(site_dir: Path) -> SearchIndex:
    """Run Pagefind over ``site_dir``, writing ``site_dir/pagefind/``; failures become ``BuildError``."""
    try:
        executable = get_executable()
    except FileNotFoundError as error:
        raise BuildError(f"the Pagefind binary is missing ({error}); reinstall with 'make install'") from error
    command = [str(executable), "--site", str(site_dir), "--output-subdir", INDEX_DIR, "--quiet"]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise BuildError(f"Pagefind could not run: {error}") from error
    if result.returncode != 0:
        raise BuildError(f"Pagefind failed (exit {result.returncode}):\n{result.stdout}{result.stderr}".rstrip())
    index_dir = site_dir / INDEX_DIR
    entry = index_dir / "pagefind-entry.json"
    if not entry.is_file():
        raise BuildError(f"Pagefind wrote no index into {index_dir}")
    pages = sum(language["page_count"] for language in json.loads(entry.read_text("utf-8"))["languages"].values())
    size = sum(path.stat().st_size for path in index_dir.rglob("*") if path.is_file())
    return SearchIndex(pages, size)
