"""Publishing: a reproducible search index, cleanup after killed builds, a swap that cannot lose the site."""

from __future__ import annotations

import ctypes
import fcntl
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

import pytest
from conftest import ASI_AS_OF, ASI_REGISTER, PROJECT, announcement
from processes import pagefind_children

from certsite import publish as publish_module
from certsite.errors import BuildError
from certsite.publish import MARKER, MARKER_TEXT, remove_leftovers
from certsite.search import INDEX_DIR, _Service, reproducible_index

LINUX = sys.platform.startswith("linux")


def tree_digest(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*")) if p.is_file()}


def build_command(content: Path, output: Path) -> list[str]:
    return [sys.executable, "-m", "certsite", "build", "--content", str(content), "--output", str(output), "--as-of", ASI_AS_OF]


def build(content: Path, output: Path) -> float:
    """Build in a subprocess (bounded in time); return how long it took."""
    started = time.monotonic()
    run = subprocess.run(build_command(content, output), check=False, cwd=PROJECT, capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, run.stderr
    return time.monotonic() - started


def leftovers(output: Path) -> list[str]:
    """What killed builds left beside the output; not the spare, which a build keeps on purpose."""
    return sorted(p.name for p in output.parent.iterdir() if p.name.startswith(f".{output.name}-") and p.name != f".{output.name}-spare")


# --- A reproducible search index ----------------------------------------------------------


def test_two_builds_of_the_same_content_are_byte_identical_search_index_included(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    build(ASI_REGISTER, first)
    build(ASI_REGISTER, second)
    assert tree_digest(first) == tree_digest(second)
    assert any(name.startswith("pagefind/filter/") for name in tree_digest(first))


def test_the_index_is_normalised_and_normalising_it_again_changes_nothing(tmp_path):
    """The published index is already in the form ``reproducible_index`` gives: Pagefind's
    format was recognised (an unrecognised one gives no changes at all), and each file is
    named after its content as Pagefind names it."""
    site = tmp_path / "site"
    build(ASI_REGISTER, site)
    changes = reproducible_index(site / INDEX_DIR)
    written = {path for path, content in changes.items() if content is not None}
    assert PurePosixPath("pagefind-entry.json") in written
    assert len([path for path in written if path.suffix == ".pf_filter"]) == len(list((site / INDEX_DIR / "filter").iterdir())) > 0
    assert len([path for path in written if path.suffix == ".pf_meta"]) == 1
    assert [path for path, content in changes.items() if content is None] == []  # every name is already right
    for path in written:
        assert (site / INDEX_DIR / path).read_bytes() == changes[path], path


# --- Pagefind's process group ---------------------------------------------------------------


def processes_with(token: str) -> list[int]:
    """Live processes (not zombies, whose command line is empty) naming ``token``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            arguments = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if any(token.encode() in argument for argument in arguments):
            found.append(int(entry.name))
    return found


def wait_until_gone(token: str, seconds: float = 5.0) -> list[int]:
    deadline = time.monotonic() + seconds
    while (remaining := processes_with(token)) and time.monotonic() < deadline:
        time.sleep(0.02)
    return remaining


@pytest.mark.skipif(not LINUX, reason="reads /proc")
def test_the_time_limit_kills_the_whole_process_group(tmp_path):
    token = f"certsite-group-test-{os.getpid()}"
    grandchild = f"import time; time.sleep(60) # {token}"
    child = f"import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', {grandchild!r}]); time.sleep(60) # {token}"
    started = time.monotonic()
    with pytest.raises(BuildError, match="took longer than"), _Service([sys.executable, "-c", child], timeout=1):
        pass  # the child never answers the request for a new index
    assert time.monotonic() - started < 15
    assert wait_until_gone(token) == []  # the child and what it started


# --- Cleaning up after killed builds ----------------------------------------------------------


def own_leftover(folder: Path, files: int = 3) -> Path:
    folder.mkdir()
    (folder / MARKER).write_bytes(MARKER_TEXT)
    for number in range(files):
        (folder / f"sub{number}").mkdir()
        (folder / f"sub{number}/page.html").write_text("x")
    return folder


def test_a_build_removes_what_killed_builds_left_and_nothing_else(tmp_path):
    parent = tmp_path / "out"
    parent.mkdir()
    output = parent / "site"
    own_leftover(parent / ".site-staging-abc123")
    own_leftover(parent / ".site-previous-def456")
    own_leftover(parent / ".site-previous-old").rename(parent / "moved")  # how certsite 0.1 left a previous site
    (parent / ".site-previous-old").mkdir()
    (parent / "moved").rename(parent / ".site-previous-old/site")
    (parent / ".site-staging-empty").mkdir()  # a kill just after making the folder
    (parent / ".site-staging-notours").mkdir()
    (parent / ".site-staging-notours/keep.txt").write_text("someone else's")
    (parent / ".site-staging-link").symlink_to(own_leftover(tmp_path / "elsewhere"))
    (parent / ".other-staging-xyz").mkdir()  # another output's
    (parent / ".other-staging-xyz" / MARKER).write_bytes(MARKER_TEXT)
    running = own_leftover(parent / ".site-staging-running")
    lock = os.open(running / MARKER, os.O_RDONLY)
    fcntl.flock(lock, fcntl.LOCK_EX)  # as a build that is still running holds it
    try:
        removed = remove_leftovers(output)
    finally:
        os.close(lock)
    assert sorted(p.name for p in removed) == [".site-previous-def456", ".site-previous-old", ".site-staging-abc123", ".site-staging-empty"]
    assert sorted(p.name for p in parent.iterdir()) == [".other-staging-xyz", ".site-staging-link", ".site-staging-notours", ".site-staging-running"]
    assert (parent / ".site-staging-notours/keep.txt").read_text() == "someone else's"
    assert (tmp_path / "elsewhere" / MARKER).is_file()
    # Once that build is gone (its lock with it), the next build removes its folder too.
    assert [p.name for p in remove_leftovers(output)] == [".site-staging-running"]


def test_a_folder_removed_halfway_keeps_its_marker_until_last(tmp_path, monkeypatch):
    folder = own_leftover(tmp_path / ".site-staging-x", files=5)
    calls = []

    def rmtree_then_fail(path, ignore_errors=False):
        calls.append(path)
        assert (folder / MARKER).is_file()
        if len(calls) == 3:
            raise KeyboardInterrupt  # as if killed here

    monkeypatch.setattr(publish_module.shutil, "rmtree", rmtree_then_fail)
    with pytest.raises(KeyboardInterrupt):
        publish_module._remove_own(folder)
    assert (folder / MARKER).is_file()


def test_the_fallback_swap_replaces_the_site_and_leaves_nothing_beside_it(content, certsite, tmp_path, monkeypatch):
    monkeypatch.setattr(publish_module, "_exchange", lambda first, second: False)  # as where renameat2 is missing
    site = tmp_path / "out/site"
    for as_of in ("2024-06-01", "2024-06-02"):
        assert certsite("build", "--content", content.root, "--output", site, "--as-of", as_of, "--no-search").code == 0
        assert as_of in (site / "index.html").read_text("utf-8")
    assert leftovers(site) == []
    assert "2024-06-01" in (site.parent / ".site-spare/index.html").read_text("utf-8")  # kept for the next build to recycle


@pytest.mark.skipif(not LINUX, reason="renameat2 is Linux's")
def test_on_linux_the_swap_is_one_atomic_exchange(content, certsite, tmp_path, monkeypatch):
    exchanges = []
    real = publish_module._exchange
    monkeypatch.setattr(publish_module, "_exchange", lambda first, second: exchanges.append(real(first, second)) or exchanges[-1])
    site = tmp_path / "out/site"
    for _ in range(2):
        assert certsite("build", "--content", content.root, "--output", site, "--as-of", "2024-06-01", "--no-search").code == 0
    assert exchanges == [True]  # the first build is one rename, the second one exchange
    assert site.is_dir() and not site.is_symlink()
    assert oct(site.stat().st_mode & 0o777) == "0o755"
    assert leftovers(site) == []


# --- The spare: the site before, brought up to date by the next build ---------------------


def test_the_next_build_recycles_the_spare_into_exactly_the_site_a_fresh_build_writes(content, certsite, tmp_path):
    site = tmp_path / "out/site"
    fresh = tmp_path / "fresh/site"

    def both(*args: str) -> None:
        assert certsite("build", "--content", content.root, "--output", site, "--no-search", *args).code == 0
        assert certsite("build", "--content", content.root, "--output", fresh, "--no-search", "--no-cache", *args).code == 0
        assert tree_digest(site) == tree_digest(fresh)

    both("--as-of", "2024-06-01")
    second = {"title: Acme Metals certified": "title: Second Metals certified", "date: 2024-01-10": "date: 2024-03-01", "entity: Acme Metals Ltd.": "entity: Second Metals Ltd"}
    content.announce("2024-03-01-second-metals.md", announcement(**second))
    both("--as-of", "2024-06-01")
    spare = site.parent / ".site-spare"
    assert not (spare / "entities/second-metals-ltd/index.html").exists()  # the spare is the site before
    (spare / "stray.html").write_text("not part of any build")
    (spare / "index.html").unlink()
    (spare / "entities/acme-metals-ltd/index.html").write_text("edited by hand")
    (content.root / "certifications/2024-03-01-second-metals.md").unlink()
    recycled = spare.stat().st_ino
    both("--as-of", "2024-07-01")  # its stray file, missing page and edit are not published
    assert site.stat().st_ino == recycled  # the spare's folder, not a new one
    both("--as-of", "2024-07-02")  # the spare again: it held the second site, with the removed company's pages
    assert not (site / "entities/second-metals-ltd").exists()


def test_a_spare_with_a_symbolic_link_is_deleted_not_recycled_and_nothing_is_written_through_it(content, certsite, tmp_path):
    site = tmp_path / "out/site"
    for as_of in ("2024-06-01", "2024-06-02"):
        assert certsite("build", "--content", content.root, "--output", site, "--no-search", "--as-of", as_of).code == 0
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    spare = site.parent / ".site-spare"
    shutil.rmtree(spare / "entities")
    (spare / "entities").symlink_to(elsewhere)
    assert certsite("build", "--content", content.root, "--output", site, "--no-search", "--as-of", "2024-06-03").code == 0
    assert list(elsewhere.iterdir()) == []
    assert (site / "entities").is_dir() and not (site / "entities").is_symlink()
    assert "2024-06-03" in (site / "index.html").read_text("utf-8")


@pytest.mark.parametrize("cache", ["with the cache", "--no-cache"])
def test_a_symbolic_link_named_like_the_spare_is_never_followed(content, certsite, tmp_path, cache):
    """A pull request can commit a symbolic link where the spare would be, pointing anywhere."""
    site = tmp_path / "out/site"
    assert certsite("build", "--content", content.root, "--output", site, "--no-search", "--as-of", "2024-06-01").code == 0
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / MARKER).write_bytes(MARKER_TEXT)  # even one that looks like certsite's
    (elsewhere / "precious.txt").write_text("keep me")
    (site.parent / ".site-spare").symlink_to(elsewhere)
    options = ["--no-cache"] if cache == "--no-cache" else []
    for as_of in ("2024-06-02", "2024-06-03"):
        assert certsite("build", "--content", content.root, "--output", site, "--no-search", "--as-of", as_of, *options).code == 0
        assert sorted(p.name for p in elsewhere.iterdir()) == [MARKER, "precious.txt"]
        assert as_of in (site / "index.html").read_text("utf-8")
        assert site.is_dir() and not site.is_symlink()


def test_a_spare_another_build_holds_is_left_to_it(content, certsite, tmp_path):
    site = tmp_path / "out/site"
    for as_of in ("2024-06-01", "2024-06-02"):
        assert certsite("build", "--content", content.root, "--output", site, "--no-search", "--as-of", as_of).code == 0
    spare = site.parent / ".site-spare"
    held = os.open(spare / MARKER, os.O_RDONLY)
    fcntl.flock(held, fcntl.LOCK_EX)  # as a build that is claiming it
    try:
        assert certsite("build", "--content", content.root, "--output", site, "--no-search", "--as-of", "2024-06-03").code == 0
        assert "2024-06-01" in (spare / "index.html").read_text("utf-8")  # untouched
        assert "2024-06-03" in (site / "index.html").read_text("utf-8")
    finally:
        os.close(held)


def test_on_a_file_system_that_ignores_case_a_page_written_under_another_case_is_kept(tmp_path):
    """macOS: the spare's News/x/index.html is the file just written as news/x/index.html."""
    staging = tmp_path / "staging"
    (staging / "news/x").mkdir(parents=True)
    (staging / "news/x/index.html").write_text("the new page")
    (staging / "News/x").mkdir(parents=True)
    os.link(staging / "news/x/index.html", staging / "News/x/index.html")  # one file under two names, as there
    (staging / "gone").mkdir()
    (staging / "gone/index.html").write_text("a page no longer built")
    earlier = {"News/x/index.html", "news/x/index.html", "gone/index.html"}
    publish_module._remove_unwritten(staging, earlier, {"news/x/index.html"})
    assert (staging / "News/x/index.html").read_text() == "the new page"
    assert not (staging / "gone").exists()


def test_without_the_cache_no_spare_is_kept(content, certsite, tmp_path):
    site = tmp_path / "out/site"
    for as_of in ("2024-06-01", "2024-06-02"):
        assert certsite("build", "--content", content.root, "--output", site, "--no-search", "--as-of", as_of).code == 0
    assert (site.parent / ".site-spare").is_dir()
    assert certsite("build", "--content", content.root, "--output", site, "--no-search", "--no-cache", "--as-of", "2024-06-03").code == 0
    assert sorted(p.name for p in site.parent.iterdir()) == ["site"]


# --- Killing builds at many moments -----------------------------------------------------------

# Runs a build that SIGKILLs itself at one step, which no timing from outside hits reliably.
KILL_AT_STEP = """
import os, signal, subprocess, sys
import certsite.publish as publish
import certsite.search as search

def die():
    os.kill(os.getpid(), signal.SIGKILL)

point, exchange = sys.argv[1], publish._exchange

def exchange_then(first, second):
    if point == "before the exchange":
        die()
    done = exchange(first, second)
    if point == "after the exchange":
        die()
    if point == "while removing the previous site":
        removals = []
        real_rmtree = publish.shutil.rmtree

        def rmtree(path, ignore_errors=False):
            real_rmtree(path, ignore_errors=ignore_errors)
            removals.append(path)
            if len(removals) == 3:
                die()

        publish.shutil.rmtree = rmtree
    return done

publish._exchange = exchange_then
if point == "while recycling the spare":
    replacements = []
    real_replace_file = publish.replace_file

    def replace_file(root, relative, content):
        replacements.append(relative)
        if len(replacements) == 3:
            die()
        return real_replace_file(root, relative, content)

    publish.replace_file = replace_file
if point == "as Pagefind starts":
    launch = search._launch
    search._launch = lambda command: (launch(command), die())
from certsite.cli import main
# Without the cache, the previous site is removed; with it, it is kept as the spare.
sys.exit(main(sys.argv[2:] + (["--no-cache"] if point == "while removing the previous site" else [])))
"""
# The last comes after a build that published in full, so there is a spare to recycle.
STEPS = ("as Pagefind starts", "before the exchange", "after the exchange", "while removing the previous site", "while recycling the spare")
PR_SET_CHILD_SUBREAPER = 36


@contextmanager
def adopting_orphans():
    """Make this process the one that orphans of its descendants are handed to, so that a
    Pagefind outliving its build becomes our child, whose end we can see."""
    prctl = ctypes.CDLL(None, use_errno=True).prctl
    if prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        pytest.skip("cannot become a child subreaper")
    try:
        yield
    finally:
        prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)


def adopted_pagefinds() -> list[int]:
    """Our children named pagefind*: Pagefind processes whose build died (zombies included)."""
    return pagefind_children(os.getpid())


def reap(pid: int, seconds: float = 60) -> int:
    """Wait (bounded) for an adopted child to end; return its wait status."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        time.sleep(0.01)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    raise AssertionError(f"Pagefind {pid} was still running {seconds} s after its build was killed")


def pagefind_processes(build: int) -> list[int]:
    """Pagefind processes that the build with process id ``build`` started (Pagefind is fed
    the pages over a pipe, so its command line names no folder)."""
    return pagefind_children(build)


def kill_build(command: list[str], delay: float | None, after_pagefind_starts: float | None) -> tuple[list[int], bool]:
    """Start a build and SIGKILL it after ``delay`` s, or ``after_pagefind_starts`` s after
    Pagefind is seen running; or let it kill itself. Return the wait status of every
    Pagefind process the build left behind, and whether one was running as it was killed
    (Pagefind indexes a small register in milliseconds: it may be done, and waited for by
    its build, before the kill)."""
    process = subprocess.Popen(command, cwd=PROJECT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    running = False
    try:
        if after_pagefind_starts is not None:
            deadline = time.monotonic() + 60
            while not pagefind_processes(process.pid) and process.poll() is None and time.monotonic() < deadline:
                time.sleep(0.001)
            time.sleep(after_pagefind_starts)
        elif delay is not None:
            time.sleep(delay)
        else:
            process.wait(timeout=120)  # it kills itself
        if process.poll() is None:
            # Stopped first, so that it cannot reap a Pagefind that ends between the look and
            # the kill: one that ends then is handed to us with the rest.
            process.send_signal(signal.SIGSTOP)
            running = bool(pagefind_processes(process.pid))
            process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        assert process.returncode == -signal.SIGKILL or delay is not None, "the build was meant to die by SIGKILL"
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)
    # The build's children were handed to us as it died, before its wait above returned.
    return [reap(pid) for pid in adopted_pagefinds()], running


def killed_with_the_build(status: int) -> bool:
    return os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL


@pytest.mark.skipif(not LINUX, reason="reads /proc; Pagefind dies with the build through Linux's PR_SET_PDEATHSIG")
def test_a_build_killed_at_any_moment_leaves_the_old_or_the_new_site_and_no_orphan(tmp_path):
    started = time.monotonic()
    old, new = tmp_path / "old", tmp_path / "new"
    shutil.copytree(ASI_REGISTER, old)
    shutil.copytree(ASI_REGISTER, new)
    announcement = new / "certifications/2024-01-10-baotou-aluminium.md"
    announcement.write_text(announcement.read_text("utf-8") + "\nA later edition adds this sentence.\n", encoding="utf-8")
    durations = [build(old, tmp_path / "reference-old/site"), build(new, tmp_path / "reference-new/site")]
    digests = {"old": tree_digest(tmp_path / "reference-old/site"), "new": tree_digest(tmp_path / "reference-new/site")}
    assert digests["old"] != digests["new"]
    contents = {"old": old, "new": new}
    work = tmp_path / "work"
    output = work / "site"
    durations.append(build(old, output))
    duration = sorted(durations)[1]  # the median of three builds
    state = "old"
    timed = [duration * (number + 0.5) / 10 for number in range(10)]  # spread over the whole build
    while_indexing = [0.0, 0.005, 0.01, 0.02]  # seconds after Pagefind is seen running: it runs for longer
    points = [("timed", delay) for delay in timed] + [("indexing", delay) for delay in while_indexing] + [("step", step) for step in STEPS]
    pagefinds_killed = leftovers_found = 0
    with adopting_orphans():
        for number, (kind, point) in enumerate(points):
            assert time.monotonic() - started < 300, "the kill test is taking far too long"
            target = "new" if state == "old" else "old"
            if kind == "step":
                command = [sys.executable, "-c", KILL_AT_STEP, point, *build_command(contents[target], output)[3:]]
                ends, _ = kill_build(command, None, None)
                running = point == "as Pagefind starts"  # the build kills itself once Pagefind has started
            else:
                command = build_command(contents[target], output)
                ends, running = kill_build(command, point if kind == "timed" else None, point if kind == "indexing" else None)
            # Each Pagefind the killed build left died with it, unless it had finished its work
            # in the instant before the kill (on a small register it can).
            assert all(end == 0 or killed_with_the_build(end) for end in ends), f"Pagefind outlived its build ({kind}, {point}): {ends}"
            if running:  # one was running when its build was killed: it was handed to us
                assert ends, f"Pagefind outlived its build ({kind}, {point}): {ends}"
            pagefinds_killed += sum(map(killed_with_the_build, ends))
            assert wait_until_gone(str(work)) == [], f"a process of the killed build outlived it ({kind}, {point})"
            assert output.is_dir(), f"no site after a kill ({kind}, {point})"
            found = tree_digest(output)
            assert found in (digests["old"], digests["new"]), f"neither the old nor the new site after a kill ({kind}, {point})"
            state = "old" if found == digests["old"] else "new"
            leftovers_found += bool(leftovers(output))
            if number % 2 == 1 or number == len(points) - 1:
                # After every second kill (so that leftovers of two may pile up), the next
                # build publishes in full and leaves nothing beside the output.
                target = "new" if state == "old" else "old"
                build(contents[target], output)
                state = target
                assert tree_digest(output) == digests[state]
                assert leftovers(output) == [], f"leftovers after the build that followed a kill ({kind}, {point})"
    print(
        f"\n{len(points)} kills over a {duration:.2f} s build: {pagefinds_killed} Pagefind processes died with their build, "
        f"{leftovers_found} kills left folders for the next build; {time.monotonic() - started:.0f} s in all"
    )
    assert pagefinds_killed >= 1  # the kills while indexing reached a running Pagefind (it may finish first on a fast run)
    assert leftovers_found >= 2  # at least the kills after the exchange
