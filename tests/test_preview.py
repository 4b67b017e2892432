"""An editor saves an announcement while `certsite serve` runs: its page and its
company's page are shown at once, exactly as the full rebuild that follows makes them;
any other change waits for that rebuild."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from certsite.build import BuildOptions, check, template_dirs
from certsite.catalog import build_catalog
from certsite.load import load
from certsite.preview import MAX_EDITED_FILES, Snapshot, edited_pages
from certsite.render import PageRenderer
from generated import published_with_findings, write_generated_register

AS_OF = date(2026, 11, 24)


@pytest.fixture(scope="module")
def register(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_generated_register(tmp_path_factory.mktemp("preview") / "content", 300)


@pytest.fixture
def snapshot(register: Path) -> Snapshot:
    """What `certsite serve` keeps of the site it serves: the corpus and the renderer."""
    corpus = load(register)
    return Snapshot(corpus, PageRenderer(template_dirs(BuildOptions(register, AS_OF)), build_catalog(corpus, AS_OF, False)), AS_OF, False)


@pytest.fixture
def edited(register: Path):
    """Edits a file of the register for one test, and puts it back afterwards."""
    originals: dict[Path, bytes] = {}

    def edit(path: Path, old: str, new: str) -> Path:
        originals.setdefault(path, path.read_bytes())
        text = path.read_text("utf-8")
        assert old in text, f"{old!r} is not in {path.name}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
        return path

    yield edit
    for path, data in originals.items():
        path.write_bytes(data)


def title_line(path: Path) -> str:
    return next(line for line in path.read_text("utf-8").splitlines() if line.startswith("title:"))


def test_an_edited_announcement_and_its_company_page_equal_what_the_full_build_makes(register, snapshot, edited):
    file = published_with_findings(register, AS_OF.isoformat())
    edited(file, title_line(file), "title: Zanzibarite Smelting renamed its certified site")
    edited(file, "status: certified", "status: suspended")  # the company page's standing changes too
    edited(file, "## About the operations", "## About the site and its operations")

    pages = edited_pages(snapshot, {file})

    full = check(BuildOptions(register, AS_OF)).outputs
    assert pages is not None and len(pages) == 2
    for path, content in pages.items():
        assert content == full[path], f"{path} differs from the full build's"
    announcement_page, entity_page = (pages[path].decode() for path in sorted(pages))
    assert "Zanzibarite Smelting renamed its certified site" in announcement_page
    assert "About the site and its operations" in announcement_page
    assert "Zanzibarite Smelting renamed its certified site" in entity_page and "uspended" in entity_page


def test_a_temporary_file_an_editor_wrote_and_removed_does_not_stop_the_quick_look(register, snapshot, edited):
    file = published_with_findings(register, AS_OF.isoformat())
    edited(file, title_line(file), "title: Quick look despite the editor's swap file")
    pages = edited_pages(snapshot, {file, file.with_name(".announcement.md.swp"), register / "certifications" / "4913"})
    assert pages is not None and any(b"Quick look despite the editor" in content for content in pages.values())


def test_changes_that_move_lists_or_touch_other_files_wait_for_the_full_rebuild(register, snapshot, edited):
    file = published_with_findings(register, AS_OF.isoformat())
    day = file.name[:10]
    # The date decides the address and the place in every list.
    edited(file, f"date: {day}", "date: 2026-01-02")
    assert edited_pages(snapshot, {file}) is None


@pytest.mark.parametrize("change", ["an error", "a new file", "a standard", "a template"])
def test_anything_but_valid_edits_in_place_waits_for_the_full_rebuild(register, snapshot, edited, tmp_path, change):
    file = published_with_findings(register, AS_OF.isoformat())
    new = register / "certifications" / "2026-01-05-a-new-one.md"
    if change == "an error":
        changed = {edited(file, "status: certified", "status: certifed")}
    elif change == "a new file":
        new.write_bytes(file.read_bytes())
        changed = {new}
    elif change == "a standard":
        changed = {next((register / "standards").glob("*.yaml"))}
    else:
        template = tmp_path / "templates" / "announcement.html"
        template.parent.mkdir()
        template.write_text("{{ announcement.title }}", encoding="utf-8")
        changed = {template}
    try:
        assert edited_pages(snapshot, changed) is None
    finally:
        new.unlink(missing_ok=True)


def test_a_folder_of_announcements_moved_away_waits_for_the_full_rebuild(tmp_path):
    register = write_generated_register(tmp_path / "content", 120)
    corpus = load(register)
    snapshot = Snapshot(corpus, PageRenderer(template_dirs(BuildOptions(register, AS_OF)), build_catalog(corpus, AS_OF, False)), AS_OF, False)
    (register / "certifications").rename(tmp_path / "elsewhere")
    # What a file event names when a folder leaves the watched tree: the folder alone.
    assert edited_pages(snapshot, {register / "certifications"}) is None


def test_files_saved_unchanged_or_many_at_once_are_left_to_the_full_rebuild(register, snapshot, edited):
    """A checkout or a formatter touches many files: one by one here they would hold the
    preview up for longer than the full rebuild, which takes them from the cache."""
    files = sorted((register / "certifications").glob("*.md"))
    assert edited_pages(snapshot, {files[0]}) is None  # saved, but nothing in it changed
    for path in files[: MAX_EDITED_FILES + 1]:
        edited(path, "\ntitle: ", "\ntitle: Edited ")
    assert edited_pages(snapshot, set(files[: MAX_EDITED_FILES + 1])) is None
    assert edited_pages(snapshot, set(files[:MAX_EDITED_FILES])) is not None
