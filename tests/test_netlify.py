"""Deploying on Netlify: netlify.toml builds the register (drafts only in previews) and
serves it with security and cache headers that a real browser accepts; the GitHub
workflows check every pull request and rebuild the live site every night.

The browser tests serve a built site from a local server that adds the headers of
netlify.toml to each response, as Netlify would, and read the pages in Chromium.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import threading
import time
import tomllib
from contextlib import contextmanager
from functools import partial
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit
from urllib.request import Request, urlopen

import pytest
import yaml

from browser import chromium_browser
from conftest import PROJECT, announcement

NETLIFY = tomllib.loads((PROJECT / "netlify.toml").read_text("utf-8"))
WORKFLOWS = PROJECT / ".github" / "workflows"

HOME = "/"
ANNOUNCEMENT = "/certifications/2024-01-10-baotou-aluminium/"
ENTITY = "/entities/baotou-aluminium-co-ltd/"
SEARCH = "/search/?q=Baotou"

LONG_CACHE = "public, max-age=31536000, immutable"
# Pagefind names these after a hash of their content (and pagefind-entry.json leads to them).
HASHED_NAME = re.compile(r"^/pagefind/((fragment|index|filter)/[a-z]+_[0-9a-f]{7,}\.pf_[a-z]+|pagefind\.[a-z]+_[0-9a-f]{10,}\.pf_meta)$")


# --- netlify.toml, read as Netlify reads it ---------------------------------------------


def path_matches(pattern: str, path: str) -> bool:
    """Netlify's ``for`` patterns: ``*`` stands for any characters, "/" included
    (as in netlify/build's headers parser).

    >>> path_matches("/*", "/"), path_matches("/*", "/entities/x/")
    (True, True)
    >>> path_matches("/pagefind/fragment/*", "/pagefind/fragment/en_1a2b3c4.pf_fragment")
    True
    >>> path_matches("/pagefind/*.pf_meta", "/pagefind/pagefind.js")
    False
    """
    return re.fullmatch(re.escape(pattern).replace(r"\*", ".*"), path) is not None


def header_sources(path: str) -> dict[str, list[str]]:
    """For each header name (lower case), the ``for`` patterns of the rules that set it on ``path``."""
    sources: dict[str, list[str]] = {}
    for rule in NETLIFY.get("headers", []):
        if path_matches(rule["for"], path):
            for name in rule["values"]:
                sources.setdefault(name.lower(), []).append(rule["for"])
    return sources


def headers_for(path: str) -> dict[str, str]:
    """The headers Netlify adds to ``path``; a header set by several matching rules is joined with ", "."""
    headers: dict[str, str] = {}
    for rule in NETLIFY.get("headers", []):
        if path_matches(rule["for"], path):
            for name, value in rule["values"].items():
                name = name.lower()
                headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers


def csp_directives(policy: str) -> dict[str, list[str]]:
    """``"default-src 'none'; img-src 'self'"`` -> ``{"default-src": ["'none'"], "img-src": ["'self'"]}``."""
    directives = {}
    for part in policy.split(";"):
        if part.strip():
            name, *sources = part.split()
            directives[name.lower()] = sources
    return directives


def policy_text(directives: dict[str, list[str]]) -> str:
    return "; ".join(" ".join([name, *sources]) for name, sources in directives.items())


SITE_POLICY = headers_for("/")["content-security-policy"]


def certsite_build_arguments(command: str) -> list[str]:
    """The arguments after ``certsite build`` in a Netlify build command of ``&&``-joined steps."""
    for step in command.split("&&"):
        words = shlex.split(step)
        if len(words) >= 2 and Path(words[0]).name == "certsite" and words[1] == "build":
            return words[2:]
    raise AssertionError(f"no 'certsite build' step in {command!r}")


def site_paths(root: Path) -> list[str]:
    """The address of every file of a built site, and of every folder with an index.html."""
    files = [path.relative_to(root).as_posix() for path in sorted(root.rglob("*")) if path.is_file()]
    folders = [file.removesuffix("index.html") for file in files if file == "index.html" or file.endswith("/index.html")]
    return ["/" + file for file in files + folders]


# --- a local stand-in for Netlify's file server ------------------------------------------

CSP_REPORTS = "/__csp-reports"


class NetlifyLikeServer(ThreadingHTTPServer):
    """Serves a built site with the headers of netlify.toml, and 404.html for unknown addresses.

    For the tests only, it appends ``report-uri`` to the policy so that the browser
    posts every violation here, from the page and from Pagefind's worker alike.
    ``policy`` replaces the site's policy (to take one allowance out of it).
    """

    def __init__(self, root: Path) -> None:
        super().__init__(("127.0.0.1", 0), partial(_NetlifyLikeHandler, directory=str(root)))
        self.root = root
        self.policy = SITE_POLICY
        self.reports: list[dict] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def violations(self) -> list[str]:
        return [f"{report.get('effective-directive')} refused {report.get('blocked-uri')}" for report in self.reports]


class _NetlifyLikeHandler(SimpleHTTPRequestHandler):
    server: NetlifyLikeServer

    def end_headers(self) -> None:
        for name, value in headers_for(urlsplit(self.path).path).items():
            if name == "content-security-policy":
                value = f"{self.server.policy}; report-uri {CSP_REPORTS}"
            self.send_header(name, value)
        super().end_headers()

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = self.server.root / "404.html"
        if code != 404 or not page.is_file():
            return super().send_error(code, message, explain)
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_POST(self) -> None:
        if urlsplit(self.path).path != CSP_REPORTS:
            return self.send_error(405)
        report = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        self.server.reports.append(report.get("csp-report", report))
        self.send_response(204)
        BaseHTTPRequestHandler.end_headers(self)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@contextmanager
def netlify_like_server(root: Path) -> Iterator[NetlifyLikeServer]:
    server = NetlifyLikeServer(root)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def response_headers(url: str) -> dict[str, str]:
    with urlopen(Request(url, method="HEAD")) as response:
        return {name.lower(): value for name, value in response.headers.items()}


@pytest.fixture(scope="module")
def netlify(asi_site) -> Iterator[NetlifyLikeServer]:
    with netlify_like_server(asi_site.root) as server:
        yield server


@pytest.fixture(scope="module")
def browser():
    with chromium_browser() as browser:
        yield browser


# Every refusal is caught three ways: the page's securitypolicyviolation event, Chromium's
# console message, and the report the browser posts to the server (the only one that
# also covers Pagefind's worker). Playwright's wait_for_function is not used here: it
# evaluates its predicate with eval, which this policy rightly refuses.
WATCH_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation",
  (event) => window.__violations.push(`${event.effectiveDirective} refused ${event.blockedURI}`));
"""


@pytest.fixture
def page(browser, netlify):
    netlify.policy = SITE_POLICY
    netlify.reports.clear()
    context = browser.new_context(base_url=netlify.url)
    page = context.new_page()
    page.add_init_script(WATCH_VIOLATIONS)
    page.console_violations = []
    context.on("console", lambda message: page.console_violations.append(message.text) if "content security policy" in message.text.lower() else None)
    yield page
    context.close()
    netlify.policy = SITE_POLICY


def violations_on(page, netlify) -> list[str]:
    """Every refusal so far, once the page has settled."""
    page.wait_for_load_state("networkidle")
    return page.evaluate("window.__violations") + page.console_violations + netlify.violations()


def wait_for_report(page, netlify, directive: str, seconds: float = 10) -> list[dict]:
    """The browser's reports once one for ``directive`` has arrived (or the time is up)."""
    deadline = time.monotonic() + seconds
    while not any(report.get("effective-directive") == directive for report in netlify.reports) and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    return netlify.reports


def search_results(page, netlify) -> list[str]:
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    try:
        page.locator(".search-result h2 a").first.wait_for(timeout=10_000)
    except PlaywrightTimeoutError:
        pytest.fail(f"no search results appeared; the browser refused: {violations_on(page, netlify)}")
    return [link.get_attribute("href") for link in page.locator(".search-result h2 a").all()]


# --- building on Netlify -----------------------------------------------------------------


def test_netlify_publishes_the_site_folder_built_with_python_3_11_or_newer():
    assert NETLIFY["build"]["publish"] == "site"
    version = tuple(int(part) for part in NETLIFY["build"]["environment"]["PYTHON_VERSION"].split("."))
    assert version >= (3, 11)


def test_production_never_shows_drafts_and_previews_do(content, certsite, tmp_path):
    production_command = NETLIFY["build"]["command"]
    preview_command = NETLIFY["context"]["deploy-preview"]["command"]
    assert "--drafts" not in production_command
    assert "--drafts" in certsite_build_arguments(preview_command)
    content.announce(
        "2024-01-05-draft-alloys.md",
        announcement(**{"date: 2024-01-10": "date: 2024-01-05\ndraft: true", "entity: Acme Metals Ltd.": "entity: Draft Alloys"}),
    )
    draft = "certifications/2024-01-05-draft-alloys/index.html"
    for name, command in (("production", production_command), ("preview", preview_command)):
        output = tmp_path / name
        arguments = [*certsite_build_arguments(command), "--content", content.root, "--output", output, "--as-of", "2024-06-01", "--no-search"]
        assert certsite("build", *arguments).code == 0, name
    assert not (tmp_path / "production" / draft).exists()
    assert (tmp_path / "preview" / draft).is_file()


def test_netlify_installs_certsite_as_a_package_not_from_the_checkout():
    # certsite carries its templates inside the package, so a plain install builds the
    # site; an editable one would hide a wheel that lacks them.
    for command in (NETLIFY["build"]["command"], NETLIFY["context"]["deploy-preview"]["command"]):
        installs = [shlex.split(step) for step in command.split("&&") if "install" in shlex.split(step)]
        assert installs and not any("-e" in words or "--editable" in words for words in installs), command


def test_netlify_keeps_the_build_cache_that_the_build_command_uses_between_builds():
    """The build runs in the repository's root with content/ there, so its cache is
    .certsite-cache/ there; that is the folder Netlify is told to keep."""
    from certsite.cache import DEFAULT_FOLDER

    for toml in (NETLIFY, tomllib.loads((PROJECT / "certsite" / "starter_register" / "netlify.toml").read_text("utf-8"))):
        plugin = next(p for p in toml["plugins"] if p["package"] == "netlify-plugin-cache")
        assert plugin["inputs"]["paths"] == [DEFAULT_FOLDER]
        assert "--no-cache" not in toml["build"]["command"] and "--cache" not in toml["build"]["command"]
    assert f"{DEFAULT_FOLDER}/" in (PROJECT / ".gitignore").read_text("utf-8").split()
    assert f"{DEFAULT_FOLDER}/" in (PROJECT / "certsite" / "starter_register" / "gitignore").read_text("utf-8").split()


def test_404_page_and_redirects_come_from_the_build_not_from_netlify_toml(asi_site):
    assert (asi_site.root / "404.html").is_file()  # Netlify serves it for unknown addresses
    assert (asi_site.root / "_redirects").is_file()  # aliases: -> "old new 301" lines
    assert "redirects" not in NETLIFY  # one place for redirects, so they cannot disagree


# --- security headers --------------------------------------------------------------------


def test_the_policy_allows_only_the_site_itself_and_nothing_unsafe():
    directives = csp_directives(SITE_POLICY)
    assert directives["default-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    sources = {source for values in directives.values() for source in values}
    assert sources <= {"'self'", "'none'", "'wasm-unsafe-eval'"}, sources  # no host, scheme, *, data:, blob:, inline or eval
    assert "'wasm-unsafe-eval'" in directives["script-src"]  # WebAssembly only, never JavaScript eval
    assert not {"'unsafe-inline'", "'unsafe-eval'", "*", "http:", "https:", "data:", "blob:"} & sources


def test_every_response_carries_the_security_headers_once(asi_site):
    for path in site_paths(asi_site.root):
        headers = headers_for(path)
        assert headers["x-content-type-options"] == "nosniff", path
        assert headers["referrer-policy"] in ("strict-origin-when-cross-origin", "no-referrer", "same-origin"), path
        assert headers["content-security-policy"] == SITE_POLICY, path
        # Netlify joins the values of a header set by several matching rules; none is.
        assert all(len(rules) == 1 for rules in header_sources(path).values()), (path, header_sources(path))


def test_a_reader_browses_and_searches_and_the_browser_refuses_nothing(page, netlify):
    for address in (HOME, ANNOUNCEMENT, ENTITY, "/no-such-page/"):
        response = page.goto(address)
        assert response.headers["content-security-policy"].startswith(SITE_POLICY), address
        assert page.evaluate("document.querySelector('link[rel=stylesheet]').sheet.cssRules.length > 0"), address  # styled
        assert violations_on(page, netlify) == [], address
    page.goto(ENTITY)
    page.fill("#header-q", "Baotou")  # the header's search form (form-action 'self')
    page.press("#header-q", "Enter")
    page.wait_for_url(f"**{SEARCH}")
    assert ENTITY in search_results(page, netlify)  # Pagefind's script, worker, WebAssembly and index all loaded
    assert [urlsplit(worker.url).path for worker in page.workers] == ["/pagefind/pagefind-worker.js"]  # so worker-src
    assert violations_on(page, netlify) == []


def test_a_reader_verifies_a_certificate_number_and_the_browser_refuses_nothing(page, netlify):
    page.goto("/verify/?id=ASI-0000")  # verify.js (script-src) fetches its lookup (connect-src)
    page.locator("#verify-answer h2").wait_for()
    assert "No certificate numbered ASI-0000 is in the register" in page.locator("#verify-answer").inner_text()
    assert violations_on(page, netlify) == []


def test_another_site_cannot_show_the_register_in_a_frame(page, netlify):
    page.set_content(f'<iframe src="{netlify.url}{ENTITY}"></iframe>')
    reports = wait_for_report(page, netlify, "frame-ancestors")
    assert [report.get("effective-directive") for report in reports] == ["frame-ancestors"]
    assert not any(frame.url.endswith(ENTITY) and frame.locator("h1").count() for frame in page.frames[1:])


@pytest.mark.parametrize(
    ("allowance", "refused", "what"),
    [
        ("style-src", "style-src-elem", "/static/style.css"),
        ("script-src", "script-src-elem", "/static/search.js"),
        ("'wasm-unsafe-eval'", "script-src", "wasm-eval"),  # Pagefind compiles its WebAssembly
        ("connect-src", "connect-src", "/pagefind/"),  # and fetches its index (parts.json, pagefind-entry.json)
    ],
)
def test_each_allowance_of_the_policy_is_needed_by_the_search_page(page, netlify, allowance, refused, what):
    directives = csp_directives(SITE_POLICY)
    if allowance.startswith("'"):
        directives = {name: [source for source in sources if source != allowance] for name, sources in directives.items()}
    else:
        del directives[allowance]
    netlify.policy = policy_text(directives)
    page.goto(SEARCH)
    reports = wait_for_report(page, netlify, refused)
    assert any(report.get("effective-directive") == refused and what in report.get("blocked-uri", "") for report in reports), reports


# --- caching -----------------------------------------------------------------------------


def test_only_pagefinds_content_hashed_files_are_cached_for_a_year(asi_site, netlify):
    fragment = next((asi_site.root / "pagefind" / "fragment").iterdir())
    headers = response_headers(f"{netlify.url}/pagefind/fragment/{fragment.name}")
    assert headers["cache-control"] == LONG_CACHE
    for address in ("/pagefind/pagefind.js", "/pagefind/pagefind-entry.json", "/pagefind/wasm.en.pagefind", "/static/search.js", HOME, ENTITY):
        assert "cache-control" not in response_headers(netlify.url + address), address  # Netlify's default: revalidate
    long_cached = {path for path in site_paths(asi_site.root) if "immutable" in headers_for(path).get("cache-control", "")}
    assert long_cached == {path for path in site_paths(asi_site.root) if HASHED_NAME.match(path)}
    assert {path.rsplit(".", 1)[1] for path in long_cached} == {"pf_fragment", "pf_index", "pf_filter", "pf_meta"}
    assert all(headers_for(path)["cache-control"] == LONG_CACHE for path in long_cached)


# --- GitHub workflows --------------------------------------------------------------------


def workflow(name: str) -> dict:
    data = yaml.safe_load((WORKFLOWS / name).read_text("utf-8"))
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as true
    return data


def steps(data: dict) -> list[dict]:
    return [step for job in data["jobs"].values() for step in job["steps"]]


def test_every_pull_request_is_checked_and_tested_with_chromium():
    check = workflow("check.yml")
    assert "pull_request" in check["on"]
    assert "main" in check["on"]["push"]["branches"]
    runs = [step.get("run", "") for step in steps(check)]
    order = {what: next(i for i, run in enumerate(runs) if what in run) for what in ("install -y chromium", "make install", "certsite check", "make test")}
    assert order["install -y chromium"] < order["make test"] and order["make install"] < order["certsite check"]
    job = next(iter(check["jobs"].values()))
    assert str({**check.get("env", {}), **job.get("env", {})}.get("CI")).lower() == "true"  # browser tests fail, not skip


def scheduled_trigger_script() -> tuple[str, dict]:
    scheduled = workflow("scheduled-build.yml")
    [step] = [step for step in steps(scheduled) if "curl" in step.get("run", "")]
    return step["run"], step.get("env", {})


def test_the_live_site_is_rebuilt_every_night_through_a_build_hook_kept_secret():
    scheduled = workflow("scheduled-build.yml")
    [cron] = [entry["cron"] for entry in scheduled["on"]["schedule"]]
    assert len(cron.split()) == 5 and cron.split()[2:] == ["*", "*", "*"]  # every day
    assert "workflow_dispatch" in scheduled["on"]
    script, env = scheduled_trigger_script()
    assert env["NETLIFY_BUILD_HOOK"].replace(" ", "") == "${{secrets.NETLIFY_BUILD_HOOK}}"
    assert '"$NETLIFY_BUILD_HOOK"' in script
    code = [line for line in (WORKFLOWS / "scheduled-build.yml").read_text("utf-8").splitlines() if not line.lstrip().startswith("#")]
    assert not any("build_hooks/" in line or "https://" in line for line in code)  # no hook address in the repository


class _BuildHook(BaseHTTPRequestHandler):
    """Stands in for Netlify's build hook endpoint: records each POST."""

    def do_POST(self) -> None:
        self.server.calls.append((urlsplit(self.path).path, self.rfile.read(int(self.headers.get("Content-Length", 0)))))
        self.send_response(200)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


def run_trigger(hook: str) -> subprocess.CompletedProcess:
    script, _ = scheduled_trigger_script()
    environment = {**os.environ, "NETLIFY_BUILD_HOOK": hook, "no_proxy": "127.0.0.1", "NO_PROXY": "127.0.0.1"}
    return subprocess.run(["bash", "-eo", "pipefail", "-c", script], capture_output=True, text=True, env=environment, timeout=30, check=False)


def test_the_nightly_job_posts_to_the_build_hook():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _BuildHook)
    server.calls = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        result = run_trigger(f"http://127.0.0.1:{server.server_address[1]}/build_hooks/0123abcd")
    finally:
        server.shutdown()
        server.server_close()
    assert result.returncode == 0, result.stderr
    assert server.calls == [("/build_hooks/0123abcd", b"{}")]


def test_the_nightly_job_fails_clearly_without_the_secret():
    result = run_trigger("")
    assert result.returncode != 0
    assert "NETLIFY_BUILD_HOOK" in result.stdout + result.stderr
