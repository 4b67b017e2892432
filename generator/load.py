"""Read a content folder into a validated, cross-checked ``Corpus``.

This is the only module that reads the content folder. Each file is read and
parsed once; standards come first because announcements are checked against them.
Every problem in every file is collected, and ``ContentError`` is raised once, at
the end, with all of them.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from generator.errors import ContentError, Diagnostic
from generator.frontmatter import RawDocument, parse_front_matter, parse_yaml
from generator.model import Announcement, Corpus, EntityProfile, Page, Standard
from generator.validate import (
    slugify,
    validate_announcement,
    validate_entity,
    validate_page,
    validate_site,
    validate_standard,
)

# Top-level addresses the generator owns; a plain page may not take one.
RESERVED_SLUGS = frozenset(
    {"certifications", "entities", "criteria", "standards", "search", "data", "pagefind", "static", "feed.xml", "sitemap.xml", "404"}
)


def read_text(path: Path, diagnostics: list[Diagnostic]) -> str | None:
    """A file's text as UTF-8, or ``None`` with a diagnostic naming the offending line."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8").removeprefix("\ufeff").replace("\r\n", "\n")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        diagnostics.append(
            Diagnostic(path, line, f"the file is not UTF-8 text (byte 0x{data[error.start]:02x})", "save the file with UTF-8 encoding")
        )
        return None


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


def _files(folder: Path, suffix: str, diagnostics: list[Diagnostic]) -> list[Path]:
    """The folder's content files, sorted; anything else in it is reported, hidden files ignored."""
    if not folder.is_dir():
        return []
    paths = []
    for path in sorted(folder.iterdir()):
        if path.name.startswith("."):
            continue
        if path.is_file() and path.suffix == suffix:
            paths.append(path)
        else:
            diagnostics.append(
                Diagnostic(path, None, f"unexpected {'folder' if path.is_dir() else 'file'} in {folder.name}/", f"{folder.name}/ holds only *{suffix} files")
            )
    return paths


def load(content_dir: Path) -> Corpus:
    """Read, parse, validate and cross-check ``content_dir``; raise ``ContentError`` on any problem."""
    diagnostics: list[Diagnostic] = []
    site_file = content_dir / "site.yaml"
    site = None
    if not site_file.is_file():
        diagnostics.append(Diagnostic(site_file, None, "site.yaml is missing", "create it with title, base_url, description and language"))
    else:
        site_docs = _documents([site_file], False, diagnostics)
        site = validate_site(site_docs[0], diagnostics) if site_docs else None

    standards = _standards(content_dir, diagnostics)

    entities = [
        entity
        for doc in _documents(_files(content_dir / "entities", ".yaml", diagnostics), False, diagnostics)
        if (entity := validate_entity(doc, diagnostics)) is not None
    ]
    pages = [
        page
        for doc in _documents(_files(content_dir / "pages", ".md", diagnostics), True, diagnostics)
        if (page := validate_page(doc, RESERVED_SLUGS, diagnostics)) is not None
    ]
    checked: list[tuple[RawDocument, Announcement]] = []
    for doc in _documents(_files(content_dir / "certifications", ".md", diagnostics), True, diagnostics):
        announcement = validate_announcement(doc, standards, diagnostics)
        if announcement is not None:
            checked.append((doc, announcement))
    if not (content_dir / "certifications").is_dir():
        diagnostics.append(Diagnostic(content_dir / "certifications", None, "the certifications/ folder is missing", f"is {content_dir} the content folder?"))

    diagnostics.extend(cross_check(checked, entities, pages))
    if diagnostics or site is None:
        raise ContentError(diagnostics)
    return Corpus(
        site=site,
        standards=tuple(sorted(standards.values(), key=lambda s: s.id)),
        entities=tuple(entities),
        announcements=tuple(a for _, a in checked),
        pages=tuple(pages),
    )


def _standards(content_dir: Path, diagnostics: list[Diagnostic]) -> dict[str, Standard]:
    standards: dict[str, Standard] = {}
    for doc in _documents(_files(content_dir / "standards", ".yaml", diagnostics), False, diagnostics):
        standard = validate_standard(doc, diagnostics)
        if standard is not None:
            standards[standard.id] = standard
    return standards


def load_standards(content_dir: Path) -> dict[str, Standard]:
    """Only the standards, by id; raise ``ContentError`` if any standard file is invalid."""
    diagnostics: list[Diagnostic] = []
    standards = _standards(content_dir, diagnostics)
    if diagnostics:
        raise ContentError(diagnostics)
    return standards


def cross_check(checked: list[tuple[RawDocument, Announcement]], entities: list[EntityProfile], pages: list[Page]) -> list[Diagnostic]:
    """Rules that span files: certificate numbers, entity slugs, and addresses claimed twice."""
    diagnostics: list[Diagnostic] = []

    certificates: dict[tuple[str, str], Path] = {}
    for doc, announcement in checked:
        for index, certification in enumerate(announcement.certifications):
            if certification.certificate is None:
                continue
            key = (certification.standard_id, certification.certificate)
            if key in certificates:
                diagnostics.append(
                    Diagnostic(doc.path, doc.line(("certifications", index, "certificate")), f"certificate {certification.certificate} of {certification.standard_id} is also given in {certificates[key]}", "a certificate number is unique per standard; check both files")
                )
            else:
                certificates[key] = doc.path

    # Announcements sharing an entity slug share a page. Names that differ beyond what the
    # slug derivation ignores (case, punctuation, accents) are probably a copied entity_slug,
    # unless the entity's profile declares them as one company's names.
    profiles = {entity.slug: entity for entity in entities}
    names_by_slug: dict[str, dict[str, RawDocument]] = defaultdict(dict)
    for doc, announcement in checked:
        names_by_slug[announcement.entity_slug].setdefault(announcement.entity, doc)
    for slug, names in names_by_slug.items():
        if len(names) < 2:
            continue
        profile = profiles.get(slug)
        declared = {profile.name, *profile.aliases} if profile else set()
        others = ", ".join(f"'{name}'" for name in names)
        for name, doc in names.items():
            if name not in declared and slugify(name) != slug:
                diagnostics.append(
                    Diagnostic(doc.path, doc.line(("entity_slug",)), f"entity '{name}' shares the slug '{slug}' with differently named entities ({others})", f"if they are one company, list '{name}' under aliases: in content/entities/{slug}.yaml; otherwise give it its own entity_slug")
                )

    claimed: dict[str, Path] = {f"/{page.slug}/": page.source for page in pages}
    claimed.update({f"/certifications/{a.slug}/": a.source for _, a in checked})
    for doc, announcement in checked:
        for index, alias in enumerate(announcement.aliases):
            section = alias.strip("/").split("/")[0]
            if section in RESERVED_SLUGS - {"certifications"} or alias == "/":
                diagnostics.append(
                    Diagnostic(doc.path, doc.line(("aliases", index)), f"the alias {alias} lies in an address range the generator owns (/{section}/)", "aliases are for earlier addresses of this announcement, e.g. /certifications/2024-01-10-old-name/ or /news/old-name/")
                )
            elif alias in claimed:
                diagnostics.append(
                    Diagnostic(doc.path, doc.line(("aliases", index)), f"the alias {alias} is already the address of {claimed[alias]}", "an address can lead to one page only; remove the alias")
                )
            else:
                claimed[alias] = doc.path
    return diagnostics
