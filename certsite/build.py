"""The stage order, and nothing else: load -> catalog -> render and write, then publish.

``check`` stops before anything is written; ``build`` publishes only a site written in
full. Both take work an earlier build did from the cache when its inputs are the same.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path, PurePosixPath

from certsite.cache import Cache
from certsite.catalog import Catalog, build_catalog
from certsite.errors import BuildError, ContentError, Diagnostic
from certsite.load import Progress, load
from certsite.model import Corpus
from certsite.pages import WrittenPage, write_pages
from certsite.publish import check_output_dir, place_tree, publish, write_tree
from certsite.render import PageRenderer, check_paths, fixed_outputs, render_site
from certsite.fingerprint import digest_bytes
from certsite.search import INDEX_DIR, SearchIndex, index_site, measure
from certsite.urls import Addresses
from certsite.views import page_specs

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
    # What the site was made from, for a preview that shows an edit before rebuilding (see ``preview``).
    corpus: Corpus | None = None
    renderer: PageRenderer | None = None


def _catalog(options: BuildOptions, cache: Cache, progress: Progress | None) -> tuple[Catalog, Corpus]:
    corpus = load(options.content_dir, cache, options.jobs, progress)
    if options.strict and corpus.warnings:
        raise ContentError(corpus.warnings)
    return build_catalog(corpus, options.build_date, options.include_drafts), corpus


def check(options: BuildOptions, progress: Progress | None = None) -> CheckResult:
    """Load, catalog and render in memory; raise ``ContentError`` or ``BuildError``, write nothing.

    Warnings come back with the result, or fail the run as a ``ContentError`` when strict.
    """
    catalog, corpus = _catalog(options, Cache(options.cache_dir), progress)
    return CheckResult(catalog, render_site(catalog, template_dirs(options)), corpus.warnings)


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
    templates = template_dirs(options)
    sources = [options.content_dir, *templates]
    if options.cache_dir is not None:
        sources.append(options.cache_dir)
    check_output_dir(output_dir, sources, workdir)  # before the work, not only after it
    cache = cache or Cache(options.cache_dir)
    catalog, corpus = _catalog(options, cache, progress)
    specs = page_specs(catalog)
    check_paths(specs)
    renderer = PageRenderer(templates, catalog.site)  # before the workers fork: they share its compiled templates
    if cache.enabled:
        renderer.remember_catalog(catalog, corpus.announcement_digests, options.include_drafts)
        renderer.templates_key()  # once, before the workers fork
    written: list[WrittenPage] = []
    index: list[SearchIndex] = []
    search_reused: list[bool] = []

    def fill(staging: Path) -> None:
        report = (lambda done: progress("writing pages", done, len(specs))) if progress else None
        written.extend(write_pages(specs, renderer, staging, cache, options.jobs, report))
        write_tree(fixed_outputs(catalog), staging)
        previous_index = output_dir / INDEX_DIR
        if with_search:
            files, reused = _search_index(staging, written, cache, progress)
            write_tree(files, staging)
            index.append(measure(files))
            search_reused.append(reused)
        elif keep_search_index and previous_index.is_dir() and not previous_index.is_symlink():
            place_tree(staging, PurePosixPath(INDEX_DIR), previous_index)

    static = tuple(folder / "static" for folder in reversed(templates))  # certsite's first, the register's over them
    publish(fill, static, output_dir, sources, workdir)
    cache.keep_only_pages({page.key for page in written})
    html = [page for page in written if page.url.endswith(("/", ".html"))]
    pages, rendered = len(html), sum(page.rendered for page in html)
    return BuildReport(
        pages,
        index[0] if index else None,
        time.perf_counter() - started,
        corpus.warnings,
        Addresses(catalog.site.base_url).root,
        rendered,
        any(search_reused),
        corpus,
        renderer,
    )


def _search_index(staging: Path, written: list[WrittenPage], cache: Cache, progress: Progress | None) -> tuple[dict[PurePosixPath, bytes], bool]:
    """The search index of the pages written under ``staging``, and whether it came from
    the cache: it does when every searchable page has the key it had when that index was
    made (the same pages give the same index, byte for byte: see ``search``)."""
    searchable = sorted((page.url, page.key) for page in written if page.searchable)
    key = digest_bytes(*(f"{url}\0{page_key}".encode() for url, page_key in searchable)) if cache.enabled else b""
    known = cache.records("search") if key else {}
    if key in known:
        return known[key], True
    if progress:
        progress("indexing for search", 0, len(searchable))
    files = index_site(staging)
    if key:
        cache.store_records("search", {key: files})
    return files, False
