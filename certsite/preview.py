"""The preview's first look at an edit: the pages of announcements edited in place,
rendered in a few milliseconds whatever the register's size, before the full rebuild.

An announcement's page and its entity's page are made from that entity's announcements
alone (standings, supersession and findings never cross entities: see ``catalog``),
with the entity's profile, the standards, the site's settings and pages, and the build
date. So a catalog of that one entity gives those two pages byte for byte as the
whole register's catalog does, and they can be shown at once. Everything else (lists,
criterion and standard pages, feeds, search) follows with the full rebuild that
``serve`` runs straight after, which also reports any problem across files.

Only the plainest change takes this path: existing announcement files edited in
place, still valid, keeping their address, entity, date and draft flag (so that no
list changes order). Anything else (a new, removed or renamed file, a template, a
standard, a profile, an error) goes straight to the full rebuild.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path, PurePosixPath

from certsite import urls
from certsite.catalog import build_catalog
from certsite.load import read_announcement
from certsite.model import Announcement, Corpus
from certsite.render import PageRenderer
from certsite.views import page_specs


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What the site being served was built from."""

    corpus: Corpus
    renderer: PageRenderer
    build_date: date
    include_drafts: bool


# More files than this saved at once (a checkout, a formatter run) are left to the full
# rebuild, which takes them from the cache on all cores: one by one here, they would
# hold the preview up for longer than that rebuild.
MAX_EDITED_FILES = 8


def edited_pages(snapshot: Snapshot, changed: Iterable[Path]) -> dict[PurePosixPath, bytes] | None:
    """The new bytes of the pages of the announcements edited among ``changed`` (paths
    that file events named) and of their entities' pages, by output path; ``None`` when
    the change is not only such edits (or no announcement changed at all), and needs the
    full rebuild to show."""
    # As strings: file events and the corpus may name one file two ways (relative or
    # not), and 10,000 paths compare in milliseconds as strings but not as Path objects.
    known = {os.path.abspath(a.source): a for a in snapshot.corpus.announcements}
    edited: list[Announcement] = []
    for path in (os.path.abspath(path) for path in changed):
        if path in known:
            edited.append(known[path])
        elif os.path.lexists(path) or any(source.startswith(path + os.sep) for source in known):
            return None  # a new file, or a folder of announcements moved or removed
        # else a file that came and went (an editor's temporary file): nothing to show
    if not edited or len(edited) > MAX_EDITED_FILES:
        return None
    standards = {standard.id: standard for standard in snapshot.corpus.standards}
    replacements: dict[Path, Announcement] = {}
    for old in edited:
        new = read_announcement(old.source, standards)  # type: ignore[arg-type]
        if new is None or (new.slug, new.entity_slug, new.date, new.draft) != (old.slug, old.entity_slug, old.date, old.draft):
            return None
        if new != old:  # a file saved unchanged shows nothing new
            replacements[old.source] = new
    if not replacements:
        return None
    entity_slugs = {a.entity_slug for a in replacements.values()}
    announcements: dict[str, list[Announcement]] = {slug: [] for slug in entity_slugs}
    for announcement in snapshot.corpus.announcements:  # one pass, whatever the number of entities
        if announcement.entity_slug in announcements:
            announcements[announcement.entity_slug].append(replacements.get(announcement.source, announcement))
    pages: dict[PurePosixPath, bytes] = {}
    for entity_slug in sorted(entity_slugs):
        one_entity = dataclasses.replace(
            snapshot.corpus,
            entities=tuple(profile for profile in snapshot.corpus.entities if profile.slug == entity_slug),
            announcements=tuple(announcements[entity_slug]),
            warnings=(),
            announcement_digests={},
        )
        catalog = build_catalog(one_entity, snapshot.build_date, snapshot.include_drafts)
        wanted = {urls.entity_url(entity_slug)} | {urls.announcement_url(a) for a in replacements.values() if a.entity_slug == entity_slug}
        for spec in page_specs(catalog):
            if spec.url in wanted:
                pages[urls.output_path(spec.url)] = snapshot.renderer.render(spec)
    return pages
