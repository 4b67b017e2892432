"""Write a rendered site to disk: the only module that writes output.

Everything goes into a staging folder beside the output; only when all of it is
written (and indexed for search) is the staging folder swapped in. A failure at any
point removes the staging folder and leaves the previous output exactly as it was.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path, PurePosixPath

from certsite.errors import BuildError
from certsite.search import SearchIndex, index_site

# Written into every published site, so that a later build knows the folder is one of
# its own and may replace it. Netlify publishes it too; it says only that.
MARKER = ".certsite-output"


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
    outputs: dict[PurePosixPath, bytes], static_dirs: tuple[Path, ...], output_dir: Path, with_search: bool, sources: list[Path], workdir: Path
) -> SearchIndex | None:
    """Write ``outputs`` and the files of ``static_dirs`` (as ``/static/``; a later folder's
    file replaces an earlier one's) to ``output_dir``, all or nothing."""
    check_output_dir(output_dir, sources, workdir)
    output_dir = output_dir.resolve()
    try:
        output_dir.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{output_dir.name}-staging-", dir=output_dir.parent))
    except OSError as error:
        raise BuildError(f"could not create the output folder beside {output_dir}: {error}") from error
    try:
        write_tree({**outputs, PurePosixPath(MARKER): b"Built by certsite; a later build may replace this folder.\n"}, staging)
        for static_dir in static_dirs:
            if static_dir.is_dir():
                shutil.copytree(static_dir, staging / "static", dirs_exist_ok=True)
        index = index_site(staging) if with_search else None
        _swap_in(staging, output_dir)
    except OSError as error:
        shutil.rmtree(staging, ignore_errors=True)
        raise BuildError(f"could not write the site: {error}") from error
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return index


def write_tree(outputs: dict[PurePosixPath, bytes], root: Path) -> None:
    """Write each output under ``root``, refusing any path that would land outside it."""
    root = root.resolve()
    for relative, content in sorted(outputs.items()):
        target = (root / relative).resolve()
        if relative.is_absolute() or not target.is_relative_to(root) or target == root:
            raise BuildError(f"refusing to write {relative}: it is outside the output folder")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)


def _swap_in(staging: Path, output_dir: Path) -> None:
    # mkdtemp makes the folder 0700; a published site must be readable by the web server.
    os.chmod(staging, 0o755)
    if not output_dir.exists():
        os.replace(staging, output_dir)
        return
    retired = Path(tempfile.mkdtemp(prefix=f".{output_dir.name}-previous-", dir=output_dir.parent))
    os.replace(output_dir, retired / output_dir.name)
    try:
        os.replace(staging, output_dir)
    except OSError:
        os.replace(retired / output_dir.name, output_dir)  # put the previous site back
        raise
    shutil.rmtree(retired, ignore_errors=True)
