"""Work split across processes, with results in the order of the work.

The stages that cost most (parsing, validating and converting announcements;
rendering and writing pages) are pure functions of one item each, so their items
can be handed to worker processes in any grouping: each result depends only on its
own item, and results come back in the items' order. That is why a build on any
number of processes writes byte-identical files to a build in one.

Workers are forked, so they start with everything the parent has already computed
(the standards, the catalog, the page specs) without copying it through a pipe; only
the items' indexes go out and small results come back. Where fork is unavailable
(not Linux or macOS) the work runs in the calling process.

A build makes millions of objects that live as long as it does, and Python's cycle
collector walks all of them again and again as they grow: at 10,000 announcements,
2.5 s of the build's own process, most of it while the workers wait for it. So a
build pauses the collector (``collector_paused``); reference counting still frees
everything that is not in a cycle, and a build makes few cycles (rendering none, a
Markdown body one of five objects). The workers inherit the pause: each lives for one
stage, and never walking what it inherited also leaves that memory shared with the
parent. Once the build ends, the collector runs again and collects what it made in
its turn.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

# Fewer items than this are not worth a process: forking and collecting costs more.
MIN_ITEMS_PER_PROCESS = 64
# Items per task: small enough that both processes stay busy to the end, large enough
# that handing out tasks costs little.
CHUNK = 48


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def run_in_order(
    work: Callable[[Sequence[Item]], list[Result]],
    items: Sequence[Item],
    jobs: int,
    progress: Callable[[int], None] | None = None,
    meanwhile: Iterator[object] | None = None,
) -> Iterator[Result]:
    """``work`` over ``items`` in chunks, yielding each item's result in ``items``' order.

    ``work`` must be a module-level function (a forked worker finds it by name), and
    ``progress`` hears how many items are done so far. ``meanwhile`` is other work for
    the calling process, which otherwise only waits for the workers: one step of it
    (``next``) is taken as each chunk's results come back, and whatever is left once the
    last has. It runs in the calling process alone, so it gives the same results
    however many workers there are.
    """
    chunks = [items[start : start + CHUNK] for start in range(0, len(items), CHUNK)]
    processes = min(jobs, len(items) // MIN_ITEMS_PER_PROCESS)
    if processes < 2 or "fork" not in multiprocessing.get_all_start_methods():
        yield from _collect(chunks, map(work, chunks), progress, meanwhile)
        _finish(meanwhile)
        return
    with multiprocessing.get_context("fork").Pool(processes, initializer=_as_worker) as pool:
        yield from _collect(chunks, pool.imap(work, chunks), progress, meanwhile)
    _finish(meanwhile)  # with the workers gone


def _collect(
    chunks: list[Sequence[Item]], results: Iterator[list[Result]], progress: Callable[[int], None] | None, meanwhile: Iterator[object] | None
) -> Iterator[Result]:
    done = 0
    for chunk, chunk_results in zip(chunks, results):
        yield from chunk_results
        done += len(chunk)
        if progress:
            progress(done)
        if meanwhile is not None:
            next(meanwhile, None)


def _finish(meanwhile: Iterator[object] | None) -> None:
    for _ in meanwhile or ():
        pass


def _as_worker() -> None:
    """A worker leaves Ctrl-C to the parent (which stops the pool) and ends quietly when
    the pool ends it, whatever handlers it inherited (``serve`` installs its own)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


_pauses = 0  # builds running with the collector paused (serve runs two at once, in threads)
_was_enabled = False
_pauses_lock = threading.Lock()


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector while a build runs (see the module's docstring);
    it runs again once the last build running in this process ends."""
    global _pauses, _was_enabled
    with _pauses_lock:
        if _pauses == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _pauses_lock:
            _pauses -= 1
            if _pauses == 0 and _was_enabled:
                gc.enable()
