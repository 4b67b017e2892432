"""Everything the pages show, computed once from the corpus for one build date.

Pure: ``build_catalog`` reads nothing and writes nothing, and the same corpus, date
and draft flag give an equal catalog. Embargo and drafts are applied here and only
here, so no page, listing, feed or count can show an unpublished announcement.
Indexes (entities, findings per criterion) are built in one pass over the
announcements, so rendering never scans the corpus.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from enum import StrEnum

from generator.model import (
    Announcement,
    Certification,
    Corpus,
    Criterion,
    EntityProfile,
    Nonconformance,
    Page,
    Site,
    Standard,
    Status,
    record,
)
from generator.text import fold_to_latin



# A certification's status as of the build date: as announced, or expired.
CurrentStatus = StrEnum("CurrentStatus", {**{status.name: status.value for status in Status}, "EXPIRED": "expired"})


def current_status(certification: Certification, as_of: date) -> CurrentStatus:
    """Suspension and withdrawal outrank expiry; otherwise a passed ``valid_until`` means expired."""
    if certification.status in (Status.SUSPENDED, Status.WITHDRAWN):
        return CurrentStatus(certification.status.value)
    if certification.valid_until is not None and certification.valid_until < as_of:
        return CurrentStatus.EXPIRED
    return CurrentStatus(certification.status.value)


@record
class Finding:
    announcement: Announcement
    certification: Certification
    nonconformance: Nonconformance


@record
class EntityPage:
    slug: str
    name: str
    aliases: tuple[str, ...]
    group: str | None
    profile: EntityProfile | None
    announcements: tuple[Announcement, ...]  # newest first

    @property
    def initial(self) -> str:
        return index_initial(self.name)


@record
class Catalog:
    site: Site
    build_date: date
    announcements: tuple[Announcement, ...]  # published only, newest first
    entities: tuple[EntityPage, ...]  # A-Z
    standards: tuple[Standard, ...]
    findings_by_criterion: dict[tuple[str, str], tuple[Finding, ...]]  # (standard id, number)
    # Per standard, each entity with its newest certification against it, A-Z.
    entities_by_standard: dict[str, tuple[tuple[EntityPage, Certification], ...]]
    pages: tuple[Page, ...]
    redirects: tuple[tuple[str, Announcement], ...]  # (old address, announcement now there)

    def findings(self, criterion: Criterion) -> tuple[Finding, ...]:
        return self.findings_by_criterion.get((criterion.standard_id, criterion.number), ())


def name_sort_key(name: str) -> tuple[int, str]:
    """Latin names A-Z ignoring case and accents, then names in other scripts by code point.

    >>> sorted(["zinc", "Ångström", "包头铝业", "alpha"], key=name_sort_key)
    ['alpha', 'Ångström', 'zinc', '包头铝业']
    """
    base = fold_to_latin(name).casefold()
    return (0 if base[:1].isascii() else 1, base)


def index_initial(name: str) -> str:
    """The A-Z heading a name files under; a name in another script files under its first character.

    >>> index_initial("Ångström"), index_initial("Østfold"), index_initial("3M"), index_initial("包头铝业")
    ('A', 'O', '#', '包')
    """
    first = fold_to_latin(name.strip())[:1].upper()
    if first.isascii():
        return first if first.isalpha() else "#"
    return first


def _newest_first(announcement: Announcement) -> tuple[int, str]:
    return (-announcement.date.toordinal(), announcement.slug)


def build_catalog(corpus: Corpus, build_date: date, include_drafts: bool = False) -> Catalog:
    published = sorted(
        (a for a in corpus.announcements if a.date <= build_date and (include_drafts or not a.draft)),
        key=_newest_first,
    )
    profiles = {profile.slug: profile for profile in corpus.entities}

    by_entity: dict[str, list[Announcement]] = defaultdict(list)
    findings: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    newest_certification: dict[str, dict[str, Certification]] = defaultdict(dict)
    for announcement in published:
        by_entity[announcement.entity_slug].append(announcement)
        for certification in announcement.certifications:
            # Announcements come newest first, so the first one seen is the newest.
            newest_certification[certification.standard_id].setdefault(announcement.entity_slug, certification)
            for nonconformance in certification.nonconformances:
                key = (certification.standard_id, nonconformance.ref.criterion)
                findings[key].append(Finding(announcement, certification, nonconformance))

    entities = sorted((_entity_page(slug, items, profiles.get(slug)) for slug, items in by_entity.items()), key=lambda e: (name_sort_key(e.name), e.slug))
    return Catalog(
        site=corpus.site,
        build_date=build_date,
        announcements=tuple(published),
        entities=tuple(entities),
        standards=corpus.standards,
        findings_by_criterion={key: tuple(items) for key, items in sorted(findings.items())},
        entities_by_standard={
            standard_id: tuple((entity, by_entity_slug[entity.slug]) for entity in entities if entity.slug in by_entity_slug)
            for standard_id, by_entity_slug in sorted(newest_certification.items())
        },
        pages=tuple(sorted(corpus.pages, key=lambda p: p.slug)),
        redirects=tuple(sorted(((alias, a) for a in published for alias in a.aliases), key=lambda pair: pair[0])),
    )


def _entity_page(slug: str, announcements: list[Announcement], profile: EntityProfile | None) -> EntityPage:
    newest = announcements[0]  # already newest first
    names_used = sorted({a.entity for a in announcements} - {profile.name if profile else newest.entity}, key=name_sort_key)
    if profile is not None:
        aliases = tuple(dict.fromkeys([*profile.aliases, *names_used]))
        return EntityPage(slug, profile.name, aliases, profile.group or newest.group, profile, tuple(announcements))
    return EntityPage(slug, newest.entity, tuple(names_used), newest.group, None, tuple(announcements))
