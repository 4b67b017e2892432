"""The live register in content/, which editors change through pull requests.

These tests hold it only to what any valid register must be, so that every valid
announcement an editor adds keeps the pull-request check green: it validates, every
page is valid HTML with its headings in order, no internal link or fragment is
broken, and nothing is loaded from another host. Pages and counts are pinned on the
frozen copy in tests/registers/asi instead (test_asi_register.py).
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from conftest import LIVE_CONTENT
from certsite.cli import main
from site_checks import broken_links, html5_problems, nu_problems, third_party_loads

TODAY = date.today().isoformat()  # what the production build uses


def assert_sound(site: Path) -> None:
    assert html5_problems(site) == []
    assert broken_links(site) == []
    assert third_party_loads(site) == []
    assert nu_problems(site) == ""


@pytest.fixture(scope="module")
def live_site(tmp_path_factory) -> Path:
    output = tmp_path_factory.mktemp("live") / "site"
    assert main(["build", "--content", str(LIVE_CONTENT), "--output", str(output), "--as-of", TODAY, "--no-search"]) == 0
    return output


def test_the_live_register_validates(certsite):
    run = certsite("check", "--content", LIVE_CONTENT, "--as-of", TODAY)
    assert run.code == 0, run.err


def test_every_page_of_the_live_register_is_sound(live_site):
    assert_sound(live_site)


def test_an_editors_new_announcement_keeps_the_check_green(certsite, tmp_path):
    """What an editor's pull request does: `certsite new`, fill in the auditor and the text."""
    content = tmp_path / "content"
    shutil.copytree(LIVE_CONTENT, content)
    standard = sorted((content / "standards").glob("*.yaml"))[0].stem
    run = certsite("new", "--content", content, "--entity", "Sunndal Aluminium AS", "--country", "NO", "--standard", standard, "--date", TODAY)
    assert run.code == 0, run.err
    path = content / f"certifications/{TODAY}-sunndal-aluminium-as.md"
    text = path.read_text("utf-8").replace("    auditor:  # required: the certification body that audited", "    auditor: Nordic Audit AS")
    path.write_text(text + "Sunndal Aluminium's smelter was certified.\n", encoding="utf-8")

    assert certsite("check", "--content", content, "--as-of", TODAY).code == 0
    site = tmp_path / "site"
    built = certsite("build", "--content", content, "--output", site, "--as-of", TODAY)
    assert built.code == 0, built.err
    assert (site / f"certifications/{TODAY}-sunndal-aluminium-as/index.html").is_file()
    assert (site / "entities/sunndal-aluminium-as/index.html").is_file()
    assert_sound(site)
