"""The stage order, and nothing else: load -> catalog -> render and write, then publish.

``check`` stops before anything is written; ``build`` publishes only a site written in
full; ``update`` (the preview's) brings a site it serves up to date in place. All take
work an earlier build did from the cache when its inputs are the same.
"""

from __future__ import annotations

import contextlib
import itertools
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path, PurePosixPath

from certsite.cache import Cache
from certsite.catalog import Catalog, build_catalog
from certsite.data import DataRows, data_rows, published_standings
from certsite.errors import BuildError, ContentError, Diagnostic
from certsite.fingerprint import digest_bytes
from certsite.load import Progress, load_storing_later
from certsite.model import Corpus
from certsite.pages import WrittenPage, write_pages
from certsite.parallel import collector_paused
from certsite.publish import check_output_dir, place_tree, publish, refresh_static, remove_file, write_tree
from certsite.render import PageRenderer, check_paths, fixed_outputs, render_site
from certsite.search import INDEX_DIR, PAGES_PER_PART, IndexPart, SearchIndex, index_parts, join_parts, measure, part_count, part_of
from certsite.urls import Addresses, output_path
from certsite.views import PageSpec, page_specs

# certsite's own templates and static files travel inside the package, so an
# installed wheel builds a register from any folder.
PACKAGE_TEMPLATES = Path(__file__).resolve().parent / "templates"


@dataclass(frozen=True, slots=True)
class BuildOptions:
    content_dir: Path
    build_date: date
    include_drafts: bool = False
    templates_dir: Path | None = None  # the register's own templates; default: templates/ beside the content folder
    strict: bool = False  # warnings fail the run, as errors do
    cache_dir: Path | None = None  # where earlier builds' work is kept; None: no cache
    jobs: int = 1  # processes that parse and render
    search_part_pages: int = PAGES_PER_PART  # pages per part of the search index (see ``search``)


def template_dirs(options: BuildOptions) -> tuple[Path, ...]:
    """Where templates are looked up, first match wins: the register's own folder (any
    template or static file there replaces certsite's of the same name), then certsite's."""
    own = options.templates_dir or options.content_dir.parent / "templates"
    if options.templates_dir is not None and not own.is_dir():
        raise BuildError(f"the templates folder {own} does not exist")
    return (own.resolve(), PACKAGE_TEMPLATES) if own.is_dir() else (PACKAGE_TEMPLATES,)


@dataclass(frozen=True, slots=True)
class CheckResult:
    catalog: Catalog
    outputs: dict[PurePosixPath, bytes]
    warnings: tuple[Diagnostic, ...]


@dataclass(frozen=True, slots=True)
class BuildReport:
    pages: int
    search: SearchIndex | None
    seconds: float
    warnings: tuple[Diagnostic, ...]
    site_root: str  # where the site's pages are addressed: the path of base_url
    rendered: int = 0  # pages rendered by this build; the others came from the cache
    search_reused: bool = False  # the search index came from the cache (no searchable page changed)
    search_parts_indexed: int = 0  # parts of the search index made again (the others came from the cache)
    # What the site was made from, for a preview that shows an edit before rebuilding (see ``preview``).
    corpus: Corpus | None = None
    renderer: PageRenderer | None = None
    page_keys: dict[str, str] = field(default_factory=dict)  # every page's key by address (see ``update``)
    cache_unwritable: str | None = None  # why the cache could not be written, if it could not


def _catalog(options: BuildOptions, corpus: Corpus) -> Catalog:
    if options.strict and corpus.warnings:
        raise ContentError(corpus.warnings)
    return build_catalog(corpus, options.build_date, options.include_drafts)


@collector_paused()  # see parallel
def check(options: BuildOptions, progress: Progress | None = None) -> CheckResult:
    """Load, catalog and render in memory; raise ``ContentError`` or ``BuildError``, write nothing.

    Warnings come back with the result, or fail the run as a ``ContentError`` when strict.
    """
    corpus, storing = load_storing_later(options.content_dir, Cache(options.cache_dir), options.jobs, progress)
    _run(storing)
    catalog = _catalog(options, corpus)
    return CheckResult(catalog, render_site(catalog, template_dirs(options)), corpus.warnings)


@dataclass(frozen=True, slots=True)
class _Plan:
    """What a build writes: the catalog and its pages, and the renderer that makes them."""

    catalog: Catalog
    corpus: Corpus
    specs: list[PageSpec]
    renderer: PageRenderer
    static: tuple[Path, ...]  # certsite's static folder first, the register's over it
    # The announcements parsed, still to be stored in the cache: the build's process takes
    # these steps while its workers render (``write_pages``' ``meanwhile``), where it would
    # otherwise store them before the pages while the other cores wait, 3 % of a cold
    # build at 10,000 announcements.
    storing_announcements: Iterator[None]


@contextlib.contextmanager
def _planned(options: BuildOptions, cache: Cache, progress: Progress | None) -> Iterator[_Plan]:
    """The build's plan, for the work done in the ``with`` block. Should anything fail once
    the announcements are parsed (a warning under ``strict``, a template's mistake), they
    are stored in the cache all the same, so that the build after the fix does not parse
    them all again; the cache's writes never raise for want of room or rights (see
    ``cache``)."""
    corpus, storing = load_storing_later(options.content_dir, cache, options.jobs, progress)
    try:
        yield _plan(options, cache, corpus, storing)
    except Exception:
        _run(storing)
        raise


def _plan(options: BuildOptions, cache: Cache, corpus: Corpus, storing: Iterator[None]) -> _Plan:
    templates = template_dirs(options)
    catalog = _catalog(options, corpus)
    specs = page_specs(catalog)
    check_paths(specs)
    renderer = PageRenderer(templates, catalog)  # before the workers fork: they share its compiled templates
    if cache.enabled:
        renderer.remember_catalog(catalog, corpus.announcement_digests, options.include_drafts)
        renderer.templates_key()  # once, before the workers fork
    return _Plan(catalog, corpus, specs, renderer, tuple(folder / "static" for folder in reversed(templates)), storing)


def _pages_progress(plan: _Plan, progress: Progress | None) -> Callable[[int], None] | None:
    return (lambda done: progress("writing pages", done, len(plan.specs))) if progress else None


@collector_paused()  # see parallel
def build(
    options: BuildOptions,
    output_dir: Path,
    workdir: Path,
    with_search: bool = True,
    progress: Progress | None = None,
    keep_search_index: bool = False,
    cache: Cache | None = None,
) -> BuildReport:
    """Load and catalog, then render and write every page into a staging folder that
    replaces ``output_dir`` only once all of it is there. ``workdir`` (the caller's
    working folder) is one more folder the output may never replace.

    ``keep_search_index`` (without search): the new site keeps the search index of the
    site it replaces, for a preview that indexes again later (see ``serve``). ``cache``
    is one kept between builds by the caller (default: ``options.cache_dir``'s)."""
    started = time.perf_counter()
    sources = [options.content_dir, *template_dirs(options)]
    if options.cache_dir is not None:
        sources.append(options.cache_dir)
    check_output_dir(output_dir, sources, workdir)  # before the work, not only after it
    cache = cache or Cache(options.cache_dir)
    with _planned(options, cache, progress) as plan:
        written: list[WrittenPage] = []
        index: list[SearchIndex] = []
        search_indexed: list[int] = []

        def fill(staging: Path, in_place: bool) -> set[PurePosixPath]:
            downloads = _Downloads(plan, cache)
            meanwhile = itertools.chain(plan.storing_announcements, downloads.steps)
            written[:] = write_pages(plan.specs, plan.renderer, staging, cache, options.jobs, _pages_progress(plan, progress), in_place=in_place, meanwhile=meanwhile)
            outputs = {output_path(page.url) for page in written}
            fixed = downloads.outputs()
            write_tree(fixed, staging, in_place)
            outputs.update(fixed)
            previous_index = output_dir / INDEX_DIR
            if with_search:
                files, indexed = _search_index(staging, plan.specs, written, cache, options, progress)
                write_tree(files, staging, in_place)
                outputs.update(files)
                index[:] = [measure(files)]
                search_indexed[:] = [indexed]
            elif keep_search_index and previous_index.is_dir() and not previous_index.is_symlink():
                outputs.update(place_tree(staging, PurePosixPath(INDEX_DIR), previous_index, in_place))
            return outputs

        # With a cache, the site replaced is kept for the next build to bring up to date (see ``publish``).
        publish(fill, plan.static, output_dir, sources, workdir, recycle=cache.enabled)
        return _report(plan, written, cache, started, index[0] if index else None, search_indexed[0] if search_indexed else None)


@collector_paused()  # see parallel
def update(options: BuildOptions, site_dir: Path, shown: dict[str, str], cache: Cache, progress: Progress | None = None) -> BuildReport:
    """Bring ``site_dir``, a site that ``build`` or ``update`` wrote (``shown``: its
    pages' keys by address, ``BuildReport.page_keys``), up to date in place, leaving its
    search index as it is: only pages whose key changed are written, each in one step,
    and pages that are no longer part of the site are removed.

    For the preview alone (see ``serve``): at 10,000 announcements it skips the 14,000
    folders that ``build`` makes and removes, but it is not all or nothing. A build that
    fails half-way leaves some pages new and some old, so the preview shows the errors
    instead of the site, and then builds in full."""
    started = time.perf_counter()
    with _planned(options, cache, progress) as plan:
        downloads = _Downloads(plan, cache)
        meanwhile = itertools.chain(plan.storing_announcements, downloads.steps)
        written = write_pages(plan.specs, plan.renderer, site_dir, cache, options.jobs, _pages_progress(plan, progress), shown, meanwhile=meanwhile)
        write_tree(downloads.outputs(), site_dir, in_place=True)
        refresh_static(plan.static, site_dir)
        for url in sorted(set(shown) - {page.url for page in written}):
            remove_file(site_dir, output_path(url))
        return _report(plan, written, cache, started, None, None)


def _run(steps: Iterator[object]) -> None:
    for _ in steps:
        pass


class _Downloads:
    """The outputs that are not pages (``fixed_outputs``), with each certification's rows
    of the data downloads from the cache when it was made from the same inputs: at
    10,000 announcements, making them all takes over a second of one core, and after one
    edit almost all of them are the same.

    A row's key is the digests of its standing, which covers everything the row shows
    of the register (see ``PageRenderer.remember_catalog``: its entity's announcements
    and profile, the standards, the build date, the draft flag, certsite's code), and of
    the site settings (the addresses, the language of country names).

    The rows the cache lacks are made, and all rows stored, by the build's own process
    while its workers render the pages (``steps``, a few rows a step), rather than after
    them with every core: that process would otherwise only wait. They are the same
    rows either way.
    """

    def __init__(self, plan: _Plan, cache: Cache) -> None:
        standings = published_standings(plan.catalog)
        if cache.enabled:
            digests = plan.renderer.digests
            site = digests.of(plan.catalog.site)
            keys = [digest_bytes(site, digests.of(standing)) for standing in standings]
            known = {key: DataRows(*row) for key, row in cache.sharded_records(_DATA_ROWS, _is_data_row).items()}
        else:
            keys = [b""] * len(standings)
            known = {}
        missing = [standing for standing, key in zip(standings, keys) if key not in known]
        self._catalog = plan.catalog
        self._rows: list[DataRows] = []  # every row, once made (see ``_steps``)
        self.steps = _steps(cache, keys, known, data_rows(plan.catalog, missing), self._rows)

    def outputs(self) -> dict[PurePosixPath, bytes]:
        """The outputs, once every row is made (those ``steps`` has not made yet, now).

        Made from the rows only now, once the workers are gone: the downloads are about
        90 MB of text and bytes at 10,000 announcements, which would otherwise add to the
        workers' memory at its peak."""
        _run(self.steps)
        return fixed_outputs(self._catalog, self._rows)


def _steps(cache: Cache, keys: list[bytes], known: dict[bytes, DataRows], missing: Iterator[DataRows], rows: list[DataRows]) -> Iterator[None]:
    """Put each row into ``rows``, from the cache or made (``missing``, in order), a few
    at each step, then store them all in the cache. (Given the list, not the
    ``_Downloads``: a generator holding the object that holds it would be a cycle, which
    a build that fails half-way would leave to the paused collector: see ``parallel``.)"""
    for key in keys:
        rows.append(known[key] if key in known else next(missing))
        if len(rows) % _ROWS_PER_STEP == 0:
            yield
    if cache.enabled:
        yield from cache.storing_sharded(_DATA_ROWS, {key: (row.json, row.csv, row.findings_csv) for key, row in zip(keys, rows)})


# A step of making the data rows: about 5 ms, while a chunk of pages takes a worker 40 ms.
_ROWS_PER_STEP = 48
_DATA_ROWS = "data-rows"


def _is_data_row(row: object) -> bool:
    """Whether a cached entry is a ``DataRows`` as the cache holds it, plain data:
    ``(json, csv, findings_csv)``. Anything else is not used (and is made again)."""
    return type(row) is tuple and len(row) == 3 and all(type(text) is str for text in row)


def _report(plan: _Plan, written: list[WrittenPage], cache: Cache, started: float, index: SearchIndex | None, indexed: int | None) -> BuildReport:
    """The build's report, once the cache keeps only the pages it wrote."""
    cache.keep_only_pages({page.key for page in written})
    html = [page for page in written if page.url.endswith(("/", ".html"))]
    return BuildReport(
        pages=len(html),
        search=index,
        seconds=time.perf_counter() - started,
        warnings=plan.corpus.warnings,
        site_root=Addresses(plan.catalog.site.base_url).root,
        rendered=sum(page.rendered for page in html),
        search_reused=indexed == 0,
        search_parts_indexed=indexed or 0,
        corpus=plan.corpus,
        renderer=plan.renderer,
        page_keys={page.url: page.key for page in written},
        cache_unwritable=cache.unwritable,
    )


def _search_index(
    staging: Path, specs: list[PageSpec], written: list[WrittenPage], cache: Cache, options: BuildOptions, progress: Progress | None
) -> tuple[dict[PurePosixPath, bytes], int]:
    """The search index of the pages written under ``staging`` (``written``, one for each
    of ``specs``), and how many of its parts were made again.

    A large index is made in parts (see ``search``). A page's part is fixed by its group
    (``PageSpec.group``: an entity's page and its announcements' pages, whose keys an edit
    to one of them changes together) or else its address; a part comes from the cache when
    each of its pages has the key it had when that part was made (the same pages give the
    same part, byte for byte). So after one edit, one part is made again."""
    searchable = sorted((page.url, page.key, spec.group or page.url) for spec, page in zip(specs, written, strict=True) if page.searchable)
    count = part_count(len(searchable), options.search_part_pages)
    members: list[list[tuple[str, str]]] = [[] for _ in range(count)]
    for url, page_key, group in searchable:
        members[part_of(group, count)].append((url, page_key))
    members = [part for part in members if part] or [[]]  # an empty part would only cost a request
    keys = [digest_bytes(*(f"{url}\0{page_key}".encode() for url, page_key in part)) if cache.enabled else b"" for part in members]
    held = cache.records(_SEARCH_PARTS) if cache.enabled else {}
    known = {key: IndexPart(*part) for key, part in held.items() if _is_index_part(part)}
    whole_key = digest_bytes(b"one part", *keys) if cache.enabled else b""
    missing = [number for number, key in enumerate(keys) if key not in known]
    if progress and missing:
        progress("indexing for search", 0, sum(len(members[number]) for number in missing))
    made = dict(zip(missing, index_parts(staging, [[output_path(url) for url, _ in members[number]] for number in missing], options.jobs)))
    parts = [made[number] if number in made else known[key] for number, key in enumerate(keys)]
    stored = {key: (part.files, part.sorts, part.urls) for key, part in zip(keys, parts)}
    files = join_parts(parts)
    indexed = len(missing)
    if files is None:  # the parts' sorts could not be merged (a register's own sort attributes): one part, kept too
        whole = known.get(whole_key)
        if whole is None:
            whole = index_parts(staging, [[output_path(url) for url, _, _ in searchable]])[0]
            indexed += 1
        stored[whole_key] = (whole.files, whole.sorts, whole.urls)
        files = join_parts([whole])
        assert files is not None  # one part is never joined to another
    if cache.enabled and (indexed or stored.keys() != held.keys()):  # what the cache holds already is not written again
        cache.store_records(_SEARCH_PARTS, stored)
    return files, indexed


_SEARCH_PARTS = "search-parts"


def _is_index_part(part: object) -> bool:
    """Whether a cached entry is an ``IndexPart``'s fields as the cache holds them, plain
    data: ``(files, sorts, urls)``. Anything else is not used (and the part is made again)."""
    if not (type(part) is tuple and len(part) == 3 and type(part[0]) is dict and (part[1] is None or type(part[1]) is tuple) and type(part[2]) is tuple):
        return False
    files, sorts, urls = part
    return all(type(path) is PurePosixPath and type(content) is bytes for path, content in files.items()) and all(type(url) is str for url in urls) and (
        sorts is None or all(type(page) is tuple and all(type(pair) is tuple and len(pair) == 2 and all(type(text) is str for text in pair) for pair in page) for page in sorts)
    )
