"""Every page rendered and written into the staging folder, on all cores, reusing the
pages an earlier build rendered from the same inputs.

How the work is split: the parent computes the catalog and the page specs once, then
forks worker processes (see ``parallel``) that inherit them. Each worker takes pages by
index; for each it works out the page's key (``PageRenderer.key``: a digest of its
template, context and certsite's code), takes the page from the cache when the key is
there, and otherwise renders it. Either way it writes the page straight into the
staging folder (through ``publish``'s writer, the only one) and sends back only the
key and whether search indexes the page. A page's bytes
depend on its own spec alone, never on which process rendered it or in which order,
so any split gives the files a one-process build writes, byte for byte.
"""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from certsite import urls
from certsite.cache import Cache
from certsite.parallel import run_in_order
from certsite.publish import place_file, replace_file, write_file
from certsite.render import PageRenderer
from certsite.search import SEARCHABLE_MARK
from certsite.views import PageSpec

# Pages search indexes carry search's mark (announcement and entity pages).
_SEARCHABLE = SEARCHABLE_MARK.encode()
# The cache's record of which pages carry it, so that a page taken from the cache is not
# read again to find out (at 10,000 announcements, 400 MB read on every build).
_MARKS = "page-marks"


@dataclass(frozen=True, slots=True)
class WrittenPage:
    url: str
    key: str
    searchable: bool
    rendered: bool  # False: taken from the cache


@dataclass
class _Job:
    specs: Sequence[PageSpec]
    renderer: PageRenderer
    root: Path
    cache: Cache
    marks: dict[str, bool]  # whether search indexes the page, by key, as an earlier build found
    shown: Mapping[str, str] | None  # the pages already under root, address -> key (see write_pages)
    in_place: bool  # root holds an earlier site (see write_pages)


# The job the workers fork with (set just before they start), one at a time.
_job: _Job | None = None
_one_job_at_a_time = threading.Lock()


def write_pages(
    specs: Sequence[PageSpec],
    renderer: PageRenderer,
    root: Path,
    cache: Cache,
    jobs: int,
    progress: Callable[[int], None] | None = None,
    shown: Mapping[str, str] | None = None,
    in_place: bool = False,
    meanwhile: Iterator[object] | None = None,
) -> list[WrittenPage]:
    """Write every page of ``specs`` under ``root``; one ``WrittenPage`` per spec, in order.

    ``in_place``: ``root`` holds an earlier site (a spare that ``publish`` recycles). A
    page whose file there is the cache's copy for its key (the same file, linked) is
    left as it is; any other is replaced in one step, never written into, since it may
    be linked from elsewhere. ``shown``: the same for a folder being served, whose pages
    had these keys by address, so that a reader gets the old page or the new one.
    ``meanwhile``: work for this process while the workers render (see ``run_in_order``).
    """
    global _job
    with _one_job_at_a_time:  # two builds in one process (serve's preview and its indexer) take turns here
        marks = cache.records(_MARKS)
        _job = _Job(specs, renderer, root, cache, marks, shown, in_place or shown is not None)
        try:
            written = list(run_in_order(_write_share, range(len(specs)), jobs, progress, meanwhile))
        finally:
            _job = None
    now = {page.key: page.searchable for page in written if page.key}
    if now != marks:
        cache.store_records(_MARKS, now)
    return written


def _write_share(indexes: Sequence[int]) -> list[WrittenPage]:
    job = _job
    assert job is not None
    written = []
    for index in indexes:
        spec = job.specs[index]
        key = job.renderer.key(spec) if job.cache.enabled else ""  # without a cache, no page is looked up
        path = urls.output_path(spec.url)
        in_place = job.in_place
        already_there = job.shown is not None and bool(key) and job.shown.get(spec.url) == key
        cached = job.cache.page_file(key) if key and not already_there else None
        if in_place and job.shown is None and cached is not None:
            already_there = _same_file(cached, job.root / path)
        if already_there or (cached is not None and place_file(job.root, path, cached, in_place)):
            searchable = job.marks.get(key)
            if searchable is None:  # read where it was placed: the cache's copy may be pruned by another build meanwhile
                searchable = path.suffix == ".html" and _SEARCHABLE in (job.root / path).read_bytes()
            written.append(WrittenPage(spec.url, key, searchable, False))
            continue
        data = job.renderer.render(spec)
        target = replace_file(job.root, path, data) if in_place else write_file(job.root, path, data)
        job.cache.store_page(key, target)
        searchable = path.suffix == ".html" and _SEARCHABLE in data
        written.append(WrittenPage(spec.url, key, searchable, True))
    return written


def _same_file(cached: Path, placed: Path) -> bool:
    """Whether ``placed`` is a link to ``cached``: the same file, so the same bytes."""
    try:
        placed_info = os.lstat(placed)
        cached_info = os.stat(cached)
    except OSError:
        return False
    return stat.S_ISREG(placed_info.st_mode) and (placed_info.st_ino, placed_info.st_dev) == (cached_info.st_ino, cached_info.st_dev)
