"""Every output of the site, rendered in memory as ``{output path: bytes}``: the Jinja
side of the build.

Writes nothing: ``publish`` is the only writer. Templates get the view data that
``views`` computes, never the corpus; the filters here only format (dates, names for
search and screen readers, addresses). Two outputs claiming one path is an error
rather than a silent overwrite.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping, MutableMapping
from pathlib import Path, PurePosixPath
from types import TracebackType
from typing import Any

import jinja2
from jinja2.compiler import CodeGenerator, Frame
from markupsafe import Markup, escape

from certsite import charts, structured, urls
from certsite.catalog import Catalog
from certsite.countries import country_name
from certsite.data import DataRows, data_outputs, data_rows, published_standings
from certsite.errors import BuildError
from certsite.fingerprint import Digests, code_digest, digest_bytes
from certsite.fragments import Fragments, long_date
from certsite.json_schema import announcement_schema_json
from certsite.views import PageSpec, page_specs, shared_context, sorted_criteria

Outputs = dict[PurePosixPath, bytes]


_NEEDS_ESCAPING = re.compile("[&<>'\"]").search  # what markupsafe.escape replaces


def _escape_output(value: object) -> str:
    """What ``{{ value }}`` writes into an HTML page: exactly ``markupsafe.escape(value)``,
    but text with nothing to escape, and markup, are written as they are rather than
    copied into a new ``Markup`` first; most of what a page shows is one or the other."""
    if type(value) is str:
        return value if _NEEDS_ESCAPING(value) is None else escape(value)
    if type(value) is Markup:
        return value
    return escape(value)


class _CodeGenerator(CodeGenerator):
    """Jinja's code generator, with two changes to the code it makes of a template:

    - Autoescaped output goes through ``_escape_output`` (by way of the environment,
      which every compiled template can see) instead of ``markupsafe.escape``: a tenth
      of the rendering time at 10,000 announcements. Jinja calls this hook for every
      ``{{ }}`` it cannot work out at compile time. Should an upgrade rename it, output
      goes through ``markupsafe.escape`` again, escaped the same way.
    - A run of text and ``{{ }}`` between two tags (``{% %}``) is given to the page as one
      piece, where Jinja gives each part on its own: each part passes up through every
      template the page extends (three for an announcement page), which cost more than
      joining them, about 6 % of the rendering time. The page is the same text. Jinja
      gathers a macro's body, and a ``{% set %}``, ``{% call %}`` or ``{% filter %}``
      block's, this way already, in a list (``frame.buffer``); this does the same in
      the functions that yield the page.
    """

    def visit_Output(self, node: jinja2.nodes.Output, frame: Frame) -> None:
        worked_out_at_runtime = any(not isinstance(child, jinja2.nodes.TemplateData) for child in node.nodes)
        if frame.buffer is not None or frame.require_output_check or len(node.nodes) < 2 or not worked_out_at_runtime:
            super().visit_Output(node, frame)
            return
        self.writeline("_pieces = []")
        frame.buffer = "_pieces"
        try:
            super().visit_Output(node, frame)
        finally:
            frame.buffer = None
        self.writeline("yield concat(_pieces)")  # concat: "".join, set up by Jinja in every function that yields

    def _output_child_pre(self, node: jinja2.nodes.Expr, frame: Frame, finalize: Any) -> None:
        if frame.eval_ctx.autoescape and not frame.eval_ctx.volatile:
            self.write("environment.escape_output(")
            if finalize.src is not None:
                self.write(finalize.src)
        else:
            super()._output_child_pre(node, frame, finalize)


class _Environment(jinja2.Environment):
    code_generator_class = _CodeGenerator
    escape_output = staticmethod(_escape_output)

    def make_globals(self, d: Mapping[str, Any] | None) -> MutableMapping[str, Any]:
        """A template's globals as one plain dict, where Jinja makes a ``ChainMap`` over the
        environment's: every page copies them into its context and every macro import
        compares them with the page's, which a ``ChainMap`` does in Python, key by key (a
        tenth of the rendering time at 10,000 announcements). A ``ChainMap`` would also
        show globals added after the template was loaded; the renderer adds them all before
        it loads any, as Jinja's documentation asks."""
        return {**self.globals, **(d or {})}


def make_environment(template_dirs: tuple[Path, ...], addresses: urls.Addresses, language: str) -> jinja2.Environment:
    env = _Environment(
        loader=jinja2.FileSystemLoader(template_dirs),  # the first folder that has a template wins
        autoescape=jinja2.select_autoescape(["html", "xml"], default=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # A renderer serves one build (the preview makes a new one for each), so a template
        # is read once; Jinja would otherwise stat every template a page uses, on every page.
        auto_reload=False,
    )
    # The addresses of what pages link to, as functions and as filters, which certsite's
    # templates use ({{ a | announcement_url | href }}: see ``PageRenderer``).
    page_addresses = {
        "announcement_url": urls.announcement_url,
        "entity_url": urls.entity_url,
        "criterion_url": urls.criterion_url,
        "standard_url": urls.standard_url,
        "page_url": urls.page_url,
    }
    env.globals.update(
        page_addresses,
        urls=urls,
        # Country names and dates in the register's language (site.language), from CLDR.
        country_name=lambda code: country_name(code, language),
        sorted_criteria=sorted_criteria,
        # schema.org JSON-LD of a page, built from its view data (see ``structured``).
        json_ld=structured.json_ld,
        news_article=structured.news_article,
        organization=structured.organization,
        defined_term_set=structured.defined_term_set,
        defined_term=structured.defined_term,
        # charts escapes every label itself, so its SVG goes into pages as markup.
        bar_chart=lambda chart: Markup(charts.bar_chart(chart)),
        timeline_chart=lambda timeline: Markup(charts.timeline_chart(timeline)),
    )
    # Every address a page shows goes through one of these two, so that a site under a
    # sub-path (base_url https://example.org/register/) links within itself.
    env.filters["href"] = addresses.href
    env.filters.update(page_addresses)
    env.filters["absolute"] = addresses.absolute
    env.filters["long_date"] = lambda value: long_date(value, language)
    env.filters["search_suffixes"] = search_suffixes
    env.filters["script_language"] = script_language
    env.filters["plain_description"] = plain_description
    env.filters["open_graph_locale"] = structured.open_graph_locale
    return env


def plain_description(rendered: str) -> str:
    """A description block as rendered (tags such as <time> and escaped text) as plain text of
    bounded length, for the meta description and the sharing tags; autoescape escapes it again.

    >>> plain_description(Markup('Acme &amp; Sons: certified until <time datetime="2027-01-09">9 January 2027</time>'))
    'Acme & Sons: certified until 9 January 2027'
    """
    return structured.shorten(Markup(rendered).striptags())


_UNSPACED_SCRIPTS = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]")


def script_language(text: str) -> str:
    """A language for text in Chinese, Japanese or Korean script, so that screen readers
    switch voice; "" for anything else (the page's language applies).

    >>> script_language("包头铝业"), script_language("トヨタ"), script_language("현대"), script_language("Baotou")
    ('zh', 'ja', 'ko', '')
    """
    if re.search("[\u3040-\u30ff]", text):
        return "ja"
    if re.search("[\uac00-\ud7af]", text):
        return "ko"
    if re.search("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]", text):
        return "zh"
    return ""


def search_suffixes(name: str) -> str:
    """The later parts of words written without spaces, so that search finds them by any part.

    Pagefind matches the start of a word, and a Chinese or Japanese name is one long
    word to it on an English page: indexing every suffix lets "铝业" find "包头铝业".

    >>> search_suffixes("包头铝业")
    '头铝业 铝业'
    >>> search_suffixes("Baotou 包头铝业 Aluminium")
    '头铝业 铝业'
    >>> search_suffixes("Baotou Aluminium")
    ''

    The suffixes of a word grow with the square of its length, so only the first
    ``SUFFIX_WORD_LENGTH`` characters of a word are split: no company name is longer,
    and a page stays light whatever a name field holds.

    >>> len(search_suffixes("铝" * 10_000)) < 3_000
    True
    """
    parts = [
        word[start:SUFFIX_WORD_LENGTH]
        for word in name.split()
        if _UNSPACED_SCRIPTS.search(word)
        for start in range(1, min(len(word), SUFFIX_WORD_LENGTH) - 1)
    ]
    return " ".join(parts)


SUFFIX_WORD_LENGTH = 64


def render_site(catalog: Catalog, template_dirs: tuple[Path, ...]) -> Outputs:
    """Render every page in memory; raise ``BuildError`` for a template bug or a path claimed twice."""
    specs = page_specs(catalog)
    check_paths(specs)
    renderer = PageRenderer(template_dirs, catalog)
    outputs = {urls.output_path(spec.url): renderer.render(spec) for spec in specs}
    outputs.update(fixed_outputs(catalog))
    return outputs


def fixed_outputs(catalog: Catalog, rows: list[DataRows] | None = None) -> Outputs:
    """The outputs that are not pages: the announcement schema, published with the site
    so that its $id is a real address, and the data downloads (see ``data``), made from
    ``rows`` when given (those of ``published_standings``, in order)."""
    addresses = urls.Addresses(catalog.site.base_url)
    schema = announcement_schema_json(addresses.absolute(urls.ANNOUNCEMENT_SCHEMA)).encode("utf-8")
    if rows is None:
        rows = list(data_rows(catalog, published_standings(catalog)))
    return {urls.output_path(urls.ANNOUNCEMENT_SCHEMA): schema, **data_outputs(catalog, rows)}


def _frames(trace: TracebackType | None) -> Iterator[TracebackType]:
    while trace is not None:
        yield trace
        trace = trace.tb_next


def check_paths(specs: list[PageSpec]) -> None:
    """Raise ``BuildError`` if two outputs claim one path, or one needs another's path as a folder."""
    fixed = (urls.ANNOUNCEMENT_SCHEMA, urls.DATA_JSON, urls.DATA_SCHEMA, urls.DATA_CSV, urls.NONCONFORMANCES_CSV)
    # Paths as text (pathlib's normal form): a path's folders are then cut off it rather
    # than made as objects, 60,000 of them at 10,000 announcements.
    claimed_by: dict[str, str] = {str(urls.output_path(url)): url for url in fixed}
    for page in specs:
        path = str(urls.output_path(page.url))
        if path in claimed_by:
            raise BuildError(f"two pages claim {path}: {claimed_by[path]} and {page.url}")
        claimed_by[path] = page.url
    # A file where another page needs a folder (robots.txt and robots.txt/index.html).
    for path, url in claimed_by.items():
        folder = path
        while (end := folder.rfind("/")) > 0:
            folder = folder[:end]
            if folder in claimed_by:
                raise BuildError(f"{claimed_by[folder]} is a file, but {url} needs it to be a folder")


class PageRenderer:
    """Renders pages, and names each page's inputs with a key (see ``key``).

    Pure apart from reading templates. A renderer made before worker processes fork is
    shared by them with its templates already compiled.
    """

    def __init__(self, template_dirs: tuple[Path, ...], catalog: Catalog) -> None:
        shared = shared_context(catalog)
        addresses = urls.Addresses(catalog.site.base_url)
        self.env = make_environment(template_dirs, addresses, catalog.site.language)
        # The register's own templates, where a failing page is reported (see _where); none
        # when certsite's are the only ones.
        self._own_templates = f"{template_dirs[0]}{os.sep}" if len(template_dirs) > 1 else ""
        # Globals rather than each page's context: a macro file imported without context
        # then sees them too, and Jinja makes its module once per process instead of once
        # per page.
        self.env.globals.update(shared)
        pieces = Fragments(addresses, catalog.site.language, shared["standards"]).globals()
        self.env.globals.update(pieces)
        # The same pieces as filters, which certsite's templates use ({{ a.date | day }}):
        # Jinja calls a filter directly, but a function through the context, which looks on
        # every call at how the function wants to be called (a tenth of the rendering time
        # at 10,000 announcements). The globals keep a register's own templates working.
        self.env.filters.update(pieces)
        self.digests = Digests()
        self._templates: bytes | None = None
        # What every page depends on beyond its own context: the code, and what every
        # page is given (the site's settings, which the filters use too, the build date,
        # the site's pages, the standards).
        self._base = digest_bytes(code_digest(), self.digests.of(shared))

    def remember_catalog(self, catalog: Catalog, announcement_digests: dict[Path, bytes], include_drafts: bool) -> None:
        """Give the catalog's records digests derived from their inputs, so that keying a
        page costs a lookup per record instead of a walk through it.

        Each announcement's digest covers its file, the standards and the code (see
        ``load``). An entity page, and every standing and finding of its certifications,
        is made from the entity's published announcements, its profile, the standards,
        the build date and the draft flag alone (see ``catalog``): so their digests are
        derived from those.
        """
        digests = self.digests
        for announcement in catalog.announcements:
            digests.remember_announcement(announcement, announcement_digests[announcement.source])
        base = digest_bytes(digests.of(catalog.standards), catalog.build_date.isoformat().encode(), b"drafts" if include_drafts else b"published")
        for entity in catalog.entities:
            own = digest_bytes(
                base, entity.slug.encode(), digests.of(entity.profile) if entity.profile else b"", *(digests.of(a) for a in entity.announcements)
            )
            digests.remember(entity, own)
            for standing in entity.certifications:
                # Digests joined with a fixed-length position are as distinct as digests, without hashing again.
                digests.remember(standing, own + digests.of(standing.announcement) + standing.position.to_bytes(4, "little"))
        for findings in catalog.findings_by_criterion.values():
            for finding in findings:
                digests.remember(finding, digests.of(finding.standing) + digests.of(finding.nonconformance))

    def render(self, page: PageSpec) -> bytes:
        context = page.context if page.derive is None else {**page.context, **page.derive()}  # certsite's own work, not the template's
        try:
            text = self.env.get_template(page.template).render(context)
        except jinja2.TemplateSyntaxError as error:
            raise BuildError(f"{error.filename}:{error.lineno}: template {page.template} failed for {page.url}: {error}") from error
        except jinja2.TemplateError as error:  # 'page' is undefined, say
            where, inside = self._where(error)
            raise BuildError(f"{where}template {page.template} failed for {page.url}{inside}: {error}") from error
        except Exception as error:  # a register's template can fail in Python too: 1 / 0, a filter given the wrong type
            where, inside = self._where(error)
            raise BuildError(f"{where}template {page.template} failed for {page.url}{inside}: {type(error).__name__}: {error}") from error
        return text.encode("utf-8")

    def _where(self, error: Exception) -> tuple[str, str]:
        """Where in the templates ``error`` was raised: ("path:line: ", "") for the
        innermost of the traceback's template frames (those Jinja rewrites to name a
        template file and line, marking them ``__jinja_exception__``), or ("", "") when
        there is none. When that line is in certsite's own templates (a macro given the
        wrong arguments, say), the register's own line that led there comes first, and
        certsite's follows as (" (in path:line)")."""
        lines = [
            f"{trace.tb_frame.f_code.co_filename}:{trace.tb_lineno}"
            for trace in _frames(error.__traceback__)
            if "__jinja_exception__" in trace.tb_frame.f_globals
        ]
        if not lines:
            return "", ""
        own = [line for line in lines if line.startswith(self._own_templates)] if self._own_templates else []
        if own and own[-1] != lines[-1]:
            return f"{own[-1]}: ", f" (in {lines[-1]})"
        return f"{lines[-1]}: ", ""

    def key(self, page: PageSpec) -> str:
        """A digest of everything the page's bytes depend on: certsite's code and libraries,
        the site settings, the templates, and the whole of its context (the entries derived
        from one record, by that record's digest: see ``PageSpec.derived``). Equal keys,
        equal pages."""
        derived = []
        if page.derived:
            source = self.digests.of(page.derived_from)
            derived = [source + name.encode() for name in page.derived]
        return digest_bytes(self._base, self.templates_key(), self.digests.of(page.context), *derived).hex()

    def templates_key(self) -> bytes:
        """Every template the pages may use, as the loader finds them (the register's own
        first). All of them, not only those a page names: working out which templates a
        template extends, imports or includes means parsing them all, which costs more than
        rendering again the pages after a template changed."""
        if self._templates is None:
            names = self.env.list_templates(filter_func=lambda name: not name.startswith("static/"))
            self._templates = digest_bytes(*(f"{name}\0{self.env.loader.get_source(self.env, name)[0]}".encode() for name in names))  # type: ignore[union-attr]
        return self._templates
