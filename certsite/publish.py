"""Write a rendered site to disk: the only module that writes output.

Everything goes into a staging folder beside the output; only when all of it is
written (and indexed for search) is the staging folder swapped in. A failure at any
point removes the staging folder and leaves the previous output exactly as it was.

How the swap works, and why: on Linux, one ``renameat2(RENAME_EXCHANGE)`` call swaps
the staging folder and the output folder atomically. At every instant the output path
holds either the whole previous site or the whole new one, so a crash or SIGKILL at any
moment leaves one of the two; the previous site, now under the staging name, is then
deleted. The output stays a real folder (not a symlink to a versioned folder), so
Netlify's ``publish = "site"``, ``certsite serve``, other static hosts and anything that
copies or uploads ``site/`` see what they always saw. Where the exchange is not
available (not Linux, a C library without ``renameat2``, a file system that refuses
it) the swap falls back to two renames, with an instant between them with no site at
the output path: a crash there leaves the previous site in ``.<output>-previous-*``
beside it, which the next successful build removes. The first build is one rename.

With a cache (see ``publish``'s ``recycle``), the site replaced is not deleted but
kept beside the output as ``.<output>-spare``, and the next build brings that folder up
to date instead of writing a new one: at 10,000 announcements, making 15,000 folders
and deleting as many costs about 4 s, more than everything else in a build where
little changed. Recycling changes nothing of the above: the spare is claimed by
locking its marker and one rename (two builds at once cannot both have it; a symbolic
link named like it is never followed), filled as a staging folder, checked file by file
(see ``recycled_files``) and swapped in whole.

Every folder a build makes beside the output (``.<output>-staging-*``, and in the
fallback ``.<output>-previous-*``) gets the ``MARKER`` file first thing, and keeps an
advisory lock on it while the build runs. The next build deletes any such folder left
by a build that was killed (marker present, no lock held), the marker last, and never a
folder without the marker (only an empty one, which a kill in the instant after making
the folder, or before removing it, leaves behind).
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import secrets
import shutil
import stat
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from certsite.errors import BuildError

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; leftovers are still recognised by the marker
    fcntl = None

# Written into every published site, so that a later build knows the folder is one of
# its own and may replace it; and first of all into every staging folder, so that a
# later build knows a leftover of a killed build as its own. Netlify publishes it too;
# it says only that.
MARKER = ".certsite-output"
MARKER_TEXT = b"Built by certsite; a later build may replace this folder.\n"
# The folders a build makes beside the output ``site``: ``.site-staging-*``, ``.site-previous-*``.
LEFTOVER_KINDS = ("staging", "previous")


def check_output_dir(output_dir: Path, sources: list[Path], workdir: Path) -> None:
    """Refuse an output folder whose replacement would destroy anything but an earlier build.

    The output may not be, contain or lie inside a source folder (content, templates),
    nor be or contain the working folder.
    """
    try:
        _check_output_dir(output_dir, sources, workdir)
    except (OSError, RuntimeError) as error:  # a name too long, a symlink loop
        raise BuildError(f"cannot use {output_dir} as the output folder: {error}") from error


def _check_output_dir(output_dir: Path, sources: list[Path], workdir: Path) -> None:
    output_dir = output_dir.resolve()
    for folder in [*sources, workdir]:
        folder = folder.resolve()
        if folder.is_relative_to(output_dir):
            raise BuildError(f"refusing to publish into {output_dir}: it would replace {folder}; choose another --output")
    for folder in sources:
        if output_dir.is_relative_to(folder.resolve()):
            raise BuildError(f"refusing to publish into {output_dir}: it lies inside {folder}; choose another --output")
    if output_dir.exists():
        if not output_dir.is_dir():
            raise BuildError(f"refusing to publish into {output_dir}: it is a file; choose another --output")
        if any(output_dir.iterdir()) and not (output_dir / MARKER).is_file():
            raise BuildError(f"refusing to replace {output_dir}: it is not empty and was not built by certsite; choose another --output, or empty it first")


def publish(
    fill: Callable[[Path, bool], set[PurePosixPath]],
    static_dirs: tuple[Path, ...],
    output_dir: Path,
    sources: list[Path],
    workdir: Path,
    recycle: bool = False,
) -> None:
    """Have ``fill`` write the site, search index included, into a staging folder (through
    ``write_file``, ``write_tree`` and ``place_file``), add the files of ``static_dirs``
    (as ``/static/``; a later folder's file replaces an earlier one's), and swap it in
    for ``output_dir``: all or nothing.

    ``recycle``: keep the replaced site as the spare, and start from the spare left by
    an earlier build when there is one. ``fill(staging, in_place)`` then hears that the
    staging folder holds that older site: it must replace files rather than write into
    them (a page there may be a link to the cache's copy, or to the published site's),
    and returns the paths it wrote; every other file but /static/'s is removed. Without
    ``recycle``, a spare left by an earlier build is deleted.
    """
    check_output_dir(output_dir, sources, workdir)
    output_dir = output_dir.resolve()
    if not recycle:
        _remove_spare(output_dir)
    spare = _claim_spare(output_dir) if recycle else None
    if spare is not None:
        staging, lock, earlier = spare
        try:
            _fill_and_swap(fill, static_dirs, output_dir, recycle, staging, lock, earlier)
            return
        except OSError:
            pass  # a spare this build cannot bring up to date (a file where it needs a folder): it is gone; start afresh
    try:
        output_dir.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=_leftover_prefix(output_dir, "staging"), dir=output_dir.parent))
    except OSError as error:
        raise BuildError(f"could not create the output folder beside {output_dir}: {error}") from error
    try:
        _fill_and_swap(fill, static_dirs, output_dir, recycle, staging, None, None)
    except OSError as error:
        raise BuildError(f"could not write the site: {error}") from error


def _fill_and_swap(
    fill: Callable[[Path, bool], set[PurePosixPath]],
    static_dirs: tuple[Path, ...],
    output_dir: Path,
    recycle: bool,
    staging: Path,
    lock: int | None,
    earlier: set[str] | None,
) -> None:
    """Fill ``staging`` (new, or the spare holding the files ``earlier``) and swap it in;
    on any failure, remove it and raise."""
    try:
        lock = _claim(staging) if lock is None else lock
        remove_leftovers(output_dir, keep=staging)
        written = fill(staging, earlier is not None)
        refresh_static(static_dirs, staging)
        if earlier is not None:
            _remove_unwritten(staging, earlier, {path.as_posix() for path in written})
        _swap_in(staging, output_dir, keep_spare=recycle)
    except BaseException:
        _remove_own(staging)
        raise
    finally:
        if lock is not None:
            os.close(lock)


def _remove_unwritten(staging: Path, earlier: set[str], written: set[str]) -> None:
    """Remove the files of a recycled spare that this build did not write (but the
    marker, and /static/, which ``refresh_static`` keeps as it should be)."""
    # On a file system that ignores case (macOS's, by default), "News/x/index.html" of the
    # spare may be the very file just written as "news/x/index.html".
    folded = {name.casefold(): name for name in written}
    for name in sorted(earlier - written - {MARKER}):
        if name.startswith("static/"):
            continue
        twin = folded.get(name.casefold())
        if twin is not None and _same_entry(staging / name, staging / twin):
            continue
        remove_file(staging, PurePosixPath(name))


def _same_entry(one: Path, other: Path) -> bool:
    try:
        first, second = os.lstat(one), os.lstat(other)
    except OSError:
        return False
    return (first.st_dev, first.st_ino) == (second.st_dev, second.st_ino)


def _spare(output_dir: Path) -> Path:
    return output_dir.parent / f".{output_dir.name}-spare"


def _take_spare(output_dir: Path) -> tuple[Path, int] | None:
    """The spare, locked and renamed to a staging folder of this build; None when there
    is none, another build has it, or it is not plainly certsite's: a real folder (never
    a symbolic link: a pull request could commit one named like the spare, pointing
    anywhere) holding the marker."""
    spare = _spare(output_dir)
    try:
        before = os.lstat(spare)
    except OSError:
        return None
    if not stat.S_ISDIR(before.st_mode):
        return None
    # Locked before the rename (the lock stays with the marker), so that no other build
    # takes the folder under its staging name for a killed build's leftover meanwhile.
    lock = _lock_marker(spare)
    if lock is None:
        return None
    staging = output_dir.parent / f"{_leftover_prefix(output_dir, 'staging')}{secrets.token_hex(4)}"
    try:
        os.rename(spare, staging)
        after = os.lstat(staging)
    except OSError:
        os.close(lock)
        return None
    if (after.st_dev, after.st_ino) != (before.st_dev, before.st_ino) or not stat.S_ISDIR(after.st_mode):
        os.close(lock)
        return None
    return staging, lock


def _claim_spare(output_dir: Path) -> tuple[Path, int, set[str]] | None:
    """The spare (see ``_take_spare``) with the files it holds; None, and the spare
    deleted, if it holds anything but folders and regular files."""
    taken = _take_spare(output_dir)
    if taken is None:
        return None
    staging, lock = taken
    files = recycled_files(staging)
    if files is None:
        _remove_own(staging)
        os.close(lock)
        return None
    return staging, lock, files


def recycled_files(folder: Path) -> set[str] | None:
    """Every file under ``folder``, as a path relative to it with "/" between names; None
    if anything there is neither a folder nor a regular file: a symbolic link could
    make a write land outside the output."""
    files: set[str] = set()
    pending = [(str(folder), "")]
    try:
        while pending:
            here, prefix = pending.pop()
            with os.scandir(here) as entries:
                for entry in entries:
                    if entry.is_dir(follow_symlinks=False):
                        pending.append((entry.path, f"{prefix}{entry.name}/"))
                    elif entry.is_file(follow_symlinks=False):
                        files.add(prefix + entry.name)
                    else:
                        return None
    except OSError:
        return None
    return files


def _lock_marker(folder: Path) -> int | None:
    """Lock the marker already in ``folder`` (as ``_claim`` locks a new one); None if it cannot be."""
    try:
        descriptor = os.open(folder / MARKER, os.O_RDWR | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    if fcntl is not None:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(descriptor)
            return None
    return descriptor


def _remove_spare(output_dir: Path) -> None:
    taken = _take_spare(output_dir)  # under a name the next build cleans up, should this one die
    if taken is not None:
        _remove_own(taken[0])
        os.close(taken[1])


def _retire(old_site: Path, output_dir: Path, keep_spare: bool) -> None:
    """Delete the site just replaced, or keep it as the spare (unless another build left one meanwhile)."""
    if keep_spare and not os.path.lexists(_spare(output_dir)):
        try:
            os.rename(old_site, _spare(output_dir))
            return
        except OSError:
            pass
    _remove_own(old_site)


def write_tree(outputs: dict[PurePosixPath, bytes], root: Path, in_place: bool = False) -> None:
    """Write each output under ``root``, refusing any path that would land outside it.

    ``in_place``: ``root`` holds an earlier site; a file that already has its bytes is
    left as it is, any other replaced (``replace_file``)."""
    for relative, content in sorted(outputs.items()):
        if not in_place:
            write_file(root, relative, content)
        elif not _holds(_target(root, relative), content):
            replace_file(root, relative, content)


def _holds(path: Path, content: bytes) -> bool:
    try:
        info = os.lstat(path)
        return stat.S_ISREG(info.st_mode) and info.st_size == len(content) and path.read_bytes() == content
    except OSError:
        return False


def write_file(root: Path, relative: PurePosixPath, content: bytes) -> Path:
    """Write one output under ``root`` (a new file, never one changed in place); return its path."""
    target = _target(root, relative)
    # With os rather than pathlib: a build writes 17,000 files at 10,000 announcements.
    path = os.fspath(target)
    folder = os.path.dirname(path) or "."
    try:
        os.mkdir(folder)  # a page's own folder is new
    except FileExistsError:
        pass
    except FileNotFoundError:
        os.makedirs(folder, exist_ok=True)
    descriptor = os.open(path, _WRITE_NEW, 0o666)
    try:
        left = memoryview(content)
        while left:
            left = left[os.write(descriptor, left) :]
    finally:
        os.close(descriptor)
    return target


_WRITE_NEW = os.O_WRONLY | os.O_CREAT | os.O_TRUNC


def replace_file(root: Path, relative: PurePosixPath, content: bytes) -> Path:
    """Write one output in place of the file at ``relative`` under ``root``, in one step:
    a reader gets the old file or the new one, never half of it, and another link to the
    old file (the cache's copy of a page) keeps the old bytes."""
    target = _target(root, relative)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.parent / f".replacing-{secrets.token_hex(8)}"
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # as write_file's, under the umask
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(content)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    return target


def place_file(root: Path, relative: PurePosixPath, source: Path, in_place: bool = False) -> bool:
    """Put a copy of ``source`` at ``relative`` under ``root`` (a hard link where the file
    system allows); ``False`` if ``source`` is gone. ``in_place``: in place of the file
    there, in one step (as ``replace_file``)."""
    target = _target(root, relative)
    target.parent.mkdir(parents=True, exist_ok=True)
    placed = target.parent / f".replacing-{secrets.token_hex(8)}" if in_place else target
    try:
        os.link(source, placed)
    except FileNotFoundError:
        return False
    except OSError:
        try:
            shutil.copyfile(source, placed)
        except FileNotFoundError:
            return False
    if in_place:
        os.replace(placed, target)
    return True


def remove_file(root: Path, relative: PurePosixPath) -> None:
    """Remove the output at ``relative`` under ``root``, and the folders it leaves empty."""
    target = _target(root, relative)
    with contextlib.suppress(FileNotFoundError):
        target.unlink()
    for folder in target.parents:
        if folder == root:
            break
        try:
            folder.rmdir()  # only if empty
        except OSError:
            break


def refresh_static(static_dirs: tuple[Path, ...], root: Path) -> None:
    """Make ``root``'s /static/ hold the files of ``static_dirs`` as ``publish`` adds them
    (a later folder's file over an earlier one's), and no other file."""
    static = root / "static"
    wanted: set[Path] = set()
    for static_dir in static_dirs:
        if static_dir.is_dir():
            shutil.copytree(static_dir, static, dirs_exist_ok=True)
            wanted.update(static / path.relative_to(static_dir) for path in static_dir.rglob("*") if not path.is_dir())
    if static.is_dir():
        for path in sorted(static.rglob("*"), reverse=True):  # files before their folders
            if path.is_dir() and not path.is_symlink():
                with contextlib.suppress(OSError):
                    path.rmdir()  # only if empty
            elif path not in wanted:
                path.unlink()


def place_tree(root: Path, relative: PurePosixPath, source: Path, in_place: bool = False) -> set[PurePosixPath]:
    """Put a copy of the folder ``source`` (its regular files) at ``relative`` under
    ``root`` (``in_place``: as ``place_file``'s); return the paths placed."""
    placed = set()
    for path in sorted(source.rglob("*")):
        if path.is_file() and not path.is_symlink():
            target = relative / path.relative_to(source).as_posix()
            if place_file(root, target, path, in_place):
                placed.add(target)
    return placed


def replace_folder(new: Path, current: Path) -> None:
    """Put the folder ``new`` where ``current`` is, in one step where the system allows
    (readers see the old folder or the new one), and remove the old one."""
    if os.path.lexists(current) and _exchange(new, current):
        shutil.rmtree(new, ignore_errors=True)  # the old folder, now under the new one's name
        return
    shutil.rmtree(current, ignore_errors=True)
    os.replace(new, current)


def _target(root: Path, relative: PurePosixPath) -> Path:
    """Where ``relative`` lands under ``root``; ``BuildError`` for a path that would leave it."""
    if relative.is_absolute() or ".." in relative.parts or not relative.parts:
        raise BuildError(f"refusing to write {relative}: it is outside the output folder")
    return root / relative


def _leftover_prefix(output_dir: Path, kind: str) -> str:
    return f".{output_dir.name}-{kind}-"


def _claim(folder: Path) -> int:
    """Write the marker into a new ``folder`` and lock it for as long as the build runs;
    return the descriptor to close at the end."""
    descriptor = os.open(folder / MARKER, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        os.write(descriptor, MARKER_TEXT)
        if fcntl is not None:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BaseException:
        os.close(descriptor)
        raise
    return descriptor


def _has_marker(folder: Path) -> bool:
    try:
        return stat.S_ISREG(os.lstat(folder / MARKER).st_mode)
    except OSError:
        return False


def remove_leftovers(output_dir: Path, keep: Path | None = None) -> list[Path]:
    """Delete what killed builds left beside ``output_dir``; return what was deleted.

    Only folders named as a build names them and holding the marker (or, as certsite
    0.1 left its previous sites, holding only such a site under the output's name), and
    only when no running build holds their lock; an empty folder so named is removed too.
    ``keep`` is the calling build's own staging folder.
    """
    removed = []
    prefixes = tuple(_leftover_prefix(output_dir, kind) for kind in LEFTOVER_KINDS)
    try:
        entries = [Path(entry.path) for entry in os.scandir(output_dir.parent) if entry.name.startswith(prefixes) and entry.is_dir(follow_symlinks=False) and Path(entry.path) != keep]
    except OSError:
        return removed
    for folder in sorted(entries):
        try:
            if not any(folder.iterdir()):
                folder.rmdir()
                removed.append(folder)
                continue
            own = folder
            if not _has_marker(folder):
                inside = list(folder.iterdir())
                own = folder / output_dir.name
                if inside != [own] or own.is_symlink() or not _has_marker(own):
                    continue  # not certsite's: leave it alone
            if _in_use(own):
                continue  # a build that is still running
            _remove_own(own)
            if own != folder:
                folder.rmdir()
            removed.append(folder)
        except OSError:
            continue
    return removed


def _in_use(folder: Path) -> bool:
    if fcntl is None:
        return False
    try:
        descriptor = os.open(folder / MARKER, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return False
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(descriptor)  # closing releases the lock
    return False


def _remove_own(folder: Path) -> None:
    """Delete one of certsite's folders, the marker last, so that a kill halfway leaves
    a folder the next build still knows as its own. Never through a symbolic link."""
    try:
        if not stat.S_ISDIR(os.lstat(folder).st_mode):
            return
        children = list(os.scandir(folder))
    except OSError:
        return
    for child in children:
        if child.name == MARKER:
            continue
        if child.is_dir(follow_symlinks=False):
            shutil.rmtree(child.path, ignore_errors=True)
        else:
            try:
                os.unlink(child.path)
            except OSError:
                pass
    try:
        os.unlink(folder / MARKER)
    except OSError:
        pass
    try:
        folder.rmdir()
    except OSError:
        pass


def _swap_in(staging: Path, output_dir: Path, keep_spare: bool) -> None:
    # mkdtemp makes the folder 0700; a published site must be readable by the web server.
    os.chmod(staging, 0o755)
    if not os.path.lexists(output_dir) or (output_dir.is_dir() and not output_dir.is_symlink() and not any(output_dir.iterdir())):
        os.replace(staging, output_dir)  # the first build: one rename (over an empty folder too)
        return
    # The previous site's marker is locked until it is the spare (or gone), so that no
    # other build takes it, under the staging name, for a killed build's leftover.
    previous_lock = _lock_marker(output_dir)
    try:
        _exchange_in(staging, output_dir, keep_spare)
    finally:
        if previous_lock is not None:
            os.close(previous_lock)


def _exchange_in(staging: Path, output_dir: Path, keep_spare: bool) -> None:
    if _exchange(staging, output_dir):
        _retire(staging, output_dir, keep_spare)  # the previous site, now under the staging name
        return
    # The fallback: two renames, with no site at the output path for the instant between them.
    retired = output_dir.parent / f"{_leftover_prefix(output_dir, 'previous')}{secrets.token_hex(4)}"
    os.rename(output_dir, retired)
    try:
        os.replace(staging, output_dir)
    except OSError:
        os.replace(retired, output_dir)  # put the previous site back
        raise
    _retire(retired, output_dir, keep_spare)


_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _load_renameat2():
    if not sys.platform.startswith("linux"):
        return None
    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2  # glibc 2.28 and later, musl 1.2.3 and later
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    function.restype = ctypes.c_int
    return function


_renameat2 = _load_renameat2()


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths in one atomic step; ``False`` where this system cannot."""
    if _renameat2 is None:
        return False
    if _renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.ENOTSUP):  # no such call, or the file system refuses
        return False
    raise OSError(code, os.strerror(code), str(first), None, str(second))
