"""Digests of plain data: equal digests mean equal inputs, so cached work can be reused.

A page is a pure function of its template (and the templates it includes), the code
that renders it and the data in its context. ``Digests.of`` hashes that data by value,
walking records, tuples, lists and dicts down to strings, numbers and dates; records
and tuples are frozen and shared between pages, so each one's digest is worked out
once per build and remembered by identity. Anything it does not know is an error, not
a guess: a value the digest cannot see is a page that could be served stale.

``code_digest`` covers the rest: certsite's own source files and the versions of the
libraries whose output ends up in pages (Jinja, Markdown, Babel's CLDR data, YAML).
"""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import date
from enum import Enum
from functools import cache
from importlib import metadata
from pathlib import Path, PurePath

from markupsafe import Markup

from certsite.model import Announcement

DIGEST_SIZE = 20
# The libraries whose behaviour shapes what a page says, and Pagefind, which makes the index.
_LIBRARIES = ("Jinja2", "MarkupSafe", "Markdown", "pymdown-extensions", "Babel", "PyYAML", "pagefind", "pagefind_bin_extended")


def digest_bytes(*parts: bytes) -> bytes:
    hasher = hashlib.blake2b(digest_size=DIGEST_SIZE)
    for part in parts:
        hasher.update(len(part).to_bytes(8, "little"))
        hasher.update(part)
    return hasher.digest()


@cache
def code_digest() -> bytes:
    """certsite's source and the versions of the libraries it renders with: a change to
    either (an upgrade, or an edit in a checkout) makes every cached result unusable."""
    package = Path(__file__).resolve().parent
    parts = [path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes() for path in sorted(package.glob("*.py"))]
    for library in _LIBRARIES:
        try:
            parts.append(f"{library}=={metadata.version(library)}".encode())
        except metadata.PackageNotFoundError:
            parts.append(f"{library} missing".encode())
    return digest_bytes(*parts)


class Digests:
    """Digests of values, remembering those of records, tuples and dicts by identity.

    One instance per build (or per worker process): the objects it remembers stay
    alive in it, so an identity is never reused for another object while it runs.
    """

    def __init__(self) -> None:
        self._known: dict[int, tuple[object, bytes]] = {}

    def remember(self, value: object, digest: bytes) -> None:
        """Take ``digest`` as ``value``'s: for a record that is a pure function of inputs
        already digested (an announcement of its file, the standards and the code)."""
        self._known[id(value)] = (value, digest)

    def remember_announcement(self, announcement: Announcement, digest: bytes) -> None:
        """Take ``digest`` (of the announcement's file, the standards and the code) as the
        announcement's, and derive from it those of the parts pages show on their own:
        its certifications and their findings."""
        # The parts' digests are the announcement's joined with their fixed-length
        # positions: as distinct as digests, without hashing again.
        self.remember(announcement, digest)
        for position, certification in enumerate(announcement.certifications):
            part = digest + b"c" + position.to_bytes(4, "little")
            self.remember(certification, part)
            if certification.nonconformances:  # every empty tuple is one shared object: it keeps its own digest
                self.remember(certification.nonconformances, part + b"n")
            for index, nonconformance in enumerate(certification.nonconformances):
                self.remember(nonconformance, part + b"f" + index.to_bytes(4, "little"))

    def of(self, value: object) -> bytes:
        known = self._known.get(id(value))
        if known is not None and known[0] is value:
            return known[1]
        hasher = hashlib.blake2b(digest_size=DIGEST_SIZE)
        self._feed(hasher, value)
        result = hasher.digest()
        if type(value) is tuple or type(value) is dict or _fields(type(value)) is not None:
            self._known[id(value)] = (value, result)
        return result

    def _feed(self, hasher, value: object) -> None:  # noqa: C901 - one branch per kind of value
        kind = type(value)
        if kind is str or kind is Markup:
            encoded = value.encode("utf-8", "surrogatepass")  # type: ignore[union-attr]
            hasher.update(b"s" if kind is str else b"m")
            hasher.update(len(encoded).to_bytes(8, "little"))
            hasher.update(encoded)
        elif value is None or kind is bool or kind is int:
            hasher.update(b"v" + repr(value).encode() + b";")
        elif kind is date:
            hasher.update(b"d" + value.isoformat().encode())  # type: ignore[union-attr]
        elif kind is tuple or kind is list:
            hasher.update(b"(" if kind is tuple else b"[")
            hasher.update(len(value).to_bytes(8, "little"))  # type: ignore[arg-type]
            for item in value:  # type: ignore[union-attr]
                self._item(hasher, item)
        elif kind is dict:
            # In insertion order: a template iterating the dict shows it in that order.
            hasher.update(b"{" + len(value).to_bytes(8, "little"))  # type: ignore[arg-type]
            for key, item in value.items():  # type: ignore[union-attr]
                self._item(hasher, key)
                self._item(hasher, item)
        elif (names := _fields(kind)) is not None:
            hasher.update(f"r{kind.__module__}.{kind.__qualname__}".encode())
            for name in names:
                self._item(hasher, getattr(value, name))
        elif isinstance(value, Enum):
            hasher.update(f"e{kind.__qualname__}.{value.name};".encode())
        elif isinstance(value, PurePath):
            self._feed(hasher, value.as_posix())
        else:
            raise TypeError(f"no digest for a {kind.__qualname__}: say how to hash it in certsite/fingerprint.py")

    def _item(self, hasher, item: object) -> None:
        kind = type(item)
        if kind is str or kind is int or item is None or kind is bool or kind is date or isinstance(item, Enum):
            self._feed(hasher, item)
        elif kind is tuple or kind is dict or kind is list or _fields(kind) is not None:
            hasher.update(b"#" + self.of(item))  # ``of`` walks a list too, unless it was remembered (see PageSpec.derived)
        else:
            self._feed(hasher, item)


# Field names of each dataclass met so far (None: not a dataclass).
_FIELDS: dict[type, tuple[str, ...] | None] = {}


def _fields(kind: type) -> tuple[str, ...] | None:
    try:
        return _FIELDS[kind]
    except KeyError:
        names = tuple(field.name for field in dataclasses.fields(kind)) if dataclasses.is_dataclass(kind) else None
        _FIELDS[kind] = names
        return names
