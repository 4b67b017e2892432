"""The stage order, and nothing else: load -> catalog -> render, then publish.

``check`` stops before anything is written; ``build`` publishes only what ``check``
produced in full.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path, PurePosixPath

from certsite.catalog import Catalog, build_catalog
from certsite.errors import BuildError, ContentError, Diagnostic
from certsite.load import load
from certsite.publish import check_output_dir, publish
from certsite.render import render_site
from certsite.search import SearchIndex
from certsite.urls import Addresses

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


def check(options: BuildOptions) -> CheckResult:
    """Load, catalog and render in memory; raise ``ContentError`` or ``BuildError``, write nothing.

    Warnings come back with the result, or fail the run as a ``ContentError`` when strict.
    """
    corpus = load(options.content_dir)
    if options.strict and corpus.warnings:
        raise ContentError(corpus.warnings)
    catalog = build_catalog(corpus, options.build_date, options.include_drafts)
    return CheckResult(catalog, render_site(catalog, template_dirs(options)), corpus.warnings)


def build(options: BuildOptions, output_dir: Path, workdir: Path, with_search: bool = True) -> BuildReport:
    """``check``, then publish into ``output_dir``; ``workdir`` (the caller's working
    folder) is one more folder the output may never replace."""
    started = time.perf_counter()
    templates = template_dirs(options)
    sources = [options.content_dir, *templates]
    check_output_dir(output_dir, sources, workdir)  # before the work, not only after it
    result = check(options)
    static = tuple(folder / "static" for folder in reversed(templates))  # certsite's first, the register's over them
    index = publish(result.outputs, static, output_dir, with_search, sources, workdir)
    pages = sum(1 for path in result.outputs if path.suffix == ".html")
    return BuildReport(pages, index, time.perf_counter() - started, result.warnings, Addresses(result.catalog.site.base_url).root)
