"""Index a written site with the Pagefind binary shipped in the pagefind-bin-extended wheel.

The extended build is the one that splits Chinese, Japanese and Korean text into
words on pages in those languages, so a register written in Chinese is searchable
word by word. On pages in other languages Pagefind keeps such a name as one word;
``render.search_suffixes`` then makes it findable by any part.

Pagefind runs in a process group of its own that dies with the build, however the
build ends (an error, Ctrl-C, the time limit, or SIGKILL on Linux).

Pagefind writes its filter files, and the list of filters and sorts in its
``pf_meta`` file, in hash-map order, so two runs over the same pages give different
bytes, different file names and a different ``pagefind-entry.json`` (Pagefind issue
638). ``reproducible_index`` works out the same files in sorted order, named after
their content the way Pagefind names them; ``publish`` writes them in place of
Pagefind's. This module only reads and runs: ``publish`` is the only writer.
"""

from __future__ import annotations

import ctypes
import gzip
import hashlib
import json
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from pagefind_bin_extended import get_executable

from certsite.errors import BuildError

INDEX_DIR = "pagefind"
TIMEOUT_SECONDS = 600


@dataclass(frozen=True, slots=True)
class SearchIndex:
    pages: int
    bytes: int


def index_site(site_dir: Path) -> dict[PurePosixPath, bytes | None]:
    """Run Pagefind over ``site_dir``, writing ``site_dir/pagefind/``; failures become ``BuildError``.

    Returns what ``publish`` must write (or, for ``None``, delete) under ``site_dir`` to
    make the index reproducible: see ``reproducible_index``.
    """
    try:
        executable = get_executable()
    except FileNotFoundError as error:
        raise BuildError(f"the Pagefind binary is missing ({error}); reinstall with 'make install'") from error
    command = [str(executable), "--site", str(site_dir), "--output-subdir", INDEX_DIR, "--quiet"]
    returncode, stdout, stderr = _run_in_own_group(command, TIMEOUT_SECONDS)
    if returncode != 0:
        raise BuildError(f"Pagefind failed (exit {returncode}):\n{stdout}{stderr}".rstrip())
    if not (site_dir / INDEX_DIR / "pagefind-entry.json").is_file():
        raise BuildError(f"Pagefind wrote no index into {site_dir / INDEX_DIR}")
    return {PurePosixPath(INDEX_DIR) / path: content for path, content in reproducible_index(site_dir / INDEX_DIR).items()}


def measure_index(site_dir: Path) -> SearchIndex:
    """How many pages the index at ``site_dir/pagefind/`` holds, and its size on disk."""
    index_dir = site_dir / INDEX_DIR
    pages = sum(language["page_count"] for language in json.loads((index_dir / "pagefind-entry.json").read_text("utf-8"))["languages"].values())
    size = sum(path.stat().st_size for path in index_dir.rglob("*") if path.is_file())
    return SearchIndex(pages, size)


# --- Pagefind in its own process group, dying with the build ---------------------------

_PR_SET_PDEATHSIG = 1


def _death_signal_setter():
    """On Linux, a function for the child (after fork, before exec) that asks the kernel
    to SIGKILL it when the build dies, even by SIGKILL, which no handler sees; else None.

    Everything is looked up here, before the fork, so the child runs only a C call and
    a comparison (``preexec_fn`` must not take locks another thread may hold).
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


def _run_in_own_group(command: list[str], timeout: float) -> tuple[int, str, str]:
    """Run ``command`` in a new session (so its own process group); kill the whole group
    if anything goes wrong here, including the time limit and KeyboardInterrupt."""
    try:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
            preexec_fn=_death_signal_setter(),  # noqa: PLW1509 (it makes one C call; see there)
        )
    except OSError as error:
        raise BuildError(f"Pagefind could not run: {error}") from error
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired as error:
        _kill_group(process)
        raise BuildError(f"Pagefind could not run: it took longer than {timeout:.0f} s and was stopped") from error
    except BaseException:
        _kill_group(process)
        raise
    return process.returncode, stdout, stderr


def _kill_group(process: subprocess.Popen[str]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)  # the group's id is Pagefind's pid (a new session)
    except (ProcessLookupError, PermissionError, AttributeError):  # gone already; no killpg (Windows)
        process.kill()
    try:
        process.communicate(timeout=10)
    except (subprocess.TimeoutExpired, ValueError, OSError):
        pass


# --- A reproducible index ---------------------------------------------------------------

_SIGNATURE = b"pagefind_dcd"


class _UnknownFormat(Exception):
    """Pagefind wrote something this module does not recognise."""


def reproducible_index(index_dir: Path) -> dict[PurePosixPath, bytes | None]:
    """What to write (``bytes``) and delete (``None``) under ``index_dir`` so that the
    same pages always give the same files.

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
        return _reproducible_index(index_dir)
    except (_UnknownFormat, OSError, ValueError, KeyError, TypeError, IndexError, UnicodeDecodeError):
        return {}


def _reproducible_index(index_dir: Path) -> dict[PurePosixPath, bytes | None]:
    entry = json.loads((index_dir / "pagefind-entry.json").read_text("utf-8"))
    writes: dict[PurePosixPath, bytes] = {}
    deletes: set[PurePosixPath] = set()
    for language in entry["languages"].values():
        meta_hash = language["hash"]
        prefix = meta_hash.rpartition("_")[0]
        meta_path = f"pagefind.{meta_hash}.pf_meta"
        meta = _read_chunk(index_dir / meta_path)
        if _named_hash(prefix, meta, len(prefix) + 8) != meta_hash or not (
            isinstance(meta, list) and len(meta) >= 5 and isinstance(meta[3], list) and isinstance(meta[4], list)
        ):
            raise _UnknownFormat(meta_path)
        filters, taken = [], set()
        for filter_name, old_hash in sorted(meta[3]):  # [filter name, file's hash] pairs, by name
            old_path = f"filter/{old_hash}.pf_filter"
            chunk = _read_chunk(index_dir / old_path)
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


def _read_chunk(path: Path):
    data = gzip.decompress(path.read_bytes())
    if not data.startswith(_SIGNATURE):
        raise _UnknownFormat(path.name)
    value, end = _cbor_decode(data, len(_SIGNATURE))
    if end != len(data) or _cbor_encode(value) != data[len(_SIGNATURE) :]:
        raise _UnknownFormat(path.name)
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
