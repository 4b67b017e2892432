"""Development server: build, serve, watch, rebuild, and reload open pages.

The site is built into a temporary folder outside the watched tree, so the server
never watches its own output. A failed rebuild keeps the last good site on disk,
but every page then shows the errors instead, until a fix makes the build pass.
Open pages reload themselves through a server-sent event stream.
"""

from __future__ import annotations

import html
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from certsite.build import BuildOptions, BuildReport, build, template_dirs
from certsite.errors import BuildError, ContentError, format_diagnostic

RELOAD_SCRIPT_URL = "/__certsite/reload.js"
EVENTS_URL = "/__certsite/events"
DEBOUNCE_SECONDS = 0.2

RELOAD_SCRIPT = b"""// certsite serve: reload this page when the site it shows has been rebuilt.
(function () {
  var shown = document.currentScript.dataset.generation;
  var source = new EventSource("/__certsite/events");
  source.onmessage = function (event) {
    // Each message names the latest build; one finished before this page connected counts too.
    if (event.data !== shown) { window.location.reload(); }
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

    def finished(self, errors: list[str], site_root: str | None = None) -> None:
        with self.changed:
            self.errors = errors
            self.site_root = site_root or self.site_root
            self.generation += 1
            self.changed.notify_all()


def rebuild(options: BuildOptions, state: ServerState, with_search: bool, log: Callable[[str], None]) -> None:
    """Build into the served folder; on failure keep it and record the errors to show."""
    try:
        report: BuildReport = build(options, state.site_dir, Path.cwd(), with_search=with_search)
    except ContentError as error:
        errors = [format_diagnostic(d, _source_lines(d.path)) for d in error.diagnostics]
        log("\n".join(errors) + f"\n{error}. Serving the error page until it is fixed.")
        state.finished([*errors, f"{error}."])
        return
    except BuildError as error:
        log(f"build failed: {error}")
        state.finished([f"build failed: {error}"])
        return
    log(f"Built {report.pages} pages in {report.seconds:.2f} s.")
    state.finished([], report.site_root)


def _source_lines(path: Path) -> list[str] | None:
    try:
        return path.read_text("utf-8").split("\n")
    except (OSError, UnicodeDecodeError):
        return None


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


class _Handler(SimpleHTTPRequestHandler):
    state: ServerState

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
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        seen = -1
        try:
            while True:
                with self.state.changed:
                    self.state.changed.wait_for(lambda: self.state.generation != seen, timeout=15)
                    current = self.state.generation
                # A comment line every 15 s keeps the connection open and detects closed tabs.
                message = f"data: {current}\n\n" if current != seen else ": keep-alive\n\n"
                self.wfile.write(message.encode())
                self.wfile.flush()
                seen = current
        except (BrokenPipeError, ConnectionResetError):
            return


class _Debounced(FileSystemEventHandler):
    """Runs ``action`` once, shortly after the last of a burst of file events."""

    def __init__(self, action: Callable[[], None]):
        self.action = action
        self.timer: threading.Timer | None = None
        self.lock = threading.Lock()

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write"):
            return
        with self.lock:
            if self.timer is not None:
                self.timer.cancel()
            self.timer = threading.Timer(DEBOUNCE_SECONDS, self.action)
            self.timer.daemon = True
            self.timer.start()


def serve(options: BuildOptions, port: int, with_search: bool = True, log: Callable[[str], None] = print) -> None:
    """Serve on 127.0.0.1:``port`` until interrupted (Ctrl-C)."""
    if not options.content_dir.is_dir():
        raise BuildError(f"{options.content_dir} is not a folder; run certsite serve in the register's folder, or name the content with --content DIR")
    watched = (options.content_dir, *template_dirs(options))
    workdir = Path(tempfile.mkdtemp(prefix="certsite-serve-"))
    state = ServerState(site_dir=workdir / "site")
    build_lock = threading.Lock()

    def on_change() -> None:
        with build_lock:  # one build at a time; a burst during a build triggers one more
            rebuild(options, state, with_search, log)

    handler = type("Handler", (_Handler,), {"state": state})
    try:
        server = ThreadingHTTPServer(("127.0.0.1", port), partial(handler, directory=str(state.site_dir)))
    except OSError as error:
        shutil.rmtree(workdir, ignore_errors=True)
        raise BuildError(f"cannot listen on 127.0.0.1:{port}: {error.strerror}; try another --port") from error
    try:
        on_change()
    except KeyboardInterrupt:
        server.server_close()
        shutil.rmtree(workdir, ignore_errors=True)
        log("Stopped.")
        return
    server.daemon_threads = True
    observer = Observer()
    watcher = _Debounced(on_change)
    for folder in watched:
        observer.schedule(watcher, str(folder), recursive=True)
    observer.start()
    log(f"Serving on http://127.0.0.1:{server.server_address[1]}{state.site_root} (watching {' and '.join(map(str, watched))}; Ctrl-C stops)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        log("Stopped.")
    finally:
        observer.stop()
        observer.join()
        server.server_close()
        shutil.rmtree(workdir, ignore_errors=True)
