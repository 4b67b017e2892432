"""A generated register shaped like a real one, for tests that need size and real-length
bodies: certsite's own benchmark corpus (bench/corpus.py), written into a test's folder."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from conftest import PROJECT


def write_generated_register(content: Path, announcements: int, seed: int = 7) -> Path:
    """Write ``announcements`` announcements (with entities, standards, a page) into the
    content folder ``content``; the same arguments give the same files."""
    spec = importlib.util.spec_from_file_location("bench_corpus", PROJECT / "bench" / "corpus.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    module.write(content, announcements, seed)
    return content


def published_with_findings(content: Path, before: str) -> Path:
    """An announcement file that is published before the date ``before`` and records findings."""
    for path in sorted((content / "certifications").glob("*.md")):
        text = path.read_text("utf-8")
        if "minor: [" in text and "draft: true" not in text and path.name[:10] < before:
            return path
    raise AssertionError("the generated register has no published announcement with findings")
