"""``certsite new``: start a new announcement file that an editor completes.

The file has everything that can be known up front; what only the editor knows
(the auditor, the text) is left empty, so ``certsite check`` points at exactly what
is still to be filled in.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from certsite.text import slugify


@dataclass(frozen=True, slots=True)
class NewAnnouncement:
    entity: str
    country: str
    standard_id: str
    standard_name: str
    day: date


def file_name(new: NewAnnouncement, entity_slug: str) -> str:
    return f"{new.day.isoformat()}-{entity_slug}.md"


def announcement_text(new: NewAnnouncement, entity_slug: str) -> str:
    """The new file's text: filled-in facts, empty required fields with comments saying what goes there."""
    slug_line = "" if slugify(new.entity) == entity_slug else f"entity_slug: {entity_slug}\n"
    return (
        "---\n"
        f"title: {_yaml_text(new.entity + ' certified against the ' + new.standard_name)}\n"
        f"date: {new.day.isoformat()}  # the announcement date; a later date than today is an embargo\n"
        "# summary:  # one plain sentence for listings and search (otherwise the text's first paragraph)\n"
        f"entity: {_yaml_text(new.entity)}\n"
        f"{slug_line}"
        "# group: parent company, if any\n"
        "location:\n"
        f"  country: \"{new.country}\"\n"
        "  # region: province or state\n"
        "  # city: city or town\n"
        "# facilities: [site names covered]\n"
        "# activities: [aluminium smelting, casting]\n"
        "# products: [aluminium ingot]\n"
        "certifications:\n"
        f"  - standard: {new.standard_id}\n"
        "    # edition: as announced, e.g. V3 (2022)\n"
        "    auditor:  # required: the certification body that audited\n"
        "    # certificate:  # the number as issued, e.g. ASI-PS-2024-017\n"
        "    # status: certified  # certified | provisional | suspended | withdrawn (default certified)\n"
        "    # valid_from: YYYY-MM-DD  # first day of validity\n"
        "    # valid_until: YYYY-MM-DD  # last day; without it the end date is derived from the standard's validity period\n"
        "    # scope: what the certification covers\n"
        "    # report: https:// address of the summary audit report\n"
        "    nonconformances:\n"
        "      minor: []  # criterion references, e.g. [\"5.1a-b\", \"9.8e\"]\n"
        "      major: []\n"
        "---\n"
        "\n"
    )


def _yaml_text(text: str) -> str:
    """Text as a YAML double-quoted string, which YAML never reads as anything else.

    >>> _yaml_text("- Foo: Metals"), _yaml_text("null")
    ('"- Foo: Metals"', '"null"')
    """
    return json.dumps(text, ensure_ascii=False)


class AlreadyExists(Exception):
    """The announcement file is there already; ``new`` never overwrites."""


class CannotWrite(Exception):
    """The file could not be written (a missing or read-only folder, say)."""


def create(certifications_dir: Path, new: NewAnnouncement, entity_slug: str) -> Path:
    """Write the new announcement file; raise ``AlreadyExists`` rather than overwrite."""
    path = certifications_dir / file_name(new, entity_slug)
    try:
        certifications_dir.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8") as handle:  # "x": fail if it exists, atomically
            handle.write(announcement_text(new, entity_slug))
    except FileExistsError:
        if not certifications_dir.is_dir():
            raise CannotWrite(f"{certifications_dir} is not a folder") from None
        raise AlreadyExists(str(path)) from None
    except OSError as error:
        raise CannotWrite(f"cannot write {path}: {error.strerror}") from error
    return path


def create_all(certifications_dir: Path, files: dict[str, str]) -> list[Path]:
    """Write new announcement files (``certsite import``), all or none: raise
    ``AlreadyExists`` rather than overwrite, and remove those written before a failure."""
    written: list[Path] = []
    try:
        certifications_dir.mkdir(parents=True, exist_ok=True)
        for name, text in sorted(files.items()):
            path = certifications_dir / name
            with path.open("x", encoding="utf-8") as handle:
                written.append(path)
                handle.write(text)
    except FileExistsError:
        _remove(written)
        raise AlreadyExists(str(certifications_dir / name)) from None
    except OSError as error:
        _remove(written)
        raise CannotWrite(f"cannot write into {certifications_dir}: {error.strerror}") from error
    return written


@contextmanager
def trial_register(content_dir: Path, files: dict[str, str]) -> Iterator[Path]:
    """A throwaway copy of the content folder with ``files`` added to its certifications/:
    ``certsite import`` checks it as a build would, before it writes into the register."""
    folder = Path(tempfile.mkdtemp(prefix="certsite-import-"))
    try:
        trial = folder / "content"
        shutil.copytree(content_dir, trial, symlinks=True, ignore=shutil.ignore_patterns(".*"))  # links stay links: load refuses them
        (trial / "certifications").mkdir(exist_ok=True)
        for name, text in files.items():
            (trial / "certifications" / name).write_text(text, encoding="utf-8")
        yield trial
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _remove(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)
