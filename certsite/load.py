"""Read a content folder into a validated, cross-checked ``Corpus``.

This is the only module that reads the content folder. Each file is read and
parsed once; standards come first because announcements are checked against them.
Every problem in every file is collected, and ``ContentError`` is raised once, at
the end, with all of them.
"""

from __future__ import annotations

import dataclasses
import os
import re
import stat
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import NamedTuple

from certsite.cache import Cache
from certsite.errors import ContentError, Diagnostic
from certsite.fingerprint import Digests, code_digest, digest_bytes
from certsite.frontmatter import RawDocument, parse_front_matter, parse_yaml
from certsite.model import Announcement, Corpus, EntityProfile, Page, Site, Standard, record
from certsite.parallel import run_in_order
from certsite.text import slugify
from certsite.validate import (
    close_match,
    validate_announcement,
    validate_entity,
    validate_page,
    validate_site,
    validate_standard,
)

CONTENT_ENTRIES = frozenset({"site.yaml", "standards", "entities", "certifications", "pages"})

# First address segments the generator owns: its sections and its top-level files.
RESERVED_SLUGS = frozenset(
    {"certifications", "entities", "criteria", "standards", "search", "data", "pagefind", "static", "verify",
     "feed.xml", "sitemap.xml", "robots.txt", "404.html", "_redirects", "404", "schema"}
)
# An alias in /certifications/ must look like an announcement's own address, so that it
# can never take a yearly archive page such as /certifications/2027/.
_ANNOUNCEMENT_ADDRESS = re.compile(r"^/certifications/\d{4}-\d{2}-\d{2}-[a-z0-9]+(?:-[a-z0-9]+)*/$")


# An announcement is a few kilobytes; nothing in a content folder needs more than this,
# and no file is read further than it.
MAX_FILE_BYTES = 512 * 1024


# Line breaks and control characters in what a message quotes (a value "a\nb", a file
# name): printed as is, they would start a line with no file and line, or move the cursor.
_UNPRINTABLE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")


def _one_line(diagnostic: Diagnostic) -> Diagnostic:
    """``diagnostic`` with such characters in its message and hint written as escapes (``\\n``)."""
    def escape(text: str) -> str:
        return _UNPRINTABLE.sub(lambda match: match.group().encode("unicode_escape").decode("ascii"), text)

    return dataclasses.replace(diagnostic, message=escape(diagnostic.message), hint=escape(diagnostic.hint) if diagnostic.hint else diagnostic.hint)


def entry_problem(path: Path) -> str | None:
    """Why certsite will not read ``path``, or None. Only regular files and folders inside
    the content folder are read: a symbolic link could lead anywhere on the machine (and
    its lines would be printed in a public log), a FIFO would block for ever, a device
    never ends."""
    try:
        mode = path.lstat().st_mode
    except OSError as error:
        return f"cannot be read ({error.strerror})"
    if stat.S_ISLNK(mode):
        return "is a symbolic link; certsite does not follow links, so that it reads nothing outside the content folder"
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        return "is not a regular file (a FIFO, socket or device)"
    return None


def _read_bounded(path: Path) -> bytes:
    """At most ``MAX_FILE_BYTES + 1`` bytes of a regular file, never through a link."""
    # O_NOFOLLOW: a link put in place after entry_problem looked is still refused;
    # O_NONBLOCK: nor does a FIFO put in place then block the open.
    descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(0, "not a regular file")
        # As much as the file says it holds, in one read (then more, should it have
        # grown): asking for the whole limit at once would allocate 512 KB for every
        # 4 KB file, which costs ten times the read itself.
        remaining = MAX_FILE_BYTES + 1
        ask = info.st_size + 1
        chunks = []
        while remaining:
            chunk = os.read(descriptor, min(ask, remaining))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
            ask = 64 * 1024
        return b"".join(chunks)
    finally:
        os.close(descriptor)


def read_text(path: Path, diagnostics: list[Diagnostic]) -> str | None:
    """A file's text as UTF-8, or ``None`` with a diagnostic naming the offending line."""
    data = read_bytes(path, diagnostics)
    return None if data is None else decode(path, data, diagnostics)


def read_bytes(path: Path, diagnostics: list[Diagnostic]) -> bytes | None:
    """A content file's bytes, or ``None`` with a diagnostic if it cannot be read or is too large."""
    try:
        data = _read_bounded(path)
    except OSError as error:
        diagnostics.append(Diagnostic(path, None, f"the file cannot be read ({error.strerror or error})"))
        return None
    if len(data) > MAX_FILE_BYTES:
        diagnostics.append(Diagnostic(path, None, f"the file is larger than {MAX_FILE_BYTES // 1024} KB", "a content file needs a few kilobytes; is this the right file?"))
        return None
    return data


def decode(path: Path, data: bytes, diagnostics: list[Diagnostic]) -> str | None:
    """A file's bytes as UTF-8 text with Unix line ends, or ``None`` with a diagnostic naming the line."""
    try:
        return data.decode("utf-8").removeprefix("\ufeff").replace("\r\n", "\n")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        diagnostics.append(
            Diagnostic(path, line, f"the file is not UTF-8 text (byte 0x{data[error.start]:02x})", "save the file with UTF-8 encoding")
        )
        return None


def source_lines(path: Path) -> list[str] | None:
    """The lines of a content file, to show next to its diagnostics; None for anything
    certsite would not read itself (so an error never prints a line from outside the
    content folder)."""
    if entry_problem(path) is not None:
        return None
    try:
        data = _read_bounded(path)
    except OSError:
        return None
    return data[:MAX_FILE_BYTES].decode("utf-8", errors="replace").split("\n")


def _documents(paths: list[Path], markdown: bool, diagnostics: list[Diagnostic]) -> list[RawDocument]:
    documents = []
    for path in paths:
        text = read_text(path, diagnostics)
        if text is None:
            continue
        parsed = parse_front_matter(path, text) if markdown else parse_yaml(path, text)
        if isinstance(parsed, list):
            diagnostics.extend(parsed)
        else:
            documents.append(parsed)
    return documents


def _files(folder: Path, suffix: str, diagnostics: list[Diagnostic]) -> list[Path] | None:
    """The folder's content files, sorted; anything else in it is reported, hidden files
    ignored. None when the folder itself cannot be read (missing, a link, or closed to the
    build's user): what it holds is then unknown, rather than nothing."""
    if not folder.is_dir() or entry_problem(folder) is not None:  # reported with the content folder's entries
        return None
    paths = []
    # The folder's listing says which entries are plain files, without a system call for
    # each of 10,000 announcements (0.15 s before the workers can start); anything else is
    # looked at as ``entry_problem`` does.
    try:
        with os.scandir(folder) as listing:
            entries = sorted((entry.name, _is_plain_file(entry)) for entry in listing if not entry.name.startswith("."))
    except OSError as error:
        diagnostics.append(Diagnostic(folder, None, f"the folder cannot be read ({error.strerror or error})", "give the build's user the right to read it"))
        return None
    if entries and not _can_enter(folder, entries[0][0]):
        # Listed, but no file in it can be opened: said once, not once for each.
        diagnostics.append(Diagnostic(folder, None, "the folder's files cannot be opened (permission denied)", "give the build's user the right to enter the folder (chmod +x)"))
        return None
    for name, plain_file in entries:
        path = folder / name
        if plain_file and path.suffix == suffix:
            paths.append(path)
        elif not plain_file and (problem := entry_problem(path)):
            diagnostics.append(Diagnostic(path, None, f"{path.name} {problem}", "replace it with the file itself, or remove it"))
        elif not plain_file and path.is_file() and path.suffix == suffix:  # the listing could not tell
            paths.append(path)
        else:
            diagnostics.append(
                Diagnostic(path, None, f"unexpected {'file' if plain_file or not path.is_dir() else 'folder'} in {folder.name}/", f"{folder.name}/ holds only *{suffix} files")
            )
    return paths


def _can_enter(folder: Path, name: str) -> bool:
    try:
        os.lstat(folder / name)
    except PermissionError:
        return False
    except OSError:
        pass  # gone since the listing, say: entry_problem says so
    return True


def _is_plain_file(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_file(follow_symlinks=False)
    except OSError:
        return False  # then entry_problem says why


Progress = Callable[[str, int, int], None]  # (stage, done, total)


class CrossCheckLines(NamedTuple):
    """The lines in one announcement file that ``cross_check`` may point at: each field's,
    or where the file leaves the field out, its nearest parent's (``RawDocument.line``).

    Only these, as plain numbers: every announcement's lines go from the worker that
    parsed it to the build's own process, and into the cache, where a dictionary by key
    path (a tuple each) was slow to read back: an unchanged rebuild at 10,000
    announcements takes about 0.1 s less."""

    entity: int | None
    country: int | None
    certifications: tuple[tuple[int | None, int | None], ...]  # each one's (certificate, standard)
    aliases: tuple[int | None, ...]


@record
class AnnouncementResult:
    """What one announcement file gives: the announcement (if valid), its diagnostics,
    the lines that checks across files point at (with the announcement) and its entity
    slug (None if the file could not be parsed)."""

    announcement: Announcement | None
    diagnostics: tuple[Diagnostic, ...]
    lines: CrossCheckLines | None
    entity_slug: str | None


@dataclasses.dataclass(frozen=True, slots=True)
class _Work:
    """What the workers fork with: the announcement files, the standards they are checked
    against, the digest of what every result depends on besides its file, and the keys
    that the cache holds a result for."""

    paths: list[Path]
    standards: dict[str, Standard | None]
    context: bytes
    cached: Mapping[bytes, object]


# Set just before the workers fork: they find it in memory, and only indexes go to them
# through a pipe.
_work: _Work | None = None
_one_load_at_a_time = threading.Lock()


def _read_and_check(indexes: Sequence[int]) -> list[tuple[bytes, tuple[Diagnostic, ...], AnnouncementResult | None]]:
    """Read announcement files by index and parse and validate those the cache does not
    hold (a worker's share; see ``parallel``): for each, its key, the problems reading
    it (then no key), and its result (``None`` when the cache has it)."""
    work = _work
    assert work is not None
    done: list[tuple[bytes, tuple[Diagnostic, ...], AnnouncementResult | None]] = []
    for index in indexes:
        path = work.paths[index]
        problems: list[Diagnostic] = []
        data = read_bytes(path, problems)
        text = None if data is None else decode(path, data, problems)
        if data is None or text is None:
            done.append((b"", tuple(problems), None))
            continue
        key = digest_bytes(work.context, os.fsencode(path), data)
        done.append((key, (), None if key in work.cached else _check_announcement(path, text, work.standards)))
    return done


def _check_announcement(path: Path, text: str, standards: dict[str, Standard | None]) -> AnnouncementResult:
    parsed = parse_front_matter(path, text)
    if isinstance(parsed, list):
        return AnnouncementResult(None, tuple(parsed), None, None)
    diagnostics: list[Diagnostic] = []
    entity_slug = str(parsed.data.get("entity_slug") or slugify(str(parsed.data.get("entity") or "")))
    announcement = validate_announcement(parsed, standards, diagnostics)
    lines = None
    if announcement is not None:
        lines = CrossCheckLines(
            parsed.line(("entity",)),
            parsed.line(("location", "country")),
            tuple((parsed.line(("certifications", index, "certificate")), parsed.line(("certifications", index, "standard"))) for index in range(len(announcement.certifications))),
            tuple(parsed.line(("aliases", index)) for index in range(len(announcement.aliases))),
        )
    return AnnouncementResult(announcement, tuple(diagnostics), lines, entity_slug)


def read_announcement(path: Path, standards: dict[str, Standard | None]) -> Announcement | None:
    """One announcement file read, parsed and validated on its own, as ``load`` would,
    but without the checks across files; ``None`` if it cannot be read or has an error
    (``load`` reports it). The preview's first look at an edit (see ``preview``)."""
    diagnostics: list[Diagnostic] = []
    text = read_text(path, diagnostics) if entry_problem(path) is None else None
    if text is None:
        return None
    result = _check_announcement(path, text, standards)
    return None if any(not d.warning for d in result.diagnostics) else result.announcement


def _announcements(
    content_dir: Path,
    standards: dict[str, Standard | None],
    cache: Cache,
    jobs: int,
    progress: Progress | None,
    diagnostics: list[Diagnostic],
    pending_cache_entries: dict[bytes, AnnouncementResult],
) -> Iterator[tuple[AnnouncementResult, bytes]]:
    """Each announcement file's result and the digest of its inputs, in file order. The
    files are read and hashed on ``jobs`` processes, which parse and validate those whose
    file, standards and certsite's code the cache does not hold a result for. A file that
    cannot be read gives a diagnostic and no result. What the cache should hold
    afterwards goes into ``pending_cache_entries`` (left empty when it holds that
    already)."""
    listed = _files(content_dir / "certifications", ".md", diagnostics)
    paths = listed or []
    known = cache.sharded_records("announcements", _is_announcement_result)
    context = digest_bytes(code_digest(), Digests().of(tuple(sorted(standards.items()))))
    global _work
    report = (lambda done: progress("reading announcements", done, len(paths))) if progress else None
    with _one_load_at_a_time:  # two builds in one process (serve's preview and its indexer) take turns here
        _work = _Work(paths, standards, context, known)
        try:
            outcomes = list(run_in_order(_read_and_check, range(len(paths)), jobs, report))
        finally:
            _work = None
    if progress:
        progress("reading announcements", len(paths), len(paths))
    keys: list[bytes] = []
    results: list[AnnouncementResult] = []
    for key, problems, result in outcomes:
        if not key:
            diagnostics.extend(problems)
            continue
        keys.append(key)
        results.append(result if result is not None else known[key])
    if len(keys) < len(paths) or listed is None:
        yield AnnouncementResult(None, (), None, None), b""  # some entity slug is unknown
    if any(result is not None for _, _, result in outcomes) or len(known) != len(keys):
        pending_cache_entries.update(zip(keys, results))
    yield from zip(results, keys)


def _is_announcement_result(result: object) -> bool:
    """Whether a cached entry is an ``AnnouncementResult`` as ``_check_announcement`` makes
    it, down to the lines it gives ``cross_check``. Anything else is not used (the file is
    read again): a cache folder holds files like any other, and one planted or damaged
    must not stop the build. (Only the outer shape: the cache's unpickler makes nothing
    but certsite's records, and the cache is never committed; see ``cache``.)"""
    if type(result) is not AnnouncementResult or type(result.diagnostics) is not tuple:
        return False
    announcement, lines = result.announcement, result.lines
    if announcement is None:
        return lines is None
    return (
        type(announcement) is Announcement
        and type(lines) is CrossCheckLines
        and type(lines.certifications) is tuple
        and type(lines.aliases) is tuple
        and type(announcement.certifications) is tuple
        and type(announcement.aliases) is tuple
        and len(lines.certifications) == len(announcement.certifications)
        and len(lines.aliases) == len(announcement.aliases)
    )


def load(content_dir: Path, cache: Cache | None = None, jobs: int = 1, progress: Progress | None = None) -> Corpus:
    """Read, parse, validate and cross-check ``content_dir``; raise ``ContentError`` on any problem.

    Announcements are parsed on ``jobs`` processes, and taken from ``cache`` when their
    file, the standards and certsite are what they were; the corpus is the same either way.
    """
    corpus, storing = load_storing_later(content_dir, cache, jobs, progress)
    for _ in storing:
        pass
    return corpus


def load_storing_later(content_dir: Path, cache: Cache | None = None, jobs: int = 1, progress: Progress | None = None) -> tuple[Corpus, Iterator[None]]:
    """``load``, leaving the announcements it parsed to be stored in ``cache`` by the steps
    it returns, one file at a step: for a caller whose process has time to spare later
    (``build``, while its workers render). Nothing is stored until they run."""
    diagnostics: list[Diagnostic] = []
    if not content_dir.is_dir():
        raise ContentError([Diagnostic(content_dir, None, "the content folder does not exist", "run certsite in the project folder, or name the folder with --content DIR")])
    try:
        entries = sorted(content_dir.iterdir())
    except OSError as error:
        raise ContentError([Diagnostic(content_dir, None, f"the content folder cannot be read ({error.strerror or error})", "give the build's user the right to read it")]) from None
    for entry in entries:
        if entry.name.startswith("."):
            continue
        if problem := entry_problem(entry):
            diagnostics.append(Diagnostic(entry, None, f"{entry.name} {problem}", "replace it with the file or folder itself, or remove it"))
        elif entry.name not in CONTENT_ENTRIES:
            suggestion = close_match(entry.name, sorted(CONTENT_ENTRIES))
            hint = f"did you mean {suggestion}?" if suggestion else "the content folder holds only " + ", ".join(sorted(CONTENT_ENTRIES))
            diagnostics.append(Diagnostic(entry, None, f"unexpected {'folder' if entry.is_dir() else 'file'} in the content folder", hint))
    site_file = content_dir / "site.yaml"
    site = None
    if not os.path.lexists(site_file):
        diagnostics.append(Diagnostic(site_file, None, "site.yaml is missing", "create it with title, base_url, description and language"))
    elif entry_problem(site_file) is None:  # otherwise reported above
        site_docs = _documents([site_file], False, diagnostics)
        site = validate_site(site_docs[0], diagnostics) if site_docs else None

    standards = _standards(content_dir, diagnostics)

    entities = [
        entity
        for doc in _documents(_files(content_dir / "entities", ".yaml", diagnostics) or [], False, diagnostics)
        if (entity := validate_entity(doc, diagnostics)) is not None
    ]
    pages = [
        page
        for doc in _documents(_files(content_dir / "pages", ".md", diagnostics) or [], True, diagnostics)
        if (page := validate_page(doc, RESERVED_SLUGS, diagnostics)) is not None
    ]
    checked: list[tuple[CrossCheckLines, Announcement]] = []
    # Entity slugs of every announcement that parsed, valid or not; None when some file
    # could not even be parsed, since its slug is then unknown.
    entity_slugs: set[str] | None = set()
    announcement_digests: dict[Path, bytes] = {}
    cache = cache or Cache(None)
    cache_entries: dict[bytes, AnnouncementResult] = {}
    for result, digest in _announcements(content_dir, standards, cache, jobs, progress, diagnostics, cache_entries):
        diagnostics.extend(result.diagnostics)
        if result.entity_slug is None:
            entity_slugs = None
        elif entity_slugs is not None:
            entity_slugs.add(result.entity_slug)
        if result.announcement is not None and result.lines is not None:
            checked.append((result.lines, result.announcement))
            announcement_digests[result.announcement.source] = digest
    for folder in ("certifications", "standards"):
        if not os.path.lexists(content_dir / folder):
            diagnostics.append(Diagnostic(content_dir / folder, None, f"the {folder}/ folder is missing", f"is {content_dir} the content folder?"))

    diagnostics.extend(cross_check(checked, entities, pages, entity_slugs))
    diagnostics = [_one_line(d) for d in diagnostics]
    if site is None or any(not d.warning for d in diagnostics):
        raise ContentError(diagnostics)
    # Only for content that builds: a run that finds errors stores nothing.
    storing = cache.storing_sharded("announcements", cache_entries) if cache_entries else iter(())
    corpus = Corpus(
        site=site,
        standards=tuple(sorted((s for s in standards.values() if s is not None), key=lambda s: s.id)),
        entities=tuple(entities),
        announcements=tuple(a for _, a in checked),
        pages=tuple(pages),
        warnings=tuple(sorted(diagnostics, key=Diagnostic.sort_key)),
        announcement_digests=announcement_digests,
    )
    return corpus, storing


class _AnyStandard(dict[str, "Standard | None"]):
    """The standards when their folder cannot be read: every id counts as that of a
    standard whose file has an error (the folder's is reported, once), so that no
    announcement is also told that the standard it cites does not exist."""

    def __contains__(self, key: object) -> bool:
        return True


def _standards(content_dir: Path, diagnostics: list[Diagnostic]) -> dict[str, Standard | None]:
    """Standards by id; a file with errors maps its name to ``None``, so announcements
    citing it are not also told that the standard does not exist."""
    paths = _files(content_dir / "standards", ".yaml", diagnostics)
    if paths is None:
        return _AnyStandard()
    standards: dict[str, Standard | None] = {path.stem: None for path in paths}
    for doc in _documents(paths, False, diagnostics):
        standard = validate_standard(doc, diagnostics)
        if standard is not None:
            standards[standard.id] = standard
    return standards


def load_site(content_dir: Path) -> Site:
    """Only site.yaml's settings; raise ``ContentError`` if it is missing or invalid."""
    diagnostics: list[Diagnostic] = []
    site_file = content_dir / "site.yaml"
    site = None
    if not os.path.lexists(site_file):
        diagnostics.append(Diagnostic(site_file, None, "site.yaml is missing", "name the content folder with --content DIR"))
    elif problem := entry_problem(site_file):
        diagnostics.append(Diagnostic(site_file, None, f"site.yaml {problem}"))
    else:
        documents = _documents([site_file], False, diagnostics)
        site = validate_site(documents[0], diagnostics) if documents else None
    if site is None or any(not d.warning for d in diagnostics):
        raise ContentError(diagnostics)
    return site


def load_standards(content_dir: Path) -> dict[str, Standard]:
    """Only the standards, by id; raise ``ContentError`` if any standard file is invalid."""
    diagnostics: list[Diagnostic] = []
    standards = _standards(content_dir, diagnostics)
    if any(not d.warning for d in diagnostics):
        raise ContentError([_one_line(d) for d in diagnostics])
    return {standard_id: standard for standard_id, standard in standards.items() if standard is not None}


def cross_check(
    checked: list[tuple[CrossCheckLines, Announcement]], entities: list[EntityProfile], pages: list[Page], entity_slugs: set[str] | None
) -> list[Diagnostic]:
    """Rules that span files: certificate numbers, entity slugs, and addresses claimed twice.
    Some of what it returns are warnings.

    ``entity_slugs`` holds the entity slug of every announcement file, valid or not, so
    that a profile is not reported as unused because its announcement has an unrelated
    error; it is ``None`` when a file could not be parsed, and the check is skipped.
    """
    diagnostics: list[Diagnostic] = []

    certificates: dict[tuple[str, str], Path] = {}
    for lines, announcement in checked:
        for index, certification in enumerate(announcement.certifications):
            if certification.certificate is None:
                continue
            key = (certification.standard_id, certification.certificate)
            if key in certificates:
                diagnostics.append(
                    Diagnostic(announcement.source, lines.certifications[index][0], f"certificate {certification.certificate} of {certification.standard_id} is also given in {certificates[key]}", "a certificate number is unique per standard; check both files")
                )
            else:
                certificates[key] = announcement.source

    # Announcements sharing an entity slug are one entity page, whatever names they use
    # (a company renames itself, or is spelled two ways): the other names become "also
    # known as". Names that differ beyond what the slug derivation ignores, or one slug
    # used from two countries, may also be a copied entity_slug, so editors are told.
    profiles = {entity.slug: entity for entity in entities}
    # The file and line where each name, and each country, was first given.
    names_by_slug: dict[str, dict[str, tuple[Path, int | None]]] = defaultdict(dict)
    countries_by_slug: dict[str, dict[str, tuple[Path, int | None]]] = defaultdict(dict)
    for lines, announcement in checked:
        names_by_slug[announcement.entity_slug].setdefault(announcement.entity, (announcement.source, lines.entity))
        countries_by_slug[announcement.entity_slug].setdefault(announcement.location.country, (announcement.source, lines.country))
    for slug, names in names_by_slug.items():
        if len(names) < 2:
            continue
        profile = profiles.get(slug)
        declared = {profile.name, *profile.aliases} if profile else set()
        for name, (path, line) in names.items():
            if name not in declared and slugify(name) != slug:
                others = ", ".join(f"'{other}'" for other in names if other != name)
                hint = (
                    f"if that is right, list '{name}' under aliases: in entities/{slug}.yaml to silence this"
                    if profile else f"if that is right, create entities/{slug}.yaml with the name to show and the others under aliases: to silence this"
                )
                diagnostics.append(
                    Diagnostic(path, line, f"entity '{name}' shares the entity page '{slug}' with {others}; they are shown as one company", f"{hint}; otherwise give it its own entity_slug", warning=True)
                )
    for slug, countries in countries_by_slug.items():
        if len(countries) < 2:
            continue
        listed = ", ".join(sorted(countries))
        for country, (path, line) in countries.items():
            diagnostics.append(
                Diagnostic(path, line, f"the entity page '{slug}' is used by announcements in {listed}; its page shows one company in several countries", "if these are different companies, give each its own entity_slug", warning=True)
            )

    # Two announcements of one day about the same certificate leave no later one to
    # supersede the other: both stay current, and a reader sees two statuses at once.
    same_day: dict[tuple[str, str, date, frozenset[str]], list[tuple[Path, int | None]]] = defaultdict(list)
    for lines, announcement in checked:
        for index, certification in enumerate(announcement.certifications):
            same_day[(announcement.entity_slug, certification.standard_id, announcement.date, frozenset(announcement.facilities))].append(
                (announcement.source, lines.certifications[index][1])
            )
    for (slug, standard_id, day, _), items in same_day.items():
        files = {path for path, _ in items}
        if len(files) < 2:
            continue
        for path, line in items:
            others = ", ".join(sorted(other.name for other in files if other != path))
            diagnostics.append(
                Diagnostic(path, line, f"{others} also announces a certification of '{slug}' against {standard_id} on {day}; both are shown as current", "if one replaces the other, give the later one a later date (or delete the earlier file)", warning=True)
            )

    for entity in entities if entity_slugs is not None else ():
        if entity.slug not in entity_slugs:
            suggestion = close_match(entity.slug, sorted(entity_slugs))
            hint = f"did you mean {suggestion}.yaml?" if suggestion else "name the file after the entity_slug of its announcements"
            diagnostics.append(Diagnostic(entity.source, None, f"no announcement has the entity slug '{entity.slug}'", hint))

    claimed: dict[str, Path] = {f"/{page.slug}/": page.source for page in pages}
    claimed.update({f"/certifications/{a.slug}/": a.source for _, a in checked})
    for lines, announcement in checked:
        for index, alias in enumerate(announcement.aliases):
            section = alias.strip("/").split("/")[0]
            if any(part.endswith((".html", ".xml", ".txt", ".json")) for part in alias.split("/")):
                diagnostics.append(
                    Diagnostic(announcement.source, lines.aliases[index], f"the alias {alias} names a file, not a page address", "write the page's folder address, e.g. /news/old-name/")
                )
            elif alias == "/" or (section in RESERVED_SLUGS and not _ANNOUNCEMENT_ADDRESS.match(alias)):
                diagnostics.append(
                    Diagnostic(announcement.source, lines.aliases[index], f"the alias {alias} lies in an address range the generator owns (/{section}/)", "aliases are earlier addresses of this announcement, e.g. /certifications/2024-01-10-old-name/ or /news/old-name/")
                )
            elif alias in claimed:
                diagnostics.append(
                    Diagnostic(announcement.source, lines.aliases[index], f"the alias {alias} is already the address of {claimed[alias]}", "an address can lead to one page only; remove the alias")
                )
            else:
                claimed[alias] = announcement.source
    return diagnostics
