"""Shared fixtures: small content folders written to disk, and the bundled site built once."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from certsite.cli import main

PROJECT = Path(__file__).resolve().parent.parent
# The live register that editors change: tests hold it only to what any valid register must be.
LIVE_CONTENT = PROJECT / "content"
# A frozen copy of it, whose pages and counts tests may pin.
ASI_REGISTER = PROJECT / "tests/registers/asi"
ASI_AS_OF = "2026-11-23"

SITE_YAML = """\
title: Test Register
base_url: https://register.example.org/
description: A register for tests.
language: en
corrections: mailto:fix@example.org
"""

STANDARD_YAML = """\
id: test-ps
name: Test Performance Standard
version: V1
owner: Test Standards Body
url: https://standards.example.org/
validity_months:
  certified: 36
  provisional: 12
principles:
  - number: 5
    title: Greenhouse Gas Emissions
    criteria:
      - number: "5.1"
        title: Disclosure of GHG Emissions and Energy Use
      - number: "5.2"
        title: Smelter GHG Emissions Intensity
      - number: "5.10"
        title: A criterion whose number looks like a float
"""

# A second standard, for registers that certify against two (its id is the file name: other-cs.yaml).
OTHER_STANDARD_YAML = """\
id: other-cs
name: Other Chain Standard
version: V2
owner: Test Standards Body
criteria:
  - number: "1.1"
    title: Records
"""

ANNOUNCEMENT = """\
---
title: Acme Metals certified
date: 2024-01-10
entity: Acme Metals Ltd.
location:
  city: Oslo
  country: "NO"
certifications:
  - standard: test-ps
    auditor: Example Certification
    nonconformances:
      minor: ["5.1a-b"]
---
Acme Metals was certified against the test standard.
"""


def announcement(**replacements: str) -> str:
    """The valid ``ANNOUNCEMENT`` with whole lines replaced: ``{"date: 2024-01-10": "date: x"}``-style."""
    text = ANNOUNCEMENT
    for old, new in replacements.items():
        assert old in text, f"{old!r} is not in the base announcement"
        text = text.replace(old, new)
    return text


@dataclass
class ContentFolder:
    """A content folder on disk, valid until a test writes something wrong into it."""

    root: Path

    def write(self, relative: str, text: str | bytes) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(textwrap.dedent(text) if text.startswith("\n") else text, encoding="utf-8")
        return path

    def announce(self, name: str, text: str = ANNOUNCEMENT) -> Path:
        return self.write(f"certifications/{name}", text)

    def remove(self, relative: str) -> None:
        (self.root / relative).unlink()


@pytest.fixture
def content(tmp_path: Path) -> ContentFolder:
    folder = ContentFolder(tmp_path / "content")
    folder.write("site.yaml", SITE_YAML)
    folder.write("standards/test-ps.yaml", STANDARD_YAML)
    folder.announce("2024-01-10-acme-metals.md")
    return folder


@dataclass
class Run:
    code: int
    out: str
    err: str


@pytest.fixture
def certsite(capsys: pytest.CaptureFixture[str]):
    """Run the ``certsite`` command in-process and capture what it prints."""

    def run(*args: str | Path) -> Run:
        code = main([str(arg) for arg in args])
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run


@dataclass
class BuiltSite:
    root: Path

    def soup(self, url: str) -> BeautifulSoup:
        relative = url.lstrip("/")
        path = self.root / (relative + "index.html" if url.endswith("/") else relative)
        return BeautifulSoup(path.read_text("utf-8"), "html.parser")

    def exists(self, url: str) -> bool:
        relative = url.lstrip("/")
        return (self.root / (relative + "index.html" if url.endswith("/") else relative)).is_file()


@pytest.fixture(scope="session")
def asi_site(tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    """The frozen ASI register, built once with search, as of a fixed date."""
    output = tmp_path_factory.mktemp("asi") / "site"
    assert main(["build", "--content", str(ASI_REGISTER), "--output", str(output), "--as-of", ASI_AS_OF]) == 0
    return BuiltSite(output)


def build_date(text: str) -> date:
    return date.fromisoformat(text)
