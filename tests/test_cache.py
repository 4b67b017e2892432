"""The build on all cores and its cache: a register owner gets the same site, faster.

Every build here is compared with a cold build in one process, without a cache, of the
same content and date: the site a register owner would get from certsite without any
of this machinery, byte for byte.
"""

from __future__ import annotations

import dataclasses
import os
import pickle
import re
import shutil
import signal
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from certsite.build import BuildOptions, BuildReport, build, update
from certsite.errors import BuildError, ContentError
from certsite.cache import LAYOUT, Cache
from conftest import PROJECT
from generated import write_generated_register

AS_OF = date(2026, 11, 24)
ANNOUNCEMENTS = 300


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    """A generated register of 300 announcements with real-length bodies."""
    return write_generated_register(tmp_path_factory.mktemp("generated") / "content", ANNOUNCEMENTS)


def site_bytes(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def cold_build(content: Path, out: Path, **options) -> dict[str, bytes]:
    """One process, no cache: the reference."""
    build(BuildOptions(content, options.pop("as_of", AS_OF), jobs=1, **options), out, out.parent, with_search=False)
    return site_bytes(out)


def cached_build(content: Path, out: Path, cache: Path, **options) -> BuildReport:
    return build(BuildOptions(content, options.pop("as_of", AS_OF), jobs=2, cache_dir=cache, **options), out, out.parent, with_search=False)


def differences(one: dict[str, bytes], other: dict[str, bytes]) -> list[str]:
    return sorted(path for path in one.keys() | other.keys() if one.get(path) != other.get(path))


def test_two_processes_and_the_cache_write_the_bytes_of_one_process_without_it(generated, tmp_path):
    content = tmp_path / "content"
    shutil.copytree(generated, content)
    reference = cold_build(content, tmp_path / "reference" / "site")
    cache = tmp_path / "cache"

    first = cached_build(content, tmp_path / "site", cache)
    assert differences(site_bytes(tmp_path / "site"), reference) == []
    assert first.rendered == first.pages  # nothing to reuse yet

    again = cached_build(content, tmp_path / "site", cache)
    assert differences(site_bytes(tmp_path / "site"), reference) == []
    assert again.rendered == 0  # every page came from the cache

    # An editor changes one announcement's title: its pages are rendered, the rest reused.
    announcement = sorted((content / "certifications").glob("*.md"))[40]
    text = announcement.read_text("utf-8")
    old_title = next(line for line in text.splitlines() if line.startswith("title:"))
    announcement.write_text(text.replace(old_title, "title: A corrected title for this announcement", 1), encoding="utf-8")
    edited = cached_build(content, tmp_path / "site", cache)
    expected = cold_build(content, tmp_path / "reference-edited" / "site")
    assert differences(site_bytes(tmp_path / "site"), expected) == []
    assert differences(expected, reference)  # the edit shows
    assert 0 < edited.rendered < edited.pages // 4



@pytest.mark.skipif(not Path("/dev/shm").is_dir(), reason="needs a tmpfs at /dev/shm beside the tests' own folder")
def test_a_cache_on_another_file_system_than_the_site_still_gives_its_pages(generated, tmp_path):
    """No hard link reaches across file systems (a register owner's cache folder may be
    on a mounted volume or a tmpfs), so the cache keeps copies: every page still comes
    back, and whole."""
    import tempfile

    content = tmp_path / "content"
    shutil.copytree(generated, content)
    reference = cold_build(content, tmp_path / "reference" / "site")
    cache = Path(tempfile.mkdtemp(dir="/dev/shm")) / "cache"
    try:
        assert os.stat(cache.parent).st_dev != os.stat(tmp_path).st_dev
        cached_build(content, tmp_path / "site", cache)
        stored = [path for path in (cache / LAYOUT / "pages").rglob("*") if path.is_file()]
        assert stored and all(path.stat().st_nlink == 1 for path in stored)  # copies, not links
        shutil.rmtree(tmp_path / "site")
        again = cached_build(content, tmp_path / "site", cache)
        assert again.rendered == 0
        assert differences(site_bytes(tmp_path / "site"), reference) == []
    finally:
        shutil.rmtree(cache.parent)


def test_a_page_stored_where_something_other_than_a_page_lies_under_its_key_takes_its_place(tmp_path):
    cache = Cache(tmp_path / "cache")
    written = tmp_path / "index.html"
    written.write_bytes(b"<p>the page</p>")
    key = "ab" + "0" * 30
    folder = tmp_path / "cache" / LAYOUT / "pages" / key[:2]
    folder.mkdir(parents=True)
    (folder / key).symlink_to(tmp_path / "nowhere")  # left by something else: a dangling link
    assert cache.page_file(key) is None
    cache.store_page(key, written)
    stored = cache.page_file(key)
    assert stored is not None and not stored.is_symlink() and stored.read_bytes() == b"<p>the page</p>"
    cache.store_page(key, written)  # stored again under the same key: left as it is
    assert cache.page_file(key) == stored and stored.read_bytes() == b"<p>the page</p>"


def test_the_preview_updates_its_site_in_place_to_the_bytes_of_a_cold_build(generated, tmp_path):
    """`certsite serve` updates the site it serves in place, page by page: after an edit,
    a new and a removed announcement, and a changed template, the folder it serves holds
    exactly what a cold build of the same content writes, and no page more."""
    content = tmp_path / "content"
    shutil.copytree(generated, content)
    templates = tmp_path / "templates"
    templates.mkdir()
    cache = Cache(tmp_path / "cache", records_in_memory=True)
    options = BuildOptions(content, AS_OF, jobs=2, cache_dir=tmp_path / "cache")
    site = tmp_path / "served"
    shown = build(options, site, tmp_path, with_search=False, cache=cache).page_keys

    files = sorted((content / "certifications").glob("*.md"))
    text = files[40].read_text("utf-8")
    old_title = next(line for line in text.splitlines() if line.startswith("title:"))
    edited = text.replace(old_title, "title: A corrected title for this announcement\naliases: [/news/2019/an-old-address/]", 1)
    files[40].write_text(edited, encoding="utf-8")
    files[41].unlink()
    copied = re.sub(r"^date: .*$", "date: 2026-01-05", files[42].read_text("utf-8"), count=1, flags=re.M)
    (content / "certifications" / "2026-01-05-a-new-announcement.md").write_text(copied.replace("certificate: ", "certificate: NEW-"), encoding="utf-8")
    report = update(options, site, shown, cache)
    assert differences(site_bytes(site), cold_build(content, tmp_path / "reference" / "site")) == []
    assert 0 < report.rendered < report.pages // 2

    (templates / "base.html").write_text((PROJECT / "certsite/templates/base.html").read_text("utf-8").replace("<footer", "<footer data-edited", 1), encoding="utf-8")
    files[40].write_text(text, encoding="utf-8")  # the alias goes again
    update(options, site, report.page_keys, cache)
    assert differences(site_bytes(site), cold_build(content, tmp_path / "reference-template" / "site")) == []
    assert [folder for folder in site.rglob("*") if folder.is_dir() and not any(folder.iterdir())] == []

def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text, f"{old!r} is not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_the_cache_never_serves_a_page_whose_template_criterion_profile_or_date_changed(generated, tmp_path):
    content = tmp_path / "content"
    shutil.copytree(generated, content)
    cache = tmp_path / "cache"
    cached_build(content, tmp_path / "site", cache)

    def same_as_cold(label: str, **options) -> None:
        report = cached_build(content, tmp_path / "site", cache, **options)
        reference = cold_build(content, tmp_path / f"reference-{label}" / "site", **options)
        assert differences(site_bytes(tmp_path / "site"), reference) == [], f"stale pages after: {label}"
        assert report.rendered > 0, label

    # The register's own template, beside the content folder, replacing certsite's.
    templates = tmp_path / "templates"
    templates.mkdir()
    shutil.copy(PROJECT / "certsite" / "templates" / "base.html", templates / "base.html")
    edit(templates / "base.html", "<footer class=\"site-footer\">", "<footer class=\"site-footer\"><p>Edited footer</p>")
    same_as_cold("a template")

    standard = next((content / "standards").glob("*.yaml"))
    criterion_title = next(line for line in standard.read_text("utf-8").splitlines() if line.startswith("        title:"))
    edit(standard, criterion_title, "        title: A criterion renamed by its standard")
    same_as_cold("a criterion title")

    profile = next((content / "entities").glob("*.yaml"))
    name_line = next(line for line in profile.read_text("utf-8").splitlines() if line.startswith("name:"))
    edit(profile, name_line, "name: A company that renamed itself")
    same_as_cold("an entity profile")

    same_as_cold("the build date", as_of=date(2027, 3, 1))


KILLED_BUILD = """
import os, signal, sys
import certsite.cache as cache
real_store = cache.Cache.store_page
stored = []
def store_then_die(self, key, written):
    real_store(self, key, written)
    stored.append(key)
    if len(stored) == int(sys.argv[1]):
        os.killpg(os.getpgid(0), signal.SIGKILL)  # the build and its workers, halfway
cache.Cache.store_page = store_then_die
from certsite.cli import main
sys.exit(main(sys.argv[2:]))
"""


@pytest.mark.skipif(not hasattr(os, "killpg"), reason="kills a process group")
def test_a_build_killed_halfway_leaves_a_cache_the_next_build_can_trust(generated, tmp_path):
    content = tmp_path / "content"
    shutil.copytree(generated, content)
    cache = tmp_path / "cache"
    command = [sys.executable, "-c", KILLED_BUILD, "150", "build", "--content", str(content), "--output", str(tmp_path / "site"),
               "--as-of", AS_OF.isoformat(), "--no-search", "--cache", str(cache), "--jobs", "2"]
    killed = subprocess.run(command, cwd=tmp_path, capture_output=True, start_new_session=True, timeout=300)
    assert killed.returncode == -signal.SIGKILL
    assert any((cache / LAYOUT / "pages").rglob("*")), "the build was killed before it cached anything"
    assert not (tmp_path / "site").exists()  # nothing was published

    report = cached_build(content, tmp_path / "site", cache)
    assert differences(site_bytes(tmp_path / "site"), cold_build(content, tmp_path / "reference" / "site")) == []
    assert report.rendered < report.pages  # what the killed build cached was used


def test_an_unchanged_register_reuses_its_search_index_and_an_edit_indexes_again(generated, tmp_path):
    content = tmp_path / "content"
    shutil.copytree(generated, content)
    cache = tmp_path / "cache"
    options = BuildOptions(content, AS_OF, jobs=2, cache_dir=cache)
    first = build(options, tmp_path / "site", tmp_path, with_search=True)
    index = {path: data for path, data in site_bytes(tmp_path / "site").items() if path.startswith("pagefind/")}
    records = lambda: {path: (path.stat().st_ino, path.stat().st_mtime_ns) for path in cache.rglob("*.pickle")}  # noqa: E731
    held = records()
    again = build(options, tmp_path / "site", tmp_path, with_search=True)
    assert (first.search_reused, again.search_reused) == (False, True)
    # Nothing is written again (a cache the build may read but not write would be told so).
    assert records() == held
    assert {path: data for path, data in site_bytes(tmp_path / "site").items() if path.startswith("pagefind/")} == index

    announcement = sorted((content / "certifications").glob("*.md"))[40]
    text = announcement.read_text("utf-8")
    old_title = next(line for line in text.splitlines() if line.startswith("title:"))
    announcement.write_text(text.replace(old_title, "title: Quixotic Alloys renamed this announcement", 1), encoding="utf-8")
    edited = build(options, tmp_path / "site", tmp_path, with_search=True)
    fresh = build(BuildOptions(content, AS_OF, jobs=1), tmp_path / "reference" / "site", tmp_path, with_search=True)
    assert not edited.search_reused
    pagefind = lambda root: {path: data for path, data in site_bytes(root).items() if path.startswith("pagefind/")}  # noqa: E731
    assert pagefind(tmp_path / "site") == pagefind(tmp_path / "reference" / "site") != index
    assert fresh.search.pages == edited.search.pages


def test_two_builds_at_once_in_one_process_each_publish_their_own_site(generated, tmp_path):
    """As serve does: the preview rebuilds while its search index is being made, sharing a cache."""
    import threading

    first, second = tmp_path / "first", tmp_path / "second"
    shutil.copytree(generated, first)
    shutil.copytree(generated, second)
    announcement = sorted((second / "certifications").glob("*.md"))[40]
    text = announcement.read_text("utf-8")
    old_title = next(line for line in text.splitlines() if line.startswith("title:"))
    announcement.write_text(text.replace(old_title, "title: A title only the second register has", 1), encoding="utf-8")
    cache, failures = tmp_path / "cache", []

    def builds(content: Path, out: Path) -> None:
        try:
            for _ in range(3):
                build(BuildOptions(content, AS_OF, jobs=1, cache_dir=cache), out, tmp_path, with_search=False)
        except Exception as error:  # noqa: BLE001 - reported below
            failures.append(repr(error))

    threads = [threading.Thread(target=builds, args=(content, tmp_path / f"site-{content.name}")) for content in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    for content in (first, second):
        reference = cold_build(content, tmp_path / f"reference-{content.name}" / "site")
        assert differences(site_bytes(tmp_path / f"site-{content.name}"), reference) == [], content.name


def test_the_cycle_collector_runs_again_once_the_last_of_two_builds_at_once_ends(generated, tmp_path):
    """A build pauses Python's cycle collector (see certsite.parallel); serve, which runs
    builds side by side for as long as it is open, must get it back once they end, or its
    memory would only grow. Here the first build to start ends first, and the second fails."""
    import gc
    import threading

    from certsite.errors import ContentError

    broken = tmp_path / "broken"
    shutil.copytree(generated, broken)
    (broken / "certifications" / "2099-01-01-broken.md").write_text("---\ntitle: [unclosed\n---\n", encoding="utf-8")
    failures: list[str] = []

    def held_at(stage: str, inside: threading.Event, release: threading.Event):
        def progress(reached: str, done: int, total: int) -> None:
            if reached == stage and not inside.is_set():
                inside.set()
                release.wait(60)
        return progress

    def run(content: Path, out: Path, progress) -> None:
        try:
            build(BuildOptions(content, AS_OF, jobs=1), out, tmp_path, with_search=False, progress=progress)
        except ContentError:
            failures.append(content.name)

    events = {name: (threading.Event(), threading.Event()) for name in ("first", "second")}
    # Held where they hold no lock the other needs: the first writing its pages, the second reading.
    first = threading.Thread(target=run, args=(generated, tmp_path / "first", held_at("writing pages", *events["first"])))
    second = threading.Thread(target=run, args=(broken, tmp_path / "second", held_at("reading announcements", *events["second"])))
    assert gc.isenabled()
    first.start()
    assert events["first"][0].wait(60)
    second.start()
    assert events["second"][0].wait(60)
    assert not gc.isenabled()  # paused while they run
    events["first"][1].set()
    first.join()
    assert not gc.isenabled()  # the second still runs
    events["second"][1].set()
    second.join()
    assert failures == ["broken"]
    assert gc.isenabled()


def test_a_stray_file_in_the_cache_folder_is_left_alone(generated, tmp_path):
    content = tmp_path / "content"
    shutil.copytree(generated, content)
    cache = tmp_path / "cache"
    cached_build(content, tmp_path / "site", cache)
    (cache / LAYOUT / "pages" / ".DS_Store").write_bytes(b"Finder was here")  # macOS writes these by itself
    report = cached_build(content, tmp_path / "site", cache)
    assert report.rendered == 0
    assert differences(site_bytes(tmp_path / "site"), cold_build(content, tmp_path / "reference" / "site")) == []


def test_an_earlier_cache_layout_is_deleted_but_not_a_newer_one_nor_a_folder_that_is_not_a_cache(tmp_path):
    cache = tmp_path / "cache"
    (cache / "v1" / "pages" / "ab").mkdir(parents=True)
    (cache / "v1" / "announcements.pickle").write_bytes(b"an earlier version's")
    (cache / "v1" / ".DS_Store").write_bytes(b"Finder was here")
    (cache / "v0" / "notes").mkdir(parents=True)  # --cache named a folder that holds other things too
    (cache / "v0" / "notes" / "mine.txt").write_text("not certsite's")
    (cache / "v99" / "pages").mkdir(parents=True)  # a newer certsite, from another checkout
    Cache(cache)
    assert (cache / "v1").is_dir()  # a cache that is only read deletes nothing
    Cache(cache).store_records("example", {b"key": "value"})
    assert not (cache / "v1").exists()
    assert (cache / "v0" / "notes" / "mine.txt").read_text() == "not certsite's"
    assert (cache / "v99" / "pages").is_dir()


def test_a_damaged_announcement_entry_in_the_cache_is_read_again_not_trusted(generated, tmp_path):
    """A cache entry under the right key but of the wrong shape (planted, or left by a
    bug) is passed over: the file is parsed again and the site is the same as a cold
    build's, where such an entry used to stop the build with a traceback."""
    content = tmp_path / "content"
    shutil.copytree(generated, content)
    cache = tmp_path / "cache"
    cached_build(content, tmp_path / "site", cache)
    damaged = 0
    for shard in sorted((cache / LAYOUT).glob("announcements-*.pickle")):
        entries = pickle.loads(shard.read_bytes())
        for number, (key, result) in enumerate(sorted(entries.items())):
            if result.announcement is None or not result.announcement.certifications:
                continue
            # Lines for no certification at all, or not a result.
            entries[key] = dataclasses.replace(result, lines=result.lines._replace(certifications=())) if number % 2 else "not a result"
            damaged += 1
        shard.write_bytes(pickle.dumps(entries))
    assert damaged > 100

    cached_build(content, tmp_path / "site", cache)
    assert differences(site_bytes(tmp_path / "site"), cold_build(content, tmp_path / "reference" / "site")) == []
    # That build stored the results anew.
    for result in Cache(cache).sharded_records("announcements").values():
        assert result != "not a result"
        assert result.announcement is None or len(result.lines.certifications) == len(result.announcement.certifications)


def a_template_mistake(content: Path, templates: Path) -> tuple[dict[str, bool], type[Exception], str]:
    (templates / "announcement.html").write_text('{% extends "base.html" %}{% block main %}{{ 1 / 0 }}{% endblock %}', encoding="utf-8")
    return {}, BuildError, "ZeroDivisionError"


def a_warning_under_strict(content: Path, templates: Path) -> tuple[dict[str, bool], type[Exception], str]:
    first = sorted((content / "certifications").glob("*.md"))[0]
    text = first.read_text("utf-8")
    # Another name on a company's page: a warning, which --strict makes an error.
    first.write_text(re.sub(r"(?m)^entity: .*$", "entity: Another Name Entirely", text, count=1), encoding="utf-8")
    return {"strict": True}, ContentError, "1 warning"


@pytest.mark.parametrize("mistake", [a_template_mistake, a_warning_under_strict])
def test_a_build_that_fails_after_parsing_still_keeps_the_announcements_it_parsed(generated, tmp_path, mistake):
    """A register owner's template mistake, or a warning under --strict, fails the build,
    as it must; the announcements it parsed are kept all the same, so the build after
    the fix does not parse them again."""
    content = tmp_path / "content"
    shutil.copytree(generated, content)
    templates = tmp_path / "templates"
    templates.mkdir()
    options, error, saying = mistake(content, templates)
    cache = tmp_path / "cache"
    with pytest.raises(error, match=saying):
        cached_build(content, tmp_path / "site", cache, **options)
    assert not (tmp_path / "site").exists()
    assert len(Cache(cache).sharded_records("announcements")) == ANNOUNCEMENTS

    shutil.rmtree(templates)
    cached_build(content, tmp_path / "site", cache)
    assert differences(site_bytes(tmp_path / "site"), cold_build(content, tmp_path / "reference" / "site")) == []


def planted_call(module: str, name: str, argument: str) -> bytes:
    """A pickle that calls ``module.name(argument)`` as it is read (protocol 4's STACK_GLOBAL, then REDUCE)."""
    def text(value: str) -> bytes:
        data = value.encode()
        return b"\x8c" + bytes([len(data)]) + data
    return b"\x80\x04" + text(module) + text(name) + b"\x93" + text(argument) + b"\x85R."


@pytest.mark.parametrize("module, name", [("certsite.load", "os.mkdir"), ("certsite.model", "Path"), ("builtins", "getattr")])
def test_a_planted_cache_file_cannot_run_code(tmp_path, module, name):
    """Pull requests could commit a file into the cache folder: reading it runs nothing."""
    cache = Cache(tmp_path / "cache")
    target = tmp_path / "made-by-the-planted-file"
    cache.store_records("announcements-00", {})  # makes the folder
    (tmp_path / "cache" / LAYOUT / "announcements-00.pickle").write_bytes(planted_call(module, name, str(target)))
    assert Cache(tmp_path / "cache").sharded_records("announcements") == {}
    assert not target.exists()
