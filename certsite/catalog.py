"""Everything the pages show, computed once from the corpus for one build date.

Pure: ``build_catalog`` reads nothing and writes nothing, and the same corpus, date
and draft flag give an equal catalog. Embargo and drafts are applied here and only
here, so no page, listing, feed or count can show an unpublished announcement.
Indexes (entities, findings per criterion) are built in one pass over the
announcements, so rendering never scans the corpus.
"""

from __future__ import annotations

import calendar
import dataclasses
from collections import defaultdict
from datetime import date, timedelta
from enum import StrEnum

from certsite.model import (
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
    Validity,
    record,
)
from certsite.text import fold_to_latin


class CurrentStatus(StrEnum):
    """A certification's status as of the build date (the content format's order of rules)."""

    CERTIFIED = "certified"
    PROVISIONAL = "provisional"
    SUSPENDED = "suspended"
    WITHDRAWN = "withdrawn"
    SUPERSEDED = "superseded"
    EXPIRED = "expired"


IN_FORCE = frozenset({CurrentStatus.CERTIFIED, CurrentStatus.PROVISIONAL})
# Findings of an ended certification are history: nobody follows them up any more.
ENDED = frozenset({CurrentStatus.SUPERSEDED, CurrentStatus.EXPIRED})


@record
class Standing:
    """One certification as the register states it on the build date."""

    announcement: Announcement
    position: int  # 1-based place in its announcement, for the permanent anchor #certification-N
    certification: Certification
    status: CurrentStatus
    valid_until: date | None  # announced, or derived from the standard's validity period
    until_derived: bool
    superseded_by: Announcement | None  # the next announcement for the same entity, standard and facilities
    until_passed: bool  # the end date lies before the build date (a suspended certificate can outlive it)
    starts_later: bool  # valid_from lies after the build date

    @property
    def in_force(self) -> bool:
        return self.status in IN_FORCE

    @property
    def ended(self) -> bool:
        return self.status in ENDED

    def is_open(self, nonconformance: Nonconformance) -> bool:
        return nonconformance.closed is None and not self.ended

    @property
    def open_findings(self) -> int:
        return sum(self.is_open(n) for n in self.certification.nonconformances)


def last_day_of_validity(start: date, months: int) -> date:
    """The last day of a period of ``months`` that starts on ``start``: the day before the
    same day ``months`` later, or that month's last day when it has no such day.

    >>> last_day_of_validity(date(2021, 3, 1), 36), last_day_of_validity(date(2024, 1, 10), 36)
    (datetime.date(2024, 2, 29), datetime.date(2027, 1, 9))
    >>> last_day_of_validity(date(2020, 2, 29), 12), last_day_of_validity(date(2021, 1, 31), 1), last_day_of_validity(date(2021, 1, 28), 1)
    (datetime.date(2021, 2, 28), datetime.date(2021, 2, 28), datetime.date(2021, 2, 27))
    """
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    last = calendar.monthrange(year, month)[1]
    if start.day > last:  # 29 February, or the 31st, has no match in that month
        return date(year, month, last)
    return date(year, month, start.day) - timedelta(days=1)


def end_date(certification: Certification, announced: date, validity: Validity) -> tuple[date | None, bool]:
    """The last day of validity and whether it was derived: ``valid_until`` as announced, else
    the standard's period counted from ``valid_from`` (or the announcement date), else none.

    >>> from certsite.model import Validity
    >>> end_date(_example(), date(2021, 3, 1), Validity(36, 12))
    (datetime.date(2024, 2, 29), True)
    >>> end_date(_example(status=Status.PROVISIONAL, valid_from=date(2024, 5, 1)), date(2024, 6, 1), Validity(36, 12))
    (datetime.date(2025, 4, 30), True)
    >>> end_date(_example(valid_until=date(2027, 1, 9)), date(2024, 1, 10), Validity(36, 12))
    (datetime.date(2027, 1, 9), False)
    >>> end_date(_example(), date(2024, 1, 10), Validity())
    (None, False)
    """
    if certification.valid_until is not None:
        return certification.valid_until, False
    months = validity.months(certification.status)
    if months is None:
        return None, False
    return last_day_of_validity(certification.valid_from or announced, months), True


def _example(**fields: object) -> Certification:
    """A certification for the doctests above."""
    values: dict[str, object] = dict(standard_id="s", edition=None, auditor="a", certificate=None, scope=None, status=Status.CERTIFIED, valid_from=None, valid_until=None, report=None, nonconformances=())
    return Certification(**{**values, **fields})  # type: ignore[arg-type]


def _standings(published: list[Announcement], standards: dict[str, Standard], as_of: date) -> dict[str, tuple[Standing, ...]]:
    """Every published certification's standing, by announcement slug.

    A later announcement for the same entity, standard and facilities supersedes an
    earlier one, whatever it announces: the newest word on a certificate is the one
    that counts. Only published announcements take part, so an embargoed renewal
    supersedes nothing until its day.
    """
    successor: dict[tuple[str, int], Announcement] = {}
    lineage: dict[tuple[str, str, frozenset[str]], list[tuple[Announcement, int]]] = defaultdict(list)
    for announcement in reversed(published):  # oldest first
        for position, certification in enumerate(announcement.certifications, start=1):
            lineage[(announcement.entity_slug, certification.standard_id, frozenset(announcement.facilities))].append((announcement, position))
    for entries in lineage.values():
        # Newest first; ``later`` is an announcement of the nearest strictly later date,
        # so two announcements of one day never supersede each other.
        later: Announcement | None = None
        day: date | None = None
        first_of_day: Announcement | None = None
        for announcement, position in reversed(entries):
            if announcement.date != day:
                later, day, first_of_day = first_of_day, announcement.date, announcement
            if later is not None:
                successor[(announcement.slug, position)] = later
    standings = {}
    for announcement in published:
        items = []
        for position, announced in enumerate(announcement.certifications, start=1):
            certification = _as_known_on(announced, as_of)
            until, derived = end_date(certification, announcement.date, standards[certification.standard_id].validity)
            superseded_by = successor.get((announcement.slug, position))
            status = _status(certification, superseded_by, until, as_of)
            passed = until is not None and until < as_of
            starts_later = certification.valid_from is not None and certification.valid_from > as_of
            items.append(Standing(announcement, position, certification, status, until, derived, superseded_by, passed, starts_later))
        standings[announcement.slug] = tuple(items)
    return standings


def _as_known_on(certification: Certification, as_of: date) -> Certification:
    """The certification as the register knows it on ``as_of``: a finding closed on a later
    day is still open then, as an announcement dated later is not yet published."""
    if not any(n.closed is not None and n.closed > as_of for n in certification.nonconformances):
        return certification
    findings = tuple(dataclasses.replace(n, closed=None) if n.closed is not None and n.closed > as_of else n for n in certification.nonconformances)
    return dataclasses.replace(certification, nonconformances=findings)


def _status(certification: Certification, superseded_by: Announcement | None, until: date | None, as_of: date) -> CurrentStatus:
    """In the content format's order: suspended or withdrawn as announced, superseded, expired, as announced."""
    if certification.status in (Status.SUSPENDED, Status.WITHDRAWN):
        return CurrentStatus(certification.status.value)
    if superseded_by is not None:
        return CurrentStatus.SUPERSEDED
    if until is not None and until < as_of:
        return CurrentStatus.EXPIRED
    return CurrentStatus(certification.status.value)


@record
class Finding:
    standing: Standing
    nonconformance: Nonconformance

    @property
    def announcement(self) -> Announcement:
        return self.standing.announcement

    @property
    def is_open(self) -> bool:
        return self.standing.is_open(self.nonconformance)


@record
class EntityPage:
    """One company's page: made from its published announcements, its profile, the
    standards, the build date and the draft flag alone, as are its standings (the page
    cache derives their digests from those; see ``render.PageRenderer.remember_catalog``)."""

    slug: str
    name: str
    aliases: tuple[str, ...]  # the profile's other names, then every other name announced
    group: str | None
    profile: EntityProfile | None
    announcements: tuple[Announcement, ...]  # newest first
    certifications: tuple[Standing, ...]  # every certification, newest first: the history
    current: tuple[Standing, ...]  # those not superseded, by standard: the answer at a glance

    @property
    def initial(self) -> str:
        return index_initial(self.name)

    @property
    def newest(self) -> Announcement:
        return self.announcements[0]


@record
class Catalog:
    site: Site
    build_date: date
    announcements: tuple[Announcement, ...]  # published only, newest first
    standings: dict[str, tuple[Standing, ...]]  # by announcement slug, in the announcement's order
    entities: tuple[EntityPage, ...]  # A-Z
    standards: tuple[Standard, ...]
    findings_by_criterion: dict[tuple[str, str], tuple[Finding, ...]]  # (standard id, number)
    # Per standard, each entity (A-Z) with its current certifications against it: one,
    # or more when they cover different facilities or were announced on one day.
    entities_by_standard: dict[str, tuple[tuple[EntityPage, tuple[Standing, ...]], ...]]
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
    standards = {standard.id: standard for standard in corpus.standards}
    standings = _standings(published, standards, build_date)

    by_entity: dict[str, list[Announcement]] = defaultdict(list)
    findings: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for announcement in published:
        by_entity[announcement.entity_slug].append(announcement)
        for standing in standings[announcement.slug]:
            for nonconformance in standing.certification.nonconformances:
                key = (standing.certification.standard_id, nonconformance.ref.criterion)
                findings[key].append(Finding(standing, nonconformance))

    entities = sorted(
        (_entity_page(slug, items, profiles.get(slug), standings) for slug, items in by_entity.items()),
        key=lambda e: (name_sort_key(e.name), e.slug),
    )
    return Catalog(
        site=corpus.site,
        build_date=build_date,
        announcements=tuple(published),
        standings=standings,
        entities=tuple(entities),
        standards=corpus.standards,
        findings_by_criterion={key: tuple(items) for key, items in sorted(findings.items())},
        entities_by_standard=_entities_by_standard(entities),
        pages=tuple(sorted(corpus.pages, key=lambda p: p.slug)),
        redirects=tuple(sorted(((alias, a) for a in published for alias in a.aliases), key=lambda pair: pair[0])),
    )


def _entities_by_standard(entities: list[EntityPage]) -> dict[str, tuple[tuple[EntityPage, tuple[Standing, ...]], ...]]:
    grouped: dict[str, list[tuple[EntityPage, tuple[Standing, ...]]]] = defaultdict(list)
    for entity in entities:  # A-Z, so each standard's list is too
        by_standard: dict[str, list[Standing]] = defaultdict(list)
        for standing in entity.current:
            by_standard[standing.certification.standard_id].append(standing)
        for standard_id, items in by_standard.items():
            grouped[standard_id].append((entity, tuple(items)))
    return {standard_id: tuple(items) for standard_id, items in sorted(grouped.items())}


def _entity_page(
    slug: str, announcements: list[Announcement], profile: EntityProfile | None, standings: dict[str, tuple[Standing, ...]]
) -> EntityPage:
    newest = announcements[0]  # already newest first
    names_used = sorted({a.entity for a in announcements} - {profile.name if profile else newest.entity}, key=name_sort_key)
    history = tuple(standing for a in announcements for standing in standings[a.slug])
    # Standards in the order the register lists them (by id), newest certification first within each.
    current = tuple(sorted((s for s in history if s.superseded_by is None), key=lambda s: s.certification.standard_id))
    if profile is not None:
        aliases = tuple(dict.fromkeys([*profile.aliases, *names_used]))
        return EntityPage(slug, profile.name, aliases, profile.group or newest.group, profile, tuple(announcements), history, current)
    return EntityPage(slug, newest.entity, tuple(names_used), newest.group, None, tuple(announcements), history, current)
