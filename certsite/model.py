"""Plain, immutable records of everything read from the content folder.

No I/O and no rules live here: ``validate`` builds these from checked input, and
every later stage only reads them. Tuples rather than lists keep them truly frozen,
so stages can share them without copying and none can change what another sees.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import TypeVar

from certsite.errors import Diagnostic

T = TypeVar("T")


def record(cls: type[T]) -> type[T]:
    """A frozen dataclass with slots, pickled as its constructor call: the build cache
    reads tens of thousands of them, several times faster than the default way."""
    made = dataclass(frozen=True, slots=True)(cls)
    names = tuple(each.name for each in fields(made))

    def __reduce__(self):  # noqa: N807 - pickle's name
        return (type(self), tuple(getattr(self, name) for name in names))

    made.__reduce__ = __reduce__  # type: ignore[method-assign]
    return made


class Status(StrEnum):
    """A certification's status as announced."""

    CERTIFIED = "certified"
    PROVISIONAL = "provisional"
    SUSPENDED = "suspended"
    WITHDRAWN = "withdrawn"


class Severity(StrEnum):
    MINOR = "minor"
    MAJOR = "major"


@record
class Licence:
    """The terms under which the register's data may be reused."""

    name: str
    url: str | None = None


@record
class Site:
    title: str
    base_url: str  # always ends with "/"
    description: str
    language: str
    corrections: str | None
    licence: Licence | None = None  # stated on the data downloads' page; None: no licence stated


@record
class Principle:
    number: int
    title: str


@record
class Criterion:
    standard_id: str
    number: str  # "5.1": always text, never a float
    title: str
    principle: int | None  # None for standards without principles


@record
class Validity:
    """How many months a certificate under a standard lasts, when the standard says so."""

    certified: int | None = None
    provisional: int | None = None

    def months(self, status: Status) -> int | None:
        """Provisional certificates have their own period; any other status keeps the full one."""
        return self.provisional if status is Status.PROVISIONAL else self.certified


@record
class Standard:
    id: str
    name: str
    version: str
    owner: str
    url: str | None
    principles: tuple[Principle, ...]
    criteria: tuple[Criterion, ...]
    validity: Validity = Validity()

    def criterion(self, number: str) -> Criterion | None:
        return next((c for c in self.criteria if c.number == number), None)


@record
class CriterionRef:
    """A reference such as ``1.3a-e``: criterion ``1.3``, clauses a to e."""

    raw: str
    criterion: str
    clauses: tuple[str, ...]


@record
class Nonconformance:
    ref: CriterionRef
    severity: Severity
    closed: date | None
    note: str | None


@record
class Certification:
    standard_id: str
    edition: str | None
    auditor: str
    certificate: str | None
    scope: str | None
    status: Status
    valid_from: date | None
    valid_until: date | None
    report: str | None
    nonconformances: tuple[Nonconformance, ...]


@record
class Location:
    country: str
    region: str | None
    city: str | None


@record
class Announcement:
    source: Path
    slug: str  # the file name's stem, e.g. 2024-01-10-baotou-aluminium
    title: str
    date: date
    summary: str
    entity: str
    entity_slug: str
    group: str | None
    location: Location
    facilities: tuple[str, ...]
    activities: tuple[str, ...]
    products: tuple[str, ...]
    capacity: str | None
    certifications: tuple[Certification, ...]
    draft: bool
    aliases: tuple[str, ...]  # earlier addresses, e.g. "/news/baotou/"
    body_html: str


@record
class EntityProfile:
    source: Path
    slug: str
    name: str
    aliases: tuple[str, ...]
    group: str | None
    website: str | None
    description_html: str


@record
class Page:
    source: Path
    slug: str
    title: str
    summary: str | None
    body_html: str


@record
class Corpus:
    """Everything in one content folder, validated and cross-checked."""

    site: Site
    standards: tuple[Standard, ...]
    entities: tuple[EntityProfile, ...]
    announcements: tuple[Announcement, ...]
    pages: tuple[Page, ...]
    warnings: tuple[Diagnostic, ...] = ()  # things to tell editors that do not stop the build
    # A digest of what made each announcement (its file, the standards, certsite's code),
    # by source path: equal digests, equal announcements, so caches can tell them apart cheaply.
    announcement_digests: dict[Path, bytes] = field(default_factory=dict)
