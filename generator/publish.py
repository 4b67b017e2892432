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

from generator.errors import BuildError
from generator.search import SearchIndex, index_site


def publish(outputs: dict[PurePosixPath, bytes], static_dir: Path, output_dir: Path, with_search: bool) -> SearchIndex | None:
    """Write ``outputs`` and ``static_dir`` (as ``/static/``) to ``output_dir``, all or nothing."""
    output_dir = output_dir.resolve()
    output_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{output_dir.name}-staging-", dir=output_dir.parent))
    try:
        write_tree(outputs, staging)
        if static_dir.is_dir():
            shutil.copytree(static_dir, staging / "static")
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
