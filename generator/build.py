"""The stage order, and nothing else: load -> catalog -> render, then publish.

``check`` stops before anything is written; ``build`` publishes only what ``check``
produced in full.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path, PurePosixPath

from generator.catalog import Catalog, build_catalog
from generator.errors import ContentError, Diagnostic
from generator.json_schema import announcement_schema_json
from generator.load import load
from generator.publish import check_output_dir, publish
from generator.render import render_site
from generator.search import SearchIndex

PROJECT_DIR = Path(__file__).resolve().parent.parent
TEMPLATES_DIR = PROJECT_DIR / "templates"


@dataclass(frozen=True, slots=True)
class BuildOptions:
    content_dir: Path
    build_date: date
    include_drafts: bool = False
    templates_dir: Path = TEMPLATES_DIR
    strict: bool = False  # warnings fail the run, as errors do


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


def check(options: BuildOptions) -> CheckResult:
    """Load, catalog and render in memory; raise ``ContentError`` or ``BuildError``, write nothing.

    Warnings come back with the result, or fail the run as a ``ContentError`` when strict.
    """
    corpus = load(options.content_dir)
    if options.strict and corpus.warnings:
        raise ContentError(corpus.warnings)
    catalog = build_catalog(corpus, options.build_date, options.include_drafts)
    return CheckResult(catalog, render_site(catalog, options.templates_dir), corpus.warnings)


def build(options: BuildOptions, output_dir: Path, with_search: bool = True) -> BuildReport:
    started = time.perf_counter()
    sources = [options.content_dir, options.templates_dir]
    check_output_dir(output_dir, sources, Path.cwd())  # before the work, not only after it
    result = check(options)
    # Published with the site so that the schema's $id is a real address.
    result.outputs[PurePosixPath("schema/announcement.schema.json")] = announcement_schema_json().encode("utf-8")
    index = publish(result.outputs, options.templates_dir / "static", output_dir, with_search, sources, Path.cwd())
    pages = sum(1 for path in result.outputs if path.suffix == ".html")
    return BuildReport(pages, index, time.perf_counter() - started, result.warnings)
