"""Benchmark: a burst of concurrent requests against `certsite serve`; prints latency figures.

    python bench/serve_burst.py [--requests 200] [--rounds 5] [--events 4] [--content DIR --as-of DATE]

Starts `certsite serve --port 0 --no-search` on a copy of a register (default: the
frozen test register), keeps a few live-reload event streams open, then fires
``--requests`` GETs at once (pages from the sitemap and static files, in turn) from
as many threads, and prints p50/p90/p99/max per round and over all rounds; then one
more burst while a rebuild runs (a content file rewritten just before). The goal
named in issue 11 is p99 under 200 ms for 200 requests on 127.0.0.1; it is printed
next to the figures, never asserted. The load average is printed too: on a shared
machine, other work moves these figures more than anything in the server does.
Stops the server with Ctrl-C's signal at the end.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

PROJECT = Path(__file__).resolve().parent.parent
EVENTS_PATH = "/__certsite/events"  # certsite.serve.EVENTS_URL
GOAL_P99_MS = 200.0


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def start_server(content: Path, as_of: str) -> tuple[subprocess.Popen[str], str, str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "certsite", "serve", "--content", str(content), "--port", "0", "--no-search", "--as-of", as_of],
        cwd=PROJECT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "PYTHONPATH": str(PROJECT)},
    )
    assert process.stdout is not None
    for line in process.stdout:
        if match := re.search(r"Serving on (http://127\.0\.0\.1:\d+)(/\S*)", line):
            threading.Thread(target=process.stdout.read, daemon=True).start()  # drain the rest
            return process, match.group(1), match.group(2)
    raise SystemExit(f"certsite serve did not start (exit {process.wait()})")


def site_paths(address: str, root: str) -> list[str]:
    with urllib.request.urlopen(f"{address}{root}sitemap.xml", timeout=10) as response:
        sitemap = response.read().decode("utf-8")
    pages = [root + urlsplit(loc).path.lstrip("/").removeprefix(root.lstrip("/")) for loc in re.findall(r"<loc>([^<]+)</loc>", sitemap)]
    statics = [f"{root}static/style.css", f"{root}static/favicon.svg", f"{root}static/search.js", f"{root}feed.xml", f"{root}robots.txt"]
    # Pages and static files in turn, so every slice of the burst mixes both.
    mixed: list[str] = []
    for index, page in enumerate(pages):
        mixed += [page, statics[index % len(statics)]]
    return mixed


def open_event_stream(address: str) -> http.client.HTTPResponse:
    parts = urlsplit(address)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    connection.request("GET", EVENTS_PATH)
    response = connection.getresponse()
    assert response.status == 200, response.status
    assert response.fp.readline().startswith(b"data: ")  # the current build, sent at once
    response.fp.readline()  # the blank line that ends the message
    return response


def burst(address: str, paths: list[str], count: int) -> tuple[list[float], int]:
    start = threading.Barrier(count)

    def fetch(index: int) -> float | None:
        start.wait()
        began = time.perf_counter()
        try:
            with urllib.request.urlopen(address + paths[index % len(paths)], timeout=30) as response:
                response.read()
                if response.status != 200:
                    return None
        except OSError:
            return None
        return (time.perf_counter() - began) * 1000

    with ThreadPoolExecutor(max_workers=count) as pool:
        results = list(pool.map(fetch, range(count)))
    times = [r for r in results if r is not None]
    return times, count - len(times)


def start_a_rebuild(content: Path) -> None:
    """Rewrite a content file unchanged, so the server rebuilds; return once that build has begun."""
    victim = min(content.rglob("*.md"))
    victim.write_bytes(victim.read_bytes())
    time.sleep(0.25)  # the server's debounce (0.2 s), then the build starts


def next_generation(stream: http.client.HTTPResponse) -> str:
    """The build number the next live-reload message names (keep-alive comments skipped)."""
    while line := stream.fp.readline():
        if line.startswith(b"data: "):
            return line[6:].strip().decode()
    return "none (stream ended)"


def figures(times: list[float]) -> str:
    return (
        f"p50 {statistics.median(times):7.1f} ms  p90 {percentile(times, 0.90):7.1f} ms  "
        f"p99 {percentile(times, 0.99):7.1f} ms  max {max(times):7.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--events", type=int, default=4, help="live-reload streams held open during the bursts")
    parser.add_argument("--content", type=Path, default=PROJECT / "tests/registers/asi")
    parser.add_argument("--as-of", default="2026-11-23")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="certsite-bench-") as scratch:
        content = Path(scratch) / "content"
        shutil.copytree(args.content, content)
        process, address, root = start_server(content, args.as_of)
        try:
            paths = site_paths(address, root)
            streams = [open_event_stream(address) for _ in range(args.events)]
            print(f"{args.requests} concurrent GETs x {args.rounds} rounds over {len(paths)} addresses, "
                  f"{len(streams)} event streams open, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
            burst(address, paths, min(20, args.requests))  # warm up
            every: list[float] = []
            for round_ in range(1, args.rounds + 1):
                times, failed = burst(address, paths, args.requests)
                every += times
                print(f"round {round_}: {figures(times)}  failed {failed}")
            overall = percentile(every, 0.99)
            verdict = "met" if overall < GOAL_P99_MS else "NOT met"
            print(f"all:     {figures(every)}  (goal p99 < {GOAL_P99_MS:.0f} ms: {verdict}); load average {os.getloadavg()[0]:.1f}")
            start_a_rebuild(content)
            times, failed = burst(address, paths, args.requests)
            built = next_generation(streams[0]) if streams else "not watched (--events 0)"
            print(f"rebuild: {figures(times)}  failed {failed}  (a burst while a rebuild runs; build number now {built})")
            for stream in streams:
                stream.close()
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                print("certsite serve did not stop within 10 s after SIGINT; killing it")
                process.kill()
                process.wait()


if __name__ == "__main__":
    main()
