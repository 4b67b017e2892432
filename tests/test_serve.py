"""An editor previews with `certsite serve`: edits appear by themselves, errors show in the browser."""

from __future__ import annotations

import http.client
import os
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from browser import chromium_browser
from conftest import PROJECT, SITE_YAML, announcement
from generated import published_with_findings, write_generated_register

FILE = "certifications/2024-01-10-acme-metals.md"


@dataclass
class Served:
    process: subprocess.Popen[str]
    output: list[str]  # what it printed so far, read by a thread to its end
    reader: threading.Thread
    address: str  # http://127.0.0.1:PORT
    root: str  # the path the register is served under
    workdir: Path  # the temporary folder it builds into

    def wait_for_line(self, text: str, timeout: float = 10) -> bool:
        """Whether it printed ``text`` within ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while text not in "".join(self.output):
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True

    def stop(self, signum: int = signal.SIGINT) -> str:
        """Send ``signum``; return all it printed once it exited (it gets 10 s)."""
        self.process.send_signal(signum)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            self.reader.join(timeout=5)
            pytest.fail(f"certsite serve did not stop within 10 s of signal {signum}:\n{''.join(self.output)}")
        self.reader.join(timeout=5)
        return "".join(self.output)


@pytest.fixture
def serve_process(content):
    """Starts `certsite serve` as its own process on a free port; whatever a test leaves running is killed."""
    started: list[subprocess.Popen[str]] = []

    def start(root: Path | None = None, as_of: str = "2024-06-01", search: bool = False, while_building: Callable[[list[str]], None] | None = None) -> Served:
        """``while_building`` runs in a thread of its own once the first build has begun,
        given what the server has printed so far (the list grows)."""
        options = [] if search else ["--no-search"]
        process = subprocess.Popen(
            [sys.executable, "-m", "certsite", "serve", "--content", str(root or content.root), "--port", "0", *options, "--as-of", as_of],
            cwd=PROJECT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        started.append(process)
        output: list[str] = []
        serving = threading.Event()

        def read() -> None:  # to the end, so the server never blocks on a full pipe
            for line in process.stdout:
                output.append(line)
                if "Building into" in line and while_building:
                    threading.Thread(target=while_building, args=(output,), daemon=True).start()
                if "Serving on" in line:
                    serving.set()
            serving.set()  # it ended without serving

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        if not serving.wait(timeout=60):
            pytest.fail("certsite serve did not start within 60 s:\n" + "".join(output))
        text = "".join(output)
        address = re.search(r"Serving on (http://127\.0\.0\.1:\d+)(/\S*)", text)
        workdir = re.search(r"Building into (\S*certsite-serve-\S+) ", text)
        assert address and workdir, "certsite serve did not start:\n" + text
        return Served(process, output, reader, address.group(1), address.group(2), Path(workdir.group(1)))

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.fixture
def server(serve_process):
    """`certsite serve` as its own process on a free port; yields its address, then stops it with Ctrl-C."""
    served = serve_process()
    yield served.address
    rest = served.stop(signal.SIGINT)  # what Ctrl-C sends
    assert served.process.returncode == 0 and "Stopped." in rest


def wait_for_text(page, selector: str, text: str, timeout: float = 15000) -> None:
    page.wait_for_function(
        "([selector, text]) => { const e = document.querySelector(selector); return e && e.textContent.includes(text); }",
        arg=[selector, text], timeout=timeout,
    )


def test_an_edit_reloads_the_open_page_with_the_new_content(content, server):
    with chromium_browser() as browser:
        page = browser.new_page()
        page.goto(f"{server}/certifications/2024-01-10-acme-metals/")
        assert page.locator("h1").inner_text() == "Acme Metals certified"
        content.announce("2024-01-10-acme-metals.md", announcement(**{"title: Acme Metals certified": "title: Acme Metals certified again"}))
        wait_for_text(page, "h1", "Acme Metals certified again")


def test_a_link_followed_as_a_rebuild_finishes_is_not_cancelled_by_the_reload(content, serve_process):
    """An editor clicks through to another page just as a rebuild ends: the open page's
    live reload must not cancel the navigation under way and leave them where they were."""
    served = serve_process()
    with chromium_browser() as browser:
        page = browser.new_page()
        page.goto(f"{served.address}/certifications/2024-01-10-acme-metals/")
        builds = "".join(served.output).count("Built ")
        rebuilt: list[bool] = []

        def hold_until_rebuilt(route) -> None:
            # The request is on its way, so the navigation has begun: now the rebuild ends.
            content.announce("2024-01-10-acme-metals.md", announcement(**{"title: Acme Metals certified": "title: Acme Metals certified again"}))
            deadline = time.monotonic() + 8  # well within the 10 s after which the open page catches up anyway
            while "".join(served.output).count("Built ") == builds and time.monotonic() < deadline:
                time.sleep(0.05)
            rebuilt.append("".join(served.output).count("Built ") > builds)
            time.sleep(1)  # the open page has heard of the new build by now
            route.continue_()

        page.route("**/entities/acme-metals-ltd/", hold_until_rebuilt)
        page.locator("dl.facts a[href$='/entities/acme-metals-ltd/']").first.click()
        page.wait_for_load_state()
        assert rebuilt == [True], "the rebuild took more than 8 s:\n" + "".join(served.output)
        assert page.url.endswith("/entities/acme-metals-ltd/")
        assert "Acme Metals certified again" in page.locator("main").inner_text()
    served.stop()


def test_an_invalid_edit_shows_the_error_and_a_fix_recovers(content, server):
    with chromium_browser() as browser:
        page = browser.new_page()
        page.goto(f"{server}/entities/acme-metals-ltd/")
        content.announce("2024-01-10-acme-metals.md", announcement(**{'country: "NO"': "country: XX"}))
        wait_for_text(page, "h1", "The site could not be built")
        errors = page.locator(".build-errors").inner_text()
        assert f"{FILE}:7: error: 'XX' is not an ISO 3166-1 alpha-2 country code" in errors
        assert "country: XX" in errors  # the offending line is shown
        page.goto(f"{server}/")  # every page shows the errors, not a stale site
        assert page.locator("h1").inner_text() == "The site could not be built"
        content.announce("2024-01-10-acme-metals.md", announcement())
        wait_for_text(page, "h1", "Test Register")


def test_serve_answers_unknown_addresses_with_the_404_page(server):
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(f"{server}/no/such/page/", timeout=10)
    assert error.value.code == 404
    assert b"Page not found" in error.value.read()


def open_event_stream(address: str) -> http.client.HTTPResponse:
    """A live-reload stream as an open page holds it; returns once the first message arrived."""
    connection = http.client.HTTPConnection(address.removeprefix("http://"), timeout=10)
    connection.request("GET", "/__certsite/events")
    response = connection.getresponse()
    assert response.status == 200 and response.getheader("Content-Type") == "text/event-stream"
    assert response.fp.readline().startswith(b"data: ")
    return response


RELOAD_TAG = re.compile(rb'<script src="/__certsite/reload\.js" data-generation="\d+"></script>')


def test_a_burst_of_200_concurrent_requests_all_succeed_while_event_streams_stay_open(serve_process):
    served = serve_process()
    site = served.workdir / "site"
    files = sorted(p for p in site.rglob("*") if p.is_file() and p.suffix in {".html", ".css", ".svg", ".js", ".xml", ".txt", ".json"})
    pages = [f for f in files if f.suffix == ".html" and f.name == "index.html"]
    static = [f for f in files if f.suffix != ".html"]
    assert len(pages) >= 5 and len(static) >= 4
    mixed = [f for pair in zip(pages * 4, static * 10) for f in pair]  # a page, a static file, a page, ...
    streams = [open_event_stream(served.address) for _ in range(4)]  # open pages: they must not hold the others up
    count = 200
    start = threading.Barrier(count)

    def fetch(index: int) -> tuple[float, int, bool]:
        file = mixed[index % len(mixed)]
        relative = file.relative_to(site).as_posix()
        url = served.address + "/" + (relative.removesuffix("index.html") if file.name == "index.html" else relative)
        start.wait(timeout=30)
        began = time.perf_counter()
        with urllib.request.urlopen(url, timeout=30) as response:  # generous: this checks answers, not speed
            status, body = response.status, response.read()
        seconds = time.perf_counter() - began
        expected = file.read_bytes()
        if file.suffix == ".html":  # served with the live-reload script added
            right = RELOAD_TAG.search(body) is not None and RELOAD_TAG.sub(b"", body, count=1) == expected
        else:
            right = body == expected
        return seconds, status, right

    with ThreadPoolExecutor(max_workers=count) as pool:
        results = list(pool.map(fetch, range(count)))
    assert [status for _, status, _ in results] == [200] * count
    assert all(right for _, _, right in results), "a body differs from the built file"
    # Figures only; the goal (p99 under 200 ms) is measured by bench/serve_burst.py, not asserted here.
    times = sorted(seconds * 1000 for seconds, _, _ in results)
    print(f"\n{count} concurrent requests: p50 {statistics.median(times):.0f} ms, "
          f"p90 {times[int(count * 0.9) - 1]:.0f} ms, p99 {times[int(count * 0.99) - 1]:.0f} ms")
    for stream in streams:
        assert not stream.isclosed()
        stream.close()
    with urllib.request.urlopen(served.address + "/", timeout=10) as response:
        assert response.status == 200
    rest = served.stop(signal.SIGINT)
    assert served.process.returncode == 0 and "Stopped." in rest


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_stops_the_server_cleanly_and_removes_its_temporary_folder(serve_process, signum):
    served = serve_process()
    assert served.workdir.name.startswith("certsite-serve-") and (served.workdir / "site" / "index.html").is_file()
    stream = open_event_stream(served.address)  # an open page must not keep the server from stopping
    idle = http.client.HTTPConnection(served.address.removeprefix("http://"), timeout=10)
    idle.connect()  # nor a client that connects and sends nothing
    began = time.monotonic()
    rest = served.stop(signum)
    assert time.monotonic() - began < 5, rest
    assert served.process.returncode == 0, rest
    assert "Stopped." in rest and "Traceback" not in rest, rest
    assert not served.workdir.exists()
    stream.close()
    idle.close()


def test_a_register_under_a_sub_path_is_served_there(content, serve_process):
    content.write("site.yaml", SITE_YAML.replace("https://register.example.org/", "https://example.org/register/"))
    served = serve_process()
    assert served.root == "/register/"
    opener = urllib.request.build_opener(type("NoRedirect", (urllib.request.HTTPRedirectHandler,), {"redirect_request": lambda *a: None}))
    with pytest.raises(urllib.error.HTTPError) as redirect:
        opener.open(served.address + "/", timeout=10)
    assert redirect.value.code == 302 and redirect.value.headers["Location"] == "/register/"
    with urllib.request.urlopen(served.address + "/register/certifications/2024-01-10-acme-metals/", timeout=10) as response:
        assert b"Acme Metals certified" in response.read()
    with pytest.raises(urllib.error.HTTPError) as outside:
        urllib.request.urlopen(served.address + "/certifications/", timeout=10)
    assert outside.value.code == 404
    served.stop()


def test_open_event_streams_and_silent_clients_do_not_starve_other_requests(serve_process):
    served = serve_process()
    host = served.address.removeprefix("http://")
    streams = [open_event_stream(served.address) for _ in range(12)]  # more than the server's pool of workers
    silent = [http.client.HTTPConnection(host, timeout=10) for _ in range(12)]
    for connection in silent:
        connection.connect()  # and sends nothing: the server waits 60 s for its request
    # Answered well before the silent clients time out: the server adds workers when all are held up.
    with urllib.request.urlopen(served.address + "/entities/acme-metals-ltd/", timeout=10) as response:
        assert response.status == 200 and b"Acme Metals Ltd." in response.read()
    for connection in [*streams, *silent]:
        connection.close()
    rest = served.stop(signal.SIGTERM)
    assert served.process.returncode == 0 and "Traceback" not in rest and not served.workdir.exists()


def test_a_saved_announcement_shows_on_every_page_that_lists_it_and_search_catches_up(serve_process, tmp_path):
    """An editor of a register of 300 announcements saves a new title: the open page shows
    it at once, so does its entity page, then a criterion page listing its finding; only
    the pages that show the announcement are rendered again, and search finds the new
    title soon after."""
    content = tmp_path / "generated"
    write_generated_register(content, 300)
    file = published_with_findings(content, "2026-11-24")
    slug = file.stem
    served = serve_process(content, as_of="2026-11-24", search=True)
    with chromium_browser() as browser:
        page = browser.new_page()
        page.goto(f"{served.address}/certifications/{slug}/")
        entity_href = page.locator("dl.facts a[href*='/entities/']").first.get_attribute("href")
        criterion_href = page.locator("table.findings a[href*='/criteria/']").first.get_attribute("href")
        text = file.read_text("utf-8")
        old_title = next(line for line in text.splitlines() if line.startswith("title:"))
        file.write_text(text.replace(old_title, "title: Zanzibarite Smelting renamed its certified site", 1), encoding="utf-8")
        try:
            wait_for_text(page, "h1", "Zanzibarite Smelting renamed its certified site", timeout=30000)
        except Exception:
            pytest.fail("the open page never showed the new title:\n" + "".join(served.output))
        # Shown at once, before the rest of the site is rebuilt: the page and its company's page.
        assert served.wait_for_line("Showed the edit on 2 pages"), "".join(served.output)
        # Each page from here on opens in a tab of its own: the tab before may be reloading
        # itself as the update ends, and a reload crossing a navigation can cancel it.
        page.close()
        page = browser.new_page()
        page.goto(f"{served.address}{entity_href}")
        wait_for_text(page, "main", "Zanzibarite Smelting renamed its certified site")
        # Then the rebuild brings the pages that list it up to date.
        page.close()
        page = browser.new_page()
        page.goto(f"{served.address}{criterion_href}")
        try:
            wait_for_text(page, "main", "Zanzibarite Smelting renamed its certified site", timeout=30000)
        except PlaywrightTimeoutError:
            pytest.fail("the criterion page never showed the new title:\n" + "".join(served.output))
        # The update writes pages in place, so one can show before the update reports itself.
        deadline = time.monotonic() + 30
        while len(rebuilt := re.findall(r"Built (\d+) pages \((\d+) rendered", log := "".join(served.output))) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(rebuilt) >= 2 and int(rebuilt[-1][1]) < int(rebuilt[-1][0]) // 4, log  # only what shows the announcement
        page.close()
        page = browser.new_page()
        page.goto(f"{served.address}/search/?q=Zanzibarite")
        assert "search catches up" in page.locator("main").inner_text()
        deadline = time.monotonic() + 120
        while True:
            # The search runs after the page loads: read the results once it says how many
            # there are. A page that loaded as the index was swapped may never say; reload it.
            try:
                page.wait_for_function("() => document.querySelector('#search-count')?.textContent.trim()", timeout=30000)
                if "Zanzibarite" in page.locator("#search-results").inner_text():
                    break
            except PlaywrightTimeoutError:
                pass
            assert time.monotonic() < deadline, "search never caught up with the edit:\n" + "".join(served.output)
            time.sleep(1)
            page.reload()
    served.stop()


def test_a_file_saved_during_the_first_build_is_built_right_after_it(serve_process, tmp_path):
    """The first build of a large register takes a while: an announcement saved meanwhile
    shows once it is done, without the editor saving it again."""
    content = tmp_path / "generated"
    write_generated_register(content, 600)
    file = published_with_findings(content, "2026-11-24")  # among the first files the build reads
    saved_while_building: list[bool] = []

    def save(output: list[str]) -> None:
        time.sleep(0.5)  # the build has read the first files by now, and goes on for seconds
        text = file.read_text("utf-8")
        old_title = next(line for line in text.splitlines() if line.startswith("title:"))
        file.write_text(text.replace(old_title, "title: Saved while the first build ran", 1), encoding="utf-8")
        saved_while_building.append("Serving on" not in "".join(output))

    served = serve_process(content, as_of="2026-11-24", while_building=save)
    address = f"{served.address}/certifications/{file.stem}/"
    deadline = time.monotonic() + 30
    while b"Saved while the first build ran" not in urllib.request.urlopen(address, timeout=10).read():
        assert time.monotonic() < deadline, "the edit saved during the first build never showed:\n" + "".join(served.output)
        time.sleep(0.2)
    assert saved_while_building == [True], "the first build ended before the edit; the test proves nothing:\n" + "".join(served.output)
    served.stop()


def test_saves_during_the_first_build_are_built_together_once_it_ends(serve_process, tmp_path):
    """An editor who saves three times while the first build of a large register runs
    waits for one more build, which shows the last save, not for three in a row."""
    content = tmp_path / "generated"
    write_generated_register(content, 600)
    file = published_with_findings(content, "2026-11-24")  # among the first files the build reads
    saved_while_building: list[bool] = []

    def save_three_times(output: list[str]) -> None:
        text = file.read_text("utf-8")
        old_title = next(line for line in text.splitlines() if line.startswith("title:"))
        time.sleep(0.2)  # the build has read the file by now (at 0.5 s below), and goes on for seconds
        for number in (1, 2, 3):
            time.sleep(0.3)  # longer than the debounce: each save is a burst of its own
            saved = tmp_path / "saving.md"  # then moved into place whole, as editors save, never read half-written
            saved.write_text(text.replace(old_title, f"title: Save number {number}", 1), encoding="utf-8")
            os.replace(saved, file)
        time.sleep(0.4)  # the last burst has called for its build
        saved_while_building.append("Serving on" not in "".join(output))

    # With search, the first build takes seconds: Pagefind indexes the site after the pages.
    served = serve_process(content, as_of="2026-11-24", search=True, while_building=save_three_times)
    deadline = time.monotonic() + 30
    while "".join(served.output).count("Built ") < 2:
        assert time.monotonic() < deadline, "no build followed the saves:\n" + "".join(served.output)
        time.sleep(0.1)
    time.sleep(2)  # a build queued behind it would have run by now: an update takes a fraction of a second
    page = urllib.request.urlopen(f"{served.address}/certifications/{file.stem}/", timeout=10).read()
    output = served.stop()
    assert saved_while_building == [True], "the first build ended before the saves; the test proves nothing:\n" + output
    assert b"Save number 3" in page, "the build after the saves does not show the last one:\n" + output
    assert output.count("Built ") == 2, "expected the first build and one more:\n" + output


def test_a_template_failing_half_way_shows_the_error_and_its_fix_restores_the_whole_site(content, serve_process, tmp_path):
    """A register's own template fails in Python (1 // 0) on announcement pages only, so
    the preview's update has already written other pages when it stops: every page
    shows the error, and once the template is removed again the served site is exactly
    what a build of the same content writes, with no page left from the failed one."""
    templates = content.root.parent / "templates"
    templates.mkdir()
    (templates / "static").mkdir()
    served = serve_process()
    base = (PROJECT / "certsite/templates/base.html").read_text("utf-8")
    (templates / "static" / "extra.css").write_text("p { color: teal }", encoding="utf-8")
    (templates / "base.html").write_text(base.replace("<body", "{% if announcement is defined %}{{ 1 // 0 }}{% endif %}<p>BANNER</p><body", 1), encoding="utf-8")

    def home() -> tuple[int, str]:
        try:
            with urllib.request.urlopen(served.address + "/", timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    deadline = time.monotonic() + 30
    while home()[0] != 500:
        assert time.monotonic() < deadline, "the failed build never showed:\n" + "".join(served.output)
        time.sleep(0.2)
    assert "ZeroDivisionError" in home()[1] and "announcement.html" in home()[1]
    (templates / "base.html").unlink()
    (templates / "static" / "extra.css").unlink()
    while home()[0] != 200:
        assert time.monotonic() < deadline + 30, "the fix never showed:\n" + "".join(served.output)
        time.sleep(0.2)
    reference = tmp_path / "reference"
    subprocess.run(
        [sys.executable, "-m", "certsite", "build", "--content", str(content.root), "--templates", str(templates), "--output", str(reference), "--no-search", "--no-cache", "--as-of", "2024-06-01"],
        cwd=PROJECT, check=True, capture_output=True,
    )
    served_site = served.workdir / "site"
    served_files = {p.relative_to(served_site).as_posix(): p.read_bytes() for p in served_site.rglob("*") if p.is_file()}
    built_files = {p.relative_to(reference).as_posix(): p.read_bytes() for p in reference.rglob("*") if p.is_file()}
    assert sorted(path for path in served_files.keys() | built_files.keys() if served_files.get(path) != built_files.get(path)) == []
    assert "Traceback" not in "".join(served.output)
    served.stop()
