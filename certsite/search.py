"""The search index: Pagefind, fed the searchable pages from memory.

What search indexes, and why not everything: the announcement and entity pages,
through their ``data-pagefind-body`` element, less what it marks
``data-pagefind-ignore``. The templates leave in what a searcher looks for (names in
every script, aliases, group, facilities, places, activities and products, standards,
status, auditor, certificate, scope, criteria with findings and their severity, an
announcement's summary, an entity's profile and one-sentence status) and leave out
the rest: an announcement's text (its first paragraph is the summary unless one is
given, and the rest repeats the facts or is the same on every page), dates, clauses,
follow-ups, and an entity's history table (each row is on an announcement page, which
search finds). Pagefind's time and memory grow with the words it indexes more than
with the pages: at 10,000 announcements (13,300 pages indexed), every word (7.5 million)
took Pagefind 2.9 to 3.2 GB and 35 s of processor time; what a searcher needs (1.5
million, meta fields aside) takes 0.93 GB and 17 s, and the index shrinks from 35 to
12 MB.

A large index is made in parts (``PAGES_PER_PART`` pages each, about 2,000), each by
its own Pagefind, and the search page merges them (Pagefind's ``mergeIndex``) into one
search. A part is a page's group (an entity's page and its announcements' pages, which
an edit changes together) hashed, so that after an edit the build indexes one part
again and takes the others from its cache, and Pagefind's memory is that of one part
(0.2 GB, not 1 GB at 10,000 announcements, growing with the part, not the register).
The first part sits in ``pagefind/`` with Pagefind's scripts, the others in
``pagefind/part-N/`` (their index files alone), listed in ``pagefind/parts.json``;
``pagefind/version.txt`` names the whole index.
Pagefind's merged search orders results by score, and a sorted search scores a result
by its position in its own index's sorted list; so ``join_parts`` gives each part's
list the position of every page of every part (``_merged_sorts``), and a search sorted
by date across the parts comes in the order one index would give. Each part's words are
weighed against its own pages, which is close to the whole register's when a part holds
a few thousand pages of the same kind.

``search_html`` tells a searchable page from the others and cuts it down to what
Pagefind reads of it (the body elements less what they ignore, and the page's
language) with string searches, no HTML parser, so that whoever renders pages hands
on less than a third of each; Pagefind builds the same index from it as from the whole
page.
``index_part`` streams such pages to Pagefind as they arrive and returns the part's
files, which ``join_parts`` joins and ``publish`` writes: this module only reads and
runs, and ``publish`` is the only writer. ``index_parts`` does the same for pages
already written to a folder, read back from it, two parts at a time on two cores.

Pagefind runs as a service (``pagefind_extended --service``, the binary the ``pagefind``
package finds: the ``pagefind-bin-extended`` wheel), which takes each page over a pipe
and gives every file back over it, so it reads nothing from disk and writes nothing.
``index_pages`` speaks the service's protocol (``pagefind.service.types``: base64 of a
JSON message, then a comma, each way) itself rather than through
``pagefind.index.PagefindIndex``, the package's asyncio client, because that client
(1.5.2) starts Pagefind in the build's own process group with no death signal, reads at
most one answer every 0.1 s (1,000 pages took 101 s; 13,000 would take 22 minutes), and
cannot read an answer over 2 MiB, so asking it for the files of a real index hangs.

The extended build is the one that splits Chinese, Japanese and Korean text into
words on pages in those languages, so a register written in Chinese is searchable
word by word. On pages in other languages Pagefind keeps such a name as one word;
``render.search_suffixes`` then makes it findable by any part.

Pagefind runs in a process group of its own that dies with the build, however the
build ends (an error, Ctrl-C, the time limit, or SIGKILL on Linux).

Pagefind numbers the pages in the order they reach it, which is the order the build
gives them in, so the same content gives the same index wherever it is built. It
writes its filter files, and the list of filters and sorts in its ``pf_meta`` file,
in hash-map order, though, so two runs over the same pages give different bytes,
different file names and a different ``pagefind-entry.json`` (Pagefind issue 638).
``reproducible_files`` works out the same files in sorted order, named after their
content the way Pagefind names them.
"""

from __future__ import annotations

import base64
import concurrent.futures
import ctypes
import gzip
import hashlib
import heapq
import itertools
import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Self

from pagefind.service import get_executable

from certsite.errors import BuildError

INDEX_DIR = "pagefind"
# Pagefind answering nothing for this long is stopped, and the build fails.
TIMEOUT_SECONDS = 600
# Pages sent to Pagefind and not yet indexed: enough that it never waits for the next
# one, few enough that it never holds a backlog.
IN_FLIGHT = 32
# Pages search indexes carry this attribute on the element that holds what it indexes.
SEARCHABLE_MARK = "data-pagefind-body"


@dataclass(frozen=True, slots=True)
class SearchIndex:
    pages: int
    bytes: int
    parts: int = 1


@dataclass(frozen=True, slots=True)
class IndexPart:
    """One part of an index: its files as Pagefind wrote them (made reproducible), by their
    path inside the part's folder, and each page's sort values (``data-pagefind-sort``:
    ``(key, value)`` pairs) by Pagefind's page number; ``None`` when a page gives a sort
    in a form other than ``key:value``, which ``join_parts`` cannot merge."""

    files: dict[PurePosixPath, bytes]
    sorts: tuple[tuple[tuple[str, str], ...], ...] | None
    urls: tuple[str, ...] = ()  # each page's address, by page number


# --- Which pages, and what of them ------------------------------------------------------

_HTML_LANG = re.compile(r"""<html\b[^>]*?\slang\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.IGNORECASE)
_TAG_NAME = re.compile(r"<([A-Za-z][A-Za-z0-9-]*)")
# A tag with a capital letter, which ``_element_end`` does not look for.
_CAPITALISED_TAG = re.compile(r"<[A-Z]|</[A-Z]|<[a-z][a-z0-9-]*[A-Z]|</[a-z][a-z0-9-]*[A-Z]")


def search_html(html: str) -> str | None:
    """What Pagefind needs of a rendered page, or ``None`` for a page search leaves out.

    That is each ``data-pagefind-body`` element, less what it marks
    ``data-pagefind-ignore``, with the ``lang`` of ``<html>``: Pagefind reads nothing
    else of a page that has such an element, save ``data-pagefind-*`` attributes
    elsewhere, so a page with one of those outside its body elements (a register's own
    template may have one) is kept whole, and so is an ignored element that holds one.
    An announcement comes down to less than a third of its page, and cutting a page again
    gives it back unchanged.

    >>> page = '<!doctype html><html lang="en"><head><title>T</title></head><body><nav>Menu</nav>'
    >>> search_html(page + '<article data-pagefind-body><h1>Baotou</h1><section data-pagefind-ignore><p>Long text</p></section></article></body></html>')
    '<html lang="en"><body><article data-pagefind-body><h1>Baotou</h1></article></body></html>'
    >>> search_html(page + '<p>An archive page</p></body></html>') is None
    True
    >>> whole = page + '<span data-pagefind-filter="kind:x"></span><main data-pagefind-body>x</main></body></html>'
    >>> search_html(whole) == whole
    True
    """
    bodies = []
    plain = "<!--" not in html and not _CAPITALISED_TAG.search(html)  # as certsite writes pages
    for found in _attributes(html, SEARCHABLE_MARK):
        if bodies and found < bodies[-1][1]:
            continue  # a body element inside another: Pagefind reads it as part of the outer one
        element = _element_around(html, found, plain)
        if element is None:
            return html  # not as the templates write it: Pagefind reads the whole page
        bodies.append(element)
    if not bodies:
        return None
    parts = [html[begin:end] for begin, end in bodies]
    if html.count("data-pagefind-") != sum(part.count("data-pagefind-") for part in parts):
        return html
    language = _HTML_LANG.search(html, 0, bodies[0][0])
    lang = next((value for value in language.groups() if value is not None), "") if language else ""
    opening = f'<html lang="{lang}">' if lang and '"' not in lang else "<html>"
    return f"{opening}<body>{''.join(_without_ignored(part, plain) for part in parts)}</body></html>"


def _without_ignored(part: str, plain: bool) -> str:
    """``part`` less its elements marked ``data-pagefind-ignore`` that hold no other
    ``data-pagefind-*`` attribute (Pagefind still reads meta and filters inside an
    ignored element)."""
    kept, at = [], 0
    for found in _attributes(part, "data-pagefind-ignore"):
        if found < at:
            continue  # inside an element already left out
        element = _element_around(part, found, plain)
        if element is None:
            continue
        begin, end = element
        inside = part[begin:end]
        if inside.count("data-pagefind-") == inside.count("data-pagefind-ignore"):
            kept.append(part[at:begin])
            at = end
    kept.append(part[at:])
    return "".join(kept)


def _attributes(html: str, name: str) -> Iterator[int]:
    """Where attribute ``name`` appears in ``html`` (string searches: faster than a pattern)."""
    at = html.find(name)
    while at != -1:
        end = at + len(name)
        if html[at - 1] in " \t\n\r" and html[end : end + 1] in (" ", "\t", "\n", "\r", "=", "/", ">"):
            yield at
        at = html.find(name, end)


def _element_around(html: str, inside: int, plain: bool) -> tuple[int, int] | None:
    """Where the element whose start tag holds position ``inside`` begins and ends;
    ``plain``: the page has lower-case tags and no comments (see ``_element_end``)."""
    begin = html.rfind("<", 0, inside)
    name = _TAG_NAME.match(html, begin) if begin != -1 else None
    if name is None or ">" in html[begin:inside]:
        return None
    if not plain:
        return _element_around_by_pattern(html, begin, name.group(1))
    end = _element_end(html, begin, name.group(1))
    return None if end is None else (begin, end)


def _element_end(html: str, begin: int, name: str) -> int | None:
    """Where the element whose start tag begins at ``begin`` ends: after the end tag that
    closes it, counting elements of its name inside it. Plain string searches, for pages
    with lower-case tags and no comments, as certsite writes them (a page's Markdown is
    converted to such HTML; raw HTML in it is shown as text)."""
    at = html.find(">", begin) + 1
    if at == 0:
        return None
    if html[at - 2] == "/":
        return at  # an element with no content
    opening, closing, depth = f"<{name}", f"</{name}", 1
    while True:
        close = html.find(closing, at)
        if close == -1:
            return None
        start = html.find(opening, at, close)
        while start != -1:
            if html[start + len(opening)] in " \t\n\r/>":
                depth += 1
            start = html.find(opening, start + 1, close)
        at = html.find(">", close) + 1
        if at == 0:
            return None
        if html[close + len(closing)] in " \t\n\r>":  # not a longer name (</td> for td, not </tdx>)
            depth -= 1
            if depth == 0:
                return at


def _element_around_by_pattern(html: str, begin: int, name: str) -> tuple[int, int] | None:
    """``_element_around`` for any HTML: comments skipped, tags in any case."""
    tags = re.compile(rf"<!--.*?-->|<(/?){re.escape(name)}(?=[\s/>])[^>]*>", re.IGNORECASE | re.DOTALL)
    depth = 0
    for tag in tags.finditer(html, begin):
        if tag.group(1) is None:
            continue  # a comment
        if tag.group(1):
            depth -= 1
            if depth == 0:
                return begin, tag.end()
        elif tag.group(0).endswith("/>"):
            if depth == 0:
                return begin, tag.end()  # an element with no content
        else:
            depth += 1
    return None


def page_url(path: PurePosixPath) -> str:
    """The address Pagefind gives a written file: ``entities/x/index.html`` is ``/entities/x/``.

    >>> page_url(PurePosixPath("entities/x/index.html")), page_url(PurePosixPath("index.html")), page_url(PurePosixPath("404.html"))
    ('/entities/x/', '/', '/404.html')
    """
    text = "/" + path.as_posix()
    return text[: -len("index.html")] if text.endswith("/index.html") else text


# --- The index ------------------------------------------------------------------------------


def index_pages(pages: Iterable[tuple[str, str]]) -> dict[PurePosixPath, bytes]:
    """Index ``(address, page)`` pairs as they come and return the files of the index, by
    their path in the site (``pagefind/…``), in one part; failures become ``BuildError``.

    An address is the page's as the site's root sees it (``/entities/x/``: ``page_url``),
    a page as ``search_html`` gives it (a whole page gives the same index, more slowly; a
    page without a ``data-pagefind-body`` element is skipped).
    """
    files = join_parts([index_part(pages)])
    assert files is not None  # one part is never joined to another
    return files


def index_part(pages: Iterable[tuple[str, str]]) -> IndexPart:
    """One part of an index (see "Parts" above), from ``(address, page)`` pairs as
    ``index_pages`` takes them. The pages are not held: each goes to Pagefind as it
    arrives, while the next is made. Pagefind numbers them in the order given, so give
    them in an order that does not change from build to build."""
    sorts: list[tuple[tuple[str, str], ...]] = []
    urls: list[str] = []
    plain = True
    with _Service() as service:
        for url, html in pages:
            if SEARCHABLE_MARK in html:
                service.add_page(url, html)
                values = _sort_values(html)
                plain = plain and values is not None
                sorts.append(values or ())
                urls.append(url)
        files = service.files()
    return IndexPart(dict(sorted(reproducible_files(files).items())), tuple(sorts) if plain else None, tuple(urls))


def index_parts(site_dir: Path, parts: Sequence[Sequence[PurePosixPath]], jobs: int = 1) -> list[IndexPart]:
    """``index_part`` of each list of pages (paths under ``site_dir``, in the order given),
    read back from the folder; ``jobs`` parts at a time, each read and cut down
    (``search_html``) by a thread of its own while its Pagefind indexes what is cut. Each
    part's pages go to its Pagefind in the order given, whatever the threads do, so the
    parts are the same."""
    if len(parts) <= 1 or jobs <= 1:
        return [index_part(_cut_pages(site_dir, paths)) for paths in parts]
    with concurrent.futures.ThreadPoolExecutor(min(jobs, len(parts))) as pool:
        return list(pool.map(lambda paths: index_part(_cut_pages(site_dir, paths)), parts))


def _cut_pages(site_dir: Path, paths: Sequence[PurePosixPath]) -> Iterator[tuple[str, str]]:
    """The pages at ``paths`` under ``site_dir`` that search indexes, as ``index_part`` takes them."""
    for path in paths:
        page = _cut_down(site_dir, site_dir / path)
        if page is not None:
            yield page


def site_pages(site_dir: Path) -> Iterator[tuple[str, str]]:
    """The pages under ``site_dir`` that search indexes, as ``index_pages`` takes them."""
    return _cut_pages(site_dir, [PurePosixPath(path.relative_to(site_dir).as_posix()) for path in sorted(site_dir.rglob("*.html"))])


def _cut_down(site_dir: Path, path: Path) -> tuple[str, str] | None:
    """A page file under ``site_dir`` as ``index_part`` takes it, or None when search does
    not index it."""
    data = path.read_bytes()
    if SEARCHABLE_MARK.encode() not in data:
        return None
    page = search_html(data.decode("utf-8"))
    return None if page is None else (page_url(PurePosixPath(path.relative_to(site_dir).as_posix())), page)


def measure(files: dict[PurePosixPath, bytes | None]) -> SearchIndex:
    """How many pages an index holds (``files`` as ``join_parts`` returns them), its size,
    and its parts."""
    entries = [content for path, content in files.items() if path.name == "pagefind-entry.json" and content is not None]
    pages = sum(language["page_count"] for entry in entries for language in json.loads(entry)["languages"].values())
    return SearchIndex(pages, sum(len(content) for content in files.values() if content is not None), len(entries))


# --- Parts ----------------------------------------------------------------------------------

# Pages per part of a large index: a part takes Pagefind about 3 s and 200 MB.
PAGES_PER_PART = 2_000
# The list of the parts beside the first, which the search page merges into it.
PARTS_FILE = "parts.json"
# A digest of the whole index, which the search page asks for again before it shows a
# search's results: Pagefind answers without a file of its index that fails to load (no
# results, or wrong counts), as when a deploy replaces the index under an open page.
VERSION_FILE = "version.txt"
_SORT_ATTRIBUTE = re.compile(r'\sdata-pagefind-sort="([^"]*)"')
# What a part's folder needs of Pagefind's files: the first part's folder has the rest
# (the scripts and the WebAssembly), which the merged parts share.
_PART_FOLDERS = frozenset({"index", "fragment", "filter"})


def part_count(pages: int, per_part: int = PAGES_PER_PART) -> int:
    """How many parts an index of ``pages`` pages is made in."""
    return max(1, -(-pages // max(1, per_part)))


def part_of(url: str, parts: int) -> int:
    """The part a page's address belongs to: the same on every build with as many parts."""
    return int.from_bytes(hashlib.sha256(url.encode("utf-8")).digest()[:8], "big") % parts


def join_parts(parts: Sequence[IndexPart]) -> dict[PurePosixPath, bytes] | None:
    """The files of an index made in ``parts``, by their path in the site: the first part
    in ``pagefind/``, the others in ``pagefind/part-N/``, and ``pagefind/parts.json``
    listing those; ``None`` when the parts' sorts cannot be merged (see ``_merged_sorts``),
    and the pages must be indexed as one part."""
    root = PurePosixPath(INDEX_DIR)
    if len(parts) == 1:
        files = {root / path: content for path, content in parts[0].files.items()}
    else:
        try:
            sorts = _merged_sorts(parts)
            files = {}
            for number, (part, part_sorts) in enumerate(zip(parts, sorts)):
                folder = root if number == 0 else root / f"part-{number}"
                for path, content in _with_sorts(part.files, part_sorts).items():
                    if number == 0 or path.parts[0] in _PART_FOLDERS or path.name == "pagefind-entry.json" or path.suffix == ".pf_meta":
                        files[folder / path] = content
        except (_UnknownFormat, OSError, EOFError, ValueError, KeyError, TypeError, IndexError, UnicodeDecodeError):
            return None
    files[root / PARTS_FILE] = json.dumps([f"part-{number}/" for number in range(1, len(parts))]).encode("utf-8")
    version = hashlib.sha256()
    for path, content in sorted(files.items()):
        version.update(f"{path}\0{len(content)}\0".encode("utf-8") + content)
    files[root / VERSION_FILE] = version.hexdigest()[:32].encode("ascii")
    return dict(sorted(files.items()))


def _sort_values(html: str) -> tuple[tuple[str, str], ...] | None:
    """A page's ``data-pagefind-sort`` values as ``(key, value)`` pairs, or ``None`` when
    one is in a form other than ``key:value`` with a plain value (as the templates write
    it: a date)."""
    values = []
    for found in _SORT_ATTRIBUTE.finditer(html):
        key, colon, value = found.group(1).partition(":")
        if not colon or not key or any(sign in found.group(1) for sign in "[],&"):
            return None
        values.append((key, value))
    if len(values) != html.count("data-pagefind-sort") or len({key for key, _ in values}) != len(values):
        return None
    return tuple(values)


def _merged_sorts(parts: Sequence[IndexPart]) -> list[list[list]]:
    """Each part's sorts (``[key, [page numbers]]`` pairs, by key) such that Pagefind's
    merged search orders the results of all parts as one index would.

    Pagefind scores a sorted result by its position in its own index's sorted list, and
    a merged search orders the results of all indexes by score; so each part's list gets
    every page of every part at its position in the order of all of them, its own pages
    by number and the others as a number no page of it has. The parts' own orders are
    kept, and merged by value: as numbers when every value is one, else as text, which is
    how Pagefind orders them; a part whose order is not that one raises ``_UnknownFormat``.
    Equal values come in address order, as in one index, whose pages Pagefind numbers in
    address order and sorts stably.
    """
    own_sorts = [dict(_meta(part.files)[4]) for part in parts]
    if any(part.sorts is None or len(part.urls) != len(part.sorts) for part in parts):
        raise _UnknownFormat("a sort in another form than key:value")
    page_values = [[dict(page) for page in part.sorts] for part in parts]  # type: ignore[union-attr]
    keys = sorted({key for pages in page_values for page in pages for key in page})
    merged: list[list[list]] = [[] for _ in parts]
    for key in keys:
        values = [{number: page[key] for number, page in enumerate(pages) if key in page} for pages in page_values]
        numeric = all(_is_number(value) for part_values in values for value in part_values.values())
        order = float if numeric else str
        runs = []
        for number, (own, part_values) in enumerate(zip(own_sorts, values)):
            pages = own.get(key, [])
            if sorted(pages) != sorted(part_values) or any(order(part_values[a]) > order(part_values[b]) for a, b in itertools.pairwise(pages)):
                raise _UnknownFormat(f"part {number} sorts {key} in another order")
            runs.append([(order(part_values[page]), parts[number].urls[page], number, page) for page in pages])
        placed = list(heapq.merge(*runs, key=lambda item: item[:2]))
        for number, part in enumerate(parts):
            absent = len(part.sorts)  # type: ignore[arg-type]
            merged[number].append([key, [page if owner == number else absent for _, _, owner, page in placed]])
    return merged


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _meta(files: dict[PurePosixPath, bytes]) -> list:
    """The ``pf_meta`` of an index with one language (as certsite's pages are)."""
    languages = json.loads(files[PurePosixPath("pagefind-entry.json")].decode("utf-8"))["languages"]
    if len(languages) != 1:
        raise _UnknownFormat("an index in more than one language")
    meta_path = f"pagefind.{next(iter(languages.values()))['hash']}.pf_meta"
    meta = _read_chunk(files[PurePosixPath(meta_path)], meta_path)
    if not (isinstance(meta, list) and len(meta) >= 5 and isinstance(meta[4], list)):
        raise _UnknownFormat(meta_path)
    return meta


def _with_sorts(files: dict[PurePosixPath, bytes], sorts: list[list]) -> dict[PurePosixPath, bytes]:
    """An index's files with its sorts replaced, its ``pf_meta`` renamed after its new
    content (as Pagefind names it) and ``pagefind-entry.json`` pointing to it."""
    entry = json.loads(files[PurePosixPath("pagefind-entry.json")].decode("utf-8"))
    language = next(iter(entry["languages"].values()))
    old_path = PurePosixPath(f"pagefind.{language['hash']}.pf_meta")
    old_meta = _meta(files)
    meta = [*old_meta[:4], sorts, *old_meta[5:]]
    prefix = language["hash"].rpartition("_")[0]
    language["hash"] = _named_hash(prefix, meta, len(prefix) + 8)
    changed = {
        PurePosixPath(f"pagefind.{language['hash']}.pf_meta"): _chunk_bytes(meta),
        PurePosixPath("pagefind-entry.json"): json.dumps(entry, ensure_ascii=False, separators=(",", ":")).encode("utf-8"),
    }
    return {**{path: content for path, content in files.items() if path != old_path}, **changed}


# --- Pagefind's service, in its own process group -----------------------------------------


class _Service:
    """One Pagefind service process with one index: ``add_page`` each page, then ``files``.

    Three threads: the caller's sends each page (at most ``IN_FLIGHT`` unanswered), one
    reads Pagefind's answers, one drains its error output. Waiting on Pagefind is bounded
    by ``TIMEOUT_SECONDS`` at each step; anything going wrong, including the time limit
    and Ctrl-C, kills Pagefind's whole process group.
    """

    def __init__(self, command: list[str] | None = None, timeout: float = TIMEOUT_SECONDS) -> None:
        self._command = command
        self._timeout = timeout
        self._slots = threading.BoundedSemaphore(IN_FLIGHT)
        self._lock = threading.Lock()
        self._next_id = 0
        self._pending: dict[int, str] = {}  # message id -> what it was, for error messages
        self._asked: set[int] = set()  # messages whose answer the caller waits for (not pages')
        self._answers: queue.Queue[dict] = queue.Queue()
        self._failure: str | None = None
        self._ended = threading.Event()
        self._stderr = bytearray()

    def __enter__(self) -> Self:
        if self._command is None:
            executable = get_executable()
            if executable is None or not Path(executable).is_file():
                raise BuildError(f"the Pagefind binary is missing ({executable or 'not found'}); reinstall with 'make install'")
            self._command = [str(executable), "--service"]
        self._process = _launch(self._command)
        threading.Thread(target=self._read_answers, name="pagefind-answers", daemon=True).start()
        self._errors = threading.Thread(target=self._drain_errors, name="pagefind-errors", daemon=True)
        self._errors.start()
        try:
            self._index = self._ask({"type": "NewIndex", "config": None}, "a new index")["index_id"]
        except BaseException:
            _kill_group(self._process)
            raise
        return self

    def __exit__(self, kind, error, trace) -> None:
        if kind is None:
            try:
                self._process.stdin.close()  # Pagefind ends when its input does
                self._process.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                pass
        _kill_group(self._process)  # whatever is left of it

    def add_page(self, url: str, html: str) -> None:
        self._wait(self._slots.acquire)
        self._send({"type": "AddFile", "index_id": self._index, "url": url, "file_contents": html, "file_path": None}, url, answer=False)

    def files(self) -> dict[PurePosixPath, bytes]:
        """Every file of the index (paths inside ``pagefind/``), once every page is in."""
        listed = self._ask({"type": "GetFiles", "index_id": self._index}, "the index's files").pop("files")
        files = {}
        while listed:  # each file's base64 let go of as it is decoded
            file = listed.pop()
            files[PurePosixPath(file["path"])] = base64.b64decode(file["content"])
        if "pagefind-entry.json" not in {path.as_posix() for path in files}:
            raise BuildError("Pagefind gave back no index")
        return files

    def _ask(self, payload: dict, what: str) -> dict:
        self._send(payload, what, answer=True)
        return self._wait(self._next_answer)

    def _send(self, payload: dict, what: str, answer: bool) -> None:
        with self._lock:
            self._next_id += 1
            message_id = self._next_id
            self._pending[message_id] = what
            if answer:
                self._asked.add(message_id)
        message = base64.b64encode(json.dumps({"message_id": message_id, "payload": payload}, ensure_ascii=False).encode("utf-8"))
        try:
            self._process.stdin.write(message + b",")
            self._process.stdin.flush()
        except (BrokenPipeError, ValueError, OSError):
            self._wait(lambda timeout: None)  # Pagefind is gone: raise what the reader saw

    def _wait(self, get: Callable[[float], object]):
        """``get(timeout)`` until it gives something, failing the build when Pagefind fails,
        ends or takes longer than the time limit."""
        deadline = time.monotonic() + self._timeout
        while True:
            if self._failure is not None:
                raise BuildError(self._failure)
            ended = self._ended.is_set()
            got = get(max(0.0, min(deadline - time.monotonic(), 0.5)))
            if got:
                return got
            if ended:
                raise BuildError(self._ended_message())
            if time.monotonic() >= deadline:
                _kill_group(self._process)
                raise BuildError(f"Pagefind could not run: it took longer than {self._timeout:.0f} s and was stopped")

    def _next_answer(self, timeout: float) -> dict | None:
        try:
            return self._answers.get(timeout=timeout)
        except queue.Empty:
            return None

    def _read_answers(self) -> None:
        """Each answer is decoded as it arrives, four base64 characters at a time: the last
        one holds every file of the index, and its base64 would take a third more memory."""
        stream, message, pending = self._process.stdout, bytearray(), b""
        try:
            while chunk := stream.read1(1 << 16):
                start = 0
                while True:
                    comma = chunk.find(b",", start)
                    text = pending + (chunk[start:] if comma == -1 else chunk[start:comma])
                    whole = len(text) - len(text) % 4
                    message += base64.b64decode(text[:whole])
                    pending = text[whole:]
                    if comma == -1:
                        break
                    if pending:
                        raise ValueError("an answer that is not whole base64")
                    self._answer(message)
                    start = comma + 1
        except OSError as error:
            self._failure = self._failure or f"Pagefind could not run: {error}"
        except Exception as error:  # noqa: BLE001 (anything but its protocol on its output)
            self._failure = self._failure or f"Pagefind answered something this build does not understand: {error!r}"
        finally:
            self._ended.set()

    def _answer(self, decoded: bytearray) -> None:
        message = json.loads(decoded)
        decoded.clear()  # the files' answer is most of the index: hold it once, not twice
        payload, message_id = message.get("payload") or {}, message.get("message_id")
        with self._lock:
            what = self._pending.pop(message_id, None)
            asked = message_id in self._asked
            self._asked.discard(message_id)
        if payload.get("type") == "Error":
            self._failure = self._failure or f"Pagefind could not index {what or 'a page'}: {payload.get('message')}"
        elif asked:
            self._answers.put(payload)
        else:
            self._slots.release()

    def _drain_errors(self) -> None:
        try:
            while chunk := self._process.stderr.read1(1 << 16):
                self._stderr += chunk
                del self._stderr[: max(0, len(self._stderr) - 4000)]
        except (OSError, ValueError):  # closed when Pagefind was stopped
            pass

    def _ended_message(self) -> str:
        try:
            code = self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            code = None
        self._errors.join(timeout=5)
        said = self._stderr.decode("utf-8", "replace").strip()
        return f"Pagefind stopped before the index was done (exit {code})" + (f":\n{said}" if said else "")


_PR_SET_PDEATHSIG = 1


def _death_signal_setter():
    """On Linux, a function for the child (after fork, before exec) that asks the kernel
    to SIGKILL it when the build dies, even by SIGKILL, which no handler sees; else None.

    Everything is looked up here, before the fork, so the child runs only a C call and
    a comparison (``preexec_fn`` must not take locks another thread may hold). The
    signal comes when the thread that started Pagefind ends, which is the one that
    waits for it here.
    """
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    build_pid, kill, getppid, exit_now = os.getpid(), int(signal.SIGKILL), os.getppid, os._exit

    def die_with_the_build() -> None:
        prctl(_PR_SET_PDEATHSIG, kill, 0, 0, 0)
        if getppid() != build_pid:  # the build died before the request took effect
            exit_now(1)

    return die_with_the_build


# Pagefind's allocator (jemalloc, configured through this variable) keeps memory it has
# freed for ten seconds or so before giving it back. Building the index, Pagefind frees
# and allocates the whole index over again within seconds, so that memory adds up: given
# back at once, Pagefind's peak at 10,000 announcements drops by a sixth (1.13 to 0.93 GB)
# for 15 % more of its time. A register may set its own.
_ALLOCATOR = ("_RJEM_MALLOC_CONF", "dirty_decay_ms:0,muzzy_decay_ms:0")


def _launch(command: list[str]) -> subprocess.Popen[bytes]:
    """Start ``command`` in a new session (so its own process group) that dies with the build."""
    try:
        return subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={_ALLOCATOR[0]: _ALLOCATOR[1], **os.environ},
            start_new_session=True,
            preexec_fn=_death_signal_setter(),  # noqa: PLW1509 (it makes one C call; see there)
        )
    except OSError as error:
        raise BuildError(f"Pagefind could not run: {error}") from error


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGKILL)  # the group's id is Pagefind's pid (a new session)
        except (ProcessLookupError, PermissionError, AttributeError):  # gone already; no killpg (Windows)
            process.kill()
    for stream in (process.stdin, process.stdout, process.stderr):
        try:
            stream.close()
        except (OSError, ValueError):
            pass
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass


# --- A reproducible index ---------------------------------------------------------------

_SIGNATURE = b"pagefind_dcd"


class _UnknownFormat(Exception):
    """Pagefind wrote something this module does not recognise."""


def reproducible_index(index_dir: Path) -> dict[PurePosixPath, bytes | None]:
    """What to write (``bytes``) and delete (``None``) under ``index_dir`` so that the
    same pages always give the same files: ``reproducible_files`` for an index on disk."""
    return _reproducible(lambda path: (index_dir / path).read_bytes())


def reproducible_files(files: dict[PurePosixPath, bytes]) -> dict[PurePosixPath, bytes]:
    """Pagefind's ``files`` (paths inside ``pagefind/``) with those that depend on hash-map
    order rewritten in sorted order: see ``_reproducible``."""
    changes = _reproducible(files.__getitem__)
    kept = {path: content for path, content in files.items() if path not in changes}
    return {**kept, **{path: content for path, content in changes.items() if content is not None}}


def _reproducible(read: Callable[[PurePosixPath], bytes]) -> dict[PurePosixPath, bytes | None]:
    """What to write (``bytes``) and delete (``None``) among the files of an index, which
    ``read`` gives by path, so that the same pages always give the same files.

    Of Pagefind's output only these depend on hash-map order: each filter file (its
    values), each language's ``pf_meta`` (its list of filters with their file names, and
    its list of sorts) and so ``pagefind-entry.json`` (which names the ``pf_meta`` file).
    The search decodes filter values into a sorted map and filters and sorts by name, so
    their order means nothing to it. The rewritten files keep Pagefind's own naming (its
    hash of the uncompressed content), so a name still changes exactly when the content
    does; Netlify may cache them for ever.

    Every file is checked first: each name must be the hash of its content as Pagefind
    computes it, and each must decode and encode back to its exact bytes. If anything is
    not as expected (another Pagefind version), nothing is rewritten: the search works as
    Pagefind wrote it, and the determinism test fails to say so.
    """
    try:
        return _rewrite(read)
    except (_UnknownFormat, OSError, ValueError, KeyError, TypeError, IndexError, UnicodeDecodeError):
        return {}


def _rewrite(read: Callable[[PurePosixPath], bytes]) -> dict[PurePosixPath, bytes | None]:
    entry = json.loads(read(PurePosixPath("pagefind-entry.json")).decode("utf-8"))
    writes: dict[PurePosixPath, bytes] = {}
    deletes: set[PurePosixPath] = set()
    for language in entry["languages"].values():
        meta_hash = language["hash"]
        prefix = meta_hash.rpartition("_")[0]
        meta_path = f"pagefind.{meta_hash}.pf_meta"
        meta = _read_chunk(read(PurePosixPath(meta_path)), meta_path)
        if _named_hash(prefix, meta, len(prefix) + 8) != meta_hash or not (
            isinstance(meta, list) and len(meta) >= 5 and isinstance(meta[3], list) and isinstance(meta[4], list)
        ):
            raise _UnknownFormat(meta_path)
        filters, taken = [], set()
        for filter_name, old_hash in sorted(meta[3]):  # [filter name, file's hash] pairs, by name
            old_path = f"filter/{old_hash}.pf_filter"
            chunk = _read_chunk(read(PurePosixPath(old_path)), old_path)
            if not _named_after(old_hash, prefix, chunk) or not (isinstance(chunk, list) and len(chunk) == 2 and chunk[0] == filter_name):
                raise _UnknownFormat(old_path)
            chunk = [filter_name, sorted(chunk[1])]  # [value, [page numbers]] pairs, by value
            new_hash = _named_hash(prefix, chunk, 7, taken)
            taken.add(new_hash)
            filters.append([filter_name, new_hash])
            deletes.add(PurePosixPath(old_path))
            writes[PurePosixPath(f"filter/{new_hash}.pf_filter")] = _chunk_bytes(chunk)
        meta = [*meta[:3], filters, sorted(meta[4]), *meta[5:]]  # sorts: [key, [page numbers]] pairs, by key
        language["hash"] = _named_hash(prefix, meta, len(prefix) + 8)
        deletes.add(PurePosixPath(meta_path))
        writes[PurePosixPath(f"pagefind.{language['hash']}.pf_meta")] = _chunk_bytes(meta)
    writes[PurePosixPath("pagefind-entry.json")] = json.dumps(entry, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return {**{path: None for path in deletes - writes.keys()}, **writes}


def _read_chunk(compressed: bytes, name: str):
    data = gzip.decompress(compressed)
    if not data.startswith(_SIGNATURE):
        raise _UnknownFormat(name)
    value, end = _cbor_decode(data, len(_SIGNATURE))
    if end != len(data) or _cbor_encode(value) != data[len(_SIGNATURE) :]:
        raise _UnknownFormat(name)
    return value


def _chunk_bytes(value) -> bytes:
    # Fixed header (no name, no time), so the same content gives the same bytes.
    return gzip.compress(_SIGNATURE + _cbor_encode(value), compresslevel=9, mtime=0)


def _named_hash(prefix: str, value, digits: int, taken: set[str] = frozenset()) -> str:
    """Pagefind's name for a chunk: its language, then the first ``digits`` characters
    of the SHA-1 of its CBOR, each byte in hex without a leading zero (Rust's
    ``{:x?}``), one more character while the name is taken."""
    full = "".join(format(byte, "x") for byte in hashlib.sha1(_cbor_encode(value)).digest())
    while f"{prefix}_{full[:digits]}" in taken and digits < len(full):
        digits += 1
    return f"{prefix}_{full[:digits]}"


def _named_after(name: str, prefix: str, value) -> bool:
    """Whether ``name`` is Pagefind's name for a chunk holding ``value`` (lengthened or not)."""
    full = f"{prefix}_" + "".join(format(byte, "x") for byte in hashlib.sha1(_cbor_encode(value)).digest())
    return name.startswith(full[: len(prefix) + 8]) and full.startswith(name)


# The part of CBOR (RFC 8949) Pagefind's index uses: unsigned and negative integers,
# byte and text strings, arrays, in their shortest form, as minicbor writes them.


def _cbor_decode(data: bytes, at: int):
    head = data[at]
    major, info = head >> 5, head & 31
    at += 1
    if info < 24:
        argument = info
    elif info <= 27:
        size = 1 << (info - 24)
        argument = int.from_bytes(data[at : at + size], "big")
        at += size
    else:
        raise _UnknownFormat(f"CBOR item {head:#x}")
    if major == 0:
        return argument, at
    if major == 1:
        return -1 - argument, at
    if major in (2, 3):
        raw = data[at : at + argument]
        if len(raw) != argument:
            raise _UnknownFormat("truncated CBOR")
        return (bytes(raw) if major == 2 else raw.decode("utf-8")), at + argument
    if major == 4:
        items = []
        for _ in range(argument):
            item, at = _cbor_decode(data, at)
            items.append(item)
        return items, at
    raise _UnknownFormat(f"CBOR item {head:#x}")


def _cbor_head(major: int, argument: int) -> bytes:
    if argument < 24:
        return bytes([major << 5 | argument])
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if argument < 1 << (8 * size):
            return bytes([major << 5 | info]) + argument.to_bytes(size, "big")
    raise _UnknownFormat("CBOR integer too large")


def _cbor_encode(value) -> bytes:
    if isinstance(value, bool):
        raise _UnknownFormat("CBOR boolean")
    if isinstance(value, int):
        return _cbor_head(0, value) if value >= 0 else _cbor_head(1, -1 - value)
    if isinstance(value, bytes):
        return _cbor_head(2, len(value)) + value
    if isinstance(value, str):
        encoded = value.encode("utf-8")
        return _cbor_head(3, len(encoded)) + encoded
    if isinstance(value, list):
        return _cbor_head(4, len(value)) + b"".join(_cbor_encode(item) for item in value)
    raise _UnknownFormat(f"CBOR {type(value).__name__}")
