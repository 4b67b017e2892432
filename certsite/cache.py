"""The build cache: work an earlier build did, reused when everything it depended on is
the same.

Two kinds of entries, each under a key that is a digest of all its inputs (see
``fingerprint``): announcements as parsed and validated, keyed by the file's path and
bytes, the standards and certsite's code; and rendered pages, keyed by the page's
template, context and code (with a record of which of them search indexes, and the
search index itself, under the same keys). A key that matches is the same work, so a hit can never be
stale; anything else is a miss and is redone. That makes the folder safe to delete at
any time, and safe to keep between builds (Netlify keeps it: see netlify.toml).

A build killed halfway leaves nothing half-written: a page is kept by a hard link to
the file the build wrote, which appears whole, and every other file (records, a page
copied where there are no links) is written under a temporary name and renamed into
place; an entry is only ever looked up by its full key. Temporary files left by a
killed build are removed by the next one.

The cache holds the last build's entries only: each build removes the pages and
announcements it did not use, so the folder stays the size of one site.

Entries are read with a restricted unpickler that builds only certsite's records,
dates, paths and built-in containers: a folder planted in the project (the cache is
never committed; ``certsite init`` ignores it in .gitignore) cannot run code.
"""

from __future__ import annotations

import io
import os
import pickle
import re
import secrets
import shutil
from collections.abc import Callable, Iterator
from enum import Enum
from pathlib import Path
from typing import Any

# A new layout gets a new folder; an old one is never read, and is deleted.
LAYOUT = "v2"
DEFAULT_FOLDER = ".certsite-cache"
_TEMPORARY = ".tmp-"
# Files a sharded record is split over (see ``store_sharded``).
SHARDS = 16

_ALLOWED_GLOBALS = {
    ("builtins", name) for name in ("tuple", "list", "dict", "set", "frozenset", "str", "bytes", "int", "bool")
} | {
    ("datetime", "date"),
    ("pathlib", "PosixPath"),
    ("pathlib", "PurePosixPath"),
    ("pathlib", "WindowsPath"),
    ("pathlib", "PureWindowsPath"),
    ("copyreg", "_reconstructor"),
    ("builtins", "object"),
}
_ALLOWED_MODULES = ("certsite.model", "certsite.errors", "certsite.load")


def _enum_member(kind: Any, name: str) -> Any:
    """What pickle's ``getattr`` may do here: name a member of one of certsite's enums
    (how enum members are pickled), and nothing else: any attribute of anything would
    lead from a class to its module's globals, and on to code."""
    if isinstance(kind, type) and issubclass(kind, Enum) and kind.__module__ in _ALLOWED_MODULES and name in kind.__members__:
        return kind[name]
    raise pickle.UnpicklingError(f"{name!r} is not a member of one of certsite's enums")


class _RestrictedUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == ("builtins", "getattr"):
            return _enum_member
        if (module, name) in _ALLOWED_GLOBALS:
            return super().find_class(module, name)
        # Only a class that the module itself defines, named plainly: pickle follows dots
        # in a name ("os.system" from a module that imports os).
        if module in _ALLOWED_MODULES and "." not in name and not name.startswith("_"):
            found = super().find_class(module, name)
            if isinstance(found, type) and found.__module__ == module:
                return found
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in the cache")


class Cache:
    """One cache folder; ``Cache(None)`` is a cache that never hits and never writes."""

    def __init__(self, folder: Path | None, records_in_memory: bool = False) -> None:
        self.enabled = folder is not None
        # A long-running process (the preview) keeps the records it read or stored in
        # memory, rather than reading and writing the whole file on every change.
        self._memory: dict[str, dict[bytes, Any]] | None = {} if records_in_memory else None
        self._shard_keys: dict[str, set[bytes]] = {}  # the keys of each shard as read or written (see store_sharded)
        # Why the build's own process could not write the cache, if it could not: the build
        # goes on without it, and says so (a cache never written makes every build cold).
        self.unwritable: str | None = None
        # Made when first written to, so that a build that fails writes nothing at all.
        self.root = folder / LAYOUT if folder is not None else None
        if self.root is not None and self.root.is_dir():
            _remove_temporaries(self.root)

    # --- records: one file of entries by key ---------------------------------------

    def records(self, name: str) -> dict[bytes, Any]:
        """The entries stored under ``name``; empty when absent, unreadable or from another version."""
        if self.root is None:
            return {}
        if self._memory is not None and name in self._memory:
            return self._memory[name]
        try:
            with open(self.root / f"{name}.pickle", "rb") as handle:
                value = _RestrictedUnpickler(io.BufferedReader(handle)).load()
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError, TypeError, IndexError, ImportError, MemoryError):
            value = {}
        value = value if isinstance(value, dict) else {}
        if self._memory is not None:
            self._memory[name] = value
        return value

    def store_records(self, name: str, entries: dict[bytes, Any]) -> None:
        if self.root is None:
            return
        if self._memory is not None:
            self._memory[name] = entries
            return
        data = pickle.dumps(entries, protocol=pickle.HIGHEST_PROTOCOL)
        try:
            if not self.root.is_dir():
                self.root.mkdir(parents=True, exist_ok=True)
                _remove_old_layouts(self.root.parent)  # by a build that got as far as writing its cache
        except OSError as error:
            self.unwritable = error.strerror or str(error)
            return  # an unwritable cache is no cache
        self._write_atomically(self.root / f"{name}.pickle", data)

    # --- sharded records: one set of entries kept in several files -----------------

    def sharded_records(self, name: str, usable: Callable[[Any], bool] | None = None) -> dict[bytes, Any]:
        """The entries stored under ``name`` by ``store_sharded``: only those ``usable``
        accepts, when given. A file holding any other is written again by the next
        ``store_sharded``, as if those keys were missing."""
        merged: dict[bytes, Any] = {}
        for shard in range(SHARDS):
            entries = self.records(_shard_name(name, shard))
            if usable is not None:
                entries = {key: value for key, value in entries.items() if usable(value)}
            self._shard_keys[_shard_name(name, shard)] = set(entries)
            merged.update(entries)
        return merged

    def store_sharded(self, name: str, entries: dict[bytes, Any]) -> None:
        """Store ``entries`` split by key over ``SHARDS`` files, writing only the files
        whose keys are not those read by ``sharded_records``: a key names its entry's
        inputs, so the same keys are the same entries. One announcement edited in a
        register of 10,000 rewrites two files of about 3 MB, not one of 45 MB."""
        for _ in self.storing_sharded(name, entries):
            pass

    def storing_sharded(self, name: str, entries: dict[bytes, Any]) -> Iterator[None]:
        """``store_sharded`` a file at a step, for a process that has other work to
        interleave (see ``build``)."""
        by_shard: dict[int, dict[bytes, Any]] = {shard: {} for shard in range(SHARDS)}
        for key, value in entries.items():
            by_shard[key[0] % SHARDS][key] = value
        for shard, shard_entries in by_shard.items():
            if self._shard_keys.get(_shard_name(name, shard)) != set(shard_entries):
                self.store_records(_shard_name(name, shard), shard_entries)
                self._shard_keys[_shard_name(name, shard)] = set(shard_entries)
                yield

    # --- pages: one file per rendered page -----------------------------------------

    # A page is looked up and stored once per page of every build (17,000 at 10,000
    # announcements), so its path is made as a string, without pathlib.

    def page_file(self, key: str) -> Path | None:
        """The stored page for ``key``, if there is one."""
        if self.root is None:
            return None
        path = f"{self.root}/pages/{key[:2]}/{key}"
        return Path(path) if os.path.isfile(path) else None

    def store_page(self, key: str, written: Path) -> None:
        """Keep the page just written at ``written`` under ``key``: a hard link, which
        appears whole; where the file system has none, or something other than a file is
        under the key, a link or a copy made under a temporary name and put in its place."""
        if self.root is None or not key:
            return
        folder = f"{self.root}/pages/{key[:2]}"
        target = f"{folder}/{key}"
        try:
            try:
                os.link(written, target)
            except FileNotFoundError:  # the folder's first page
                os.makedirs(folder, exist_ok=True)
                os.link(written, target)
            return
        except FileExistsError:
            if os.path.isfile(target):
                return  # stored meanwhile under the same key, so the same page
        except OSError:
            pass
        temporary = Path(folder, f"{_TEMPORARY}{secrets.token_hex(8)}")
        try:
            try:
                os.link(written, temporary)
            except OSError:
                shutil.copyfile(written, temporary)
            os.replace(temporary, target)
        except OSError:
            _unlink_quietly(temporary)

    def keep_only_pages(self, keys: set[str]) -> None:
        """Remove every stored page not in ``keys``: the cache holds one site's pages."""
        pages = self.root / "pages" if self.root is not None else None
        if pages is None or not pages.is_dir():
            return
        try:
            entries = list(pages.iterdir())
        except OSError:
            return
        for entry in entries:
            try:
                inside = list(entry.iterdir()) if entry.is_dir() and not entry.is_symlink() else [entry]  # anything else is not ours
            except OSError:
                continue
            for path in inside:
                if path.name not in keys:
                    _unlink_quietly(path)

    def _write_atomically(self, path: Path, data: bytes) -> None:
        temporary = path.with_name(f"{_TEMPORARY}{secrets.token_hex(8)}")
        try:
            with open(temporary, "wb") as handle:
                handle.write(data)
            os.replace(temporary, path)
        except OSError as error:
            self.unwritable = error.strerror or str(error)
            _unlink_quietly(temporary)


def _shard_name(name: str, shard: int) -> str:
    return f"{name}-{shard:02d}"


def _remove_old_layouts(folder: Path) -> None:
    """Delete what earlier versions of certsite kept in ``folder`` (``v1/`` before this
    layout): never read again. Only an older layout than this one (another checkout may
    run a newer certsite on the same folder), and only a folder that holds nothing but
    what a cache holds, since ``--cache`` may name a folder that is not certsite's alone."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    current = int(LAYOUT[1:])
    for entry in entries:
        older = re.fullmatch(r"v([0-9]{1,4})", entry.name) is not None and int(entry.name[1:]) < current
        if older and entry.is_dir(follow_symlinks=False) and _holds_a_cache(Path(entry.path)):
            shutil.rmtree(entry.path, ignore_errors=True)


def _holds_a_cache(folder: Path) -> bool:
    """Records, a folder of pages, hidden files (temporary files, a Finder's .DS_Store)."""
    try:
        return all(
            (entry.name == "pages" and entry.is_dir(follow_symlinks=False)) or entry.name.endswith(".pickle") or entry.name.startswith(".")
            for entry in os.scandir(folder)
        )
    except OSError:
        return False


def _remove_temporaries(root: Path) -> None:
    for path in [*root.glob(f"{_TEMPORARY}*"), *root.glob(f"pages/*/{_TEMPORARY}*")]:
        _unlink_quietly(path)


def _unlink_quietly(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass
