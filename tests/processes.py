"""The processes a test looks for in /proc (Linux only)."""

from __future__ import annotations

from pathlib import Path


def pagefind_children(parent: int) -> list[int]:
    """Processes named pagefind* whose parent is ``parent`` (zombies included)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            name, after = stat[stat.index("(") + 1 : stat.rindex(")")], stat[stat.rindex(")") + 2 :].split()
            if name.startswith("pagefind") and int(after[1]) == parent:
                found.append(int(entry.name))
    return found
