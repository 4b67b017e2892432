"""Development server: build, serve, watch, rebuild, and reload open pages.

The site is built into a temporary folder outside the watched tree, so the server
never watches its own output. A failed rebuild keeps the last good site on disk,
but every page then shows the errors instead, until a fix makes the build pass.
Open pages reload themselves through a server-sent event stream.

After the first build a saved change shows in steps, each reloading the open pages:
an edited announcement's own page and its company's page at once (``preview``: 0.1 s
at 10,000 announcements), then the rest of the site, updated in place (``update``:
5 s), then, in the background, search (``_Indexer``).

Requests are answered by a small pool of daemon threads (see ``_Server``) from a
listen queue long enough for a burst; the event streams that open pages hold leave
the pool, so they never keep other requests waiting, and a build (in the watcher's
thread, under its own lock) never blocks request handling. Ctrl-C (SIGINT) and
SIGTERM both stop the server the same way: the watcher stops, the event streams
end, a build in progress may finish, the socket closes and the temporary folder is
removed.
"""

from __future__ import annotations

import dataclasses
import html
import os
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from functools import partial
from http.server import HTTPServer, SimpleHTTPRequestHandler
from pathlib import Path
from typing import Callable

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from certsite import urls
from certsite.build import BuildOptions, BuildReport, build, template_dirs, update
from certsite.cache import Cache
from certsite.errors import BuildError, ContentError, format_diagnostic
from certsite.load import Progress, source_lines
from certsite.preview import Snapshot, edited_pages
from certsite.publish import replace_file, replace_folder
from certsite.search import INDEX_DIR

RELOAD_SCRIPT_URL = "/__certsite/reload.js"
EVENTS_URL = "/__certsite/events"
DEBOUNCE_SECONDS = 0.2
LISTEN_BACKLOG = 1024  # a burst of requests waits in the kernel's queue instead of being refused and retried seconds later
KEEP_ALIVE_SECONDS = 15
POOL_WORKERS = 16  # more than the connections a browser keeps open to one host
STALL_SECONDS = 0.1
POLL_SECONDS = 0.05  # how often the server looks for stalled connections
STOP_WAIT_SECONDS = 20  # how long stopping waits for a build in progress before removing its folder anyway

# On the preview's search page: the index is brought up to date after the pages (see _Indexer).
SEARCH_LAG_NOTE = (
    b'<p class="preview-note" role="note">Preview: search catches up with a saved change a little after the pages do '
    b"(a few seconds on a large register).</p>"
)

RELOAD_SCRIPT = b"""// certsite serve: reload this page when the site it shows has been rebuilt.
(function () {
  var shown = document.currentScript.dataset.generation, latest = shown, leaving = null;
  function reloadIfStale() { if (latest !== shown) { window.location.reload(); } }
  // A reload would cancel the page the editor is on the way to (a link followed as a build
  // ends), so it waits. If this page is still here 10 s later, the link was a download,
  // and the page catches up then. (Not on "beforeunload": with a listener for it,
  // Chromium can stall a navigation that a reload crosses.)
  function goingSomewhere() {
    clearTimeout(leaving);
    leaving = setTimeout(function () { leaving = null; reloadIfStale(); }, 10000);
  }
  // Heard last, after the page's own handlers, which may keep the browser where it is.
  window.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[href]") : null;
    if (link && !event.defaultPrevented && !event.ctrlKey && !event.metaKey && !event.shiftKey && !event.altKey &&
        link.target !== "_blank" && link.href.split("#")[0] !== window.location.href.split("#")[0]) { goingSomewhere(); }
  });
  window.addEventListener("submit", function (event) { if (!event.defaultPrevented) { goingSomewhere(); } });
  var source = new EventSource("/__certsite/events");
  source.onmessage = function (event) {
    // Each message names the latest build; one finished before this page connected counts too.
    latest = event.data;
    if (leaving === null) { reloadIfStale(); }
  };
})();
"""


@dataclass
class ServerState:
    """What the handler serves: the site folder, the current errors, and a build counter."""

    site_dir: Path
    errors: list[str] = field(default_factory=list)
    generation: int = 0
    changed: threading.Condition = field(default_factory=threading.Condition)
    site_root: str = "/"  # the path of base_url: a register published under a sub-path is served there too
    stopping: bool = False
    search_lags: bool = False  # the index is updated after the pages (see _Indexer)
    cache: Cache | None = None  # kept across rebuilds, its parsed announcements in memory

    def finished(self, errors: list[str], site_root: str | None = None) -> None:
        with self.changed:
            self.errors = errors
            self.site_root = site_root or self.site_root
            self.generation += 1
            self.changed.notify_all()

    def stop(self) -> None:
        """End the event streams; no build starts after this."""
        with self.changed:
            self.stopping = True
            self.changed.notify_all()


def rebuild(
    options: BuildOptions,
    state: ServerState,
    with_search: bool,
    log: Callable[[str], None],
    progress: Progress | None = None,
    keep_search_index: bool = False,
    shown: dict[str, str] | None = None,
) -> BuildReport | None:
    """Build into the served folder; on failure keep it and record the errors to show.
    ``shown``: the pages the served site has, by address and key, from the last build
    that passed; the site is then updated in place (see ``update``), keeping its search
    index. Return the build's report, or None when it failed.

    The served site moves on (``state.finished``) before the log says so: a page asked for
    once the log has spoken is of that build, and does not reload itself as it opens."""
    try:
        if shown is not None and state.cache is not None:
            report: BuildReport = update(options, state.site_dir, shown, state.cache)
        else:
            report = build(
                options, state.site_dir, Path.cwd(), with_search=with_search, progress=progress, keep_search_index=keep_search_index, cache=state.cache
            )
    except ContentError as error:
        errors = [format_diagnostic(d, source_lines(d.path)) for d in error.diagnostics]
        state.finished([*errors, f"{error}."])
        log("\n".join(errors) + f"\n{error}. Serving the error page until it is fixed.")
        return None
    except BuildError as error:
        state.finished([f"build failed: {error}"])
        log(f"build failed: {error}")
        return None
    except Exception as error:  # noqa: BLE001 - the preview shows it and carries on; the next change builds in full
        state.finished([f"build failed: {type(error).__name__}: {error}"])
        log(f"build failed: {type(error).__name__}: {error}")
        return None
    state.finished([], report.site_root)
    unchanged = "" if report.rendered == report.pages else f"; {report.pages - report.rendered} unchanged"
    log(f"Built {report.pages} pages ({report.rendered} rendered{unchanged}) in {report.seconds:.2f} s.")
    return report


def show_edits(snapshot: Snapshot, changed: set[Path], state: ServerState, log: Callable[[str], None]) -> None:
    """Show edited announcements' own pages at once, when that is all that changed (see
    ``preview``); the full rebuild that follows brings the rest of the site up to date."""
    started = time.perf_counter()
    try:
        pages = edited_pages(snapshot, changed)
        for path, content in sorted((pages or {}).items()):
            replace_file(state.site_dir, path, content)
    except Exception as error:  # noqa: BLE001 - the rebuild that follows shows the edit, or the error
        log(f"could not show the edit before the rebuild ({error}); rebuilding")
        return
    if pages:
        state.finished([])  # open pages reload
        log(f"Showed the edit on {len(pages)} page{'' if len(pages) == 1 else 's'} in {time.perf_counter() - started:.2f} s; now rebuilding the others.")


class _Indexer:
    """Brings the served site's search index up to date in the background.

    A change is shown at once by a build that keeps the previous index (indexing a large
    register takes many times longer than rendering the pages that changed). Then this
    builds the site again with search into a folder of its own, mostly from the cache,
    and swaps only its index into the served site. Changes saved meanwhile get one more
    pass. The search page says that, in the preview, search catches up a little later.
    """

    def __init__(self, options: BuildOptions, state: ServerState, workdir: Path, build_lock: threading.Lock, log: Callable[[str], None]):
        self.options, self.state, self.workdir, self.build_lock, self.log = options, state, workdir, build_lock, log
        self.wanted = threading.Event()
        self.thread = threading.Thread(target=self._run, name="certsite-search-index", daemon=True)
        self.thread.start()

    def request(self) -> None:
        self.wanted.set()

    def _run(self) -> None:
        while True:
            self.wanted.wait()
            if self.state.stopping:
                return
            self.wanted.clear()
            indexed = self.workdir / "indexed"
            try:
                report = build(self.options, indexed, self.workdir)
            except (ContentError, BuildError):
                continue  # the preview shows the errors; the next change asks again
            except Exception as error:  # noqa: BLE001 - the preview keeps running; search catches up with the next change
                self.log(f"the search index could not be brought up to date: {error!r}")
                continue
            with self.build_lock:
                if self.state.stopping or self.wanted.is_set():
                    continue  # a newer change: index that one instead
                replace_folder(indexed / INDEX_DIR, self.state.site_dir / INDEX_DIR)
            self.log(f"Search index brought up to date ({report.search.pages if report.search else 0} pages).")


def reload_tag(generation: int) -> str:
    return f'<script src="{RELOAD_SCRIPT_URL}" data-generation="{generation}"></script>'


def error_page(errors: list[str], generation: int) -> bytes:
    items = "\n".join(f"<li><pre>{html.escape(e)}</pre></li>" for e in errors)
    return (
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Build failed</title>"
        "<style>body{font:16px/1.5 system-ui,sans-serif;margin:2rem;color:#222}pre{white-space:pre-wrap;"
        "background:#fff4f4;border-left:4px solid #b00020;padding:.75rem}</style></head><body>"
        "<h1>The site could not be built</h1><p>Fix these problems; this page reloads by itself when the build passes.</p>"
        f"<ul class=\"build-errors\">{items}</ul>{reload_tag(generation)}</body></html>"
    ).encode("utf-8")


class _Stopped(Exception):
    """Ends serve_forever from inside its loop, between requests."""


class _Server(HTTPServer):
    """An HTTP server whose connections are handled by a small pool of daemon threads.

    A pool, rather than a new thread per connection, halves the CPU time of a request
    (0.45 to 0.22 ms), and keeps a burst from becoming hundreds of threads fighting for
    the GIL. Nothing can starve it: an event stream leaves the pool (``detach``), and
    when connections wait while no worker has taken one for ``STALL_SECONDS`` (every
    worker held up, say by clients that connect and send nothing), more workers start;
    each ends after its request while the pool is over its size.
    """

    request_queue_size = LISTEN_BACKLOG
    workers = POOL_WORKERS
    stop_requested = False  # set by a signal handler; serve_forever then ends

    def __init__(self, address: tuple[str, int], handler: Callable[..., object]):
        self._jobs: deque[tuple[socket.socket, object]] = deque()
        self._jobs_changed = threading.Condition()
        self._running = 0  # workers that count towards the pool's size
        self._idle = 0  # workers waiting for a job
        self._progress = time.monotonic()  # when a worker last took a job
        self._detached = threading.local()
        super().__init__(address, handler)  # type: ignore[arg-type]

    def process_request(self, request: socket.socket, client_address: object) -> None:  # type: ignore[override]
        with self._jobs_changed:
            self._jobs.append((request, client_address))
            self._jobs_changed.notify()
            grow = self._claim_place()
        if grow:
            self._start_worker()

    def service_actions(self) -> None:
        """Called by serve_forever at least every poll interval: stop if asked, give stalled connections workers."""
        if self.stop_requested:
            raise _Stopped
        now = time.monotonic()
        with self._jobs_changed:
            stuck = self._jobs and not self._idle and now - self._progress > STALL_SECONDS
            extra = min(len(self._jobs), self.workers) if stuck else 0
            self._running += extra
            if extra:
                self._progress = now  # give the new workers their chance before adding more
        for _ in range(extra):
            self._start_worker()

    def detach(self) -> None:
        """The calling worker serves a connection that stays open: the pool carries on without it."""
        self._detached.value = True
        with self._jobs_changed:
            self._running -= 1
            grow = self._claim_place()
        if grow:
            self._start_worker()

    def _claim_place(self) -> bool:
        """Under the lock: whether a waiting connection needs a worker the pool has room for
        (and, if so, that place is taken for the worker about to start)."""
        grow = len(self._jobs) > self._idle and self._running < self.workers
        if grow:
            self._running += 1
        return grow

    def _start_worker(self) -> None:
        threading.Thread(target=self._work, name="certsite-serve-worker", daemon=True).start()

    def _work(self) -> None:
        while True:
            with self._jobs_changed:
                self._idle += 1
                self._jobs_changed.wait_for(lambda: self._jobs)
                self._idle -= 1
                request, client_address = self._jobs.popleft()
                self._progress = time.monotonic()
            try:
                self.finish_request(request, client_address)  # type: ignore[arg-type]
            except Exception:
                self.handle_error(request, client_address)  # type: ignore[arg-type]
            finally:
                self.shutdown_request(request)
            if getattr(self._detached, "value", False):
                return  # its place in the pool was taken when it detached
            with self._jobs_changed:
                # Started for a stall: it stays while connections wait (leaving after one
                # request each, a burst behind stalled workers drained eight at a time).
                if self._running > self.workers and not self._jobs:
                    self._running -= 1
                    return

    def handle_error(self, request: socket.socket, client_address: object) -> None:  # type: ignore[override]
        if isinstance(sys.exc_info()[1], ConnectionError):
            return  # the browser went away mid-answer (a reload, a closed tab): nothing to report
        super().handle_error(request, client_address)  # type: ignore[arg-type]

    def server_close(self) -> None:
        super().server_close()
        with self._jobs_changed:
            waiting, self._jobs = list(self._jobs), deque()
        for request, _ in waiting:
            self.shutdown_request(request)


class _Handler(SimpleHTTPRequestHandler):
    state: ServerState
    timeout = 60  # a client that connects and sends nothing does not hold its thread for ever
    disable_nagle_algorithm = True  # headers and body go out at once, not after the client's delayed ACK

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass  # keep the terminal for build messages

    def do_GET(self) -> None:  # noqa: N802 - the base class's name
        path = self.path.split("?", 1)[0]
        if path == RELOAD_SCRIPT_URL:
            return self._send(200, "text/javascript; charset=utf-8", RELOAD_SCRIPT)
        if path == EVENTS_URL:
            return self._events()
        with self.state.changed:  # one consistent view of the errors and their build
            errors, generation, root = self.state.errors, self.state.generation, self.state.site_root
        if not path.startswith(root):
            if path == "/":  # the site lives under a sub-path, as it will when published
                self.send_response(302)
                self.send_header("Location", root)
                self.end_headers()
                return None
            return self._send(404, "text/plain; charset=utf-8", f"Not found: this register is served under {root}\n".encode())
        path = "/" + path[len(root):]
        self.path = path
        if errors and (path.endswith("/") or path.endswith(".html")):
            return self._send(500, "text/html; charset=utf-8", error_page(errors, generation))
        target = Path(self.translate_path(path))
        if target.is_dir():
            target = target / "index.html"
        if target.suffix == ".html" and target.is_file():
            page = target.read_bytes().replace(b"</body>", f"{reload_tag(generation)}</body>".encode(), 1)
            if path == urls.SEARCH and self.state.search_lags:
                page = page.replace(b"</main>", SEARCH_LAG_NOTE + b"</main>", 1)
            return self._send(200, "text/html; charset=utf-8", page)
        if not target.exists() and (self.state.site_dir / "404.html").is_file():
            return self._send(404, "text/html; charset=utf-8", (self.state.site_dir / "404.html").read_bytes())
        return super().do_GET()

    def _send(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def _events(self) -> None:
        self.server.detach()  # type: ignore[attr-defined]  # a stream stays open as long as its page
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        seen = -1
        state = self.state
        try:
            while True:
                with state.changed:
                    state.changed.wait_for(lambda: state.generation != seen or state.stopping, timeout=KEEP_ALIVE_SECONDS)
                    current, stopping = state.generation, state.stopping
                if stopping:
                    return
                # A comment line every 15 s keeps the connection open and detects closed tabs.
                message = f"data: {current}\n\n" if current != seen else ": keep-alive\n\n"
                self.wfile.write(message.encode())
                self.wfile.flush()
                seen = current
        except OSError:  # the page was closed or reloaded, or the client stopped reading
            return


class _Waiting:
    """The changes saved and not yet built.

    Each burst of saves calls for a build from a thread of its own (see ``_Debounced``),
    which waits while a build runs. Those that waited for the same build are built as
    one: the first to get its turn takes every change saved so far, and the others find
    none left. Three saves during a long first build then cost one more build, not three
    in a row."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._changed: set[Path] = set()
        self._wanted = False

    def add(self, changed: set[Path]) -> None:
        with self._lock:
            self._changed |= changed
            self._wanted = True  # an empty set too: the first build has no changed file

    def take(self) -> set[Path] | None:
        """Every change waiting, or None when a build took them already."""
        with self._lock:
            if not self._wanted:
                return None
            changed, self._changed, self._wanted = self._changed, set(), False
            return changed


class _Debounced(FileSystemEventHandler):
    """Runs ``action`` once, shortly after the last of a burst of file events, with every
    path the burst named."""

    def __init__(self, action: Callable[[set[Path]], None]):
        self.action = action
        self.timer: threading.Timer | None = None
        self.lock = threading.Lock()
        self.changed: set[Path] = set()

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write"):
            return
        with self.lock:
            # A folder is "modified" when a file in it is: that file's own event says what changed.
            if not (event.is_directory and event.event_type == "modified"):
                self.changed.update(Path(os.fsdecode(path)) for path in (event.src_path, getattr(event, "dest_path", "")) if path)
            if self.timer is not None:
                self.timer.cancel()
            self.timer = threading.Timer(DEBOUNCE_SECONDS, self._fire)
            self.timer.daemon = True
            self.timer.start()

    def _fire(self) -> None:
        with self.lock:
            changed, self.changed = self.changed, set()
        self.action(changed)

    def cancel(self) -> None:
        with self.lock:
            if self.timer is not None:
                self.timer.cancel()


def serve(options: BuildOptions, port: int, with_search: bool = True, log: Callable[[str], None] = print, progress: Progress | None = None) -> None:
    """Serve on 127.0.0.1:``port`` until Ctrl-C (SIGINT) or SIGTERM; either stops it cleanly."""
    if not options.content_dir.is_dir():
        raise BuildError(f"{options.content_dir} is not a folder; run certsite serve in the register's folder, or name the content with --content DIR")
    watched = (options.content_dir, *template_dirs(options))
    workdir = Path(tempfile.mkdtemp(prefix="certsite-serve-"))
    if options.cache_dir is None:
        options = dataclasses.replace(options, cache_dir=workdir / "cache")  # a rebuild renders only what changed
    state = ServerState(site_dir=workdir / "site", cache=Cache(options.cache_dir, records_in_memory=True))
    build_lock = threading.Lock()
    waiting = _Waiting()
    indexer: _Indexer | None = None

    snapshot: Snapshot | None = None  # what the served site was built from, while it builds
    shown: dict[str, str] | None = None  # its pages' keys by address, after a build that passed

    def on_change(changed: set[Path]) -> None:
        nonlocal indexer, snapshot, shown
        waiting.add(changed)
        with build_lock:  # one build at a time
            if state.stopping:
                return
            taken = waiting.take()
            if taken is None:
                return  # built already: a build that another burst called for took it
            changed = taken
            if snapshot is not None and not state.errors:
                show_edits(snapshot, changed, state, log)
            if not state.generation:
                report = rebuild(options, state, with_search, log, progress)  # the first build, with its index
                if with_search:
                    indexer = _Indexer(options, state, workdir, build_lock, log)
                    state.search_lags = True
            else:
                # In place while the last build passed; in full after a failure, which may have left half a site.
                previous, shown = shown, None  # until this build passes, whatever stops it
                report = rebuild(options, state, False, log, keep_search_index=with_search, shown=previous)
                if report and indexer is not None:
                    indexer.request()
            snapshot = Snapshot(report.corpus, report.renderer, options.build_date, options.include_drafts) if report and report.corpus and report.renderer else None
            shown = report.page_keys if report else None

    handler = type("Handler", (_Handler,), {"state": state})
    observer = Observer()
    watcher = _Debounced(on_change)
    server: _Server | None = None
    serving = threading.Event()

    def stop(signum: int, frame: object) -> None:
        _ignore_signals()  # once: the cleanup that follows runs undisturbed
        if not serving.is_set():
            # No build starts after this one (a file saved meanwhile has one waiting).
            state.stopping = True
            raise KeyboardInterrupt  # interrupts the first build, as Ctrl-C always did
        # Serving: the loop ends between two requests (within POLL_SECONDS), not in the middle of one.
        server.stop_requested = True  # type: ignore[union-attr]

    previous = _stop_on_signals(stop)
    try:
        try:
            server = _Server(("127.0.0.1", port), partial(handler, directory=str(state.site_dir)))
        except OSError as error:
            raise BuildError(f"cannot listen on 127.0.0.1:{port}: {error.strerror}; try another --port") from error
        log(f"Building into {workdir} (removed when the server stops)")
        # Watching first: a file saved during the first build is built right after it.
        for folder in watched:
            observer.schedule(watcher, str(folder), recursive=True)
        observer.start()
        on_change(set())
        log(f"Serving on http://127.0.0.1:{server.server_address[1]}{state.site_root} (watching {' and '.join(map(str, watched))}; Ctrl-C stops)")
        serving.set()
        server.serve_forever(poll_interval=POLL_SECONDS)
    except (KeyboardInterrupt, _Stopped):  # Ctrl-C or SIGTERM, during the first build or while serving
        pass
    finally:
        _ignore_signals()  # a second Ctrl-C must not interrupt the cleanup half-way
        state.stop()
        if indexer is not None:
            indexer.request()  # wakes it to see that the server stops
        watcher.cancel()
        if observer.is_alive():
            observer.stop()
            observer.join()
        if server is not None:
            server.server_close()
        # A build in progress writes into the folder; let it finish rather than race its removal.
        idle = build_lock.acquire(timeout=0.1)
        if not idle:
            log("Waiting for the build in progress to finish...")
            idle = build_lock.acquire(timeout=STOP_WAIT_SECONDS)
        shutil.rmtree(workdir, ignore_errors=True)
        if idle:
            build_lock.release()
        _restore_signals(previous)
    log("Stopped.")


_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def _stop_on_signals(stop: Callable[[int, object], None]) -> dict[int, object]:
    """Let Ctrl-C (SIGINT) and SIGTERM both call ``stop``; returns the handlers to restore."""
    if threading.current_thread() is not threading.main_thread():
        return {}  # only the main thread receives signals; whoever runs serve() elsewhere stops it
    # A signal ignored from the start (SIGINT under nohup or `&`) stays ignored.
    return {signum: signal.signal(signum, stop) for signum in _STOP_SIGNALS if signal.getsignal(signum) is not signal.SIG_IGN}


def _ignore_signals() -> None:
    if threading.current_thread() is threading.main_thread():
        for signum in _STOP_SIGNALS:
            signal.signal(signum, signal.SIG_IGN)


def _restore_signals(previous: dict[int, object]) -> None:
    for signum, handler in previous.items():
        signal.signal(signum, handler)  # type: ignore[arg-type]
