"""``certsite init``: start a new register in an empty folder.

The starter files (certsite/starter_register/) are a small register that builds at once: its
settings, one standard to adapt, one example announcement, an About page, the
Netlify configuration, the pull-request check and a README for its editors.
"""

from __future__ import annotations

from pathlib import Path

STARTER = Path(__file__).resolve().parent / "starter_register"
# Packaging does not carry names that start with a dot as they are, so they are
# stored without it.
_DOT_NAMES = {"github": ".github", "gitignore": ".gitignore"}


class NotEmpty(Exception):
    """The target folder has files already; ``init`` never mixes a starter into them."""


class NotAFolder(Exception):
    """The target is a file."""


def create_register(target: Path, requirement: str) -> list[Path]:
    """Write the starter register into ``target`` (missing or empty); return the files written.

    ``requirement`` is the line that installs certsite in the new register's
    requirements.txt (for Netlify and its pull-request check).
    """
    if target.exists() and not target.is_dir():
        raise NotAFolder(str(target))
    if target.exists() and any(target.iterdir()):
        raise NotEmpty(str(target))
    written = []
    for source in sorted(path for path in STARTER.rglob("*") if path.is_file()):
        relative = source.relative_to(STARTER)
        destination = target.joinpath(*(_DOT_NAMES.get(part, part) for part in relative.parts))
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_text(source.read_text("utf-8").replace("{requirement}", requirement), encoding="utf-8")
        written.append(destination)
    (target / "content" / "entities").mkdir()
    return written
